// Any binding attribute on the function is the entry point: no #[function] needed.
use dapr_fn_runtime::prelude::*;

#[derive(serde::Serialize, serde::Deserialize)]
struct Order {
    id: u32,
}

// A trigger on the function binds the first parameter without an attribute; an output on
// the function saves the return value ($return).
#[dapr_service_invocation_trigger(method_name = "newOrder")]
#[dapr_state(store = "statestore", key = "latest-order")]
async fn save_latest(order: Order) -> Order {
    order
}

// Output on the function, trigger on the parameter; `None` saves nothing.
#[dapr_state(store = "statestore", key = "{key}")]
fn save_sync(#[http_trigger(methods = ["put"], route = "items/{key}")] req: HttpRequest) -> Result<Option<String>, Error> {
    Ok(Some(req.body_text()?.to_string()))
}

// A trigger on the function with no parameter at all.
#[dapr_service_invocation_trigger]
async fn ping() {}

fn main() {}
