//! The HTTP-triggered state samples from the Dapr binding documentation:
//! `StateOutputBinding` (`POST /api/state/{key}` saves the request body as state `{key}`
//! in the `statestore` component) and `StateInputBinding` (`GET /api/state/{key}` answers
//! with it).

use dapr_fn_runtime::prelude::*;

/// Saves the request body under the route's `{key}`.
#[function(name = "StateOutputBinding")]
async fn state_output_binding(
    #[http_trigger(auth_level = "function", methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<String>,
) -> Result<HttpResponse, Error> {
    tracing::info!("C# HTTP trigger function processed a request.");
    state.set(req.body_text()?);
    Ok(HttpResponse::ok())
}

/// Answers with the state saved under the route's `{key}`.
#[function(name = "StateInputBinding")]
async fn state_input_binding(
    #[http_trigger(auth_level = "function", methods = "get", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: String,
) -> HttpResponse {
    tracing::info!("read state {}", req.param("key").unwrap_or_default());
    HttpResponse::ok().text(state)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dapr_fn_runtime::run().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_the_body_under_the_route_key() {
        let req = HttpRequest::builder().method("POST").param("key", "order-1").body(r#"{"orderId":1}"#).build();
        let state = DaprState::new();
        let res = state_output_binding(req, state.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let records = state.records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].key, None, "the binding's key = \"{{key}}\" applies");
        assert_eq!(records[0].value, serde_json::json!(r#"{"orderId":1}"#));
    }
}
