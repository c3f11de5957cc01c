//! Every official sample of the Dapr extension (dapr-extension §7), written in Rust with
//! dapr-fn, generates a function.json carrying the same bindings as the sample's own:
//! same type, direction, name and every property and value, compared ignoring case where
//! the host does. (What each sample then does through the protocol is tested in the
//! sample crates, down to the Dapr HTTP calls the extension makes.)
//!
//! Normalizations, each because the host treats both forms alike:
//! - `direction` absent means `in` (triggers in the samples often omit it);
//! - `"dataType": "string"` is the default for triggers and inputs and is ignored for
//!   Dapr outputs (dapr-extension §1.1), so dapr-fn does not write it;
//! - `"method"` (a typo for `methods` in several samples) is an unknown key the host
//!   ignores, so those samples accept every method, and their Rust versions omit `methods`.

use std::collections::BTreeMap;

use dapr_fn_tests::{app_dir, build_example};
use serde_json::{json, Value};

/// A binding in comparable form: lower-case keys, values lower-cased where the host
/// compares ignoring case, host defaults applied.
fn normalize(binding: &Value) -> (String, BTreeMap<String, Value>) {
    let mut out = BTreeMap::new();
    for (key, value) in binding.as_object().expect("a binding is an object") {
        let key = key.to_ascii_lowercase();
        let value = match (key.as_str(), value) {
            ("type" | "direction" | "authlevel", Value::String(s)) => Value::String(s.to_ascii_lowercase()),
            ("methods", Value::Array(items)) => {
                Value::Array(items.iter().map(|m| json!(m.as_str().unwrap().to_ascii_lowercase())).collect())
            }
            ("datatype", Value::String(s)) if s.eq_ignore_ascii_case("string") => continue,
            ("method", _) | ("generatedby", _) => continue,
            _ => value.clone(),
        };
        out.insert(key, value);
    }
    out.entry("direction".into()).or_insert(json!("in"));
    (out["name"].as_str().unwrap().to_ascii_lowercase(), out)
}

fn check(package: &str, samples: &[(&str, Value)]) {
    build_example(package);
    let app = app_dir(package);
    let mut generated: Vec<String> = std::fs::read_dir(&app)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("function.json").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    generated.sort();
    let mut expected: Vec<String> = samples.iter().map(|(n, _)| n.to_string()).collect();
    expected.sort();
    assert_eq!(generated, expected, "{package}: the app has exactly the sample's functions");
    for (function, sample) in samples {
        let text = std::fs::read_to_string(app.join(function).join("function.json")).unwrap();
        let ours: Value = serde_json::from_str(&text).unwrap();
        let ours: BTreeMap<_, _> = ours["bindings"].as_array().unwrap().iter().map(normalize).collect();
        let theirs: BTreeMap<_, _> = sample.as_array().unwrap().iter().map(normalize).collect();
        assert_eq!(ours, theirs, "{package}/{function}: bindings differ from the sample's function.json");
    }
}

fn si(name: &str) -> Value {
    json!({"type": "daprServiceInvocationTrigger", "name": name})
}

#[test]
fn quickstart() {
    check(
        "samples-quickstart",
        &[
            (
                "DaprSubscribeTrigger",
                json!([{"type": "daprTopicTrigger", "name": "daprTrigger", "pubsubname": "pubsub", "topic": "myTopic", "route": "/myroute"}]),
            ),
            (
                "HttpTrigger",
                json!([
                    {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous", "methods": ["post"], "route": "state/{key}"},
                    {"type": "daprState", "direction": "in", "dataType": "string", "name": "stateIn", "stateStore": "statestore", "key": "{key}"},
                    {"type": "daprPublish", "direction": "out", "name": "publish"},
                    {"type": "daprState", "direction": "out", "dataType": "string", "name": "stateOut", "stateStore": "statestore", "key": "{key}"},
                    {"type": "http", "direction": "out", "name": "res"}
                ]),
            ),
        ],
    );
}

#[test]
fn javascript_samples() {
    check(
        "samples-javascript",
        &[
            (
                "ConsumeMessageFromKafka",
                json!([{"type": "daprBindingTrigger", "name": "triggerData", "bindingName": "%KafkaBindingName%"}]),
            ),
            (
                "CreateNewOrder",
                json!([si("payload"), {"type": "daprState", "direction": "out", "name": "order", "stateStore": "%StateStoreName%", "key": "order"}]),
            ),
            (
                "InvokeOutputBinding",
                json!([
                    {"type": "httpTrigger", "name": "req", "authLevel": "anonymous", "method": ["get", "post"], "route": "invoke/{appId}/{methodName}"},
                    {"type": "daprInvoke", "direction": "out", "name": "payload", "appId": "{appId}", "methodName": "{methodName}", "httpVerb": "post"},
                    {"type": "http", "direction": "out", "name": "res"}
                ]),
            ),
            ("PrintTopicMessage", json!([{"type": "daprTopicTrigger", "name": "subEvent", "pubsubname": "messagebus", "topic": "B"}])),
            (
                "PublishOutputBinding",
                json!([
                    {"type": "httpTrigger", "name": "req", "authLevel": "anonymous", "method": ["post"], "route": "topic/{topicName}"},
                    {"type": "daprPublish", "direction": "out", "name": "payload", "pubsubname": "messagebus", "topic": "{topicName}"},
                    {"type": "http", "direction": "out", "name": "res"}
                ]),
            ),
            (
                "RetrieveOrder",
                json!([si("payload"), {"type": "daprState", "direction": "in", "name": "data", "key": "order", "stateStore": "%StateStoreName%"}]),
            ),
            (
                "RetrieveSecret",
                json!([si("payload"), {"type": "daprSecret", "direction": "in", "name": "secret", "key": "my-secret", "secretStoreName": "localsecretstore", "metadata": "metadata.namespace=default"}]),
            ),
            (
                "SendMessageToKafka",
                json!([si("args"), {"type": "daprBinding", "direction": "out", "name": "messages", "bindingName": "%KafkaBindingName%", "operation": "create"}]),
            ),
            (
                "StateInputBinding",
                json!([
                    {"type": "httpTrigger", "route": "state/{key}", "methods": ["get", "options"], "authLevel": "anonymous", "name": "req"},
                    {"type": "daprState", "direction": "in", "dataType": "string", "name": "state", "stateStore": "statestore", "key": "{key}"},
                    {"type": "http", "direction": "out", "name": "res"}
                ]),
            ),
            (
                "StateOutputBinding",
                json!([
                    {"type": "httpTrigger", "route": "state/{key}", "methods": ["post"], "authLevel": "function", "name": "req"},
                    {"type": "daprState", "direction": "out", "name": "state", "stateStore": "statestore", "key": "{key}"},
                    {"type": "http", "direction": "out", "name": "res"}
                ]),
            ),
            (
                "TransferEventBetweenTopics",
                json!([
                    {"type": "daprTopicTrigger", "name": "subEvent", "pubsubname": "messagebus", "topic": "A"},
                    {"type": "daprPublish", "direction": "out", "name": "pubEvent", "pubsubname": "messagebus", "topic": "B"}
                ]),
            ),
        ],
    );
}

#[test]
fn powershell_samples() {
    check(
        "samples-powershell",
        &[
            (
                "ConsumeMessageFromKafka",
                json!([{"type": "daprBindingTrigger", "direction": "in", "name": "triggerData", "bindingName": "%KafkaBindingName%"}]),
            ),
            (
                "CreateNewOrder",
                json!([si("payload"), {"type": "daprState", "direction": "out", "name": "order", "stateStore": "%StateStoreName%", "key": "order"}]),
            ),
            (
                "HttpExample",
                json!([
                    {"authLevel": "Anonymous", "type": "httpTrigger", "direction": "in", "name": "Request", "methods": ["get", "post"]},
                    {"type": "http", "direction": "out", "name": "Response"}
                ]),
            ),
            (
                "InvokeOutputBinding",
                json!([
                    {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "function", "method": ["get", "post"], "route": "invoke/{appId}/{methodName}"},
                    {"type": "daprInvoke", "direction": "out", "name": "payload", "appId": "{appId}", "methodName": "{methodName}", "httpVerb": "post"},
                    {"type": "http", "direction": "out", "name": "res"}
                ]),
            ),
            (
                "PrintTopicMessage",
                json!([{"type": "daprTopicTrigger", "direction": "in", "name": "subEvent", "pubsubname": "%PubSubName%", "topic": "B"}]),
            ),
            (
                "RetrieveOrder",
                json!([si("payload"), {"type": "daprState", "direction": "in", "name": "order", "key": "order", "stateStore": "%StateStoreName%"}]),
            ),
            (
                "RetrieveSecretLocal",
                json!([si("payload"), {"type": "daprSecret", "direction": "in", "name": "secret", "key": "my-secret", "secretStoreName": "localsecretstore", "metadata": "metadata.namespace=default"}]),
            ),
            (
                "SendMessageToKafka",
                json!([si("req"), {"type": "daprBinding", "direction": "out", "name": "messages", "bindingName": "%KafkaBindingName%", "operation": "create"}]),
            ),
            (
                "TransferEventBetweenTopics",
                json!([
                    {"type": "daprTopicTrigger", "direction": "in", "name": "subEvent", "pubsubname": "%PubSubName%", "topic": "A", "dataType": "string"},
                    {"type": "daprPublish", "direction": "out", "name": "pubEvent", "pubsubname": "%PubSubName%", "topic": "B"}
                ]),
            ),
        ],
    );
}

#[test]
fn python_samples() {
    check(
        "samples-python",
        &[
            (
                "ConsumeMessageFromKafka",
                json!([{"type": "daprBindingTrigger", "direction": "in", "name": "triggerData", "bindingName": "%KafkaBindingName%"}]),
            ),
            (
                "CreateNewOrder",
                json!([si("payload"), {"type": "daprState", "direction": "out", "name": "order", "stateStore": "%StateStoreName%", "key": "order"}]),
            ),
            (
                "InvokeOutputBinding",
                json!([
                    {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "function", "method": ["get"], "route": "invoke/{appId}/{methodName}"},
                    {"type": "daprInvoke", "direction": "out", "name": "payload", "appId": "{appId}", "methodName": "{methodName}", "httpVerb": "post"},
                    {"type": "http", "direction": "out", "name": "$return"}
                ]),
            ),
            (
                "PrintTopicMessage",
                json!([{"type": "daprTopicTrigger", "direction": "in", "name": "subEvent", "pubsubname": "%PubSubName%", "topic": "B"}]),
            ),
            (
                "RetrieveOrder",
                json!([si("payload"), {"type": "daprState", "direction": "in", "name": "data", "key": "order", "stateStore": "%StateStoreName%"}]),
            ),
            (
                "RetrieveSecret",
                json!([si("payload"), {"type": "daprSecret", "direction": "in", "name": "secret", "key": "my-secret", "secretStoreName": "localsecretstore", "metadata": "metadata.namespace=default"}]),
            ),
            (
                "SendMessageToKafka",
                json!([si("args"), {"type": "daprBinding", "direction": "out", "name": "messages", "bindingName": "%KafkaBindingName%", "operation": "create"}]),
            ),
            (
                "TransferEventBetweenTopics",
                json!([
                    {"type": "daprTopicTrigger", "direction": "in", "name": "subEvent", "pubsubname": "%PubSubName%", "topic": "A", "dataType": "string"},
                    {"type": "daprPublish", "direction": "out", "name": "pubEvent", "pubsubname": "%PubSubName%", "topic": "B"}
                ]),
            ),
        ],
    );
}
