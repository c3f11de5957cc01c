use dapr_fn_runtime::prelude::*;

#[function]
async fn generic<T>(#[dapr_service_invocation_trigger] p: String) {
    let _ = p;
}

#[function]
struct NotAFunction;

#[function]
async fn pattern_param(#[dapr_service_invocation_trigger] (a, b): (String, String)) {
    let _ = (a, b);
}

fn main() {}
