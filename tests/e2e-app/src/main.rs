//! Functions for the end-to-end tests: slow, failing, panicking, logging, multi-record
//! and typed ones, served as a real custom handler.

use std::time::Duration;

use dapr_fn_runtime::prelude::*;
use serde::{Deserialize, Serialize};

/// Application state handed to functions.
struct Greeting(String);

/// How many `Concurrency` invocations run at once, and the most seen.
#[derive(Default)]
struct Gauge {
    now: std::sync::atomic::AtomicUsize,
    max: std::sync::atomic::AtomicUsize,
}

#[derive(Deserialize, Serialize)]
struct Order {
    #[serde(rename = "orderId")]
    order_id: u64,
    amount: f64,
}

/// Saves a typed JSON body under the route key and several extra records.
#[function(name = "SaveOrder")]
async fn save_order(
    #[http_trigger(auth_level = "anonymous", methods = "post", route = "orders/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<Order>,
    #[dapr_state(store = "auditstore")] audit: DaprState<String>,
    greeting: AppState<Greeting>,
) -> Result<HttpResponse, Error> {
    let order: Order = req.json()?;
    let key = req.param("key").unwrap_or_default().to_string();
    tracing::info!(key = key.as_str(), "saving order {}", order.order_id);
    audit.insert(format!("audit-{key}-1"), "received");
    audit.insert(format!("audit-{key}-2"), "saved");
    state.set(order);
    Ok(HttpResponse::created().header("x-order-key", &key).text(format!("{} {key}", greeting.0)))
}

/// Sleeps for the requested milliseconds, then saves (for shutdown and concurrency tests).
#[function(name = "Slow")]
async fn slow(#[dapr_service_invocation_trigger] millis: u64, #[dapr_state(store = "statestore", key = "slow")] state: DaprState<u64>) {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    state.set(millis);
}

/// Fails with an error after saving, so nothing must be saved.
#[function(name = "Fails")]
async fn fails(
    #[dapr_service_invocation_trigger] payload: String,
    #[dapr_state(store = "statestore", key = "never")] state: DaprState<String>,
) -> Result<(), Error> {
    tracing::info!("about to fail");
    state.set(payload);
    Err(Error::msg("the order service is unavailable"))
}

/// Panics after saving.
#[function(name = "Panics")]
async fn panics(
    #[dapr_service_invocation_trigger] payload: String,
    #[dapr_state(store = "statestore", key = "never")] state: DaprState<String>,
) {
    state.set(payload);
    panic!("invariant broken");
}

/// Returns the value to save (`$return`); `null` payloads save nothing.
#[dapr_service_invocation_trigger]
#[dapr_state(store = "statestore", key = "latest")]
async fn save_latest(payload: Option<serde_json::Value>) -> Option<serde_json::Value> {
    payload
}

/// Saves `null`, which the Dapr extension rejects.
#[function(name = "SavesNull")]
async fn saves_null(
    #[dapr_service_invocation_trigger] payload: String,
    #[dapr_state(store = "statestore")] state: DaprState<Option<String>>,
) {
    let _ = payload;
    state.insert("k", None);
}

/// Reports what the invocation context holds.
#[function(name = "Context")]
async fn context(
    #[http_trigger(auth_level = "anonymous", methods = "get", route = "ctx/{id:int}")] req: HttpRequest,
    ctx: InvocationContext,
) -> HttpResponse {
    HttpResponse::ok().json(&serde_json::json!({
        "invocationId": ctx.invocation_id(),
        "function": ctx.function_name(),
        "id": ctx.metadata().get("id"),
        "query": req.query("q"),
        "header": req.header("x-test"),
    }))
}

/// Replies with the sum of the numbers it is invoked with (the reply body).
#[dapr_service_invocation_trigger]
async fn add(numbers: Vec<i64>) -> i64 {
    numbers.iter().sum()
}

/// Replies with an object whose member is named like its output: refused.
#[function(name = "ClashingReply")]
async fn clashing_reply(
    #[dapr_service_invocation_trigger] payload: String,
    #[dapr_state(store = "statestore", key = "k")] state: DaprState<String>,
) -> serde_json::Value {
    state.set(payload);
    serde_json::json!({"state": "overwritten"})
}

/// Holds a slot for `millis` and replies with the most invocations seen running at once.
#[function(name = "Concurrency")]
async fn concurrency(#[dapr_service_invocation_trigger] millis: u64, gauge: AppState<Gauge>) -> usize {
    use std::sync::atomic::Ordering::SeqCst;
    let now = gauge.now.fetch_add(1, SeqCst) + 1;
    gauge.max.fetch_max(now, SeqCst);
    tokio::time::sleep(Duration::from_millis(millis)).await;
    gauge.now.fetch_sub(1, SeqCst);
    gauge.max.load(SeqCst)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    App::new().with_state(Greeting("saved".into())).with_state(Gauge::default()).run().await
}
