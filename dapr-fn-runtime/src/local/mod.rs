//! Local mode: run the app without the Functions host (`cargo run`).
//!
//! HTTP-triggered functions are served on `http://127.0.0.1:7071/<routePrefix>/<route>`
//! with the host's routing rules; Dapr-triggered functions on the Dapr app port
//! (`127.0.0.1:$DAPR_APP_PORT`, default 3001) the way the extension exposes them, so a
//! real `dapr run --app-port 3001` sidecar can drive them. Bindings are carried out with
//! the extension's HTTP calls against a real sidecar when `DAPR_HTTP_PORT` is set, or
//! against the embedded sidecar ([`sidecar`]) otherwise.

mod client;
mod host;
mod routes;
mod sidecar;
mod store;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use dapr_fn_manifest::route::RouteTemplate;
use dapr_fn_manifest::{parse_function_json, PropertyValue};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::{json, Value};
use tokio::net::TcpListener;

use self::client::DaprClient;
use self::host::{render_http_output, Failure, LocalFunction, LocalHost};
use self::routes::{Match, Route};
use self::sidecar::{EmbeddedSidecar, Subscription};
use crate::app::AppContext;
use crate::extension::Resolver;
use crate::http::HttpRequest;
use crate::registry::Registry;
use crate::Error;

/// Settings of local mode, from the environment, the app's generated files and flags.
struct Config {
    bind: IpAddr,
    http_port: u16,
    app_port: u16,
    route_prefix: String,
    settings: BTreeMap<String, String>,
    external_sidecar: Option<u16>,
    sidecar_port: u16,
    data_dir: PathBuf,
    app_id: String,
    app_dir: Option<PathBuf>,
    auth: Option<Keys>,
}

/// Keys enforced when auth is on (`x-functions-key` header or `code` query parameter).
struct Keys {
    function: Option<String>,
    master: Option<String>,
}

fn env_or<T: std::str::FromStr>(name: &str, settings: &BTreeMap<String, String>, default: T) -> Result<T, Error> {
    match std::env::var(name).ok().or_else(|| settings.get(name).cloned()) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| Error::msg(format!("{name}=`{v}` is not valid"))),
    }
}

impl Config {
    fn load(args: &Args) -> Result<Config, Error> {
        let exe = std::env::current_exe().map_err(|e| Error::msg(format!("cannot locate the executable: {e}")))?;
        let exe_dir = exe.parent().unwrap_or(Path::new(".")).to_path_buf();
        let exe_name = exe.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "app".into());
        let app_dir = std::env::var_os("DAPR_FN_APP_DIR")
            .map(PathBuf::from)
            .or_else(|| Some(exe_dir.join("azure-functions").join(&exe_name)))
            .filter(|d| d.join("host.json").exists());
        let read_json = |file: &str| {
            app_dir.as_ref().and_then(|d| std::fs::read_to_string(d.join(file)).ok()).and_then(|t| serde_json::from_str::<Value>(&t).ok())
        };
        let mut settings = BTreeMap::new();
        if let Some(Value::Object(values)) = read_json("local.settings.json").and_then(|v| v.get("Values").cloned()) {
            for (k, v) in values {
                settings.insert(k, v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
            }
        }
        let route_prefix = read_json("host.json")
            .and_then(|h| {
                let ext = h.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case("extensions"))?.1.clone();
                let http = ext.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case("http"))?.1.clone();
                http.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case("routePrefix"))?.1.as_str().map(str::to_string)
            })
            .unwrap_or_else(|| "api".into());
        let bind: IpAddr = env_or("DAPR_FN_BIND", &settings, IpAddr::V4(Ipv4Addr::LOCALHOST))?;
        let http_port = match args.port {
            Some(p) => p,
            None => env_or("DAPR_FN_HTTP_PORT", &settings, 7071)?,
        };
        let external_sidecar = match std::env::var("DAPR_HTTP_PORT").ok().or_else(|| settings.get("DAPR_HTTP_PORT").cloned()) {
            Some(p) => Some(p.trim().parse().map_err(|_| Error::msg(format!("DAPR_HTTP_PORT=`{p}` is not a port")))?),
            None => None,
        };
        let app_id = std::env::var("DAPR_APP_ID").ok().or_else(|| settings.get("DAPR_APP_ID").cloned()).unwrap_or_else(|| exe_name.clone());
        let data_dir =
            std::env::var_os("DAPR_FN_DATA_DIR").map(PathBuf::from).unwrap_or_else(|| exe_dir.join("dapr-fn-local").join(&app_id));
        let auth_on = args.enable_auth || std::env::var("DAPR_FN_ENABLE_AUTH").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        let key = |name: &str| std::env::var(name).ok().or_else(|| settings.get(name).cloned()).filter(|k| !k.is_empty());
        let auth = if auth_on {
            let keys = Keys { function: key("DAPR_FN_FUNCTION_KEY"), master: key("DAPR_FN_MASTER_KEY") };
            if keys.function.is_none() && keys.master.is_none() {
                return Err(Error::msg(
                    "auth is enabled but no key is set: set DAPR_FN_FUNCTION_KEY (function level) and/or DAPR_FN_MASTER_KEY (admin)",
                ));
            }
            Some(keys)
        } else {
            None
        };
        Ok(Config {
            bind,
            http_port,
            app_port: env_or("DAPR_APP_PORT", &settings, 3001)?,
            route_prefix,
            external_sidecar,
            sidecar_port: env_or("DAPR_FN_SIDECAR_PORT", &settings, 3500)?,
            data_dir,
            app_id,
            app_dir,
            auth,
            settings,
        })
    }
}

/// Command-line arguments of local mode.
#[derive(Default)]
struct Args {
    command: Vec<String>,
    port: Option<u16>,
    enable_auth: bool,
    data: Option<String>,
    params: Vec<(String, String)>,
}

fn parse_args() -> Result<Args, Error> {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| it.next().ok_or_else(|| Error::msg(format!("{flag} needs a value")));
        match arg.as_str() {
            "--port" => args.port = Some(value("--port")?.parse().map_err(|_| Error::msg("--port needs a port number"))?),
            "--enable-auth" => args.enable_auth = true,
            "--data" => args.data = Some(value("--data")?),
            "--data-file" => {
                let path = value("--data-file")?;
                args.data = Some(std::fs::read_to_string(&path).map_err(|e| Error::msg(format!("cannot read {path}: {e}")))?);
            }
            "--param" => {
                let p = value("--param")?;
                let (k, v) = p.split_once('=').ok_or_else(|| Error::msg("--param takes name=value"))?;
                args.params.push((k.to_string(), v.to_string()));
            }
            "-h" | "--help" => args.command = vec!["help".into()],
            _ => args.command.push(arg),
        }
    }
    Ok(args)
}

const HELP: &str = "Local mode of a dapr-fn app (no Functions host, no Dapr install needed).

USAGE:
    <app> [serve] [--port 7071] [--enable-auth]   serve HTTP and Dapr triggers locally
    <app> invoke <Function> [--data JSON | --data-file PATH] [--param name=value]...
                                                  run one invocation and print what it did
    <app> state get <store> <key>                 print a saved state value
    <app> help

ENVIRONMENT (or local.settings.json Values):
    DAPR_FN_HTTP_PORT (7071)  DAPR_APP_PORT (3001)  DAPR_FN_SIDECAR_PORT (3500, embedded sidecar)
    DAPR_HTTP_PORT            use a real Dapr sidecar on this port instead of the embedded one
    DAPR_APP_ID               app id (default: the executable name); state keys are <appId>||<key>
    DAPR_FN_DATA_DIR          where state, bindings.jsonl and deadletter.jsonl go
    DAPR_FN_SECRETS_FILE      secrets JSON file (default: ./secrets.json)
    DAPR_FN_ENABLE_AUTH=1     enforce authLevel keys: DAPR_FN_FUNCTION_KEY, DAPR_FN_MASTER_KEY
    DAPR_FN_BIND              listen address (default 127.0.0.1)
    DAPR_FN_LOG_BODIES=1      log the bodies of Dapr calls (state values, payloads); off by default";

/// Runs local mode.
pub(crate) async fn run(registry: Registry, app: Arc<AppContext>) -> Result<(), Error> {
    let args = parse_args()?;
    let config = Config::load(&args)?;
    let functions: Vec<LocalFunction> = registry
        .all()
        .iter()
        .map(|def| Ok(LocalFunction { def, manifest: parse_function_json(def.name, def.function_json).map_err(Error::from)? }))
        .collect::<Result<_, Error>>()?;
    let command: Vec<&str> = args.command.iter().map(String::as_str).collect();
    match command.as_slice() {
        ["help"] => {
            println!("{HELP}");
            Ok(())
        }
        ["state", "get", store, key] => {
            let sidecar = EmbeddedSidecar::new(config.app_id.clone(), config.data_dir.clone(), config.app_port, Vec::new(), None);
            let full = sidecar.full_key(key).map_err(Error::msg)?;
            match sidecar.store(store).map_err(Error::msg)?.get(&full).map_err(Error::msg)? {
                Some(stored) => {
                    println!("{}", stored.value);
                    eprintln!("etag: {}", stored.etag);
                    Ok(())
                }
                None => Err(Error::msg(format!("no state `{key}` in store `{store}` ({})", sidecar.state_file(store).display()))),
            }
        }
        [] | ["serve"] => serve(config, functions, app, None).await,
        ["invoke", name] => {
            let once = OneInvocation { function: name.to_string(), data: args.data.unwrap_or_default(), params: args.params };
            serve(config, functions, app, Some(once)).await
        }
        other => Err(Error::msg(format!("unknown command `{}`; run with `help`", other.join(" ")))),
    }
}

fn subscriptions(host: &LocalHost, resolver: &Resolver<'_>) -> Vec<Subscription> {
    let mut subs: Vec<Subscription> = Vec::new();
    for f in host.functions.iter().filter(|f| f.trigger().binding_type.eq_ignore_ascii_case("daprTopicTrigger")) {
        let t = f.trigger();
        let pubsubname = resolver.resolve_trigger(t.text("pubsubname").unwrap_or_default());
        let topic = resolver.resolve_trigger(t.text("topic").unwrap_or(f.def.name));
        let route = t.text("route").map(|r| resolver.resolve_trigger(r)).unwrap_or_else(|| format!("/{topic}"));
        let route = if route.starts_with('/') { route } else { format!("/{route}") };
        let sub = Subscription { pubsubname, topic, route };
        if !subs.iter().any(|s| s.pubsubname == sub.pubsubname && s.topic == sub.topic && s.route.eq_ignore_ascii_case(&sub.route)) {
            subs.push(sub);
        }
    }
    subs
}

/// The app-port route of a Dapr-triggered function (dapr-extension §5.2).
fn dapr_route(f: &LocalFunction, resolver: &Resolver<'_>, subs: &[Subscription]) -> Option<String> {
    let t = f.trigger();
    let kind = t.binding_type.to_ascii_lowercase();
    let name = |key: &str| format!("/{}", resolver.resolve_trigger(t.text(key).unwrap_or(f.def.name)));
    match kind.as_str() {
        "daprserviceinvocationtrigger" => Some(name("methodName")),
        "daprbindingtrigger" => Some(name("bindingName")),
        "daprtopictrigger" => {
            let pubsub = resolver.resolve_trigger(t.text("pubsubname").unwrap_or_default());
            let topic = resolver.resolve_trigger(t.text("topic").unwrap_or(f.def.name));
            subs.iter().find(|s| s.pubsubname == pubsub && s.topic == topic).map(|s| s.route.clone())
        }
        _ => None,
    }
}

fn http_routes(functions: &[LocalFunction]) -> Result<Vec<Route>, Error> {
    let mut routes = Vec::new();
    for f in functions.iter().filter(|f| f.trigger().binding_type.eq_ignore_ascii_case("httpTrigger")) {
        let t = f.trigger();
        let route_text = t.text("route").unwrap_or(f.def.name).to_string();
        let template = RouteTemplate::parse(&route_text).map_err(|e| Error::msg(format!("route of {}: {}", f.def.name, e.message)))?;
        let methods = match t.property("methods") {
            Some(PropertyValue::List(m)) => m.iter().map(|m| m.to_ascii_lowercase()).collect(),
            _ => Vec::new(),
        };
        routes.push(Route {
            function: f.def.name,
            template,
            methods,
            auth_level: t.text("authLevel").unwrap_or("function").to_ascii_lowercase(),
            display: route_text,
        });
    }
    Ok(routes)
}

/// A one-off invocation from the command line: function, data, route parameters.
struct OneInvocation {
    function: String,
    data: String,
    params: Vec<(String, String)>,
}

/// Starts the servers; with `once`, runs that one invocation and stops.
async fn serve(config: Config, functions: Vec<LocalFunction>, app: Arc<AppContext>, once: Option<OneInvocation>) -> Result<(), Error> {
    let bind_err = |what: &str, addr: SocketAddr, e: std::io::Error| Error::msg(format!("cannot listen on {addr} for {what}: {e}"));
    let mut host =
        LocalHost { app, functions, settings: config.settings.clone(), sidecar_port: config.sidecar_port, client: DaprClient::new() };
    let routes = Arc::new(http_routes(&host.functions)?);
    let has_dapr_triggers = host.functions.iter().any(|f| f.trigger().binding_type.to_ascii_lowercase().starts_with("dapr"));

    // The Dapr app port: where a sidecar (real or embedded) delivers triggers.
    let app_addr = SocketAddr::new(config.bind, if once.is_some() { 0 } else { config.app_port });
    let app_listener = if has_dapr_triggers || once.is_some() {
        Some(TcpListener::bind(app_addr).await.map_err(|e| bind_err("the Dapr app port", app_addr, e))?)
    } else {
        None
    };
    let app_port = app_listener.as_ref().and_then(|l| l.local_addr().ok()).map_or(config.app_port, |a| a.port());

    let setting_source = config.settings.clone();
    let setting = move |name: &str| std::env::var(name).ok().or_else(|| setting_source.get(name).cloned());
    let empty = serde_json::Map::new();
    let subs = subscriptions(&host, &Resolver { setting: &setting, binding_data: &empty });

    let sidecar_desc = match config.external_sidecar {
        Some(port) => {
            host.sidecar_port = port;
            format!("Dapr sidecar: http://localhost:{port} (DAPR_HTTP_PORT)")
        }
        None => {
            let secrets = std::env::var_os("DAPR_FN_SECRETS_FILE")
                .map(PathBuf::from)
                .or_else(|| Some(PathBuf::from("secrets.json")).filter(|p| p.exists()));
            let sidecar =
                Arc::new(EmbeddedSidecar::new(config.app_id.clone(), config.data_dir.clone(), app_port, subs.clone(), secrets.clone()));
            std::fs::create_dir_all(&config.data_dir)
                .map_err(|e| Error::msg(format!("cannot create {}: {e}", config.data_dir.display())))?;
            let addr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), if once.is_some() { 0 } else { config.sidecar_port });
            let listener = TcpListener::bind(addr).await.map_err(|e| {
                Error::msg(format!("cannot start the embedded Dapr sidecar on {addr}: {e}; set DAPR_FN_SIDECAR_PORT, or DAPR_HTTP_PORT to use a running sidecar"))
            })?;
            host.sidecar_port = listener.local_addr().map(|a| a.port()).unwrap_or(config.sidecar_port);
            let desc = format!(
                "Dapr: embedded sidecar on http://127.0.0.1:{} (app id `{}`)\n        state:    {}/<store>.db (Dapr state.sqlite layout)\n        bindings: {}\n        secrets:  {}",
                host.sidecar_port,
                config.app_id,
                config.data_dir.display(),
                sidecar.bindings_file().display(),
                secrets.map_or("environment variables (no secrets.json)".to_string(), |p| p.display().to_string())
            );
            let handler = sidecar.clone();
            tokio::spawn(crate::server::serve(listener, move |req| handler.clone().handle(req), std::future::pending()));
            desc
        }
    };
    let host = Arc::new(host);
    let resolver_settings = {
        let h = host.clone();
        move |name: &str| h.setting(name)
    };
    let empty = serde_json::Map::new();
    let resolver = Resolver { setting: &resolver_settings, binding_data: &empty };
    let dapr_routes: Arc<Vec<(String, usize)>> =
        Arc::new(host.functions.iter().enumerate().filter_map(|(i, f)| dapr_route(f, &resolver, &subs).map(|r| (r, i))).collect());

    if let Some(listener) = app_listener {
        let (host, dapr_routes, subs) = (host.clone(), dapr_routes.clone(), Arc::new(subs.clone()));
        tokio::spawn(crate::server::serve(
            listener,
            move |req| handle_dapr(host.clone(), dapr_routes.clone(), subs.clone(), req),
            std::future::pending(),
        ));
    }

    if let Some(once) = once {
        return invoke_once(&host, &routes, &once).await;
    }

    let http_addr = SocketAddr::new(config.bind, config.http_port);
    let listener = TcpListener::bind(http_addr).await.map_err(|e| bind_err("HTTP functions", http_addr, e))?;
    print_banner(&config, &host, &routes, &dapr_routes, http_addr, app_port, &sidecar_desc);
    let prefix = config.route_prefix.trim_matches('/').to_string();
    let keys = config.auth.map(Arc::new);
    crate::server::serve(
        listener,
        move |req| handle_http(host.clone(), routes.clone(), prefix.clone(), keys.clone(), req),
        crate::server::shutdown_signal(),
    )
    .await
}

fn print_banner(
    config: &Config,
    host: &LocalHost,
    routes: &[Route],
    dapr_routes: &[(String, usize)],
    http_addr: SocketAddr,
    app_port: u16,
    sidecar: &str,
) {
    let prefix = config.route_prefix.trim_matches('/');
    let base = if prefix.is_empty() { format!("http://{http_addr}") } else { format!("http://{http_addr}/{prefix}") };
    println!("\ndapr-fn local mode: {} function(s)\n\nFunctions:\n", host.functions.len());
    for f in &host.functions {
        if let Some(route) = routes.iter().find(|r| r.function == f.def.name) {
            let methods = if route.methods.is_empty() { "ALL".to_string() } else { route.methods.join(",").to_ascii_uppercase() };
            println!("        {}: [{methods}] {base}/{}", f.def.name, route.display.trim_matches('/'));
        } else if let Some((route, _)) = dapr_routes.iter().find(|(_, i)| host.functions[*i].def.name == f.def.name) {
            println!("        {}: {} (POST http://127.0.0.1:{app_port}{route})", f.def.name, f.trigger().binding_type);
        }
    }
    println!("\n{sidecar}");
    if config.bind != IpAddr::V4(Ipv4Addr::LOCALHOST) {
        println!("WARNING: listening on {} (DAPR_FN_BIND): reachable from other machines", config.bind);
    }
    match &config.auth {
        Some(_) => println!("Auth: authLevel keys enforced (x-functions-key header or ?code=)"),
        None => println!("Auth: not enforced, as under `func start` (set DAPR_FN_ENABLE_AUTH=1 to enforce)"),
    }
    match &config.app_dir {
        Some(dir) => println!("App: {}", dir.display()),
        None => println!("App: no generated app found next to the executable (is build.rs calling dapr_fn_build::generate()?)"),
    }
    println!("\nPress Ctrl+C to stop.\n");
}

fn text_response(status: u16, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut res = Response::new(Full::new(body.into()));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    res.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res
}

/// Whether a request carries a key good enough for the function's auth level.
fn authorized(keys: &Keys, level: &str, req_key: Option<&str>) -> bool {
    use subtle::ConstantTimeEq as _;
    let matches = |k: &Option<String>| match (k, req_key) {
        (Some(k), Some(given)) => bool::from(k.as_bytes().ct_eq(given.as_bytes())),
        _ => false,
    };
    match level {
        "anonymous" => true,
        "function" => matches(&keys.function) || matches(&keys.master),
        _ => matches(&keys.master),
    }
}

async fn handle_http(
    host: Arc<LocalHost>,
    routes: Arc<Vec<Route>>,
    prefix: String,
    keys: Option<Arc<Keys>>,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let response = http_invocation(&host, &routes, &prefix, keys.as_deref(), req).await;
    println!("{method} {path} -> {} ({} ms)", response.status().as_u16(), started.elapsed().as_millis());
    response
}

async fn http_invocation(
    host: &LocalHost,
    routes: &[Route],
    prefix: &str,
    keys: Option<&Keys>,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    // Read the body first, so refusing a request keeps the keep-alive connection usable.
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, 100 * 1024 * 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return text_response(413, ""),
    };
    let req = Request::from_parts(parts, ());
    let path = req.uri().path().trim_start_matches('/');
    let relative = if prefix.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(prefix).filter(|rest| rest.is_empty() || rest.starts_with('/')).map(|rest| rest.trim_start_matches('/'))
    };
    let Some(relative) = relative else { return text_response(404, "") };
    let (route, values) = match routes::find(routes, req.method().as_str(), relative) {
        Match::Found(route, values) => (route, values),
        Match::MethodNotAllowed(_) | Match::NotFound => return text_response(404, ""),
    };
    let Some(f) = host.function(route.function) else { return text_response(404, "") };
    let host_header = req.headers().get(http::header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost").to_string();
    let has_length = req.headers().contains_key(http::header::CONTENT_LENGTH);
    let mut builder = HttpRequest::builder().method(req.method().as_str()).url(&format!("http://{host_header}{}", req.uri()));
    for (name, value) in req.headers() {
        if let Ok(v) = value.to_str() {
            builder = builder.header(name.as_str(), v);
        }
    }
    // The host drops the body of chunked uploads without Content-Length.
    if has_length {
        builder = builder.body(body);
    }
    let mut request = builder.build();
    request.set_params(values);
    if let Some(keys) = keys {
        let given = request.header("x-functions-key").or_else(|| request.query("code"));
        if !authorized(keys, &route.auth_level, given) {
            return text_response(401, "");
        }
    }
    let result = host.invoke(f, crate::host::http_request_object(&request), crate::host::http_metadata(&request, f.def.name), None).await;
    match result {
        Ok(done) => {
            let http_name = f.manifest.bindings.iter().find(|b| b.binding_type == "http").map_or("res", |b| b.name.as_str());
            let value = if http_name == "$return" { Some(&done.return_value) } else { done.outputs.get(http_name) };
            log_dapr_calls(&done.dapr_calls);
            let rendered = render_http_output(value);
            let mut res = text_response(rendered.status, rendered.body);
            res.headers_mut().clear();
            for (k, v) in rendered.headers {
                if let (Ok(k), Ok(v)) = (http::HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_str(&v)) {
                    res.headers_mut().append(k, v);
                }
            }
            res
        }
        Err(failure) => {
            eprintln!("error: {}: {failure}", f.def.name);
            text_response(500, "")
        }
    }
}

/// Serves the Dapr app port like the extension's listener (dapr-extension §5).
async fn handle_dapr(
    host: Arc<LocalHost>,
    routes: Arc<Vec<(String, usize)>>,
    subs: Arc<Vec<Subscription>>,
    req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    if method == Method::GET && path.eq_ignore_ascii_case("/dapr/subscribe") {
        let list: Vec<Value> = subs.iter().map(|s| json!({"pubsubname": s.pubsubname, "topic": s.topic, "route": s.route})).collect();
        let mut res = text_response(200, Value::Array(list).to_string());
        res.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return res;
    }
    let Some(&(_, index)) = routes.iter().find(|(r, _)| r.eq_ignore_ascii_case(&path)) else { return text_response(404, "") };
    let f = &host.functions[index];
    let kind = f.trigger().binding_type.to_ascii_lowercase();
    if method == Method::OPTIONS && kind == "daprbindingtrigger" {
        return text_response(200, "");
    }
    if method != Method::POST {
        return text_response(404, "");
    }
    let empty_by_length = req.headers().get(http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()) == Some("0");
    let body = match Limited::new(req.into_body(), 100 * 1024 * 1024).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return text_response(500, format!("Function invocation failed: {e}")),
    };
    let started = Instant::now();
    // The trigger's string: no body → null; a JSON string → its text; other JSON → compact.
    let text = if empty_by_length || body.is_empty() {
        None
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::String(s)) => Some(s),
            Ok(other) => Some(other.to_string()),
            Err(e) => return text_response(500, format!("Function invocation failed: {e}")),
        }
    };
    let trigger_value = crate::host::encode_value(&text.clone().map_or(Value::Null, Value::String));
    let metadata = crate::host::dapr_trigger_metadata(text.as_deref(), f.def.name);
    let result = host.invoke(f, trigger_value, metadata, text).await;
    println!("{method} :{path} -> {} ({} ms)", f.def.name, started.elapsed().as_millis());
    match result {
        Ok(done) => {
            log_dapr_calls(&done.dapr_calls);
            let replies = kind != "daprtopictrigger";
            if replies && !done.return_value.is_null() {
                let mut res = text_response(200, done.return_value.to_string());
                res.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
                res
            } else {
                text_response(200, "")
            }
        }
        Err(failure) => {
            eprintln!("error: {}: {failure}", f.def.name);
            text_response(500, format!("Function invocation failed: Exception while executing function: Functions.{}", f.def.name))
        }
    }
}

/// Logs the Dapr calls an invocation made: method and path only, since bodies carry state
/// values and payloads (`DAPR_FN_LOG_BODIES=1` shows them).
fn log_dapr_calls(calls: &[crate::extension::DaprCall]) {
    let bodies = std::env::var("DAPR_FN_LOG_BODIES").is_ok_and(|v| v == "1");
    for call in calls {
        if bodies {
            println!("        dapr: {}", call.summary());
        } else {
            println!("        dapr: {} {}", call.method, call.path);
        }
    }
}

/// `invoke <Function> --data ...`: one invocation, printed.
async fn invoke_once(host: &LocalHost, routes: &[Route], once: &OneInvocation) -> Result<(), Error> {
    let (name, data, params) = (once.function.as_str(), once.data.as_str(), &once.params);
    let f = host.function(name).ok_or_else(|| {
        let names: Vec<&str> = host.functions.iter().map(|f| f.def.name).collect();
        Error::msg(format!("no function `{name}`; the app has: {}", names.join(", ")))
    })?;
    let result = if f.trigger().binding_type.eq_ignore_ascii_case("httpTrigger") {
        let route = routes.iter().find(|r| r.function == f.def.name).expect("HTTP functions have routes");
        let method = route.methods.first().map_or("POST".to_string(), |m| m.to_ascii_uppercase());
        let mut request = HttpRequest::builder()
            .method(&method)
            .url(&format!("http://localhost/{}", route.display.trim_matches('/')))
            .header("Content-Type", "application/json")
            .body(data.to_string())
            .build();
        request.set_params(params.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect());
        host.invoke(f, crate::host::http_request_object(&request), crate::host::http_metadata(&request, f.def.name), None).await
    } else {
        let body: Value = if data.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(data).map_err(|e| Error::msg(format!("--data is not JSON: {e}")))?
        };
        let text = crate::host::dapr_trigger_text(&body);
        let value = crate::host::encode_value(&text.clone().map_or(Value::Null, Value::String));
        host.invoke(f, value, crate::host::dapr_trigger_metadata(text.as_deref(), f.def.name), text).await
    };
    match result {
        Ok(done) => {
            let calls: Vec<String> = done.dapr_calls.iter().map(|c| c.summary()).collect();
            let summary = json!({"function": f.def.name, "outputs": done.outputs, "returnValue": done.return_value, "daprCalls": calls});
            println!("{}", serde_json::to_string_pretty(&summary).expect("JSON serializes"));
            // Let queued pub/sub deliveries reach their subscribers before exiting.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Ok(())
        }
        Err(Failure::Dapr(e)) => Err(Error::msg(format!("{}: Dapr call failed: {e}", f.def.name))),
        Err(Failure::Function(e)) => Err(Error::msg(format!("{}: {e}", f.def.name))),
    }
}
