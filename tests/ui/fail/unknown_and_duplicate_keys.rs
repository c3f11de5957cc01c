use dapr_fn_runtime::prelude::*;

#[function]
async fn save(
    #[http_trigger(methods = "post", route = "state/{key}", rout = "x")] req: HttpRequest,
    #[dapr_state(stor = "statestore", store = "a", store = "b", key = "{key}")] state: DaprState<String>,
) -> HttpResponse {
    let _ = (req, state);
    HttpResponse::ok()
}

fn main() {}
