use dapr_fn_runtime::prelude::*;

#[function]
async fn http_returns_string(#[http_trigger] req: HttpRequest) -> String {
    let _ = req;
    String::new()
}

struct NotSerializable;

#[function]
async fn reply_is_not_json(#[dapr_service_invocation_trigger] payload: String) -> NotSerializable {
    let _ = payload;
    NotSerializable
}

fn main() {}
