//! The local host: plays the Functions host's and the Dapr extension's part for one
//! invocation. It builds the payload exactly as the host would (value encodings of
//! custom-handler-protocol §2), fetches inputs and carries out outputs with the Dapr
//! calls of dapr-extension §2–§4, and answers the caller as the host does (§3.5).

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use dapr_fn_manifest::{BindingManifest, FunctionManifest};
use serde_json::{json, Map, Value};

use super::client::{DaprClient, DaprError};
use crate::app::AppContext;
use crate::extension::{self, Resolver};
use crate::host::{encode_value, utc_now};
use crate::registry::FunctionDef;

/// A function and its function.json.
pub(crate) struct LocalFunction {
    pub(crate) def: &'static FunctionDef,
    pub(crate) manifest: FunctionManifest,
}

impl LocalFunction {
    pub(crate) fn trigger(&self) -> &BindingManifest {
        self.manifest.trigger().expect("every function has a trigger")
    }
}

/// Why an invocation failed, in the host's terms.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A Dapr call (input or output) failed: the extension's `DaprException`.
    Dapr(DaprError),
    /// The handler failed the invocation, or its response could not be used.
    Function(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Dapr(e) => write!(f, "Dapr call failed: {e}"),
            Failure::Function(e) => f.write_str(e),
        }
    }
}

/// A successful invocation: what the handler returned.
#[derive(Debug)]
pub(crate) struct Completed {
    pub(crate) outputs: Map<String, Value>,
    pub(crate) return_value: Value,
    pub(crate) dapr_calls: Vec<extension::DaprCall>,
}

/// Everything invocations share.
pub(crate) struct LocalHost {
    pub(crate) app: Arc<AppContext>,
    pub(crate) functions: Vec<LocalFunction>,
    /// `local.settings.json` values; the environment wins over them.
    pub(crate) settings: BTreeMap<String, String>,
    /// The sidecar's HTTP port (embedded or real).
    pub(crate) sidecar_port: u16,
    pub(crate) client: DaprClient,
}

impl LocalHost {
    /// An app setting as the host sees it: environment first, then local.settings.json.
    pub(crate) fn setting(&self, name: &str) -> Option<String> {
        if name == "DAPR_HTTP_PORT" {
            return Some(self.sidecar_port.to_string());
        }
        std::env::var(name).ok().or_else(|| self.settings.get(name).cloned())
    }

    pub(crate) fn function(&self, name: &str) -> Option<&LocalFunction> {
        self.functions.iter().find(|f| f.def.name.eq_ignore_ascii_case(name))
    }

    /// Runs one invocation: inputs, the handler, outputs.
    pub(crate) async fn invoke(
        &self,
        f: &LocalFunction,
        trigger_value: Value,
        metadata: Map<String, Value>,
        trigger_text: Option<String>,
    ) -> Result<Completed, Failure> {
        let mut binding_data = crate::payload::decode_metadata_json(&metadata);
        if let Some(text) = trigger_text {
            binding_data.insert(f.trigger().name.clone(), Value::String(text));
        }
        let setting = |name: &str| self.setting(name);
        let resolver = Resolver { setting: &setting, binding_data: &binding_data };

        let mut data = Map::new();
        data.insert(f.trigger().name.clone(), trigger_value);
        let mut dapr_calls = Vec::new();
        for (name, call) in extension::input_calls(&f.manifest, &resolver).map_err(Failure::Function)? {
            let response = self.client.send(&call).await.map_err(Failure::Dapr)?;
            if response.body.is_empty() {
                let parts: Vec<&str> = call.path.trim_start_matches("/v1.0/").splitn(3, '/').collect();
                let (store, key) = (parts.get(1).copied().unwrap_or_default(), parts.get(2).copied().unwrap_or_default());
                return Err(Failure::Dapr(DaprError {
                    status: 404,
                    code: "ERR_NO_CONTENT".into(),
                    message: format!("Failed getting state with key {key} from state store {store}: state {key} not found."),
                }));
            }
            let value: Value = serde_json::from_slice(&response.body)
                .map_err(|e| Failure::Function(format!("the value of input `{name}` is not JSON: {e}")))?;
            // The extension hands script languages the re-serialized JSON as a string.
            data.insert(name, encode_value(&Value::String(value.to_string())));
            dapr_calls.push(call);
        }

        let payload = Bytes::from(json!({"Data": data, "Metadata": metadata}).to_string());
        let id: Arc<str> = Arc::from(crate::host::random_guid());
        let response = crate::server::dispatch(f.def, payload, self.app.clone(), Some(id)).await;
        let body: Value =
            serde_json::from_slice(&response.body).map_err(|e| Failure::Function(format!("the handler's answer is not JSON: {e}")))?;
        for line in body.get("Logs").and_then(Value::as_array).into_iter().flatten() {
            println!("[{}] {}", utc_now(), line.as_str().unwrap_or_default());
        }
        if !response.status.is_success() {
            let message = body.get("error").and_then(Value::as_str).unwrap_or("the handler answered an error").to_string();
            return Err(Failure::Function(format!("Exception while executing function: Functions.{}: {message}", f.def.name)));
        }
        let outputs = body.get("Outputs").and_then(Value::as_object).cloned().unwrap_or_default();
        let return_value = body.get("ReturnValue").cloned().unwrap_or(Value::Null);
        let calls = extension::output_calls(&f.manifest, &outputs, &return_value, &resolver).map_err(Failure::Function)?;
        // State first in one call, then the others in order (publish in parallel in the
        // extension; sequential here, which is one of its allowed orders).
        for call in calls {
            self.client.send(&call).await.map_err(Failure::Dapr)?;
            dapr_calls.push(call);
        }
        Ok(Completed { outputs, return_value, dapr_calls })
    }
}

/// How the host renders an http output object into the caller's response (§3.5).
pub(crate) struct HostHttpResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

pub(crate) fn render_http_output(value: Option<&Value>) -> HostHttpResponse {
    let Some(Value::Object(res)) = value else {
        return HostHttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: b"{}".to_vec(),
        };
    };
    let get = |key: &str| res.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
    let status = match get("statusCode") {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()).unwrap_or(200),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(200),
        _ => 200,
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    if let Some(Value::Object(h)) = get("headers") {
        for (k, v) in h {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            headers.push((k.clone(), text));
        }
    }
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
        headers.push(("Content-Type".into(), "text/plain; charset=utf-8".into()));
    }
    let body = match get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(Value::Bool(b)) => (if *b { "True" } else { "False" }).as_bytes().to_vec(),
        Some(Value::Number(n)) => n.to_string().into_bytes(),
        Some(other) => serde_json::to_vec_pretty(other).unwrap_or_default(),
    };
    HostHttpResponse { status, headers, body }
}
