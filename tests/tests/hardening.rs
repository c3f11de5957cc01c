//! Hardening: malformed payloads, limits, isolation, a bounded soak, and local mode's
//! durability and concurrency guarantees. Each test can fail: see docs/reliability.md.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use dapr_fn_tests::{build_example, target_dir, Handler, LocalApp};
use serde_json::{json, Value};

fn e2e_app() -> &'static std::path::Path {
    static EXE: OnceLock<std::path::PathBuf> = OnceLock::new();
    EXE.get_or_init(|| build_example("dapr-fn-e2e-app"))
}

fn http(key: &str, body: &str) -> String {
    json!({"Data": {"req": {"Url": format!("http://localhost/api/orders/{key}"), "Method": "POST", "Query": {}, "Headers": {"Content-Type": ["application/json"]}, "Params": {"key": key}, "Body": body}}, "Metadata": {}})
        .to_string()
}

fn nested(depth: usize) -> String {
    "[".repeat(depth) + &"]".repeat(depth)
}

#[test]
fn malformed_payloads_get_clear_errors_and_no_outputs() {
    let handler = Handler::start(e2e_app(), &[("DAPR_FN_MAX_PAYLOAD_BYTES", "1048576")]);
    let mut conn = handler.connect();
    let invalid_utf8 = {
        let mut p = br#"{"Data":{"millis":"\"1"#.to_vec();
        p.extend_from_slice(&[0xff, 0xfe]);
        p.extend_from_slice(br#"\""}}"#);
        p
    };
    let deep_payload = format!(r#"{{"Data":{{"millis":{}}}}}"#, nested(5000));
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("Slow", "not JSON", b"{\"Data\":".to_vec(), 400, "the invocation payload is not valid JSON"),
        ("Slow", "no Data", br#"{"Metadata":{}}"#.to_vec(), 400, "the invocation payload has no `Data` object"),
        ("Slow", "Data null", br#"{"Data":null,"Metadata":null}"#.to_vec(), 400, "the invocation payload has no `Data` object"),
        ("Slow", "Data of the wrong type", br#"{"Data":5}"#.to_vec(), 400, "the invocation payload does not have the host's shape"),
        (
            "Slow",
            "unknown binding names",
            br#"{"Data":{"other":"1"}}"#.to_vec(),
            400,
            "the invocation payload has no `Data.millis` (it has: other)",
        ),
        ("Slow", "null value", br#"{"Data":{"millis":null}}"#.to_vec(), 400, "the trigger payload `millis` does not fit `u64`"),
        (
            "Slow",
            "triply encoded",
            br#"{"Data":{"millis":"\"\\\"5\\\"\""}}"#.to_vec(),
            400,
            "the trigger payload `millis` does not fit `u64`",
        ),
        ("Slow", "invalid UTF-8", invalid_utf8, 400, "the invocation payload is not valid JSON"),
        (
            "SaveOrder",
            "request of the wrong type",
            br#"{"Data":{"req":"GET /"}}"#.to_vec(),
            400,
            "the invocation payload does not have the host's shape",
        ),
        (
            "SaveOrder",
            "headers of the wrong type",
            br#"{"Data":{"req":{"Headers":5}}}"#.to_vec(),
            400,
            "the invocation payload does not have the host's shape",
        ),
        ("Slow", "deeply nested value", deep_payload.into_bytes(), 400, "the trigger payload `millis` does not fit `u64`"),
        (
            "SaveOrder",
            "over the size limit",
            http("big", &"x".repeat(2 << 20)).into_bytes(),
            413,
            "the invocation payload exceeds 1048576 bytes",
        ),
    ];
    for (function, label, payload, status, message) in &cases {
        let mut fresh = handler.connect();
        let res = fresh.request("POST", &format!("/{function}"), &[("Content-Type", "application/json")], payload);
        assert_eq!(res.status, *status, "{label}: {}", String::from_utf8_lossy(&res.body));
        let body = res.json();
        assert!(body["error"].as_str().unwrap_or_default().starts_with(message), "{label}: {body}");
        assert!(body.get("Outputs").is_none(), "{label}: a failed invocation emits no output");
        assert_eq!(conn.request("GET", "/", &[], b"").status, 200, "{label}: the server stays up");
    }
    // Bodies the function refuses: the caller gets a 400 through `res`, nothing is saved.
    for (label, body) in [
        ("invalid base64 binary body", json!({"Data": {"req": {"Method": "POST", "Headers": {"Content-Type": ["application/octet-stream"]}, "Params": {"key": "k"}, "Body": "***"}}}).to_string()),
        ("deeply nested body", http("k", &nested(5000))),
        ("body of the wrong shape", http("k", r#"{"orderId":"seven"}"#)),
    ] {
        let res = conn.request("POST", "/SaveOrder", &[], body.as_bytes());
        let v = res.json();
        assert!(res.status == 400 || v["Outputs"]["res"]["statusCode"] == 400, "{label}: {v}");
        assert!(v["Outputs"].get("state").is_none() && v["Outputs"].get("audit").is_none(), "{label}: {v}");
    }
    drop(conn);
    handler.terminate();
    let (code, _, stderr) = handler.wait_output();
    assert_eq!(code, Some(0));
    let failures = stderr.lines().filter(|l| l.starts_with("dapr-fn:")).count();
    assert!(failures >= cases.len(), "every refused payload is logged:\n{stderr}");
}

#[test]
fn slow_clients_time_out_and_invocations_are_capped() {
    let handler = Handler::start(e2e_app(), &[("DAPR_FN_HEADER_TIMEOUT_SECS", "1"), ("DAPR_FN_MAX_CONCURRENT_INVOCATIONS", "2")]);
    // A client that never finishes its headers is cut off.
    use std::io::{Read, Write};
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", handler.port)).unwrap();
    slow.write_all(b"POST /Slow HTTP/1.1\r\nHost: x\r\n").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(started.elapsed() < Duration::from_secs(5), "the connection was closed by the header timeout");

    // Eight concurrent invocations never run more than two at a time.
    let payload = json!({"Data": {"millis": "\"150\""}}).to_string();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let mut conn = handler.connect();
            let payload = payload.clone();
            std::thread::spawn(move || conn.invoke("Concurrency", &payload).json()["ReturnValue"].as_u64().unwrap())
        })
        .collect();
    let most = threads.into_iter().map(|t| t.join().unwrap()).max().unwrap();
    assert!((1..=2).contains(&most), "at most 2 ran at once, saw {most}");
}

#[test]
fn keep_alive_connections_outlive_the_header_timeout_and_close_when_idle() {
    let handler = Handler::start(e2e_app(), &[("DAPR_FN_HEADER_TIMEOUT_SECS", "1"), ("DAPR_FN_IDLE_TIMEOUT_SECS", "3")]);
    let slow = |millis: u64| json!({"Data": {"millis": format!("\"{millis}\"")}}).to_string();
    let mut conn = handler.connect();
    assert_eq!(conn.invoke("Slow", &slow(1)).status, 200);
    // Idle for longer than the header timeout: the host's pooled connection stays usable
    // (the header timeout counts from a request's first byte, not from the last response).
    std::thread::sleep(Duration::from_millis(1800));
    assert_eq!(conn.invoke("Slow", &slow(1)).status, 200, "the idle connection survived the header timeout");
    // A function running longer than the idle timeout keeps its connection.
    assert_eq!(conn.invoke("Slow", &slow(4000)).status, 200, "a running function is not idle");
    // Idle past the idle timeout: the handler closes the connection.
    use std::io::Read;
    let mut raw = std::net::TcpStream::connect(("127.0.0.1", handler.port)).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    let read = raw.read(&mut [0; 16]);
    assert!(matches!(read, Ok(0)) || read.is_err(), "closed, not answered: {read:?}");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(2500) && waited < Duration::from_secs(6), "closed by the idle timeout after {waited:?}");
}

#[test]
fn a_panic_never_affects_concurrent_invocations() {
    let handler = Handler::start(e2e_app(), &[]);
    let panics = {
        let mut conn = handler.connect();
        std::thread::spawn(move || {
            (0..200).map(|_| conn.invoke("Panics", &json!({"Data": {"payload": "\"\\\"x\\\"\""}}).to_string()).status).collect::<Vec<_>>()
        })
    };
    let mut conn = handler.connect();
    for i in 0..200 {
        let res = conn.invoke("SaveOrder", &http(&format!("k{i}"), &format!(r#"{{"orderId":{i},"amount":1}}"#)));
        assert_eq!(res.json()["Outputs"]["state"]["value"]["orderId"], i);
    }
    assert!(panics.join().unwrap().iter().all(|s| *s == 500));
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.split_whitespace().next()?.parse().ok()).unwrap_or(0)
}

#[test]
fn soak_many_invocations_on_many_connections() {
    let total: usize = std::env::var("SOAK_INVOCATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let connections = 64;
    let handler = Handler::start(e2e_app(), &[]);
    let pid = handler.pid();
    let next = Arc::new(AtomicUsize::new(0));
    let rss_after_warmup = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..connections)
        .map(|_| {
            let mut conn = handler.connect();
            let (next, rss_after_warmup) = (next.clone(), rss_after_warmup.clone());
            std::thread::spawn(move || {
                let mut done = 0;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return done;
                    }
                    if i == total / 5 {
                        rss_after_warmup.store(rss_kib(pid) as usize, Ordering::Relaxed);
                    }
                    let key = format!("soak-{i}");
                    let res = conn.invoke("SaveOrder", &http(&key, &format!(r#"{{"orderId":{i},"amount":{i}.5}}"#)));
                    assert_eq!(res.status, 200);
                    let body: Value = res.json();
                    // Every output belongs to this request: nothing mixed in from another.
                    assert_eq!(body["Outputs"]["state"]["value"]["orderId"], i);
                    assert_eq!(body["Outputs"]["audit"][1]["key"], format!("audit-{key}-2"));
                    assert_eq!(body["Outputs"]["res"]["body"], format!("saved {key}"));
                    assert_eq!(body["Logs"][0], format!("saving order {i} key=\"{key}\""));
                    done += 1;
                }
            })
        })
        .collect();
    let done: usize = threads.into_iter().map(|t| t.join().expect("zero errors")).sum();
    assert_eq!(done, total);
    let warm = rss_after_warmup.load(Ordering::Relaxed) as u64;
    let end = rss_kib(pid);
    assert!(end <= warm + 8 * 1024, "memory is flat after warm-up: {warm} KiB at 20%, {end} KiB at the end");
    println!("soak: {total} invocations on {connections} connections, RSS {warm} KiB → {end} KiB");
}

fn local_dir(name: &str) -> std::path::PathBuf {
    let dir = target_dir().join("hardening-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn kill_9_during_a_burst_loses_no_acknowledged_save() {
    let exe = build_example("state-output-binding");
    let dir = local_dir("kill9");
    let app = LocalApp::start(&exe, &dir, &[("DAPR_APP_ID", "app")]);
    let acked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let mut conn = app.connect(app.http_port);
            let acked = acked.clone();
            std::thread::spawn(move || {
                for i in 0..10_000 {
                    let key = format!("k{t}-{i}");
                    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        conn.request("POST", &format!("/api/state/{key}"), &[], key.as_bytes())
                    }));
                    match res {
                        Ok(r) if r.status == 200 => acked.lock().unwrap().push(key),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    app.kill_9();
    for t in threads {
        let _ = t.join();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "the burst got going ({} saves)", acked.len());
    let db = rusqlite::Connection::open(dir.join("statestore.db")).unwrap();
    let mut missing = Vec::new();
    for key in &acked {
        let found: Option<String> = db.query_row("SELECT value FROM state WHERE key = ?1", [format!("app||{key}")], |r| r.get(0)).ok();
        if found.as_deref() != Some(&format!("\"{key}\"")) {
            missing.push(key.clone());
        }
    }
    assert!(missing.is_empty(), "{} acknowledged saves lost, e.g. {:?}", missing.len(), &missing[..missing.len().min(5)]);
    println!("kill -9: {} acknowledged saves, 0 lost", acked.len());
}

#[test]
fn concurrent_saves_with_etags_never_lose_an_update() {
    let exe = build_example("state-output-binding");
    let app = LocalApp::start(&exe, &local_dir("etags"), &[]);
    let port = app.sidecar_port;
    app.connect(port).request("POST", "/v1.0/state/statestore", &[], br#"[{"key":"counter","value":0}]"#);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let mut conn = app.connect(port);
            std::thread::spawn(move || {
                let mut conflicts = 0;
                for _ in 0..25 {
                    loop {
                        let current = conn.request("GET", "/v1.0/state/statestore/counter", &[], b"");
                        let etag = current.header("etag").unwrap().to_string();
                        let n = current.json().as_u64().unwrap();
                        let save = json!([{"key": "counter", "value": n + 1, "etag": etag}]).to_string();
                        match conn.request("POST", "/v1.0/state/statestore", &[], save.as_bytes()).status {
                            204 => break,
                            409 => conflicts += 1,
                            other => panic!("unexpected {other}"),
                        }
                    }
                }
                conflicts
            })
        })
        .collect();
    let conflicts: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    let final_value = app.connect(port).request("GET", "/v1.0/state/statestore/counter", &[], b"").json();
    assert_eq!(final_value, json!(200), "every update counted ({conflicts} conflicts were retried)");
    println!("etags: 200 concurrent read-modify-write updates, {conflicts} conflicts retried, 0 lost");
}

#[test]
fn a_corrupt_state_file_is_a_clear_error_not_a_crash() {
    let exe = build_example("state-output-binding");
    let dir = local_dir("corrupt");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("statestore.db"),
        b"this is not a SQLite database, not even close......................................................................",
    )
    .unwrap();
    let app = LocalApp::start(&exe, &dir, &[]);
    let mut conn = app.connect(app.http_port);
    assert_eq!(conn.request("POST", "/api/state/k", &[], b"v").status, 500);
    let res = app.connect(app.sidecar_port).request("GET", "/v1.0/state/statestore/k", &[], b"");
    assert_eq!(res.status, 500);
    assert!(res.json()["message"].as_str().unwrap().contains("file is not a database"), "{}", res.json());
    assert_eq!(conn.request("GET", "/api/state/k", &[], b"").status, 500, "still serving");
    let (_, stderr) = app.stop();
    assert!(stderr.contains("file is not a database"), "{stderr}");
}

#[test]
fn local_mode_listeners_cut_off_slow_clients() {
    use std::io::{Read, Write};
    let exe = build_example("state-output-binding");
    let app = LocalApp::start(&exe, &local_dir("slow"), &[("DAPR_FN_HEADER_TIMEOUT_SECS", "1")]);
    // (This app has no Dapr triggers, so no app-channel listener; all three run the same server code.)
    for (listener, port) in [("HTTP", app.http_port), ("sidecar", app.sidecar_port)] {
        let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        slow.write_all(b"POST /api/state/k HTTP/1.1\r\nHost: x\r\n").unwrap();
        slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        let _ = slow.read_to_end(&mut Vec::new());
        assert!(started.elapsed() < Duration::from_secs(4), "{listener} listener: cut off after {:?}", started.elapsed());
    }
    let mut conn = app.connect(app.http_port);
    assert_eq!(conn.request("POST", "/api/state/k", &[("Content-Type", "application/json")], b"\"v\"").status, 200, "still serving");
}

#[test]
fn keys_and_names_from_requests_cannot_escape_their_place() {
    let exe = build_example("state-output-binding");
    let dir = local_dir("keys");
    let app = LocalApp::start(&exe, &dir, &[("DAPR_APP_ID", "app")]);
    let mut conn = app.connect(app.http_port);
    // A key with `||` could name another app's state: refused, as Dapr refuses it.
    assert_eq!(conn.request("POST", "/api/state/other%7C%7Csecret", &[], b"x").status, 500);
    // `..`, encoded slashes and control characters are just characters of this app's keys.
    for (raw, key) in [("..", ".."), ("..%2F..%2Fx", "../../x"), ("a%0Ab", "a\nb"), ("%E2%9C%93", "✓")] {
        assert_eq!(conn.request("POST", &format!("/api/state/{raw}"), &[], key.as_bytes()).status, 200, "{raw}");
    }
    // Store names never become paths.
    let res = app.connect(app.sidecar_port).request("GET", "/v1.0/state/..%2F..%2Fetc/k", &[], b"");
    assert_eq!(res.status, 500);
    assert!(res.json()["message"].as_str().unwrap().contains("invalid state store name"));
    let (_, stderr) = app.stop();
    assert!(stderr.contains("can't contain '||'"), "{stderr}");
    let db = rusqlite::Connection::open(dir.join("statestore.db")).unwrap();
    let mut keys: Vec<String> =
        db.prepare("SELECT key FROM state").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    keys.sort();
    assert_eq!(keys, ["app||..", "app||../../x", "app||a\nb", "app||✓"]);
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".db"))
        .collect();
    assert_eq!(files, ["statestore.db"], "no other file was created");
}
