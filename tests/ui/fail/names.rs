use dapr_fn_runtime::prelude::*;

#[function(name = "1-starts-with-digit")]
async fn bad_function_name(#[dapr_service_invocation_trigger] p: String) {
    let _ = p;
}

#[function(name = "host")]
async fn reserved_name(#[dapr_service_invocation_trigger] p: String) {
    let _ = p;
}

#[function]
async fn bad_binding_names(
    #[http_trigger] req: HttpRequest,
    #[dapr_state(store = "s", key = "k", name = "my_state")] a: DaprState<String>,
    #[dapr_state(store = "s", key = "k")] res: DaprState<String>,
    #[dapr_state(store = "s", key = "k")] state_a: DaprState<String>,
    #[dapr_state(store = "s", key = "k", name = "stateA")] other: DaprState<String>,
) -> HttpResponse {
    let _ = (req, a, res, state_a, other);
    HttpResponse::ok()
}

#[dapr_state(store = "s", key = "k", name = "saved")]
async fn named_return(#[dapr_service_invocation_trigger] p: String) -> String {
    p
}

fn main() {}
