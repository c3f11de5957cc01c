use dapr_fn_runtime::prelude::*;

#[function]
async fn unknown_route_parameter(
    #[http_trigger(methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{id}")] state: DaprState<String>,
) -> HttpResponse {
    let _ = (req, state);
    HttpResponse::ok()
}

#[function]
async fn malformed_tokens(
    #[dapr_service_invocation_trigger] payload: String,
    #[dapr_state(store = "%StoreName", key = "{order")] state: DaprState<String>,
    #[dapr_state(store = "s", key = "{orderId}")] other: DaprState<String>,
) {
    let _ = (payload, state, other);
}

#[function]
async fn bad_route_and_methods(
    #[http_trigger(auth_level = "everyone", methods = "get, fetch", route = "admin/{key}")] req: HttpRequest,
) -> HttpResponse {
    let _ = req;
    HttpResponse::ok()
}

const STORE: &str = "statestore";

#[function]
async fn non_literal(
    #[dapr_service_invocation_trigger] payload: String,
    #[dapr_state(store = STORE)] state: DaprState<String>,
) {
    let _ = (payload, state);
}

fn main() {}
