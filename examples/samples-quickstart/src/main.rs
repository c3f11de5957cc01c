//! The Dapr extension's JavaScript quickstart (`quickstarts/javascript`) in Rust.
//!
//! `HttpTrigger` appends the request body to the state at `{key}` and publishes the new
//! value to `pubsub`/`myTopic`; `DaprSubscribeTrigger` logs what arrives on that topic.

use dapr_fn_runtime::prelude::*;
use serde_json::Value;

/// Subscribes to `myTopic` on `pubsub`, delivered at `/myroute`.
#[function(name = "DaprSubscribeTrigger")]
async fn dapr_subscribe_trigger(
    #[dapr_topic_trigger(pub_sub_name = "pubsub", topic = "myTopic", route = "/myroute")] dapr_trigger: CloudEvent<Value>,
) {
    tracing::info!("JavaScript function processed a request from the Dapr Runtime.");
    tracing::info!("{}", dapr_trigger.data);
}

/// `POST /api/state/{key}`: appends the body to the stored value and publishes it.
///
/// As in the quickstart, a key that does not exist yet fails the invocation: the Dapr
/// extension answers a missing state input with `ERR_NO_CONTENT` before the function runs.
#[function(name = "HttpTrigger")]
async fn http_trigger(
    #[http_trigger(auth_level = "anonymous", methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state_in: Option<String>,
    #[dapr_publish] publish: DaprPublish<String>,
    #[dapr_state(store = "statestore", key = "{key}")] state_out: DaprState<String>,
) -> Result<HttpResponse, Error> {
    let new_value = format!("{}\n{}", state_in.unwrap_or_default(), req.body_text()?);
    state_out.set(new_value.clone());
    publish.publish_to("pubsub", "myTopic", new_value);
    Ok(HttpResponse::ok())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dapr_fn_runtime::run().await
}

#[cfg(test)]
mod tests {
    use dapr_fn_runtime::testing::{HostPayload, TestInvoker};
    use dapr_fn_runtime::HttpRequest;
    use serde_json::json;

    #[tokio::test]
    async fn http_trigger_saves_and_publishes_the_appended_value() {
        let req = HttpRequest::builder().method("POST").url("http://localhost:7071/api/state/k1").param("key", "k1").body("world").build();
        let result = TestInvoker::new().invoke("HttpTrigger", HostPayload::http(req).with_input("stateIn", json!("hello"))).await;
        assert!(result.is_success(), "{}", result.body);
        let calls: Vec<String> = result.dapr_calls().unwrap().iter().map(|c| c.summary()).collect();
        assert_eq!(
            calls,
            [r#"POST /v1.0/publish/pubsub/myTopic "hello\nworld""#, r#"POST /v1.0/state/statestore [{"key":"k1","value":"hello\nworld"}]"#]
        );
        assert_eq!(result.input_calls().unwrap()[0].1.summary(), "GET /v1.0/state/statestore/k1");
    }

    #[tokio::test]
    async fn subscriber_logs_the_event_data() {
        let event = json!({"id": "1", "source": "app", "type": "com.dapr.event.sent", "specversion": "1.0", "datacontenttype": "application/json", "topic": "myTopic", "pubsubname": "pubsub", "data": {"n": 1}});
        let result = TestInvoker::new().invoke("DaprSubscribeTrigger", HostPayload::dapr(event)).await;
        assert_eq!(result.logs(), ["JavaScript function processed a request from the Dapr Runtime.", r#"{"n":1}"#]);
        assert!(result.dapr_calls().unwrap().is_empty());
    }
}
