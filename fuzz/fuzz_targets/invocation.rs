//! Fuzzes the invocation decoder and encoder: any payload gets a JSON answer, never a
//! panic, and a failed invocation never carries outputs.
#![no_main]

use dapr_fn_runtime::prelude::*;
use dapr_fn_runtime::testing::{HostPayload, TestInvoker};
use libfuzzer_sys::fuzz_target;

#[function(name = "Save")]
async fn save(
    #[http_trigger(methods = "post", route = "state/{key}")] req: HttpRequest,
    #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<serde_json::Value>,
) -> Result<HttpResponse, Error> {
    state.set(req.json::<serde_json::Value>()?);
    Ok(HttpResponse::ok().text(req.param("key").unwrap_or_default().to_string()))
}

#[function(name = "Order")]
async fn order(
    #[dapr_service_invocation_trigger] payload: Option<serde_json::Value>,
    #[dapr_state(store = "s", key = "k")] out: DaprState<String>,
) -> u8 {
    out.set(payload.map(|p| p.to_string()).unwrap_or_default());
    1
}

fuzz_target!(|data: &[u8]| {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    for function in ["Save", "Order"] {
        let result = runtime.block_on(TestInvoker::new().invoke(function, HostPayload::raw(data.to_vec())));
        assert!([200, 400, 500].contains(&result.status.as_u16()));
        if !result.is_success() {
            assert!(result.body.get("Outputs").is_none());
        }
    }
});
