// The two headline functions, exactly as users write them.
use dapr_fn_runtime::prelude::*;

#[function(name = "StateOutputBinding")]
async fn state_output_binding(
    #[http_trigger(auth_level = "function", methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<String>,
) -> Result<HttpResponse, Error> {
    state.set(req.body_text()?);
    Ok(HttpResponse::ok())
}

#[function(name = "CreateNewOrder")]
async fn create_new_order(
    #[dapr_service_invocation_trigger] payload: serde_json::Value,
    #[dapr_state(store = "%StateStoreName%", key = "order")] order: DaprState<serde_json::Value>,
) -> Result<(), Error> {
    order.set(payload["data"].clone());
    Ok(())
}

fn main() {
    // The annotated functions stay ordinary functions.
    let _ = state_output_binding(HttpRequest::builder().build(), DaprState::new());
    let _ = create_new_order(serde_json::Value::Null, DaprState::new());
}
