use dapr_fn_runtime::prelude::*;

#[function]
async fn http_returns_string(#[http_trigger] req: HttpRequest) -> String {
    let _ = req;
    String::new()
}

#[function]
async fn trigger_returns_value(#[dapr_service_invocation_trigger] payload: String) -> u32 {
    let _ = payload;
    7
}

fn main() {}
