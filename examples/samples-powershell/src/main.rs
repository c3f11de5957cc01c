//! The Dapr extension's PowerShell samples (`samples/powershell-azurefunction`) in Rust.

use std::collections::HashMap;

use dapr_fn_runtime::prelude::*;
use serde_json::Value;

/// Logs each message from the Kafka input binding.
#[function(name = "ConsumeMessageFromKafka")]
async fn consume_message_from_kafka(#[dapr_binding_trigger(binding_name = "%KafkaBindingName%")] trigger_data: Value) {
    tracing::info!("Powershell function processed a ConsumeMessageFromKafka request from the Dapr Runtime.");
    tracing::info!("Trigger data: {trigger_data}");
}

/// Saves the invocation's `data`, which carries the state record itself: the README
/// invokes it with `{"data": {"value": {"orderId": "41"}}}`.
#[function(name = "CreateNewOrder")]
async fn create_new_order(
    #[dapr_service_invocation_trigger] payload: Value,
    #[dapr_state(store = "%StateStoreName%", key = "order")] order: DaprState<Value>,
) {
    order.set(payload["data"]["value"].clone());
}

/// Greets `name` from the query string or JSON body.
#[function(name = "HttpExample", http_response = "Response")]
async fn http_example(
    #[http_trigger(auth_level = "anonymous", methods = "get, post", name = "Request")] request: HttpRequest,
) -> HttpResponse {
    let name =
        request.query("name").map(str::to_string).or_else(|| request.json::<Value>().ok()?.get("name")?.as_str().map(str::to_string));
    match name {
        Some(name) => HttpResponse::ok().text(format!("Hello, {name}. This HTTP triggered function executed successfully.")),
        None => HttpResponse::ok().text(
            "This HTTP triggered function executed successfully. Pass a name in the query string or in the request body for a personalized response.",
        ),
    }
}

/// Forwards the request body to `{methodName}` of app `{appId}`.
#[function(name = "InvokeOutputBinding")]
async fn invoke_output_binding(
    #[http_trigger(auth_level = "function", route = "invoke/{appId}/{methodName}")] req: HttpRequest,
    #[dapr_invoke(app_id = "{appId}", method_name = "{methodName}", http_verb = "post")] payload: DaprInvoke<String>,
) -> Result<HttpResponse, Error> {
    payload.invoke(req.body_text()?);
    Ok(HttpResponse::ok())
}

/// Logs the data of each event on topic `B`.
#[function(name = "PrintTopicMessage")]
async fn print_topic_message(#[dapr_topic_trigger(pub_sub_name = "%PubSubName%", topic = "B")] sub_event: Value) {
    tracing::info!("Topic B received a message: {sub_event}");
}

/// Logs the stored `order`.
#[function(name = "RetrieveOrder")]
async fn retrieve_order(
    #[dapr_service_invocation_trigger] payload: Value,
    #[dapr_state(store = "%StateStoreName%", key = "order")] order: Value,
) {
    let _ = payload;
    tracing::info!("{order}");
}

/// Logs the secrets in `my-secret`.
#[function(name = "RetrieveSecretLocal")]
async fn retrieve_secret_local(
    #[dapr_service_invocation_trigger] payload: Value,
    #[dapr_secret(store = "localsecretstore", key = "my-secret", metadata = "metadata.namespace=default")] secret: HashMap<String, String>,
) {
    let _ = payload;
    tracing::info!("{} secret(s) retrieved", secret.len());
}

/// Sends the invocation payload to Kafka as the message data.
#[function(name = "SendMessageToKafka")]
async fn send_message_to_kafka(
    #[dapr_service_invocation_trigger] req: Value,
    #[dapr_binding(binding_name = "%KafkaBindingName%", operation = "create")] messages: DaprBinding<Value>,
) {
    messages.send(req);
}

/// Republishes each event of topic `A` to topic `B`.
#[function(name = "TransferEventBetweenTopics")]
async fn transfer_event_between_topics(
    #[dapr_topic_trigger(pub_sub_name = "%PubSubName%", topic = "A")] sub_event: Value,
    #[dapr_publish(pub_sub_name = "%PubSubName%", topic = "B")] pub_event: DaprPublish<String>,
) {
    pub_event.publish(format!("Transfer from Topic A: {sub_event}"));
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

    fn invoker() -> TestInvoker {
        TestInvoker::new()
            .with_setting("StateStoreName", "statestore")
            .with_setting("PubSubName", "messagebus")
            .with_setting("KafkaBindingName", "sample-topic")
    }

    async fn calls(function: &str, payload: HostPayload) -> Vec<String> {
        let result = invoker().invoke(function, payload).await;
        assert!(result.is_success(), "{function}: {}", result.body);
        result.dapr_calls().unwrap().iter().map(|c| c.summary()).collect()
    }

    #[tokio::test]
    async fn each_sample_makes_the_documented_dapr_calls() {
        assert_eq!(
            calls("CreateNewOrder", HostPayload::dapr(json!({"data": {"value": {"orderId": "41"}}}))).await,
            [r#"POST /v1.0/state/statestore [{"key":"order","value":{"orderId":"41"}}]"#]
        );
        assert_eq!(
            calls("SendMessageToKafka", HostPayload::dapr(json!({"message": "hello!"}))).await,
            [r#"POST /v1.0/bindings/sample-topic {"data":{"message":"hello!"},"operation":"create"}"#]
        );
        let event = json!({"id": "e", "source": "s", "type": "t", "specversion": "1.0", "data": "This is a test"});
        assert_eq!(
            calls("TransferEventBetweenTopics", HostPayload::dapr(event)).await,
            [r#"POST /v1.0/publish/messagebus/B "Transfer from Topic A: \"This is a test\"""#]
        );
        let req = HttpRequest::builder()
            .method("POST")
            .url("http://localhost:7071/api/invoke/app2/add")
            .param("appId", "app2")
            .param("methodName", "add")
            .body("{\"a\":1}")
            .build();
        assert_eq!(calls("InvokeOutputBinding", HostPayload::http(req)).await, [r#"POST /v1.0/invoke/app2/method/add "{\"a\":1}""#]);
    }

    #[tokio::test]
    async fn http_example_answers_through_its_response_binding() {
        let req = HttpRequest::builder().url("http://localhost:7071/api/HttpExample?name=Ana").build();
        let result = invoker().invoke("HttpExample", HostPayload::http(req)).await;
        assert_eq!(result.output("Response").unwrap()["body"], "Hello, Ana. This HTTP triggered function executed successfully.");
    }
}
