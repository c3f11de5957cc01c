//! Entry points for the micro-benchmarks in `benches/` (hidden; not a public API).

use std::sync::Arc;

use bytes::Bytes;

use crate::app::AppContext;
use crate::http::HttpResponse;
use crate::invocation::{Invocation, OutputSink};
use crate::params::HttpTriggerParam;
use crate::registry::{FunctionDef, OutputDef, Registry};

fn function(name: &str) -> &'static FunctionDef {
    static REGISTRY: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
    REGISTRY.get_or_init(|| Registry::from_linked().expect("registry")).get(name).expect("the benchmark's function is linked")
}

/// Decodes a payload into the HTTP trigger's request, as the generated code does first.
pub fn decode(function_name: &str, payload: &'static [u8]) -> usize {
    let def = function(function_name);
    let inv = Invocation::new(def, Bytes::from_static(payload), Arc::new(AppContext::default()), None);
    let data = inv.data().expect("a valid payload");
    let req = crate::http::HttpRequest::from_data(&data, def.http_trigger.unwrap_or("req")).expect("an HTTP request");
    req.body().len()
}

/// One whole invocation: decode, the function, encode (logs captured, panics caught).
pub async fn dispatch(function_name: &str, payload: &'static [u8]) -> usize {
    let def = function(function_name);
    crate::server::dispatch(def, Bytes::from_static(payload), Arc::new(AppContext::default()), None).await.body.len()
}

static OUTPUT: OutputDef = OutputDef { name: "state", binding_type: "daprState", properties: &["stateStore", "key"] };
static DEF: FunctionDef = FunctionDef {
    name: "Encode",
    rust_path: "bench::encode",
    function_json: "",
    http_trigger: Some("req"),
    http_response: "res",
    outputs: std::slice::from_ref(&OUTPUT),
    invoke: |_| unreachable!("encode only"),
    check: |_| Ok(()),
};

/// Encodes a successful invocation's response (one state record, `res`, one log line).
pub fn encode(value_json: &str) -> usize {
    let inv = Invocation::new(&DEF, Bytes::new(), Arc::new(AppContext::default()), None);
    let sink: &OutputSink = &inv.sink;
    let mut record = b"{\"key\":\"order-42\",\"value\":".to_vec();
    record.extend_from_slice(value_json.as_bytes());
    record.push(b'}');
    sink.push(0, record);
    let outcome = inv.complete(Some(HttpResponse::ok().text("saved order-42")), None);
    outcome.into_host_response(&["saved order-42".to_string()]).body.len()
}
