//! The embedded sidecar: the subset of Dapr's HTTP API that the Dapr extension calls
//! (dapr-extension §3), served on loopback when no real sidecar is configured, so local
//! runs make exactly the calls production makes.
//!
//! - state: SQLite files in Dapr's `state.sqlite` layout, one per store, keys
//!   `<appId>||<key>`, ETags honoured;
//! - pub/sub: events wrapped in CloudEvents and delivered to the app's own topic
//!   subscriptions through its Dapr app port, in order per topic, retried until
//!   accepted (at least once);
//! - service invocation: calls to the app's own id go to its app port;
//! - secrets: a JSON file like Dapr's `secretstores.local.file` (nested keys joined with
//!   `:`), else environment variables like `secretstores.local.env`;
//! - output bindings: appended to `bindings.jsonl` for inspection.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::client::DaprClient;
use super::store::{SaveError, StateStore};
use crate::server::json;

/// A topic subscription of the app (from its topic triggers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Subscription {
    pub(crate) pubsubname: String,
    pub(crate) topic: String,
    pub(crate) route: String,
}

pub(crate) struct EmbeddedSidecar {
    app_id: String,
    data_dir: PathBuf,
    app_port: u16,
    subscriptions: Vec<Subscription>,
    stores: Mutex<HashMap<String, Arc<StateStore>>>,
    topics: Mutex<HashMap<(String, String), mpsc::UnboundedSender<Value>>>,
    secrets_file: Option<PathBuf>,
    client: DaprClient,
    bindings_lock: Mutex<()>,
}

fn dapr_error(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json(status, json!({"errorCode": code, "message": message}).to_string().into_bytes())
}

impl EmbeddedSidecar {
    pub(crate) fn new(
        app_id: String,
        data_dir: PathBuf,
        app_port: u16,
        subscriptions: Vec<Subscription>,
        secrets_file: Option<PathBuf>,
    ) -> Self {
        EmbeddedSidecar {
            app_id,
            data_dir,
            app_port,
            subscriptions,
            stores: Mutex::new(HashMap::new()),
            topics: Mutex::new(HashMap::new()),
            secrets_file,
            client: DaprClient::new(),
            bindings_lock: Mutex::new(()),
        }
    }

    /// The SQLite file of a state store.
    pub(crate) fn state_file(&self, store: &str) -> PathBuf {
        self.data_dir.join(format!("{store}.db"))
    }

    pub(crate) fn bindings_file(&self) -> PathBuf {
        self.data_dir.join("bindings.jsonl")
    }

    /// Opens a state store (once).
    pub(crate) fn store(&self, name: &str) -> Result<Arc<StateStore>, String> {
        if name.is_empty() || name.contains(['/', '\\', '.']) {
            return Err(format!("invalid state store name `{name}`"));
        }
        let mut stores = self.stores.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = stores.get(name) {
            return Ok(store.clone());
        }
        let store = Arc::new(StateStore::open(&self.state_file(name))?);
        stores.insert(name.to_string(), store.clone());
        Ok(store)
    }

    /// The key Dapr stores: `<appId>||<key>`; keys with `||` are refused as Dapr does.
    pub(crate) fn full_key(&self, key: &str) -> Result<String, String> {
        if key.is_empty() {
            return Err("key is empty".into());
        }
        if key.contains("||") {
            return Err(format!("input key/keyPrefix '{key}' can't contain '||'"));
        }
        Ok(format!("{}||{key}", self.app_id))
    }

    pub(crate) async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let query = req.uri().query().map(str::to_string);
        let if_match = req.headers().get(http::header::IF_MATCH).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = match Limited::new(req.into_body(), 16 * 1024 * 1024).collect().await {
            Ok(b) => b.to_bytes(),
            Err(e) => return dapr_error(StatusCode::BAD_REQUEST, "ERR_MALFORMED_REQUEST", &e.to_string()),
        };
        let segments: Vec<String> = path.trim_start_matches('/').split('/').map(super::routes::percent_decode).collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        match (method.as_str(), segments.as_slice()) {
            ("POST" | "PUT", ["v1.0", "state", store]) => self.save_state(store, &body),
            ("GET", ["v1.0", "state", store, key @ ..]) if !key.is_empty() => self.get_state(store, &key.join("/")),
            ("DELETE", ["v1.0", "state", store, key @ ..]) if !key.is_empty() => self.delete_state(store, &key.join("/"), if_match.as_deref()),
            ("POST" | "PUT", ["v1.0", "publish", pubsub, topic @ ..]) if !topic.is_empty() => self.publish(pubsub, &topic.join("/"), body),
            (_, ["v1.0", "invoke", app, "method", method_path @ ..]) => self.invoke(app, &method_path.join("/"), method, query, body).await,
            ("POST" | "PUT", ["v1.0", "bindings", name]) => self.binding(name, &body),
            ("GET", ["v1.0", "secrets", store, key]) => self.secret(store, key),
            ("GET", ["v1.0", "metadata"]) => json(
                StatusCode::OK,
                json!({"id": self.app_id, "runtimeVersion": "dapr-fn embedded", "appConnectionProperties": {"port": self.app_port, "channelAddress": "127.0.0.1"}})
                    .to_string()
                    .into_bytes(),
            ),
            ("GET", ["v1.0", "healthz"]) => Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).expect("valid response"),
            _ => dapr_error(StatusCode::NOT_FOUND, "ERR_NOT_SUPPORTED", &format!("the embedded sidecar does not implement {method} {path}")),
        }
    }

    fn save_state(&self, store_name: &str, body: &[u8]) -> Response<Full<Bytes>> {
        let records: Vec<Value> = match serde_json::from_slice(body) {
            Ok(Value::Array(records)) => records,
            _ => {
                return dapr_error(
                    StatusCode::BAD_REQUEST,
                    "ERR_MALFORMED_REQUEST",
                    "failed to parse the state request: expected a JSON array of {key, value}",
                )
            }
        };
        let mut rows = Vec::with_capacity(records.len());
        for record in &records {
            let Some(key) = record.get("key").and_then(Value::as_str) else {
                return dapr_error(StatusCode::BAD_REQUEST, "ERR_MALFORMED_REQUEST", "each state record needs a string `key`");
            };
            let full = match self.full_key(key) {
                Ok(full) => full,
                Err(e) => return dapr_error(StatusCode::BAD_REQUEST, "ERR_MALFORMED_REQUEST", &e),
            };
            let value = record.get("value").cloned().unwrap_or(Value::Null);
            if value == json!("") {
                return dapr_error(StatusCode::INTERNAL_SERVER_ERROR, "ERR_STATE_SAVE", "empty string is not allowed in set operation");
            }
            let etag = record.get("etag").and_then(Value::as_str).map(str::to_string);
            rows.push((full, value.to_string(), etag));
        }
        let store = match self.store(store_name) {
            Ok(store) => store,
            Err(e) => return dapr_error(StatusCode::INTERNAL_SERVER_ERROR, "ERR_STATE_STORE_NOT_FOUND", &e),
        };
        match store.save(&rows) {
            Ok(()) => Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).expect("valid response"),
            Err(SaveError::EtagMismatch(key)) => dapr_error(
                StatusCode::CONFLICT,
                "ERR_STATE_SAVE",
                &format!("failed saving state in state store {store_name}: possible etag mismatch for key {key}"),
            ),
            Err(SaveError::Storage(e)) => dapr_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ERR_STATE_SAVE",
                &format!("failed saving state in state store {store_name}: {e}"),
            ),
        }
    }

    fn get_state(&self, store_name: &str, key: &str) -> Response<Full<Bytes>> {
        let result = self.full_key(key).and_then(|full| self.store(store_name)?.get(&full));
        match result {
            Ok(Some(stored)) => {
                let mut res = json(StatusCode::OK, stored.value.into_bytes());
                if let Ok(etag) = HeaderValue::from_str(&stored.etag) {
                    res.headers_mut().insert(http::header::ETAG, etag);
                }
                res
            }
            Ok(None) => Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).expect("valid response"),
            Err(e) => dapr_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ERR_STATE_GET",
                &format!("fail to get {key} from state store {store_name}: {e}"),
            ),
        }
    }

    fn delete_state(&self, store_name: &str, key: &str, etag: Option<&str>) -> Response<Full<Bytes>> {
        let result = self.full_key(key).and_then(|full| self.store(store_name).map(|s| (full, s)));
        match result.map(|(full, store)| store.delete(&full, etag)) {
            Ok(Ok(())) => Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).expect("valid response"),
            Ok(Err(SaveError::EtagMismatch(_))) => dapr_error(StatusCode::CONFLICT, "ERR_STATE_DELETE", "possible etag mismatch"),
            Ok(Err(SaveError::Storage(e))) | Err(e) => dapr_error(StatusCode::INTERNAL_SERVER_ERROR, "ERR_STATE_DELETE", &e),
        }
    }

    /// Wraps the payload in a CloudEvent and queues it for the topic's subscriber.
    fn publish(self: &Arc<Self>, pubsub: &str, topic: &str, body: Bytes) -> Response<Full<Bytes>> {
        let data: Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => Value::String(String::from_utf8_lossy(&body).into_owned()),
        };
        let trace = format!("00-{}-{}-01", crate::host::random_guid().replace('-', ""), &crate::host::random_guid().replace('-', "")[..16]);
        let event = json!({
            "data": data,
            "datacontenttype": "application/json",
            "id": crate::host::random_guid(),
            "pubsubname": pubsub,
            "source": self.app_id,
            "specversion": "1.0",
            "time": crate::host::utc_now(),
            "topic": topic,
            "traceid": trace,
            "traceparent": trace,
            "tracestate": "",
            "type": "com.dapr.event.sent",
        });
        let Some(subscription) = self.subscriptions.iter().find(|s| s.pubsubname == pubsub && s.topic == topic).cloned() else {
            tracing::info!("published to {pubsub}/{topic}; no function subscribes to it");
            return Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).expect("valid response");
        };
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        let sender = topics.entry((pubsub.to_string(), topic.to_string())).or_insert_with(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(self.clone().deliver(subscription, rx));
            tx
        });
        let _ = sender.send(event);
        Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).expect("valid response")
    }

    /// Delivers one topic's events in order, each until the app accepts it (2xx) or drops
    /// it (404), with backoff; after 10 attempts an event goes to `deadletter.jsonl`.
    async fn deliver(self: Arc<Self>, subscription: Subscription, mut events: mpsc::UnboundedReceiver<Value>) {
        let uri = format!("http://127.0.0.1:{}{}", self.app_port, subscription.route);
        while let Some(event) = events.recv().await {
            let body = Bytes::from(event.to_string());
            let mut delay = Duration::from_millis(100);
            let mut delivered = false;
            for _ in 0..10 {
                match self.client.raw(Method::POST, &uri, "application/cloudevents+json", body.clone()).await {
                    Ok((status, _)) if status.is_success() || status == StatusCode::NOT_FOUND => {
                        delivered = true;
                        break;
                    }
                    Ok((status, _)) => tracing::warn!("delivering to {} failed with {status}; retrying", subscription.route),
                    Err(e) => tracing::warn!("delivering to {} failed: {e}; retrying", subscription.route),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            if !delivered {
                tracing::error!("giving up on an event for {}/{}; it is in deadletter.jsonl", subscription.pubsubname, subscription.topic);
                self.append_line("deadletter.jsonl", &json!({"subscription": subscription.route, "event": event}));
            }
        }
    }

    async fn invoke(&self, app: &str, method_path: &str, verb: Method, query: Option<String>, body: Bytes) -> Response<Full<Bytes>> {
        if app != self.app_id {
            return dapr_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ERR_DIRECT_INVOKE",
                &format!("failed to invoke, id: {app}, err: the embedded sidecar only reaches this app ({}); run a real Dapr sidecar to call others", self.app_id),
            );
        }
        let uri = match query {
            Some(q) => format!("http://127.0.0.1:{}/{method_path}?{q}", self.app_port),
            None => format!("http://127.0.0.1:{}/{method_path}", self.app_port),
        };
        match self.client.raw(verb, &uri, "application/json", body).await {
            Ok((status, body)) => {
                let mut res = Response::new(Full::new(body));
                *res.status_mut() = status;
                res.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                res
            }
            Err(e) => dapr_error(StatusCode::INTERNAL_SERVER_ERROR, "ERR_DIRECT_INVOKE", &format!("failed to invoke, id: {app}, err: {e}")),
        }
    }

    fn binding(&self, name: &str, body: &[u8]) -> Response<Full<Bytes>> {
        let request: Value = match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => v,
            _ => return dapr_error(StatusCode::BAD_REQUEST, "ERR_MALFORMED_REQUEST", "the binding request must be a JSON object"),
        };
        self.append_line("bindings.jsonl", &json!({"time": crate::host::utc_now(), "binding": name, "request": request}));
        Response::builder().status(StatusCode::NO_CONTENT).body(Full::default()).expect("valid response")
    }

    fn append_line(&self, file: &str, line: &Value) {
        use std::io::Write as _;
        let _guard = self.bindings_lock.lock().unwrap_or_else(|e| e.into_inner());
        let path = self.data_dir.join(file);
        let written = std::fs::OpenOptions::new().create(true).append(true).open(&path).and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = written {
            tracing::error!("cannot write {}: {e}", path.display());
        }
    }

    fn secret(&self, store: &str, key: &str) -> Response<Full<Bytes>> {
        let from_file =
            self.secrets_file.as_ref().and_then(|p| std::fs::read_to_string(p).ok()).and_then(|t| serde_json::from_str::<Value>(&t).ok());
        let mut flat = HashMap::new();
        if let Some(root) = &from_file {
            flatten("", root, &mut flat);
        }
        match flat.get(key).cloned().or_else(|| std::env::var(key).ok()) {
            Some(value) => json(StatusCode::OK, json!({ key: value }).to_string().into_bytes()),
            None => dapr_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "ERR_SECRET_GET",
                &format!("failed getting secret with key {key} from secret store {store}: secret {key} not found"),
            ),
        }
    }
}

/// Flattens nested secrets as `secretstores.local.file` does (`a:b` for `{"a":{"b":..}}`).
fn flatten(prefix: &str, value: &Value, out: &mut HashMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}:{k}") };
                flatten(&key, v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}
