use dapr_fn_runtime::prelude::*;

#[function]
async fn no_trigger(#[dapr_state(store = "s", key = "k")] state: DaprState<String>) {
    let _ = state;
}

#[function]
async fn two_triggers(
    #[http_trigger] req: HttpRequest,
    #[dapr_service_invocation_trigger] payload: String,
) -> HttpResponse {
    let _ = (req, payload);
    HttpResponse::ok()
}

fn main() {}
