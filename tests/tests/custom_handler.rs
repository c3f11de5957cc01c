//! End to end: build the apps, start the real binaries as the host does
//! (`FUNCTIONS_CUSTOMHANDLER_PORT`), and speak the host's protocol over HTTP with payloads
//! shaped as custom-handler-protocol §2 describes (doubly encoded scalars, `"null"`,
//! header arrays, raw or base64 `Body`, missing `Body`, chunked request bodies).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use dapr_fn_tests::{build_example, Handler};
use serde_json::{json, Value};

fn e2e_app() -> &'static std::path::Path {
    static EXE: OnceLock<std::path::PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build_example("dapr-fn-e2e-app"))
}

/// The HTTP trigger object as the host builds it (§2.4), for `POST /api/<path>`.
fn http_payload(path: &str, params: Value, content_type: &str, body: Option<&str>) -> String {
    let mut req = json!({
        "Url": format!("http://localhost:7071/api/{path}"),
        "Method": "POST",
        "Query": {},
        "Headers": {"Content-Type": [content_type], "Host": ["localhost:7071"], "X-Test": ["a", "b"]},
        "Params": params,
        "Identities": [{"AuthenticationType": null, "IsAuthenticated": false, "Claims": []}],
    });
    if let Some(body) = body {
        req["Body"] = json!(body);
    }
    let mut metadata = json!({"Query": {}, "Headers": {"Content-Type": content_type}, "sys": {"MethodName": "X", "UtcNow": "2026-11-30T08:00:00Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}});
    for (k, v) in params.as_object().unwrap() {
        metadata[k] = json!(v.to_string());
    }
    json!({"Data": {"req": req}, "Metadata": metadata}).to_string()
}

/// A Dapr trigger's value as the host sends it: the extension's string, JSON-encoded twice.
fn dapr_payload(binding: &str, extension_string: Option<&str>) -> String {
    let value = match extension_string {
        Some(s) => json!(json!(s).to_string()),
        None => json!("null"),
    };
    json!({"Data": {binding: value}, "Metadata": {"sys": {"MethodName": "X", "UtcNow": "2026-11-30T08:00:00Z", "RandGuid": "0f8fad5b-d9cb-469f-a165-70867728950e"}}}).to_string()
}

#[test]
fn state_output_binding_sample_answers_exactly_what_the_host_expects() {
    let exe = build_example("state-output-binding");
    let handler = Handler::start(&exe, &[]);
    let mut conn = handler.connect();

    let ready = conn.request("GET", "/", &[], b"");
    assert_eq!(ready.status, 200);

    let payload = http_payload("state/order-1", json!({"key": "order-1"}), "application/json", Some(r#"{"orderId":1}"#));
    let res = conn.invoke("StateOutputBinding", &payload);
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json; charset=utf-8"));
    assert_eq!(
        std::str::from_utf8(&res.body).unwrap(),
        r#"{"Outputs":{"state":{"value":"{\"orderId\":1}"},"res":{"statusCode":200,"headers":{"Content-Type":"text/plain; charset=utf-8"},"body":""}},"Logs":["C# HTTP trigger function processed a request."],"ReturnValue":null}"#
    );

    // The same invocation as the host really sends it: chunked, no Content-Length.
    let chunked = conn.request_chunked("/StateOutputBinding", payload.as_bytes(), 7);
    assert_eq!(chunked.body, res.body);
}

#[test]
fn create_new_order_sample_saves_the_payload_data() {
    let exe = build_example("create-new-order");
    let handler = Handler::start(&exe, &[]);
    let mut conn = handler.connect();
    // `dapr invoke --method CreateNewOrder --data '{"data": {"orderId": "41"}}'`
    let res = conn.invoke("CreateNewOrder", &dapr_payload("payload", Some(r#"{"data":{"orderId":"41"}}"#)));
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.json(),
        json!({"Outputs": {"order": {"value": {"orderId": "41"}}}, "Logs": [r#"saving order {"orderId":"41"}"#], "ReturnValue": null})
    );

    // No body at all (the host sends "null"): the function fails, nothing is saved.
    let res = conn.invoke("CreateNewOrder", &dapr_payload("payload", None));
    assert_eq!(res.status, 500);
    assert_eq!(res.json()["error"], "the payload has no `data`");
    assert!(res.json().get("Outputs").is_none());
    drop(conn);
    handler.terminate();
    let (_, _, stderr) = handler.wait_output();
    assert!(
        stderr.contains("function `CreateNewOrder` failed (invocation 6f2c1f0e-0000-4000-8000-000000000001): the payload has no `data`"),
        "{stderr}"
    );
}

#[test]
fn typed_bodies_several_records_state_and_response_headers() {
    let handler = Handler::start(e2e_app(), &[]);
    let mut conn = handler.connect();
    let payload = http_payload("orders/o-7", json!({"key": "o-7"}), "application/json", Some(r#"{"orderId":7,"amount":12.5}"#));
    let res = conn.invoke("SaveOrder", &payload);
    assert_eq!(res.status, 200, "{}", String::from_utf8_lossy(&res.body));
    assert_eq!(
        res.json(),
        json!({
            "Outputs": {
                "state": {"value": {"orderId": 7, "amount": 12.5}},
                "audit": [{"key": "audit-o-7-1", "value": "received"}, {"key": "audit-o-7-2", "value": "saved"}],
                "res": {"statusCode": 201, "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Order-Key": "o-7"}, "body": "saved o-7"}
            },
            "Logs": ["saving order 7 key=\"o-7\""],
            "ReturnValue": null
        })
    );

    // A body that is not the expected JSON: the caller gets 400 through `res`, and no
    // state output is emitted.
    let bad = http_payload("orders/o-8", json!({"key": "o-8"}), "application/json", Some(r#"{"orderId":"x"}"#));
    let res = conn.invoke("SaveOrder", &bad);
    assert_eq!(res.status, 200);
    let body = res.json();
    assert_eq!(body["Outputs"].as_object().unwrap().keys().collect::<Vec<_>>(), ["res"]);
    assert_eq!(body["Outputs"]["res"]["statusCode"], 400);
    assert!(body["Outputs"]["res"]["body"].as_str().unwrap().starts_with("request body is not valid JSON for this function"));

    // Missing Body (a chunked upload without Content-Length): also a 400 for the caller.
    let res = conn.invoke("SaveOrder", &http_payload("orders/o-9", json!({"key": "o-9"}), "application/json", None));
    assert_eq!(res.json()["Outputs"]["res"]["statusCode"], 400);

    // Binary content types arrive base64-encoded.
    let res = conn.invoke(
        "SaveOrder",
        &http_payload("orders/o-10", json!({"key": "o-10"}), "application/octet-stream", Some("eyJvcmRlcklkIjoxMCwiYW1vdW50IjoxfQ==")),
    );
    assert_eq!(res.json()["Outputs"]["state"], json!({"value": {"orderId": 10, "amount": 1.0}}));
}

#[test]
fn failures_fail_the_invocation_and_the_server_keeps_serving() {
    let handler = Handler::start(e2e_app(), &[]);
    let mut conn = handler.connect();

    let res = conn.invoke("Fails", &dapr_payload("payload", Some("x")));
    assert_eq!(res.status, 500);
    assert_eq!(res.json(), json!({"error": "the order service is unavailable", "function": "Fails", "Logs": ["about to fail"]}));

    let res = conn.invoke("Panics", &dapr_payload("payload", Some("x")));
    assert_eq!(res.status, 500);
    assert_eq!(res.json()["error"], "the function panicked: invariant broken");

    let res = conn.invoke("SavesNull", &dapr_payload("payload", Some("x")));
    assert_eq!(res.status, 500);
    assert!(res.json()["error"].as_str().unwrap().starts_with("A 'value' parameter is required for save-state operations."));

    for (payload, expected) in [
        ("{\"Data\":", "the invocation payload is not valid JSON"),
        ("{\"Metadata\":{}}", "the invocation payload has no `Data` object"),
        ("{\"Data\":{}}", "the invocation payload has no `Data.millis` (it has: nothing)"),
        ("{\"Data\":{\"millis\":\"\\\"not a number\\\"\"}}", "the trigger payload `millis` does not fit `u64`"),
    ] {
        let res = conn.invoke("Slow", payload);
        assert_eq!(res.status, 400, "{payload}");
        assert!(res.json()["error"].as_str().unwrap().starts_with(expected), "{payload}: {}", res.json());
    }

    let res = conn.invoke("NoSuchFunction", "{}");
    assert_eq!(res.status, 404);
    assert!(res.json()["error"]
        .as_str()
        .unwrap()
        .contains("it serves: Add, ClashingReply, Concurrency, Context, Fails, Panics, SaveLatest, SaveOrder, SavesNull, Slow"));
    let res = conn.request("GET", "/Slow", &[], b"");
    assert_eq!(res.status, 405);
    assert_eq!(res.header("allow"), Some("POST"));

    // Still serving on the same keep-alive connection.
    let res = conn.invoke("SaveLatest", &dapr_payload("payload", Some(r#"{"n":1}"#)));
    assert_eq!(res.json(), json!({"Outputs": {}, "Logs": [], "ReturnValue": {"value": {"n": 1}}}));
    let res = conn.invoke("SaveLatest", &dapr_payload("payload", None));
    assert_eq!(res.json()["ReturnValue"], Value::Null);
}

#[test]
fn service_invocation_replies_travel_in_return_value() {
    let handler = Handler::start(e2e_app(), &[]);
    let mut conn = handler.connect();
    let res = conn.invoke("Add", &dapr_payload("numbers", Some("[1,2,39]")));
    assert_eq!(res.json(), json!({"Outputs": {}, "Logs": [], "ReturnValue": 42}));
    // The host would copy a reply member named like an output into that output.
    let res = conn.invoke("ClashingReply", &dapr_payload("payload", Some("x")));
    assert_eq!(res.status, 500);
    assert!(res.json()["error"].as_str().unwrap().starts_with("the reply has a member `state`"));
}

#[test]
fn context_sees_the_invocation_and_metadata() {
    let handler = Handler::start(e2e_app(), &[]);
    let mut conn = handler.connect();
    let mut payload: Value = serde_json::from_str(&http_payload("ctx/5", json!({"id": "5"}), "text/plain", None)).unwrap();
    payload["Data"]["req"]["Query"] = json!({"q": "a,b"});
    let res = conn.invoke("Context", &payload.to_string());
    let body: Value = serde_json::from_str(res.json()["Outputs"]["res"]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"invocationId": "6f2c1f0e-0000-4000-8000-000000000001", "function": "Context", "id": "5", "query": "a,b", "header": "a"})
    );
}

#[test]
fn concurrent_keep_alive_connections_never_mix_outputs() {
    let handler = Handler::start(e2e_app(), &[]);
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let mut conn = handler.connect();
            std::thread::spawn(move || {
                for i in 0..40 {
                    let key = format!("k-{t}-{i}");
                    let id = t * 1000 + i;
                    let payload = http_payload(
                        &format!("orders/{key}"),
                        json!({"key": key}),
                        "application/json",
                        Some(&format!(r#"{{"orderId":{id},"amount":1}}"#)),
                    );
                    let res = conn.invoke("SaveOrder", &payload);
                    let body = res.json();
                    assert_eq!(body["Outputs"]["state"]["value"]["orderId"], id);
                    assert_eq!(body["Outputs"]["audit"][0]["key"], format!("audit-{key}-1"));
                    assert_eq!(body["Outputs"]["res"]["body"], format!("saved {key}"));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("no mixing");
    }
}

#[test]
fn sigterm_drains_in_flight_invocations() {
    let handler = Handler::start(e2e_app(), &[]);
    let mut conn = handler.connect();
    let waiter = std::thread::spawn(move || conn.invoke("Slow", &dapr_payload("millis", Some("700"))));
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    handler.terminate();
    let res = waiter.join().unwrap();
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["Outputs"]["state"], json!({"value": 700}));
    let (code, _, _) = handler.wait_output();
    assert_eq!(code, Some(0));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn without_local_mode_the_binary_says_how_to_get_it_back() {
    // The bench app depends on dapr-fn-runtime with `default-features = false`, as a
    // deployment would.
    let exe = build_example("dapr-fn-bench-app");
    let mut child = std::process::Command::new(exe)
        .env_remove("FUNCTIONS_CUSTOMHANDLER_PORT")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the binary kept running: it was built with local mode");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("build with dapr-fn-runtime's default `local` feature"), "{stderr}");
}
