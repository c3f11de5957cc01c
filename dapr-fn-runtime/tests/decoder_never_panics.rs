//! Property tests of the invocation decoder and encoder: mutated and arbitrary payloads
//! always get a JSON answer (200 with outputs, or an error without any), never a panic.

use dapr_fn_runtime::prelude::*;
use dapr_fn_runtime::testing::{HostPayload, TestInvoker};
use proptest::prelude::*;

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

const SAMPLE: &str = r#"{"Data":{"req":{"Url":"http://localhost:7071/api/state/order-42","Method":"POST","Query":{},"Headers":{"Content-Type":["application/json"]},"Params":{"key":"order-42"},"Identities":[],"Body":"{\"orderId\":42,\"amount\":12.5,\"items\":[\"a\",\"b\"]}"}},"Metadata":{"key":"\"order-42\"","sys":{"MethodName":"Save"}}}"#;
const DAPR_SAMPLE: &str =
    r#"{"Data":{"payload":"\"{\\\"data\\\":{\\\"orderId\\\":\\\"41\\\"}}\""},"Metadata":{"sys":{"MethodName":"Order"}}}"#;

fn mutate(base: &str, edits: Vec<(usize, u8, u8)>) -> Vec<u8> {
    let mut bytes = base.as_bytes().to_vec();
    for (pos, op, byte) in edits {
        let at = pos % (bytes.len() + 1);
        match op % 3 {
            0 if at < bytes.len() => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ if at < bytes.len() => {
                bytes.remove(at);
            }
            _ => {}
        }
    }
    bytes
}

fn check(function: &str, payload: Vec<u8>) -> Result<(), TestCaseError> {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let result = runtime.block_on(TestInvoker::new().invoke(function, HostPayload::raw(payload)));
    prop_assert!([200u16, 400, 500].contains(&result.status.as_u16()), "status {}", result.status);
    if !result.is_success() {
        prop_assert!(result.body.get("Outputs").is_none(), "a failed invocation emitted outputs: {}", result.body);
        prop_assert!(result.error().is_some());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn mutated_http_payloads(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        check("Save", mutate(SAMPLE, edits))?;
    }

    #[test]
    fn mutated_dapr_payloads(edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8)) {
        check("Order", mutate(DAPR_SAMPLE, edits))?;
    }

    #[test]
    fn arbitrary_payloads(bytes in prop::collection::vec(any::<u8>(), 0..200), json in "\\{\"Data\":\\{\"(req|payload)\":[\\[\\]{}\"0-9a-zA-Z:,\\\\ ]{0,80}\\}\\}") {
        check("Save", bytes.clone())?;
        check("Order", bytes)?;
        check("Save", json.clone().into_bytes())?;
        check("Order", json.into_bytes())?;
    }
}
