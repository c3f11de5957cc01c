use dapr_fn_runtime::prelude::*;

#[function]
async fn missing_required(
    #[dapr_topic_trigger(topic = "A")] event: serde_json::Value,
    #[dapr_secret(key = "k")] secret: serde_json::Value,
) {
    let _ = (event, secret);
}

#[function]
async fn wrong_collectors(
    #[dapr_service_invocation_trigger] payload: String,
    #[dapr_publish(pub_sub_name = "p", topic = "t")] publish: DaprState<String>,
    #[dapr_binding(binding_name = "b", operation = "create")] binding: Vec<u8>,
) {
    let _ = (payload, publish, binding);
}

#[dapr_topic_trigger(pub_sub_name = "p", topic = "t")]
async fn topic_reply(data: String) -> String {
    data
}

#[function]
async fn expressions(
    #[dapr_topic_trigger(pub_sub_name = "p", topic = "t")] event: serde_json::Value,
    #[dapr_publish(pub_sub_name = "p", topic = "{orderId}")] publish: DaprPublish<String>,
) {
    let _ = (event, publish);
}

#[dapr_secret(store = "s", key = "k")]
async fn secret_on_function(#[dapr_service_invocation_trigger] p: String) {
    let _ = p;
}

fn main() {}
