use dapr_fn_runtime::prelude::*;

struct NotSerde;

#[function]
async fn wrong_trigger_type(#[http_trigger] req: String) -> HttpResponse {
    let _ = req;
    HttpResponse::ok()
}

#[function]
async fn wrong_input_type(
    #[dapr_service_invocation_trigger] payload: NotSerde,
    #[dapr_state(store = "s", key = "k")] input: NotSerde,
    unbound: u32,
) {
    let _ = (payload, input, unbound);
}

fn main() {}
