//! Canonical function.json text, and reading function.json back.

use crate::{BindingManifest, Direction, FunctionManifest, PropertyValue, GENERATED_BY};
use serde_json::Value;

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

/// Renders function.json: two-space indentation, keys in a fixed order
/// (`type`, `direction`, `name`, then the catalogue's order), arrays of strings inline.
pub(crate) fn render_function_json(f: &FunctionManifest) -> String {
    let mut out = String::with_capacity(256);
    out.push_str("{\n  \"generatedBy\": ");
    out.push_str(&quoted(GENERATED_BY));
    out.push_str(",\n  \"bindings\": [");
    for (i, b) in f.bindings.iter().enumerate() {
        out.push_str(if i == 0 { "\n    {\n" } else { ",\n    {\n" });
        let mut fields: Vec<(&str, String)> =
            vec![("type", quoted(&b.binding_type)), ("direction", quoted(b.direction.as_str())), ("name", quoted(&b.name))];
        for (key, value) in &b.properties {
            let rendered = match value {
                PropertyValue::Text(s) => quoted(s),
                PropertyValue::List(items) => {
                    let items: Vec<String> = items.iter().map(|s| quoted(s)).collect();
                    format!("[{}]", items.join(", "))
                }
            };
            fields.push((key, rendered));
        }
        let lines: Vec<String> = fields.iter().map(|(k, v)| format!("      {}: {v}", quoted(k))).collect();
        out.push_str(&lines.join(",\n"));
        out.push_str("\n    }");
    }
    out.push_str("\n  ]\n}\n");
    out
}

/// A JSON object with its members in document order (serde_json's map is sorted
/// unless its `preserve_order` feature is on, which dapr-fn does not force on users).
struct OrderedObject(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for OrderedObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = OrderedObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<OrderedObject, A::Error> {
                let mut members = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    members.push(entry);
                }
                Ok(OrderedObject(members))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Why a function.json could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

/// Reads a function.json as the host does: `bindings` is case-sensitive, member names
/// inside a binding are not, `direction` defaults to `in`.
pub fn parse_function_json(name: &str, text: &str) -> Result<FunctionManifest, ParseError> {
    let fail = |m: String| ParseError(format!("function.json of `{name}`: {m}"));
    #[derive(serde::Deserialize)]
    struct Root {
        bindings: Option<Vec<OrderedObject>>,
    }
    let root: Root = serde_json::from_str(text).map_err(|e| fail(e.to_string()))?;
    let bindings = root.bindings.ok_or_else(|| fail("no `bindings` array".into()))?;
    let mut out = Vec::with_capacity(bindings.len());
    for obj in bindings {
        let mut binding_type = None;
        let mut direction = Direction::In;
        let mut binding_name = None;
        let mut properties = Vec::new();
        for (key, value) in &obj.0 {
            match key.to_ascii_lowercase().as_str() {
                "type" => binding_type = value.as_str().map(str::to_string),
                "name" => binding_name = value.as_str().map(str::to_string),
                "direction" => {
                    direction = match value.as_str().map(str::to_ascii_lowercase).as_deref() {
                        Some("in") => Direction::In,
                        Some("out") | Some("inout") => Direction::Out,
                        other => return Err(fail(format!("unknown direction {other:?}"))),
                    }
                }
                _ => {
                    let v = match value {
                        Value::String(s) => PropertyValue::Text(s.clone()),
                        Value::Array(items) => PropertyValue::List(items.iter().filter_map(|i| i.as_str().map(str::to_string)).collect()),
                        other => PropertyValue::Text(other.to_string()),
                    };
                    properties.push((key.clone(), v));
                }
            }
        }
        out.push(BindingManifest {
            binding_type: binding_type.ok_or_else(|| fail("a binding has no `type`".into()))?,
            direction,
            name: binding_name.ok_or_else(|| fail("a binding has no `name`".into()))?,
            properties,
        });
    }
    Ok(FunctionManifest { name: name.to_string(), bindings: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> FunctionManifest {
        FunctionManifest {
            name: "StateOutputBinding".into(),
            bindings: vec![
                BindingManifest {
                    binding_type: "httpTrigger".into(),
                    direction: Direction::In,
                    name: "req".into(),
                    properties: vec![
                        ("authLevel".into(), PropertyValue::Text("function".into())),
                        ("methods".into(), PropertyValue::List(vec!["post".into()])),
                        ("route".into(), PropertyValue::Text("state/{key}".into())),
                    ],
                },
                BindingManifest {
                    binding_type: "daprState".into(),
                    direction: Direction::Out,
                    name: "state".into(),
                    properties: vec![
                        ("stateStore".into(), PropertyValue::Text("statestore".into())),
                        ("key".into(), PropertyValue::Text("{key}".into())),
                    ],
                },
            ],
        }
    }

    #[test]
    fn renders_canonical_text() {
        let expected = format!(
            r#"{{
  "generatedBy": "{GENERATED_BY}",
  "bindings": [
    {{
      "type": "httpTrigger",
      "direction": "in",
      "name": "req",
      "authLevel": "function",
      "methods": ["post"],
      "route": "state/{{key}}"
    }},
    {{
      "type": "daprState",
      "direction": "out",
      "name": "state",
      "stateStore": "statestore",
      "key": "{{key}}"
    }}
  ]
}}
"#
        );
        assert_eq!(sample().to_function_json(), expected);
    }

    #[test]
    fn round_trips_and_reads_like_the_host() {
        let f = sample();
        assert_eq!(parse_function_json("StateOutputBinding", &f.to_function_json()).unwrap(), f);
        let loose = r#"{"bindings":[{"TYPE":"daprState","Name":"s","stateStore":"x"}]}"#;
        let parsed = parse_function_json("F", loose).unwrap();
        assert_eq!(parsed.bindings[0].direction, Direction::In);
        assert_eq!(parsed.bindings[0].text("STATESTORE"), Some("x"));
        assert!(parse_function_json("F", r#"{"Bindings":[]}"#).is_err());
    }
}
