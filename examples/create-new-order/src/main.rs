//! `CreateNewOrder` from the Dapr extension's JavaScript and Python samples: invoked
//! through Dapr service invocation (`dapr invoke --app-id functionapp --method
//! CreateNewOrder --data '{"data": {"orderId": "41"}}'`), it saves the payload's `data`
//! as state `order` in the store named by the `StateStoreName` app setting.

use dapr_fn_runtime::prelude::*;

/// Saves `payload.data` as the `order` state.
#[function(name = "CreateNewOrder")]
async fn create_new_order(
    #[dapr_service_invocation_trigger] payload: serde_json::Value,
    #[dapr_state(store = "%StateStoreName%", key = "order")] order: DaprState<serde_json::Value>,
) -> Result<(), Error> {
    let data = payload.get("data").cloned().ok_or_else(|| Error::bad_request("the payload has no `data`"))?;
    tracing::info!("saving order {data}");
    order.set(data);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dapr_fn_runtime::run().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use dapr_fn_runtime::testing::{HostPayload, TestInvoker};
    use serde_json::json;

    #[tokio::test]
    async fn saves_the_payload_data_as_the_order() {
        let result = TestInvoker::new().invoke("CreateNewOrder", HostPayload::dapr(json!({"data": {"orderId": "41"}}))).await;
        assert!(result.is_success(), "{:?}", result.body);
        assert_eq!(result.output("order"), Some(&json!({"value": {"orderId": "41"}})));
        assert_eq!(result.logs(), [r#"saving order {"orderId":"41"}"#]);
    }

    #[tokio::test]
    async fn fails_without_data_and_saves_nothing() {
        let result = TestInvoker::new().invoke("CreateNewOrder", HostPayload::dapr(json!({"id": 1}))).await;
        assert_eq!(result.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(result.error(), Some("the payload has no `data`"));
        assert!(result.output("order").is_none());
    }
}
