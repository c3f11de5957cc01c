//! The application: shared state, start-up checks, and `run`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use crate::invocation::{Invocation, InvocationData};
use crate::params::ContextParam;
use crate::registry::Registry;
use crate::Error;

/// What every invocation can reach: the application state given to [`App::with_state`].
#[derive(Default)]
pub struct AppContext {
    states: HashMap<TypeId, (Arc<dyn Any + Send + Sync>, &'static str)>,
}

impl AppContext {
    fn state<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.states.get(&TypeId::of::<T>()).and_then(|(s, _)| s.clone().downcast::<T>().ok())
    }
}

impl std::fmt::Debug for AppContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppContext").field("states", &self.states.values().map(|(_, n)| *n).collect::<Vec<_>>()).finish()
    }
}

/// A dapr-fn application: the functions linked into the binary plus shared state.
///
/// ```no_run
/// use dapr_fn_runtime::App;
///
/// struct Pricing { vat: f64 }
///
/// #[tokio::main]
/// async fn main() -> Result<(), dapr_fn_runtime::Error> {
///     App::new().with_state(Pricing { vat: 0.2 }).run().await
/// }
/// ```
#[derive(Debug, Default)]
pub struct App {
    context: AppContext,
}

impl App {
    /// An application with no shared state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shares `state` with every function that takes an [`AppState<T>`] parameter.
    #[must_use]
    pub fn with_state<T: Send + Sync + 'static>(mut self, state: T) -> Self {
        self.context.states.insert(TypeId::of::<T>(), (Arc::new(state), std::any::type_name::<T>()));
        self
    }

    /// The functions and context, checked: no two functions share a name, and every
    /// function's context parameters can be served.
    pub(crate) fn prepare(self) -> Result<(Registry, Arc<AppContext>), Error> {
        let registry = Registry::from_linked()?;
        for def in registry.all() {
            (def.check)(&self.context).map_err(|e| e.context(format!("function `{}` ({})", def.name, def.rust_path)))?;
        }
        Ok((registry, Arc::new(self.context)))
    }

    /// Serves the functions until SIGTERM or Ctrl-C.
    ///
    /// Under the Functions host (`FUNCTIONS_CUSTOMHANDLER_PORT` set) this is the custom
    /// handler: an HTTP server on `127.0.0.1:$FUNCTIONS_CUSTOMHANDLER_PORT` that speaks the
    /// host's invocation protocol.
    pub async fn run(self) -> Result<(), Error> {
        crate::logs::init_default();
        let (registry, context) = self.prepare()?;
        match std::env::var("FUNCTIONS_CUSTOMHANDLER_PORT") {
            Ok(port) => {
                let port: u16 =
                    port.trim().parse().map_err(|_| Error::msg(format!("FUNCTIONS_CUSTOMHANDLER_PORT=`{port}` is not a port number")))?;
                crate::server::check_app_root(&registry);
                crate::server::serve_custom_handler(registry, context, port).await
            }
            #[cfg(feature = "local")]
            Err(_) => crate::local::run(registry, context).await,
            #[cfg(not(feature = "local"))]
            Err(_) => Err(Error::msg(
                "FUNCTIONS_CUSTOMHANDLER_PORT is not set, and this build has no local mode: it is an Azure Functions custom \
                 handler for the Functions host (`func start --script-root target/<profile>/azure-functions/<package>`). \
                 To run it without the host, build with dapr-fn-runtime's default `local` feature.",
            )),
        }
    }
}

/// Runs the application without shared state; see [`App::run`].
///
/// ```no_run
/// #[tokio::main]
/// async fn main() -> Result<(), dapr_fn_runtime::Error> {
///     dapr_fn_runtime::run().await
/// }
/// ```
pub async fn run() -> Result<(), Error> {
    App::new().run().await
}

/// Shared application state, registered with [`App::with_state`]. Take it as a parameter
/// without a binding attribute.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// struct Pricing { vat: f64 }
///
/// #[function]
/// async fn price(
///     #[http_trigger(methods = "get", route = "price/{net}")] req: HttpRequest,
///     pricing: AppState<Pricing>,
/// ) -> Result<HttpResponse, Error> {
///     let net: f64 = req.param("net").unwrap_or("0").parse().map_err(Error::bad_request)?;
///     Ok(HttpResponse::ok().text((net * (1.0 + pricing.vat)).to_string()))
/// }
/// ```
pub struct AppState<T>(Arc<T>);

impl<T> AppState<T> {
    /// Wraps a value, e.g. to call a function directly in a test.
    pub fn new(value: T) -> Self {
        AppState(Arc::new(value))
    }
}

impl<T> Clone for AppState<T> {
    fn clone(&self) -> Self {
        AppState(self.0.clone())
    }
}

impl<T> Deref for AppState<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for AppState<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Send + Sync + 'static> ContextParam for AppState<T> {
    fn check(app: &AppContext) -> Result<(), Error> {
        match app.state::<T>() {
            Some(_) => Ok(()),
            None => Err(Error::msg(format!(
                "it takes `AppState<{0}>` but no `{0}` was registered; call `App::new().with_state(...)` in main",
                std::any::type_name::<T>()
            ))),
        }
    }

    fn from_invocation(inv: &Invocation, _: &InvocationData<'_>) -> Result<Self, Error> {
        inv.app.state::<T>().map(AppState).ok_or_else(|| Error::msg(format!("no `{}` state was registered", std::any::type_name::<T>())))
    }
}

/// Facts about the current invocation: its id, the function name and the trigger's
/// metadata (binding data) with the host's encoding undone.
#[derive(Clone, Debug)]
pub struct InvocationContext {
    invocation_id: Option<Arc<str>>,
    function_name: &'static str,
    metadata: serde_json::Map<String, serde_json::Value>,
}

impl InvocationContext {
    /// The host's invocation id (`X-Azure-Functions-InvocationId`), if it sent one.
    pub fn invocation_id(&self) -> Option<&str> {
        self.invocation_id.as_deref()
    }

    /// The function name.
    pub fn function_name(&self) -> &str {
        self.function_name
    }

    /// The trigger metadata (e.g. route and query parameters, `sys`).
    pub fn metadata(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.metadata
    }
}

impl ContextParam for InvocationContext {
    fn check(_: &AppContext) -> Result<(), Error> {
        Ok(())
    }

    fn from_invocation(inv: &Invocation, _: &InvocationData<'_>) -> Result<Self, Error> {
        let metadata = match inv.metadata()? {
            Some(raw) => crate::payload::decode_metadata(raw)?,
            None => serde_json::Map::new(),
        };
        Ok(InvocationContext { invocation_id: inv.invocation_id.clone(), function_name: inv.function().name, metadata })
    }
}
