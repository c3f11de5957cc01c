// Every Dapr binding, on parameters and on the function.
use std::collections::HashMap;

use dapr_fn_runtime::prelude::*;

#[derive(serde::Deserialize, serde::Serialize)]
struct Order {
    id: u32,
}

#[function]
async fn everything(
    #[dapr_topic_trigger(pub_sub_name = "%PubSubName%", topic = "orders", route = "/orders-in")] event: CloudEvent<Order>,
    #[dapr_secret(store = "vault", key = "db", metadata = "metadata.namespace=default")] secrets: HashMap<String, String>,
    #[dapr_invoke(app_id = "billing", method_name = "charge/{data.id}", http_verb = "put", dapr_address = "http://localhost:3501")] bill: DaprInvoke<Order>,
    #[dapr_publish(pub_sub_name = "messagebus", topic = "{topic}-audit")] audit: DaprPublish<String>,
    #[dapr_binding(binding_name = "queue", operation = "create")] queue: DaprBinding<Order>,
) {
    let _ = secrets;
    audit.publish(format!("order {}", event.data.id));
    queue.send_request(BindingRequest::new(Order { id: event.data.id }).metadata("ttlInSeconds", "60"));
    bill.invoke(event.data);
}

// A topic function taking only the event's data, returning the payload to publish.
#[dapr_topic_trigger(pub_sub_name = "messagebus")]
#[dapr_publish(pub_sub_name = "messagebus", topic = "B")]
async fn transfer(data: Order) -> String {
    format!("moved {}", data.id)
}

// Service-invocation and binding triggers reply with their return value.
#[dapr_service_invocation_trigger]
async fn add(numbers: Vec<i64>) -> i64 {
    numbers.iter().sum()
}

#[dapr_binding_trigger(binding_name = "cron")]
async fn tick(payload: Option<serde_json::Value>) -> Result<serde_json::Value, Error> {
    Ok(serde_json::json!({"seen": payload.is_some()}))
}

fn main() {}
