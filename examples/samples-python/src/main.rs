//! The Dapr extension's Python samples (`samples/python-azurefunction`, v1 model) in Rust.

use std::collections::HashMap;

use dapr_fn_runtime::prelude::*;
use serde_json::Value;

/// Logs each message from the Kafka input binding.
#[function(name = "ConsumeMessageFromKafka")]
async fn consume_message_from_kafka(#[dapr_binding_trigger(binding_name = "%KafkaBindingName%")] trigger_data: String) {
    tracing::info!("Hello from Kafka!");
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

/// Forwards the request body to `{methodName}` of app `{appId}`; the HTTP response is
/// the function's `$return`.
#[function(name = "InvokeOutputBinding", http_response = "$return")]
async fn invoke_output_binding(
    #[http_trigger(auth_level = "function", route = "invoke/{appId}/{methodName}")] req: HttpRequest,
    #[dapr_invoke(app_id = "{appId}", method_name = "{methodName}", http_verb = "post")] payload: DaprInvoke<Value>,
) -> Result<HttpResponse, Error> {
    payload.invoke(req.json::<Value>()?);
    Ok(HttpResponse::ok())
}

/// Logs the data of each event on topic `B`.
#[function(name = "PrintTopicMessage")]
async fn print_topic_message(#[dapr_topic_trigger(pub_sub_name = "%PubSubName%", topic = "B")] sub_event: CloudEvent<Value>) {
    tracing::info!("Python Topic B received a message: {}", sub_event.data);
}

/// Logs the stored `order`.
#[function(name = "RetrieveOrder")]
async fn retrieve_order(
    #[dapr_service_invocation_trigger] payload: Value,
    #[dapr_state(store = "%StateStoreName%", key = "order")] data: Value,
) {
    let _ = payload;
    tracing::info!("Python function processed a RetrieveOrder request from the Dapr Runtime.");
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

/// Sends the invocation payload to Kafka as the message data.
#[function(name = "SendMessageToKafka")]
async fn send_message_to_kafka(
    #[dapr_service_invocation_trigger] args: Value,
    #[dapr_binding(binding_name = "%KafkaBindingName%", operation = "create")] messages: DaprBinding<Value>,
) {
    messages.send(args);
}

/// Republishes each event of topic `A` to topic `B`.
#[function(name = "TransferEventBetweenTopics")]
async fn transfer_event_between_topics(
    #[dapr_topic_trigger(pub_sub_name = "%PubSubName%", topic = "A")] sub_event: CloudEvent<Value>,
    #[dapr_publish(pub_sub_name = "%PubSubName%", topic = "B")] pub_event: DaprPublish<String>,
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
    use serde_json::json;

    fn invoker() -> TestInvoker {
        TestInvoker::new()
            .with_setting("StateStoreName", "statestore")
            .with_setting("PubSubName", "messagebus")
            .with_setting("KafkaBindingName", "sample-topic")
    }

    #[tokio::test]
    async fn each_sample_makes_the_documented_dapr_calls() {
        let result = invoker().invoke("CreateNewOrder", HostPayload::dapr(json!({"data": {"orderId": "41"}}))).await;
        assert_eq!(result.dapr_calls().unwrap()[0].summary(), r#"POST /v1.0/state/statestore [{"key":"order","value":{"orderId":"41"}}]"#);

        let req = HttpRequest::builder()
            .method("GET")
            .url("http://localhost:7071/api/invoke/app2/add")
            .param("appId", "app2")
            .param("methodName", "add")
            .json(&json!({"a": 1}))
            .build();
        let result = invoker().invoke("InvokeOutputBinding", HostPayload::http(req)).await;
        assert_eq!(result.dapr_calls().unwrap()[0].summary(), r#"POST /v1.0/invoke/app2/method/add {"a":1}"#);
        assert_eq!(result.return_value()["statusCode"], 200, "the HTTP response goes to $return");
        assert!(result.body["Outputs"].get("$return").is_none());

        let result = invoker().invoke("ConsumeMessageFromKafka", HostPayload::dapr(json!({"message": "hello!"}))).await;
        assert_eq!(result.logs(), ["Hello from Kafka!", r#"Trigger data: {"message":"hello!"}"#]);
    }
}
