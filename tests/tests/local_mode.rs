//! Local mode end to end: the example apps started with `cargo run`'s binary and no
//! Functions host, driven over HTTP. State lands in SQLite in Dapr's `state.sqlite`
//! layout and survives restarts; pub/sub and service invocation flow through the
//! embedded sidecar and the Dapr app port; auth keys are enforced when asked; and with a
//! stand-in sidecar (`DAPR_HTTP_PORT`) the exact Dapr HTTP calls are checked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dapr_fn_tests::{build_example, target_dir, LocalApp};
use serde_json::{json, Value};

fn data_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("local-mode-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn state_is_saved_in_daprs_sqlite_layout_and_survives_a_restart() {
    let exe = build_example("state-output-binding");
    let dir = data_dir("state");
    let app = LocalApp::start(&exe, &dir, &[("DAPR_APP_ID", "orders")]);
    let mut conn = app.connect(app.http_port);
    let res = conn.request("POST", "/api/state/order-1", &[("Content-Type", "application/json")], br#"{"orderId":1}"#);
    assert_eq!(res.status, 200);
    let res = conn.request("GET", "/api/STATE/order-1", &[], b"");
    assert_eq!((res.status, String::from_utf8_lossy(&res.body).into_owned()), (200, r#"{"orderId":1}"#.to_string()));
    // Routing as the host does it: wrong method or unknown path → 404.
    assert_eq!(conn.request("DELETE", "/api/state/order-1", &[], b"").status, 404);
    assert_eq!(conn.request("GET", "/api/nothing", &[], b"").status, 404);
    // A key that was never saved fails as the extension fails it (ERR_NO_CONTENT → 500).
    assert_eq!(conn.request("GET", "/api/state/missing", &[], b"").status, 500);
    let (stdout, stderr) = app.stop();
    assert!(stdout.contains("StateOutputBinding: [POST] http://127.0.0.1:"), "{stdout}");
    assert!(stdout.contains("dapr: POST /v1.0/state/statestore\n"), "{stdout}");
    assert!(!stdout.contains("orderId") && !stderr.contains("orderId"), "state values are not logged: {stdout}");
    assert!(stderr.contains("ERR_NO_CONTENT") && stderr.contains("state missing not found"), "{stderr}");

    let db = rusqlite::Connection::open(dir.join("statestore.db")).unwrap();
    let columns: Vec<String> = db
        .prepare("SELECT name FROM pragma_table_info('state')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(columns, ["key", "value", "is_binary", "etag", "expiration_time", "update_time"]);
    let migrations: String = db.query_row("SELECT value FROM metadata WHERE key = 'migrations'", [], |r| r.get(0)).unwrap();
    assert_eq!(migrations, "1");
    let (key, value, is_binary, etag): (String, String, bool, String) =
        db.query_row("SELECT key, value, is_binary, etag FROM state", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap();
    assert_eq!((key.as_str(), value.as_str(), is_binary), ("orders||order-1", r#""{\"orderId\":1}""#, false));
    assert_eq!(etag.len(), 36);
    drop(db);

    let app = LocalApp::start(&exe, &dir, &[("DAPR_APP_ID", "orders")]);
    let res = app.connect(app.http_port).request("GET", "/api/state/order-1", &[], b"");
    assert_eq!(String::from_utf8_lossy(&res.body), r#"{"orderId":1}"#, "state survives a restart");
    // The embedded sidecar answers Dapr's state API too, with the ETag.
    let res = app.connect(app.sidecar_port).request("GET", "/v1.0/state/statestore/order-1", &[], b"");
    assert_eq!(res.header("etag"), Some(etag.as_str()));
}

#[test]
fn pub_sub_and_service_invocation_flow_through_the_app() {
    let exe = build_example("samples-javascript");
    let dir = data_dir("flows");
    let app = LocalApp::start(&exe, &dir, &[("DAPR_APP_ID", "functionapp")]);
    let mut dapr = app.connect(app.app_port);
    let subs = dapr.request("GET", "/dapr/subscribe", &[], b"");
    assert_eq!(
        subs.json(),
        json!([{"pubsubname": "messagebus", "topic": "B", "route": "/B"}, {"pubsubname": "messagebus", "topic": "A", "route": "/A"}])
    );
    assert_eq!(dapr.request("OPTIONS", "/sample-topic", &[], b"").status, 200, "binding triggers answer Dapr's OPTIONS probe");

    let mut sidecar = app.connect(app.sidecar_port);
    // `dapr invoke --app-id functionapp --method CreateNewOrder --data '{"data": {"orderId": "41"}}'`
    let res = sidecar.request(
        "POST",
        "/v1.0/invoke/functionapp/method/CreateNewOrder",
        &[("Content-Type", "application/json")],
        br#"{"data":{"orderId":"41"}}"#,
    );
    assert_eq!(res.status, 200);
    let res = sidecar.request("GET", "/v1.0/state/statestore/order", &[], b"");
    assert_eq!(res.json(), json!({"orderId": "41"}));
    // `dapr publish --pubsub messagebus --topic A --data 'This is a test'`: A → Transfer → B → Print.
    let res = sidecar.request("POST", "/v1.0/publish/messagebus/A", &[("Content-Type", "application/json")], br#""This is a test""#);
    assert_eq!(res.status, 204);
    // `dapr invoke --method SendMessageToKafka --data '{"message": "hello!"}'` is recorded.
    sidecar.request(
        "POST",
        "/v1.0/invoke/functionapp/method/SendMessageToKafka",
        &[("Content-Type", "application/json")],
        br#"{"message":"hello!"}"#,
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let bindings = dir.join("bindings.jsonl");
    while !bindings.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let line: Value = serde_json::from_str(std::fs::read_to_string(&bindings).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(line["binding"], "sample-topic");
    assert_eq!(line["request"], json!({"data": {"message": "hello!"}, "operation": "create"}));
    std::thread::sleep(Duration::from_millis(500));
    let (stdout, _) = app.stop();
    assert!(stdout.contains(r#"Topic B received a message: "Transfer from Topic A: \"This is a test\"""#), "{stdout}");
}

#[test]
fn auth_keys_are_enforced_when_asked() {
    let exe = build_example("state-output-binding");
    let app = LocalApp::start(&exe, &data_dir("auth"), &[("DAPR_FN_ENABLE_AUTH", "1"), ("DAPR_FN_FUNCTION_KEY", "s3cret")]);
    let mut conn = app.connect(app.http_port);
    assert_eq!(conn.request("POST", "/api/state/k", &[], b"x").status, 401);
    assert_eq!(conn.request("POST", "/api/state/k", &[("x-functions-key", "wrong")], b"x").status, 401);
    assert_eq!(conn.request("POST", "/api/state/k", &[("x-functions-key", "s3cret")], b"x").status, 200);
    assert_eq!(conn.request("POST", "/api/state/k?code=s3cret", &[], b"x").status, 200);
    let (stdout, stderr) = app.stop();
    assert!(!stdout.contains("s3cret") && !stderr.contains("s3cret"), "keys are never logged");
}

/// A request the stand-in sidecar received: request line, headers, body.
type Recorded = (String, Vec<(String, String)>, String);

/// A stand-in Dapr sidecar that records every request and answers like Dapr.
fn stand_in_sidecar() -> (u16, Arc<Mutex<Vec<Recorded>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() || line.is_empty() {
                continue;
            }
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
            let len: usize = headers.iter().find(|(k, _)| k == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            let request_line = line.trim_end().to_string();
            let answer = if request_line.starts_with("GET /v1.0/state/") {
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: 1\r\nContent-Length: 7\r\nConnection: close\r\n\r\n\"saved\""
                    .to_string()
            } else {
                "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_string()
            };
            record.lock().unwrap().push((request_line, headers, String::from_utf8_lossy(&body).into_owned()));
            let mut stream = stream;
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (port, seen)
}

#[test]
fn with_a_sidecar_configured_the_exact_dapr_calls_are_made() {
    let exe = build_example("samples-javascript");
    let (port, seen) = stand_in_sidecar();
    let app = LocalApp::start(&exe, &data_dir("sidecar"), &[("DAPR_HTTP_PORT", &port.to_string())]);
    let mut conn = app.connect(app.http_port);
    let res = conn.request("POST", "/api/topic/orders", &[("Content-Type", "application/json")], br#"{"orderId":7}"#);
    assert_eq!(res.status, 200);
    let res = conn.request("GET", "/api/invoke/billing/charge", &[("Content-Type", "application/json")], br#"{"amount":3}"#);
    assert_eq!(res.status, 200);
    let res = conn.request("GET", "/api/state/k1", &[], b"");
    assert_eq!(String::from_utf8_lossy(&res.body), "\"saved\"");
    let mut dapr = app.connect(app.app_port);
    let res = dapr.request("POST", "/CreateNewOrder", &[("Content-Type", "application/json")], br#"{"data":{"orderId":"41"}}"#);
    assert_eq!((res.status, res.body.len()), (200, 0), "success is 200 with an empty body");
    let res = dapr.request("POST", "/CreateNewOrder", &[("Content-Type", "application/json")], b"not json");
    assert_eq!(res.status, 500);
    app.stop();

    let seen = seen.lock().unwrap();
    let header = |i: usize, name: &str| seen[i].1.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(seen[0].0, "POST /v1.0/publish/messagebus/orders HTTP/1.1");
    assert_eq!(header(0, "content-type").as_deref(), Some("application/json; charset=utf-8"));
    assert_eq!(seen[0].2, r#"{"orderId":7}"#);
    assert_eq!(seen[1].0, "POST /v1.0/invoke/billing/method/charge HTTP/1.1");
    assert_eq!(header(1, "content-type").as_deref(), Some("application/json"));
    assert_eq!(seen[1].2, r#"{"amount":3}"#);
    assert_eq!(seen[2].0, "GET /v1.0/state/statestore/k1 HTTP/1.1");
    assert_eq!(seen[3].0, "POST /v1.0/state/statestore HTTP/1.1");
    assert_eq!(seen[3].2, r#"[{"key":"order","value":{"orderId":"41"}}]"#);
    assert_eq!(seen.len(), 4);
}

#[test]
fn the_cli_invokes_any_function_and_reads_state_back() {
    let exe = build_example("create-new-order");
    let dir = data_dir("cli");
    let out = std::process::Command::new(&exe)
        .args(["invoke", "CreateNewOrder", "--data", r#"{"data":{"orderId":"41"}}"#])
        .env("DAPR_FN_DATA_DIR", &dir)
        .env_remove("FUNCTIONS_CUSTOMHANDLER_PORT")
        .env_remove("DAPR_HTTP_PORT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(r#"POST /v1.0/state/statestore [{\"key\":\"order\",\"value\":{\"orderId\":\"41\"}}]"#), "{stdout}");
    let out =
        std::process::Command::new(&exe).args(["state", "get", "statestore", "order"]).env("DAPR_FN_DATA_DIR", &dir).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), r#"{"orderId":"41"}"#);
    let out = std::process::Command::new(&exe).args(["invoke", "Nope"]).env("DAPR_FN_DATA_DIR", &dir).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no function `Nope`; the app has: CreateNewOrder"));
}
