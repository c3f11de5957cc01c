//! What the Functions host and its Dapr extension do around an invocation, reproduced so
//! that tests and local mode see the same Dapr traffic production would:
//! - resolving `%AppSetting%` and `{expression}` tokens in binding properties
//!   (dapr-extension §1.1);
//! - turning a handler's `Outputs`/`ReturnValue` into items (custom-handler-protocol §3.3)
//!   and items into the Dapr HTTP calls of dapr-extension §2–§3, with the extension's error
//!   texts;
//! - the calls that fetch input bindings (§4).

use std::borrow::Cow;

use dapr_fn_manifest::expr::{tokenize, Token};
use dapr_fn_manifest::{BindingManifest, Direction, FunctionManifest};
use serde_json::{Map, Value};

/// One HTTP call to the Dapr sidecar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaprCall {
    /// Base URL: the binding's `daprAddress` or `http://localhost:$DAPR_HTTP_PORT`.
    pub base: String,
    /// HTTP method.
    pub method: String,
    /// Path and query, e.g. `/v1.0/state/statestore`.
    pub path: String,
    /// `Content-Type`, if the call has a body.
    pub content_type: Option<&'static str>,
    /// The body.
    pub body: Option<String>,
}

impl DaprCall {
    /// `METHOD path body` on one line, for assertions and logs.
    pub fn summary(&self) -> String {
        match &self.body {
            Some(body) => format!("{} {} {body}", self.method, self.path),
            None => format!("{} {}", self.method, self.path),
        }
    }
}

/// Where `%settings%` and `{expressions}` get their values.
pub struct Resolver<'a> {
    /// App settings (environment variables under the host).
    pub setting: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// The trigger's binding data, host encoding undone.
    pub binding_data: &'a Map<String, Value>,
}

impl Resolver<'_> {
    /// Resolves every token of a binding property (the extension's `[AutoResolve]` semantics).
    pub fn resolve(&self, template: &str) -> Result<String, String> {
        let tokens = tokenize(template).map_err(|e| e.message)?;
        let mut out = String::with_capacity(template.len());
        for token in tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::AppSetting { name, .. } => match (self.setting)(name) {
                    Some(value) => out.push_str(&value),
                    None => return Err(format!("'%{name}%' does not resolve to a value.")),
                },
                Token::Expression { path, .. } => out.push_str(&self.expression(path)?),
            }
        }
        Ok(out)
    }

    /// Resolves trigger properties: `%name%` replaced when set, else the literal stays
    /// (`TryResolveWholeString`); `{...}` untouched.
    pub fn resolve_trigger(&self, template: &str) -> String {
        let Ok(tokens) = tokenize(template) else { return template.to_string() };
        let mut out = String::new();
        for token in &tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::AppSetting { name, .. } => match (self.setting)(name) {
                    Some(value) => out.push_str(&value),
                    None => return template.to_string(),
                },
                Token::Expression { range, .. } => out.push_str(&template[range.clone()]),
            }
        }
        out
    }

    fn expression(&self, path: &str) -> Result<String, String> {
        let mut parts = path.trim().split('.');
        let root = parts.next().unwrap_or_default();
        let mut value = lookup(self.binding_data, root).ok_or_else(|| format!("No value for named parameter '{root}'."))?;
        for part in parts {
            value = match value {
                Value::Object(map) => {
                    lookup(map, part).ok_or_else(|| format!("Error while accessing '{part}': property doesn't exist."))?
                }
                _ => return Err(format!("Error while accessing '{part}': property doesn't exist.")),
            };
        }
        Ok(match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

fn lookup<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

/// The sidecar address of a binding.
fn base_address(binding: &BindingManifest, resolver: &Resolver<'_>) -> Result<String, String> {
    match binding.text("daprAddress") {
        Some(address) => resolver.resolve(address),
        None => {
            let port = (resolver.setting)("DAPR_HTTP_PORT").and_then(|p| p.trim().parse::<u16>().ok()).unwrap_or(3500);
            Ok(format!("http://localhost:{port}"))
        }
    }
}

fn property(binding: &BindingManifest, key: &str, resolver: &Resolver<'_>) -> Result<Option<String>, String> {
    binding.text(key).map(|t| resolver.resolve(t)).transpose()
}

/// An item's own value for a field, which wins; else the binding's property of that name.
fn item_or_binding(own: Option<String>, binding: &BindingManifest, key: &str, resolver: &Resolver<'_>) -> Result<Option<String>, String> {
    match own {
        Some(value) => Ok(Some(value)),
        None => property(binding, key, resolver),
    }
}

/// Splits an output value into items as the host does before handing them to the
/// extension (custom-handler-protocol §3.3; dapr-extension §2.1).
pub(crate) fn split_items(value: &Value) -> Vec<Value> {
    match value {
        Value::Null => Vec::new(),
        Value::Array(items) => items.clone(),
        Value::String(text) => {
            let t = text.trim();
            let looks_json = (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']'));
            match (looks_json, serde_json::from_str::<Value>(t)) {
                (true, Ok(Value::Array(items))) => items,
                (true, Ok(other)) => vec![other],
                _ => vec![value.clone()],
            }
        }
        other => vec![other.clone()],
    }
}

/// An item's field, looked up case-insensitively; JSON `null` counts as absent.
fn field<'a>(item: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    lookup(item, key).filter(|v| !v.is_null())
}

fn string_field(item: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match field(item, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!(
            "The requested operation requires an element of type 'String', but the target element for '{key}' has a different type."
        )),
    }
}

fn as_object(item: &Value) -> Result<Cow<'_, Map<String, Value>>, String> {
    match item {
        Value::Object(map) => Ok(Cow::Borrowed(map)),
        other => {
            Err(format!("The requested operation requires an element of type 'Object', but the target element has type '{}'.", kind(other)))
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// The Dapr calls the extension makes for a successful invocation's outputs (each output
/// binding in function.json order; within one, state is one batched call, the others one
/// call per item), or the error that fails the invocation.
pub fn output_calls(
    function: &FunctionManifest,
    outputs: &Map<String, Value>,
    return_value: &Value,
    resolver: &Resolver<'_>,
) -> Result<Vec<DaprCall>, String> {
    let mut calls = Vec::new();
    for binding in function.bindings.iter().filter(|b| b.direction == Direction::Out) {
        let value = if binding.name == dapr_fn_manifest::names::RETURN_BINDING { Some(return_value) } else { outputs.get(&binding.name) };
        let Some(value) = value else { continue };
        let items = split_items(value);
        let base = || base_address(binding, resolver);
        match binding.binding_type.to_ascii_lowercase().as_str() {
            "daprstate" => {
                let store = property(binding, "stateStore", resolver)?.ok_or("No state store name was specified.")?;
                let binding_key = property(binding, "key", resolver)?;
                let mut records = Vec::new();
                for item in &items {
                    let item = as_object(item)?;
                    let value = field(&item, "value")
                        .ok_or("A 'value' parameter is required for save-state operations. (Parameter 'parametersJson')")?;
                    let key = string_field(&item, "key")?.or_else(|| binding_key.clone()).ok_or(
                        "No key information was found. Make sure it is configured either in the binding properties or in the data payload. (Parameter 'item')",
                    )?;
                    records.push(serde_json::json!({"key": key, "value": value}));
                }
                if !items.is_empty() {
                    calls.push(DaprCall {
                        base: base()?,
                        method: "POST".into(),
                        path: format!("/v1.0/state/{}", escape_data_string(&store)),
                        content_type: Some("application/json; charset=utf-8"),
                        body: Some(Value::Array(records).to_string()),
                    });
                }
            }
            "daprinvoke" => {
                for item in &items {
                    let item = as_object(item)?;
                    // The extension reads these with their JSON quotes (GetRawText).
                    let raw = |key: &str| field(&item, key).map(|v| v.to_string());
                    let app_id = item_or_binding(raw("appId"), binding, "appId", resolver)?;
                    let method_name = item_or_binding(raw("methodName"), binding, "methodName", resolver)?;
                    let verb = item_or_binding(raw("httpVerb"), binding, "httpVerb", resolver)?.unwrap_or_else(|| "POST".into());
                    let app_id = app_id.ok_or("A non-null app ID must be specified.")?;
                    let method_name = method_name.ok_or("A non-null method name must be specified.")?;
                    let body = field(&item, "body").map(Value::to_string);
                    calls.push(DaprCall {
                        base: base()?,
                        method: verb.to_ascii_uppercase(),
                        path: format!("/v1.0/invoke/{app_id}/method/{method_name}"),
                        content_type: body.as_ref().map(|_| "application/json"),
                        body,
                    });
                }
            }
            "daprpublish" => {
                for item in &items {
                    let item = as_object(item)?;
                    let payload = field(&item, "payload")
                        .ok_or("A 'json' parameter is required for outbound pub/sub operations. (Parameter 'item')")?;
                    let pubsub = item_or_binding(string_field(&item, "pubsubname")?, binding, "pubsubname", resolver)?.ok_or(
                        "No pub/sub name was found. Make sure it is configured either in the binding properties or in the data payload. (Parameter 'item')",
                    )?;
                    let topic = item_or_binding(string_field(&item, "topic")?, binding, "topic", resolver)?.ok_or(
                        "No topic information was found. Make sure it is configured either in the binding properties or in the data payload. (Parameter 'item')",
                    )?;
                    calls.push(DaprCall {
                        base: base()?,
                        method: "POST".into(),
                        path: format!("/v1.0/publish/{pubsub}/{topic}"),
                        content_type: Some("application/json; charset=utf-8"),
                        body: Some(payload.to_string()),
                    });
                }
            }
            "daprbinding" => {
                for item in &items {
                    let parsed;
                    let item = match item {
                        Value::String(text) => {
                            parsed =
                                serde_json::from_str::<Value>(text).map_err(|_| "Could not parse jsonElement parameter.".to_string())?;
                            as_object(&parsed)?
                        }
                        other => as_object(other)?,
                    };
                    let data =
                        field(&item, "data").ok_or("A 'data' parameter is required for Dapr Binding operations. (Parameter 'item')")?;
                    let operation = item_or_binding(string_field(&item, "operation")?, binding, "operation", resolver)?;
                    let name = item_or_binding(string_field(&item, "bindingName")?, binding, "bindingName", resolver)?;
                    let name = name.ok_or("A non-null binding name must be specified")?;
                    let operation = operation.ok_or("A non-null operation must be specified")?;
                    let mut body = Map::new();
                    body.insert("data".into(), data.clone());
                    body.insert("operation".into(), Value::String(operation));
                    if let Some(metadata) = field(&item, "metadata") {
                        body.insert("metadata".into(), metadata.clone());
                    }
                    calls.push(DaprCall {
                        base: base()?,
                        method: "POST".into(),
                        path: format!("/v1.0/bindings/{name}"),
                        content_type: Some("application/json; charset=utf-8"),
                        body: Some(Value::Object(body).to_string()),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(calls)
}

/// The Dapr calls that fetch a function's input bindings before it runs (dapr-extension §4).
pub fn input_calls(function: &FunctionManifest, resolver: &Resolver<'_>) -> Result<Vec<(String, DaprCall)>, String> {
    let mut calls = Vec::new();
    for binding in function.bindings.iter().filter(|b| b.direction == Direction::In && !b.is_trigger()) {
        let call = match binding.binding_type.to_ascii_lowercase().as_str() {
            "daprstate" => {
                let store = property(binding, "stateStore", resolver)?.ok_or("No state store name was specified.")?;
                let key = property(binding, "key", resolver)?.ok_or("No state store key was specified.")?;
                DaprCall {
                    base: base_address(binding, resolver)?,
                    method: "GET".into(),
                    path: format!("/v1.0/state/{store}/{key}"),
                    content_type: None,
                    body: None,
                }
            }
            "daprsecret" => {
                let store = property(binding, "secretStoreName", resolver)?
                    .filter(|s| !s.is_empty())
                    .ok_or("Value cannot be null. (Parameter 'secretStoreName')")?;
                let key = property(binding, "key", resolver)?.filter(|s| !s.is_empty()).ok_or("Value cannot be null. (Parameter 'key')")?;
                let query = property(binding, "metadata", resolver)?.filter(|m| !m.is_empty()).map(|m| format!("?{m}")).unwrap_or_default();
                DaprCall {
                    base: base_address(binding, resolver)?,
                    method: "GET".into(),
                    path: format!("/v1.0/secrets/{store}/{key}{query}"),
                    content_type: None,
                    body: None,
                }
            }
            _ => continue,
        };
        calls.push((binding.name.clone(), call));
    }
    Ok(calls)
}

/// .NET's `Uri.EscapeDataString`: everything but unreserved characters percent-encoded.
fn escape_data_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn function(json: &str) -> FunctionManifest {
        dapr_fn_manifest::parse_function_json("F", json).unwrap()
    }

    fn resolver_data() -> Map<String, Value> {
        json!({"key": "k1", "data": {"orderId": "41"}, "sys": {"MethodName": "F"}}).as_object().unwrap().clone()
    }

    #[test]
    fn resolves_settings_and_expressions() {
        let data = resolver_data();
        let setting = |n: &str| (n == "StateStoreName").then(|| "statestore".to_string());
        let r = Resolver { setting: &setting, binding_data: &data };
        assert_eq!(r.resolve("%StateStoreName%").unwrap(), "statestore");
        assert_eq!(r.resolve("order-{KEY}-{data.orderId}").unwrap(), "order-k1-41");
        assert_eq!(r.resolve("{sys.methodname}").unwrap(), "F");
        assert_eq!(r.resolve("%Missing%").unwrap_err(), "'%Missing%' does not resolve to a value.");
        assert_eq!(r.resolve("{id}").unwrap_err(), "No value for named parameter 'id'.");
        assert_eq!(r.resolve_trigger("%Missing%-x"), "%Missing%-x");
        assert_eq!(r.resolve_trigger("%StateStoreName%"), "statestore");
    }

    #[test]
    fn outputs_become_the_extensions_dapr_calls() {
        let f = function(
            r#"{"bindings":[{"type":"daprServiceInvocationTrigger","name":"payload"},
            {"type":"daprState","direction":"out","name":"order","stateStore":"%StateStoreName%","key":"order"},
            {"type":"daprPublish","direction":"out","name":"pub","pubsubname":"messagebus","topic":"A"},
            {"type":"daprBinding","direction":"out","name":"kafka","bindingName":"sample-topic","operation":"create"},
            {"type":"daprInvoke","direction":"out","name":"inv","appId":"app","methodName":"m","daprAddress":"http://localhost:3501"}]}"#,
        );
        let data = resolver_data();
        let setting = |n: &str| match n {
            "StateStoreName" => Some("state store".to_string()),
            "DAPR_HTTP_PORT" => Some("3502".to_string()),
            _ => None,
        };
        let r = Resolver { setting: &setting, binding_data: &data };
        let outputs = json!({
            "order": [{"value": {"orderId": "41"}}, {"key": "other", "value": 1, "etag": "ignored"}],
            "pub": {"payload": "hello"},
            "kafka": {"data": {"message": "hi"}, "metadata": {"k": "v"}},
            "inv": [{"body": {"a": 1}}, {}],
        });
        let calls = output_calls(&f, outputs.as_object().unwrap(), &Value::Null, &r).unwrap();
        let summaries: Vec<String> = calls.iter().map(DaprCall::summary).collect();
        assert_eq!(
            summaries,
            [
                r#"POST /v1.0/state/state%20store [{"key":"order","value":{"orderId":"41"}},{"key":"other","value":1}]"#,
                r#"POST /v1.0/publish/messagebus/A "hello""#,
                r#"POST /v1.0/bindings/sample-topic {"data":{"message":"hi"},"metadata":{"k":"v"},"operation":"create"}"#,
                r#"POST /v1.0/invoke/app/method/m {"a":1}"#,
                "POST /v1.0/invoke/app/method/m",
            ]
        );
        assert_eq!(calls[0].base, "http://localhost:3502");
        assert_eq!(calls[3].base, "http://localhost:3501");
        assert_eq!(calls[4].content_type, None);
    }

    #[test]
    fn reproduces_the_extensions_errors_and_quirks() {
        let data = resolver_data();
        let setting = |_: &str| None;
        let r = Resolver { setting: &setting, binding_data: &data };
        let state = function(r#"{"bindings":[{"type":"daprState","direction":"out","name":"s","stateStore":"st"}]}"#);
        let err = |f: &FunctionManifest, outputs: Value| output_calls(f, outputs.as_object().unwrap(), &Value::Null, &r).unwrap_err();
        assert!(err(&state, json!({"s": {"value": 1}})).starts_with("No key information was found."));
        assert!(err(&state, json!({"s": {"key": "k"}})).starts_with("A 'value' parameter is required"));
        assert!(err(&state, json!({"s": "plain"})).contains("requires an element of type 'Object'"));
        let publish = function(r#"{"bindings":[{"type":"daprPublish","direction":"out","name":"p"}]}"#);
        assert!(err(&publish, json!({"p": {"topic": "t", "payload": 1}})).starts_with("No pub/sub name was found."));
        assert!(err(&publish, json!({"p": {"pubsubname": "ps", "topic": "t"}})).starts_with("A 'json' parameter is required"));
        // Payload routing fields keep their JSON quotes in the extension.
        let invoke = function(r#"{"bindings":[{"type":"daprInvoke","direction":"out","name":"i","methodName":"m"}]}"#);
        let calls = output_calls(&invoke, json!({"i": {"appId": "orderapp", "body": 1}}).as_object().unwrap(), &Value::Null, &r).unwrap();
        assert_eq!(calls[0].path, "/v1.0/invoke/\"orderapp\"/method/m");
        // A JSON array in a string fans out; $return feeds its binding.
        let ret = function(r#"{"bindings":[{"type":"daprPublish","direction":"out","name":"$return","pubsubname":"ps","topic":"t"}]}"#);
        let calls = output_calls(&ret, &Map::new(), &json!(r#"[{"payload":1},{"payload":2}]"#), &r).unwrap();
        assert_eq!(calls.len(), 2);
    }

    #[test]
    fn input_bindings_fetch_state_and_secrets() {
        let f = function(
            r#"{"bindings":[{"type":"httpTrigger","name":"req"},{"type":"daprState","direction":"in","name":"s","stateStore":"statestore","key":"{key}"},
            {"type":"daprSecret","direction":"in","name":"secret","secretStoreName":"localsecretstore","key":"my-secret","metadata":"metadata.namespace=default"}]}"#,
        );
        let data = resolver_data();
        let setting = |_: &str| None;
        let r = Resolver { setting: &setting, binding_data: &data };
        let calls: Vec<String> = input_calls(&f, &r).unwrap().iter().map(|(n, c)| format!("{n}: {}", c.summary())).collect();
        assert_eq!(
            calls,
            ["s: GET /v1.0/state/statestore/k1", "secret: GET /v1.0/secrets/localsecretstore/my-secret?metadata.namespace=default"]
        );
    }
}
