//! How the Functions host encodes invocations (custom-handler-protocol §2): used by the
//! test invoker, so that tests feed functions exactly what the host sends.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::http::HttpRequest;

/// The host's rule for a non-object value: a JSON string holding its JSON text
/// (`abc` → `"\"abc\""`, `4` → `"4"`, null → `"null"`).
pub(crate) fn encode_value(value: &Value) -> Value {
    match value {
        Value::Object(_) => value.clone(),
        other => Value::String(other.to_string()),
    }
}

/// `Data.<trigger>` for an HTTP trigger (§2.4).
pub(crate) fn http_request_object(req: &HttpRequest) -> Value {
    let mut query = Map::new();
    for (k, v) in req.query_pairs() {
        match query.get_mut(k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(v);
            }
            _ => {
                query.insert(k.to_string(), Value::String(v.to_string()));
            }
        }
    }
    let mut headers = Map::new();
    for name in req.headers().keys() {
        let values: Vec<Value> =
            req.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).map(|v| Value::String(v.into())).collect();
        headers.insert(name.as_str().to_string(), Value::Array(values));
    }
    let params: Map<String, Value> =
        req.params().map(|(k, v)| (k.to_string(), v.map_or(Value::Null, |v| Value::String(v.into())))).collect();
    let mut object = Map::new();
    object.insert("Url".into(), Value::String(req.url().to_string()));
    object.insert("Method".into(), Value::String(req.method().to_string()));
    object.insert("Query".into(), Value::Object(query));
    object.insert("Headers".into(), Value::Object(headers));
    object.insert("Params".into(), Value::Object(params));
    object.insert("Identities".into(), Value::Array(Vec::new()));
    if !req.body().is_empty() {
        let binary = req.header("content-type").is_some_and(|ct| {
            let ct = ct.to_ascii_lowercase();
            ct.starts_with("application/octet-stream") || ct.starts_with("multipart/")
        });
        let body = match (binary, std::str::from_utf8(req.body())) {
            (false, Ok(text)) => text.to_string(),
            _ => base64::engine::general_purpose::STANDARD.encode(req.body()),
        };
        object.insert("Body".into(), Value::String(body));
    }
    Value::Object(object)
}

/// `Metadata` for an HTTP trigger (§2.5), in the host's order, later keys overwriting.
pub(crate) fn http_metadata(req: &HttpRequest, function: &str) -> Map<String, Value> {
    let mut m = Map::new();
    if let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(req.body()) {
        apply_object_properties(&mut m, &body);
    }
    for (k, v) in req.query_pairs().filter(|(k, _)| !k.eq_ignore_ascii_case("code")) {
        m.insert(k.to_string(), encode_value(&Value::String(v.to_string())));
    }
    for (k, v) in req.params() {
        if let Some(v) = v {
            m.insert(k.to_string(), encode_value(&Value::String(v.to_string())));
        }
    }
    let query: Map<String, Value> = req.query_pairs().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
    m.entry("Query").or_insert(Value::Object(query));
    let headers: Map<String, Value> = req
        .headers()
        .keys()
        .map(|name| {
            let joined: Vec<&str> = req.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
            (name.as_str().to_string(), Value::String(joined.join(",")))
        })
        .collect();
    m.entry("Headers").or_insert(Value::Object(headers));
    finish_metadata(m, function)
}

/// What a Dapr trigger hands a script function for a request body (dapr-extension §5.3):
/// the text of a JSON string, the compact JSON of anything else, null for no body.
pub(crate) fn dapr_trigger_text(body: &Value) -> Option<String> {
    match body {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `Metadata` for a Dapr trigger whose value is `text`: the top-level properties of a
/// JSON-object payload, plus `sys` (dapr-extension §5.4).
pub(crate) fn dapr_trigger_metadata(text: Option<&str>, function: &str) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(Ok(Value::Object(object))) = text.map(serde_json::from_str::<Value>) {
        apply_object_properties(&mut m, &object);
    }
    finish_metadata(m, function)
}

fn apply_object_properties(m: &mut Map<String, Value>, object: &Map<String, Value>) {
    for (k, v) in object {
        if !v.is_array() && !v.is_null() {
            m.insert(k.clone(), encode_value(v));
        }
    }
}

/// Adds `sys`, then drops what the host drops: nulls and keys ending in "trigger".
fn finish_metadata(mut m: Map<String, Value>, function: &str) -> Map<String, Value> {
    let sys = serde_json::json!({"MethodName": function, "UtcNow": utc_now(), "RandGuid": random_guid()});
    if m.contains_key("sys") {
        m.insert("$sys".into(), sys);
    } else {
        m.insert("sys".into(), sys);
    }
    m.retain(|k, v| !v.is_null() && !k.to_ascii_lowercase().ends_with("trigger"));
    m
}

/// The current UTC time as ISO-8601, like the host's `sys.UtcNow`.
pub(crate) fn utc_now() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:07}Z", rem / 3600, rem % 3600 / 60, rem % 60, now.subsec_nanos() / 100)
}

/// A random-looking GUID for `sys.RandGuid` (not for security).
pub(crate) fn random_guid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_values_like_the_host() {
        assert_eq!(encode_value(&json!("abc")), json!("\"abc\""));
        assert_eq!(encode_value(&json!(4)), json!("4"));
        assert_eq!(encode_value(&Value::Null), json!("null"));
        assert_eq!(encode_value(&json!({"a": 1})), json!({"a": 1}));
    }

    #[test]
    fn builds_http_metadata_in_the_hosts_order() {
        let req = HttpRequest::builder()
            .method("POST")
            .url("http://localhost:7071/api/state/k1?key=fromquery&code=secret&x=1")
            .param("key", "k1")
            .header("X-A", "1")
            .body(r#"{"key":"frombody","n":2,"list":[1],"nested":{"a":1},"myTrigger":"t"}"#)
            .build();
        let m = http_metadata(&req, "F");
        assert_eq!(m["key"], json!("\"k1\""), "route parameters win");
        assert_eq!(m["n"], json!("2"));
        assert_eq!(m["nested"], json!({"a": 1}));
        assert!(!m.contains_key("list") && !m.contains_key("code") && !m.contains_key("myTrigger"));
        assert_eq!(m["Query"]["code"], json!("secret"));
        assert_eq!(m["Headers"]["x-a"], json!("1"));
        assert_eq!(m["sys"]["MethodName"], json!("F"));
        assert_eq!(random_guid().len(), 36);
        assert!(utc_now().ends_with('Z'));
    }
}
