//! The custom handler: a hyper HTTP/1.1 server on `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT`
//! that answers the host's readiness probe (`GET /`) and invocations
//! (`POST /<FunctionName>`), and drains in-flight invocations on SIGTERM or Ctrl-C.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;

use bytes::{Bytes, BytesMut};
use futures_util::FutureExt as _;
use http::header::{HeaderName, HeaderValue, ALLOW, CONTENT_TYPE};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

mod guard;

use self::guard::{Activity, ConnLimits, Guarded};
use crate::app::AppContext;
use crate::invocation::{HostResponse, Invocation, Outcome};
use crate::registry::{FunctionDef, Registry};
use crate::Error;

/// The header with the host's invocation id, named once rather than parsed per request.
static INVOCATION_ID: HeaderName = HeaderName::from_static("x-azure-functions-invocationid");

/// The server's limits, each overridable through the environment.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Largest invocation payload (`DAPR_FN_MAX_PAYLOAD_BYTES`, default 128 MiB: the host
    /// caps HTTP requests at 100 MB and its JSON envelope adds to that).
    pub(crate) max_payload: usize,
    /// Invocations run at once (`DAPR_FN_MAX_CONCURRENT_INVOCATIONS`, default 1024); more
    /// wait for a slot, which back-pressures the host instead of growing memory.
    pub(crate) max_concurrent: usize,
    /// Time to receive a request's headers once its first bytes arrived
    /// (`DAPR_FN_HEADER_TIMEOUT_SECS`, default 30).
    pub(crate) header_timeout: Duration,
    /// Time a keep-alive connection may stay idle (`DAPR_FN_IDLE_TIMEOUT_SECS`, default
    /// 120: longer than the host's one minute, so the host closes idle connections first).
    pub(crate) idle_timeout: Duration,
    /// Time to receive a request's body once its headers arrived
    /// (`DAPR_FN_BODY_TIMEOUT_SECS`, default 60).
    pub(crate) body_timeout: Duration,
}

impl Limits {
    fn connection(&self) -> ConnLimits {
        ConnLimits { header_timeout: self.header_timeout, idle_timeout: self.idle_timeout }
    }

    pub(crate) fn from_env() -> Limits {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> T {
            std::env::var(name).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
        }
        Limits {
            max_payload: var("DAPR_FN_MAX_PAYLOAD_BYTES", 128 * 1024 * 1024),
            max_concurrent: var("DAPR_FN_MAX_CONCURRENT_INVOCATIONS", 1024usize).max(1),
            header_timeout: Duration::from_secs(var("DAPR_FN_HEADER_TIMEOUT_SECS", 30)),
            idle_timeout: Duration::from_secs(var("DAPR_FN_IDLE_TIMEOUT_SECS", 120)),
            body_timeout: Duration::from_secs(var("DAPR_FN_BODY_TIMEOUT_SECS", 60)),
        }
    }
}

/// Everything a connection needs to serve invocations.
pub(crate) struct Handler {
    registry: Registry,
    app: Arc<AppContext>,
    limits: Limits,
    slots: Arc<Semaphore>,
}

impl Handler {
    pub(crate) fn new(registry: Registry, app: Arc<AppContext>, limits: Limits) -> Self {
        Handler { registry, app, limits, slots: Arc::new(Semaphore::new(limits.max_concurrent)) }
    }

    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let (head, body) = req.into_parts();
        let path = head.uri.path();
        if path == "/" {
            // The host's readiness probe and health ping: any answer means ready.
            return json(StatusCode::OK, format!("{{\"status\":\"ready\",\"functions\":{}}}", self.registry.all().len()).into_bytes());
        }
        let def = path.strip_prefix('/').filter(|n| !n.contains('/')).and_then(|n| self.registry.get(n));
        let method_ok = head.method == Method::POST;
        let invocation_id: Option<Arc<str>> = head.headers.get(&INVOCATION_ID).and_then(|v| v.to_str().ok()).map(Arc::from);
        // Read the body even when refusing the request, so the keep-alive connection the
        // host reuses stays open.
        // Wait for an invocation slot before reading the body: back-pressure, not memory.
        let Ok(_slot) = self.slots.acquire().await else {
            return error_json(StatusCode::SERVICE_UNAVAILABLE, "the handler is shutting down");
        };
        let mut collect = std::pin::pin!(read_body(Limited::new(body, self.limits.max_payload)));
        // The body of a small invocation usually arrived with its headers: arm the timer
        // only if it has to be waited for.
        let collected = match std::future::poll_fn(|cx| Poll::Ready(collect.as_mut().poll(cx))).await {
            Poll::Ready(result) => Ok(result),
            Poll::Pending => tokio::time::timeout(self.limits.body_timeout, collect).await,
        };
        let body = match collected {
            Ok(Ok(body)) => body,
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                eprintln!("dapr-fn: refused an invocation payload over {} bytes", self.limits.max_payload);
                return error_json(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!("the invocation payload exceeds {} bytes (DAPR_FN_MAX_PAYLOAD_BYTES)", self.limits.max_payload),
                );
            }
            Ok(Err(e)) => return error_json(StatusCode::BAD_REQUEST, &format!("could not read the invocation payload: {e}")),
            Err(_) => {
                eprintln!("dapr-fn: an invocation payload did not arrive in time");
                return error_json(
                    StatusCode::REQUEST_TIMEOUT,
                    &format!("the invocation payload did not arrive within {:?} (DAPR_FN_BODY_TIMEOUT_SECS)", self.limits.body_timeout),
                );
            }
        };
        let Some(def) = def else {
            let name = path[1..].to_string();
            let known: Vec<&str> = self.registry.all().iter().map(|d| d.name).collect();
            return error_json(StatusCode::NOT_FOUND, &format!("no function `{name}` in this handler; it serves: {}", known.join(", ")));
        };
        if !method_ok {
            let mut res =
                error_json(StatusCode::METHOD_NOT_ALLOWED, &format!("invoke `{}` with POST, as the Functions host does", def.name));
            res.headers_mut().insert(ALLOW, HeaderValue::from_static("POST"));
            return res;
        }
        let response = dispatch(def, body, self.app.clone(), invocation_id).await;
        json(response.status, response.body)
    }
}

/// Reads a whole body. Most invocation payloads arrive in one piece, which is kept as it
/// is; only a body in several pieces is copied into one buffer.
async fn read_body<B>(mut body: B) -> Result<Bytes, B::Error>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    let mut first: Option<Bytes> = None;
    let mut joined: Option<BytesMut> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else { continue };
        match (&mut first, &mut joined) {
            (_, Some(joined)) => joined.extend_from_slice(&data),
            (None, None) => first = Some(data),
            (Some(head), None) => {
                let mut buffer = BytesMut::with_capacity(head.len() + data.len());
                buffer.extend_from_slice(head);
                buffer.extend_from_slice(&data);
                joined = Some(buffer);
            }
        }
    }
    Ok(joined.map(BytesMut::freeze).or(first).unwrap_or_default())
}

/// Runs one invocation through the function, catching panics and capturing its logs.
pub(crate) async fn dispatch(
    def: &'static FunctionDef,
    body: Bytes,
    app: Arc<AppContext>,
    invocation_id: Option<Arc<str>>,
) -> HostResponse {
    let inv = Invocation::new(def, body, app, invocation_id.clone());
    let (result, logs) = crate::logs::capture(AssertUnwindSafe((def.invoke)(inv)).catch_unwind()).await;
    let outcome = result.unwrap_or_else(|panic| Outcome::panicked(def, panic_message(&*panic)));
    let response = outcome.into_host_response(&logs);
    if let Some(failure) = &response.failure {
        // The host discards a failed invocation's Logs: keep them in its console log.
        let id = invocation_id.as_deref().unwrap_or("-");
        for line in &logs {
            println!("[{}] ({id}) {line}", def.name);
        }
        eprintln!("dapr-fn: function `{}` failed (invocation {id}): {failure}", def.name);
    }
    response
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_string())
}

pub(crate) fn json(status: StatusCode, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(Bytes::from(body)));
    *res.status_mut() = status;
    res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    res
}

pub(crate) fn error_json(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let mut body = b"{\"error\":".to_vec();
    crate::http::write_json_str(&mut body, message);
    body.push(b'}');
    json(status, body)
}

/// Serves the custom-handler protocol on IPv4 loopback, where the host connects.
pub(crate) async fn serve_custom_handler(registry: Registry, app: Arc<AppContext>, port: u16) -> Result<(), Error> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = TcpListener::bind(addr).await.map_err(|e| Error::msg(format!("cannot listen on {addr}: {e}")))?;
    println!("dapr-fn: custom handler for {} function(s) listening on http://{addr}", registry.all().len());
    let limits = Limits::from_env();
    let handler = Arc::new(Handler::new(registry, app, limits));
    serve_with(listener, move |req| handler.clone().handle(req), shutdown_signal(), limits.connection()).await
}

/// Accepts connections until `shutdown` completes, then lets in-flight requests finish.
/// A second signal while draining exits at once.
#[cfg(feature = "local")]
pub(crate) async fn serve<F, Fut>(listener: TcpListener, handle: F, shutdown: impl Future<Output = ()>) -> Result<(), Error>
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    serve_with(listener, handle, shutdown, Limits::from_env().connection()).await
}

/// [`serve`] with the given time limits for slow clients and idle connections.
pub(crate) async fn serve_with<F, Fut>(
    listener: TcpListener,
    handle: F,
    shutdown: impl Future<Output = ()>,
    limits: ConnLimits,
) -> Result<(), Error>
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!("accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let handle = handle.clone();
                let activity = Arc::new(Activity::default());
                let io = Guarded::new(stream, limits, activity.clone());
                let service = service_fn(move |req| {
                    let request = activity.start();
                    let response = handle(req);
                    async move {
                        let response = response.await;
                        drop(request);
                        Ok::<_, Infallible>(response)
                    }
                });
                let conn = http1::Builder::new().serve_connection(TokioIo::new(io), service);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    if let Err(e) = conn.await {
                        if !e.is_incomplete_message() {
                            tracing::debug!("connection ended: {e}");
                        }
                    }
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => Ok(()),
        () = shutdown_signal() => {
            eprintln!("dapr-fn: second signal, exiting without waiting for in-flight invocations");
            std::process::exit(130);
        }
    }
}

/// Completes on SIGTERM or SIGINT (Ctrl-C).
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Under the host, compares the app's function folders with the functions compiled in,
/// so a binary deployed with another build's folders is noticed at start-up.
pub(crate) fn check_app_root(registry: &Registry) {
    let Ok(root) = std::env::var("FUNCTIONS_APP_ROOT_PATH") else { return };
    let Ok(entries) = std::fs::read_dir(&root) else { return };
    let mut seen = Vec::new();
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path().join("function.json")) else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        seen.push(name.clone());
        let generated = text.contains(&format!("\"generatedBy\": \"{}", dapr_fn_manifest::GENERATED_BY_PREFIX));
        match registry.get(&name) {
            Some(def) if def.function_json != text && generated => {
                eprintln!("dapr-fn: warning: {root}/{name}/function.json differs from the one this binary was built with; rebuild and redeploy both together")
            }
            None if generated => {
                eprintln!("dapr-fn: error: {root}/{name}/function.json was generated by dapr-fn but this binary has no function `{name}`; its invocations will fail")
            }
            _ => {}
        }
    }
    for def in registry.all() {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(def.name)) {
            eprintln!("dapr-fn: warning: function `{}` has no folder in {root}; the host will never invoke it", def.name);
        }
    }
}
