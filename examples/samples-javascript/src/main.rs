//! The Dapr extension's JavaScript samples (`samples/javascript-azurefunction`) in Rust.
//!
//! Where a sample's function.json says `"method"` (a typo for `methods`), the host
//! ignores it and accepts every method; these functions therefore omit `methods`.

use std::collections::HashMap;

use dapr_fn_runtime::prelude::*;
use serde_json::Value;

/// The body as Node's `req.body` has it: parsed JSON, or the text.
fn body_value(req: &HttpRequest) -> Result<Value, Error> {
    Ok(req.json::<Value>().unwrap_or_else(|_| Value::String(String::from_utf8_lossy(req.body()).into_owned())))
}

/// Logs each message from the Kafka input binding.
#[function(name = "ConsumeMessageFromKafka")]
async fn consume_message_from_kafka(#[dapr_binding_trigger(binding_name = "%KafkaBindingName%")] trigger_data: Value) {
    tracing::info!("JavaScript function processed a ConsumeMessageFromKafka request from the Dapr Runtime.");
    tracing::info!("Trigger data: {trigger_data}");
}

/// Saves the invocation's `data` as the `order` state.
#[function(name = "CreateNewOrder")]
async fn create_new_order(
    #[dapr_service_invocation_trigger] payload: Value,
    #[dapr_state(store = "%StateStoreName%", key = "order")] order: DaprState<Value>,
) {
    order.set(payload["data"].clone());
}

/// Forwards the request body to `{methodName}` of app `{appId}`.
#[function(name = "InvokeOutputBinding")]
async fn invoke_output_binding(
    #[http_trigger(auth_level = "anonymous", route = "invoke/{appId}/{methodName}")] req: HttpRequest,
    #[dapr_invoke(app_id = "{appId}", method_name = "{methodName}", http_verb = "post")] payload: DaprInvoke<Value>,
) -> Result<HttpResponse, Error> {
    payload.invoke(body_value(&req)?);
    Ok(HttpResponse::ok())
}

/// Logs the data of each event on topic `B`.
#[function(name = "PrintTopicMessage")]
async fn print_topic_message(#[dapr_topic_trigger(pub_sub_name = "messagebus", topic = "B")] sub_event: CloudEvent<Value>) {
    tracing::info!("Topic B received a message: {}", sub_event.data);
}

/// Publishes the request body to `{topicName}`.
#[function(name = "PublishOutputBinding")]
async fn publish_output_binding(
    #[http_trigger(auth_level = "anonymous", route = "topic/{topicName}")] req: HttpRequest,
    #[dapr_publish(pub_sub_name = "messagebus", topic = "{topicName}")] payload: DaprPublish<Value>,
) -> Result<HttpResponse, Error> {
    payload.publish(body_value(&req)?);
    Ok(HttpResponse::ok())
}

/// Logs the stored `order`.
#[function(name = "RetrieveOrder")]
async fn retrieve_order(
    #[dapr_service_invocation_trigger] payload: Value,
    #[dapr_state(store = "%StateStoreName%", key = "order")] data: Value,
) {
    let _ = payload;
    tracing::info!("{data}");
}

/// Logs the names of the secrets in `my-secret`.
#[function(name = "RetrieveSecret")]
async fn retrieve_secret(
    #[dapr_service_invocation_trigger] payload: Value,
    #[dapr_secret(store = "localsecretstore", key = "my-secret", metadata = "metadata.namespace=default")] secret: HashMap<String, String>,
) {
    let _ = payload;
    let mut names: Vec<&String> = secret.keys().collect();
    names.sort();
    for name in names {
        tracing::info!("Stored secret: Key = {name}");
    }
}

/// Sends the invocation payload to Kafka.
#[function(name = "SendMessageToKafka")]
async fn send_message_to_kafka(
    #[dapr_service_invocation_trigger] args: Value,
    #[dapr_binding(binding_name = "%KafkaBindingName%", operation = "create")] messages: DaprBinding<Value>,
) {
    messages.send(args);
}

/// `GET /api/state/{key}`: answers with the stored value.
#[function(name = "StateInputBinding")]
async fn state_input_binding(
    #[http_trigger(auth_level = "anonymous", methods = "get, options", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: Value,
) -> HttpResponse {
    let _ = req;
    HttpResponse::ok().json(&state)
}

/// `POST /api/state/{key}`: saves the body.
#[function(name = "StateOutputBinding")]
async fn state_output_binding(
    #[http_trigger(auth_level = "function", methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<Value>,
) -> Result<HttpResponse, Error> {
    state.set(body_value(&req)?);
    Ok(HttpResponse::ok())
}

/// Republishes each event of topic `A` to topic `B`.
#[function(name = "TransferEventBetweenTopics")]
async fn transfer_event_between_topics(
    #[dapr_topic_trigger(pub_sub_name = "messagebus", topic = "A")] sub_event: CloudEvent<Value>,
    #[dapr_publish(pub_sub_name = "messagebus", topic = "B")] pub_event: DaprPublish<String>,
) {
    pub_event.publish(format!("Transfer from Topic A: {}", sub_event.data));
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    dapr_fn_runtime::run().await
}

#[cfg(test)]
mod tests {
    use dapr_fn_runtime::testing::{HostPayload, TestInvoker};
    use dapr_fn_runtime::HttpRequest;
    use serde_json::{json, Value};

    fn invoker() -> TestInvoker {
        TestInvoker::new().with_setting("StateStoreName", "statestore").with_setting("KafkaBindingName", "sample-topic")
    }

    async fn calls(function: &str, payload: HostPayload) -> Vec<String> {
        let result = invoker().invoke(function, payload).await;
        assert!(result.is_success(), "{function}: {}", result.body);
        result.dapr_calls().unwrap().iter().map(|c| c.summary()).collect()
    }

    fn event(topic: &str, data: Value) -> HostPayload {
        HostPayload::dapr(
            json!({"id": "e1", "source": "app", "type": "com.dapr.event.sent", "specversion": "1.0", "topic": topic, "pubsubname": "messagebus", "data": data}),
        )
    }

    #[tokio::test]
    async fn each_sample_makes_the_documented_dapr_calls() {
        // dapr invoke --method CreateNewOrder --data '{"data": {"orderId": "41"}}'
        assert_eq!(
            calls("CreateNewOrder", HostPayload::dapr(json!({"data": {"orderId": "41"}}))).await,
            [r#"POST /v1.0/state/statestore [{"key":"order","value":{"orderId":"41"}}]"#]
        );
        // dapr invoke --method SendMessageToKafka --data '{"message": "hello!"}'
        assert_eq!(
            calls("SendMessageToKafka", HostPayload::dapr(json!({"message": "hello!"}))).await,
            [r#"POST /v1.0/bindings/sample-topic {"data":{"message":"hello!"},"operation":"create"}"#]
        );
        // dapr publish --pubsub messagebus --topic A --data 'This is a test'
        assert_eq!(
            calls("TransferEventBetweenTopics", event("A", json!("This is a test"))).await,
            [r#"POST /v1.0/publish/messagebus/B "Transfer from Topic A: \"This is a test\"""#]
        );
        let req = HttpRequest::builder()
            .method("POST")
            .url("http://localhost:7071/api/topic/B")
            .param("topicName", "B")
            .json(&json!({"n": 1}))
            .build();
        assert_eq!(calls("PublishOutputBinding", HostPayload::http(req)).await, [r#"POST /v1.0/publish/messagebus/B {"n":1}"#]);
        let req = HttpRequest::builder()
            .method("GET")
            .url("http://localhost:7071/api/invoke/app2/add")
            .param("appId", "app2")
            .param("methodName", "add")
            .json(&json!({"a": 1}))
            .build();
        assert_eq!(calls("InvokeOutputBinding", HostPayload::http(req)).await, [r#"POST /v1.0/invoke/app2/method/add {"a":1}"#]);
        let req = HttpRequest::builder()
            .method("POST")
            .url("http://localhost:7071/api/state/k9")
            .param("key", "k9")
            .json(&json!({"v": 9}))
            .build();
        assert_eq!(
            calls("StateOutputBinding", HostPayload::http(req)).await,
            [r#"POST /v1.0/state/statestore [{"key":"k9","value":{"v":9}}]"#]
        );
    }

    #[tokio::test]
    async fn input_and_trigger_samples_see_what_the_extension_delivers() {
        let result = invoker().invoke("RetrieveOrder", HostPayload::dapr(json!({})).with_input("data", json!({"orderId": "41"}))).await;
        assert_eq!(result.logs(), [r#"{"orderId":"41"}"#]);
        assert_eq!(result.input_calls().unwrap()[0].1.summary(), "GET /v1.0/state/statestore/order");

        let secret = json!({"my-secret": "abc", "other": "def"});
        let result = invoker().invoke("RetrieveSecret", HostPayload::dapr(json!({})).with_input("secret", secret)).await;
        assert_eq!(result.logs(), ["Stored secret: Key = my-secret", "Stored secret: Key = other"]);
        assert_eq!(result.input_calls().unwrap()[0].1.summary(), "GET /v1.0/secrets/localsecretstore/my-secret?metadata.namespace=default");

        let req = HttpRequest::builder().url("http://localhost:7071/api/state/k1").param("key", "k1").build();
        let result = invoker().invoke("StateInputBinding", HostPayload::http(req).with_input("state", json!({"v": 1}))).await;
        assert_eq!(result.http_response().unwrap()["body"], r#"{"v":1}"#);

        let result = invoker().invoke("PrintTopicMessage", event("B", json!({"orderId": 1}))).await;
        assert_eq!(result.logs(), [r#"Topic B received a message: {"orderId":1}"#]);
        let result = invoker().invoke("ConsumeMessageFromKafka", HostPayload::dapr(json!("plain text"))).await;
        assert_eq!(result.logs()[1], r#"Trigger data: "plain text""#);
    }
}
