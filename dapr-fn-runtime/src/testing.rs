//! Invoke functions in tests the way the host does, without a server.
//!
//! [`TestInvoker::invoke`] builds the host's JSON payload, runs it through the same
//! decoding, dispatch and encoding as the custom handler, and parses the response, so a
//! test sees exactly the `Outputs`, `Logs` and `ReturnValue` the host would get.
//!
//! ```
//! use dapr_fn_runtime::prelude::*;
//! use dapr_fn_runtime::testing::{HostPayload, TestInvoker};
//!
//! #[function(name = "Greet")]
//! async fn greet(#[http_trigger(methods = "get", route = "greet/{who}")] req: HttpRequest) -> HttpResponse {
//!     HttpResponse::ok().text(format!("hello {}", req.param("who").unwrap_or("?")))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let req = HttpRequest::builder().url("http://localhost:7071/api/greet/ana").param("who", "ana").build();
//! let result = TestInvoker::new().invoke("Greet", HostPayload::http(req)).await;
//! assert!(result.is_success());
//! assert_eq!(result.http_response().unwrap()["body"], "hello ana");
//! # }
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use dapr_fn_manifest::FunctionManifest;

use bytes::Bytes;
use http::StatusCode;
use serde_json::{json, Map, Value};

use crate::app::{App, AppContext};
use crate::extension::{DaprCall, Resolver};
use crate::host;
use crate::http::HttpRequest;
use crate::registry::Registry;

/// What the host would send for one invocation, before it knows the function.
#[derive(Clone, Debug)]
pub struct HostPayload {
    kind: PayloadKind,
    inputs: Vec<(String, Value)>,
}

#[derive(Clone, Debug)]
enum PayloadKind {
    Http(Box<HttpRequest>),
    Dapr(Value),
    Raw(Bytes),
}

impl HostPayload {
    /// An HTTP trigger receiving `req`.
    pub fn http(req: HttpRequest) -> Self {
        HostPayload { kind: PayloadKind::Http(Box::new(req)), inputs: Vec::new() }
    }

    /// A Dapr trigger (service invocation, topic, binding) receiving the JSON request
    /// body `body` from the sidecar (`Value::Null` for an empty body).
    pub fn dapr(body: Value) -> Self {
        HostPayload { kind: PayloadKind::Dapr(body), inputs: Vec::new() }
    }

    /// Exactly these bytes as the invocation payload (for malformed-input tests).
    pub fn raw(bytes: impl Into<Bytes>) -> Self {
        HostPayload { kind: PayloadKind::Raw(bytes.into()), inputs: Vec::new() }
    }

    /// Adds the value of an input binding (`daprState`: the stored JSON; `daprSecret`: the
    /// store's object of secret names to values), encoded as the extension and the host
    /// encode it.
    #[must_use]
    pub fn with_input(mut self, binding: &str, stored: Value) -> Self {
        self.inputs.push((binding.to_string(), host::encode_value(&Value::String(stored.to_string()))));
        self
    }

    /// The payload bytes for a function whose trigger binding is `trigger`.
    pub(crate) fn encode(&self, function: &str, trigger: &str) -> Bytes {
        let (trigger_value, metadata) = match &self.kind {
            PayloadKind::Raw(bytes) => return bytes.clone(),
            PayloadKind::Http(req) => (host::http_request_object(req), host::http_metadata(req, function)),
            PayloadKind::Dapr(body) => {
                let text = host::dapr_trigger_text(body);
                let value = host::encode_value(&text.as_ref().map_or(Value::Null, |t| Value::String(t.clone())));
                (value, host::dapr_trigger_metadata(text.as_deref(), function))
            }
        };
        let mut data = Map::new();
        data.insert(trigger.to_string(), trigger_value);
        for (name, value) in &self.inputs {
            data.insert(name.clone(), value.clone());
        }
        Bytes::from(json!({"Data": data, "Metadata": metadata}).to_string())
    }
}

/// Invokes the functions linked into the test binary.
pub struct TestInvoker {
    registry: Registry,
    app: Arc<AppContext>,
    settings: BTreeMap<String, String>,
}

impl Default for TestInvoker {
    fn default() -> Self {
        Self::new()
    }
}

impl TestInvoker {
    /// An invoker without application state.
    ///
    /// # Panics
    /// If the linked functions fail the start-up checks (see [`TestInvoker::with_app`]).
    pub fn new() -> Self {
        Self::with_app(App::new()).unwrap_or_else(|e| panic!("{e}"))
    }

    /// An invoker with `app`'s state; fails like `App::run` would if a function's
    /// parameters cannot be served. Installs dapr-fn's `tracing` subscriber unless one is
    /// set, so that `Logs` are captured as under the host.
    pub fn with_app(app: App) -> Result<Self, crate::Error> {
        // Functions' `tracing` events must reach `Logs` here too.
        crate::logs::init_default();
        let (registry, app) = app.prepare()?;
        Ok(TestInvoker { registry, app, settings: BTreeMap::new() })
    }

    /// Sets an app setting (as in `local.settings.json`), used to resolve `%Name%` tokens
    /// when computing [`InvocationResult::dapr_calls`].
    #[must_use]
    pub fn with_setting(mut self, name: &str, value: &str) -> Self {
        self.settings.insert(name.to_string(), value.to_string());
        self
    }

    /// Invokes `function` with `payload` as the host would.
    ///
    /// # Panics
    /// If there is no such function.
    pub async fn invoke(&self, function: &str, payload: HostPayload) -> InvocationResult {
        let def = self.registry.get(function).unwrap_or_else(|| panic!("no function named `{function}` is linked into this test"));
        let manifest = dapr_fn_manifest::parse_function_json(def.name, def.function_json).expect("generated function.json parses");
        let trigger = manifest.trigger().map_or("req", |t| t.name.as_str()).to_string();
        let request = payload.encode(def.name, &trigger);
        let binding_data = binding_data(&request, &trigger);
        let response = crate::server::dispatch(def, request, self.app.clone(), Some(Arc::from("test-invocation"))).await;
        let body = serde_json::from_slice(&response.body).expect("the handler always answers JSON");
        InvocationResult { status: response.status, body, manifest, binding_data, settings: self.settings.clone() }
    }
}

/// The handler's answer to one invocation.
#[derive(Clone, Debug)]
pub struct InvocationResult {
    /// The HTTP status the handler answered the host with (200 unless the invocation failed).
    pub status: StatusCode,
    /// The JSON body.
    pub body: Value,
    manifest: FunctionManifest,
    binding_data: Map<String, Value>,
    settings: BTreeMap<String, String>,
}

/// The trigger's binding data, as the host has it for resolving `{expressions}`: the
/// decoded `Metadata` plus the trigger's own value under its name.
fn binding_data(request: &[u8], trigger: &str) -> Map<String, Value> {
    let Ok(payload) = serde_json::from_slice::<Value>(request) else { return Map::new() };
    let mut data = payload.get("Metadata").map(crate::payload::decode_metadata_json).unwrap_or_default();
    if let Some(value) = payload.get("Data").and_then(|d| d.get(trigger)) {
        let decoded = serde_json::value::to_raw_value(value).ok().and_then(|raw| {
            crate::payload::decode_host_value(&raw).ok().map(|v| match v {
                crate::payload::HostValue::Null => Value::Null,
                crate::payload::HostValue::Text(t) | crate::payload::HostValue::Json(t) => Value::String(t.into_owned()),
            })
        });
        if let Some(decoded) = decoded.filter(|_| !value.is_object()) {
            data.insert(trigger.to_string(), decoded);
        }
    }
    data
}

impl InvocationResult {
    /// Whether the invocation succeeded (the host would then save the outputs).
    pub fn is_success(&self) -> bool {
        self.status == StatusCode::OK
    }

    /// One output by binding name, e.g. `output("state")`.
    pub fn output(&self, binding: &str) -> Option<&Value> {
        self.body.get("Outputs")?.get(binding)
    }

    /// The HTTP response of an HTTP-triggered function (its `res` output, or whatever
    /// `#[function(http_response = "...")]` named it, `ReturnValue` for `$return`).
    pub fn http_response(&self) -> Option<&Value> {
        let name = self.manifest.bindings.iter().find(|b| b.binding_type == "http").map_or("res", |b| b.name.as_str());
        if name == "$return" {
            Some(self.return_value()).filter(|v| !v.is_null())
        } else {
            self.output(name)
        }
    }

    /// The `Logs` lines.
    pub fn logs(&self) -> Vec<&str> {
        self.body.get("Logs").and_then(Value::as_array).map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default()
    }

    /// `ReturnValue` (`null` when there is none).
    pub fn return_value(&self) -> &Value {
        self.body.get("ReturnValue").unwrap_or(&Value::Null)
    }

    /// The Dapr HTTP calls the Dapr extension would make for this invocation's outputs
    /// (dapr-extension §2–§3), or the error with which it would fail the invocation.
    /// `%Settings%` resolve from [`TestInvoker::with_setting`], then the environment.
    pub fn dapr_calls(&self) -> Result<Vec<DaprCall>, String> {
        if !self.is_success() {
            return Ok(Vec::new());
        }
        let outputs = self.body.get("Outputs").and_then(Value::as_object).cloned().unwrap_or_default();
        let setting = |name: &str| self.settings.get(name).cloned().or_else(|| std::env::var(name).ok());
        let resolver = Resolver { setting: &setting, binding_data: &self.binding_data };
        crate::extension::output_calls(&self.manifest, &outputs, self.return_value(), &resolver)
    }

    /// The calls the extension would make to fetch this function's input bindings.
    pub fn input_calls(&self) -> Result<Vec<(String, DaprCall)>, String> {
        let setting = |name: &str| self.settings.get(name).cloned().or_else(|| std::env::var(name).ok());
        crate::extension::input_calls(&self.manifest, &Resolver { setting: &setting, binding_data: &self.binding_data })
    }

    /// The error message of a failed invocation.
    pub fn error(&self) -> Option<&str> {
        self.body.get("error").and_then(Value::as_str)
    }
}
