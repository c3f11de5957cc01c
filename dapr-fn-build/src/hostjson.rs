//! host.json: dapr-fn's defaults with the user's host.json merged over them.

use serde_json::{json, Map, Value};

/// The GA extension bundle range that contains the Dapr extension (it entered the
/// bundle in 4.17.0; custom-handler-protocol §7.1).
pub(crate) const EXTENSION_BUNDLE_VERSION: &str = "[4.17.0, 5.0.0)";

/// The defaults: schema version 2.0, the extension bundle and the `customHandler` block
/// (default payload protocol, so every binding works).
pub(crate) fn defaults(executable: &str) -> Value {
    json!({
        "version": "2.0",
        "extensionBundle": {
            "id": "Microsoft.Azure.Functions.ExtensionBundle",
            "version": EXTENSION_BUNDLE_VERSION
        },
        "customHandler": {
            "description": {
                "defaultExecutablePath": executable,
                "workingDirectory": "",
                "arguments": []
            },
            "enableForwardingHttpRequest": false
        }
    })
}

/// Merges `user` over `base`: objects merge key by key (keys compared ignoring case, as
/// the host's configuration does, keeping the user's spelling); anything else replaces.
pub(crate) fn merge(base: &mut Value, user: Value) {
    match (base, user) {
        (Value::Object(base), Value::Object(user)) => {
            for (key, value) in user {
                let existing = base.keys().find(|k| k.eq_ignore_ascii_case(&key) && **k != key).cloned();
                let mut slot = existing.and_then(|k| base.remove(&k)).unwrap_or(Value::Null);
                if slot.is_object() && value.is_object() {
                    merge(&mut slot, value);
                } else {
                    slot = value;
                }
                base.insert(key, slot);
            }
        }
        (base, user) => *base = user,
    }
}

/// The app's host.json text: defaults, then the user's file; the user may not change
/// `version` (the host accepts only "2.0").
pub(crate) fn render(executable: &str, user: Option<&str>) -> Result<String, String> {
    let mut host = defaults(executable);
    if let Some(text) = user {
        let user: Value = serde_json::from_str(text).map_err(|e| format!("host.json is not valid JSON: {e}"))?;
        let Value::Object(map) = &user else {
            return Err("host.json must be a JSON object".into());
        };
        if let Some((_, version)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case("version")) {
            if version != "2.0" {
                return Err(format!(
                    "host.json has \"version\": {version}; the Functions host requires \"2.0\" (it is the schema version, not the host's)"
                ));
            }
        }
        merge(&mut host, user);
    }
    let sorted: Map<String, Value> = host.as_object().cloned().unwrap_or_default();
    let mut text = serde_json::to_string_pretty(&Value::Object(sorted)).expect("JSON values serialize");
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_user_settings_over_defaults() {
        let text = render(
            "orders",
            Some(r#"{"version":"2.0","logging":{"logLevel":{"default":"Debug"}},"CustomHandler":{"Description":{"arguments":["--fast"]}},"extensions":{"http":{"routePrefix":""}}}"#),
        )
        .unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["CustomHandler"]["Description"]["arguments"], json!(["--fast"]));
        assert_eq!(v["CustomHandler"]["Description"]["defaultExecutablePath"], json!("orders"));
        assert!(v.get("customHandler").is_none(), "merged case-insensitively into one key");
        assert_eq!(v["extensions"]["http"]["routePrefix"], json!(""));
        assert_eq!(v["extensionBundle"]["version"], json!(EXTENSION_BUNDLE_VERSION));
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn rejects_a_version_the_host_rejects() {
        assert!(render("x", Some(r#"{"version":"3.0"}"#)).unwrap_err().contains("\"2.0\""));
        assert!(render("x", Some("[]")).is_err());
        assert!(render("x", Some("{")).is_err());
    }
}
