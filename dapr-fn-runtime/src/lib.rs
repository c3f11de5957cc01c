//! # dapr-fn
//!
//! Write Azure Functions that use Dapr bindings as ordinary async Rust functions.
//! `cargo build` produces the function app (`host.json` and a `function.json` per
//! function, via `dapr-fn-build` in `build.rs`), and the binary is the app's custom
//! handler.
//!
//! ```no_run
//! use dapr_fn_runtime::prelude::*;
//!
//! #[function(name = "StateOutputBinding")]
//! async fn state_output_binding(
//!     #[http_trigger(auth_level = "function", methods = "post", route = "state/{key}")] req: HttpRequest,
//!     #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<String>,
//! ) -> Result<HttpResponse, Error> {
//!     state.set(req.body_text()?);
//!     Ok(HttpResponse::ok())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     dapr_fn_runtime::run().await
//! }
//! ```
//!
//! ## Attributes
//!
//! Binding attributes go on parameters (the parameter receives the trigger or input,
//! or collects the output) or on the function (an output then saves the return value as
//! `$return`; a trigger binds the first parameter without an attribute). Whichever of
//! our attributes is outermost on the function is the macro that reads all of them, so
//! no extra `#[function]` is needed; add `#[function(name = "...")]` to choose the
//! function name (the default is the Rust name in PascalCase).
//!
//! Binding names are the parameter names in camelCase (`order_payload` →
//! `orderPayload`), since the host accepts only letters and digits; `name = "..."` on the
//! attribute overrides. HTTP-triggered functions also get an `http` output named `res`.
//!
//! Property values are written as string literals and go into function.json as
//! written: literals, `%AppSetting%` or `{binding.expression}`, resolved by the host.
//! The macro rejects an `{expression}` the trigger can never supply (for an HTTP trigger:
//! route parameters, `Query`, `Headers` and `sys`); add `unchecked` to the attribute when
//! the value comes from the request body or query string at run time.
//!
//! See the README for every attribute next to the function.json it produces.
#![warn(missing_docs, unreachable_pub)]

mod app;
mod cloudevent;
mod error;
pub mod extension;
mod host;
mod http;
mod invocation;
#[cfg(feature = "local")]
mod local;
mod logs;
mod outputs;
mod params;
mod payload;
mod registry;
mod server;
pub mod testing;

pub use crate::app::{run, App, AppState, InvocationContext};
pub use crate::cloudevent::CloudEvent;
pub use crate::error::Error;
pub use crate::http::{HttpRequest, HttpRequestBuilder, HttpResponse};
pub use crate::logs::{logs_layer, InvocationLogsLayer};
pub use crate::outputs::{BindingRequest, DaprBinding, DaprInvoke, DaprPublish, DaprState, StateRecord};
pub use ::http::{Method, StatusCode};

/// Names a function and lets it carry bindings on its parameters.
///
/// `#[function]` is needed only when no binding attribute is on the function itself, or
/// to set the name: `#[function(name = "CreateNewOrder")]`. Names must start with a
/// letter, then letters, digits, `_` or `-`, at most 128 characters, not `host`, and be
/// unique ignoring case.
pub use dapr_fn_macros::function;

/// An HTTP trigger (`httpTrigger`) on an [`HttpRequest`] parameter.
///
/// Keys: `auth_level` (`anonymous`, `function`, `admin`, `user`, `system`), `methods`
/// (`"get, post"` or `["get", "post"]`), `route` (ASP.NET route template such as
/// `"state/{key}"`), `name`. The function returns [`HttpResponse`] (or a `Result` of
/// one), which becomes the `res` output.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[function]
/// async fn hello(#[http_trigger(auth_level = "anonymous", methods = "get")] req: HttpRequest) -> HttpResponse {
///     HttpResponse::ok().text(format!("hello {}", req.query("name").unwrap_or("world")))
/// }
/// ```
/// function.json of `Hello`:
/// ```json
/// {"type": "httpTrigger", "direction": "in", "name": "req", "authLevel": "anonymous", "methods": ["get"]},
/// {"type": "http", "direction": "out", "name": "res"}
/// ```
pub use dapr_fn_macros::http_trigger;

/// A Dapr service-invocation trigger (`daprServiceInvocationTrigger`).
///
/// Keys: `method_name` (default: the function name), `name`. The parameter receives the
/// caller's request body as any `T: DeserializeOwned`; `String` gets the raw text.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[dapr_service_invocation_trigger]
/// #[dapr_state(store = "%StateStoreName%", key = "order")]
/// async fn create_new_order(payload: serde_json::Value) -> serde_json::Value {
///     payload["data"].clone()
/// }
/// ```
pub use dapr_fn_macros::dapr_service_invocation_trigger;

/// A Dapr state binding (`daprState`).
///
/// Keys: `store` (required), `key`, `dapr_address`, `name`, `unchecked`. On a
/// [`DaprState<T>`] parameter it is an output; on the function it saves the return value
/// (`$return`; a value serializing to `null`, such as `None`, saves nothing); on any other
/// parameter type it is an input delivering the stored value as `T: DeserializeOwned`.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[function]
/// async fn save(
///     #[http_trigger(methods = "post", route = "state/{key}")] req: HttpRequest,
///     #[dapr_state(store = "statestore", key = "{key}")] state: DaprState<serde_json::Value>,
/// ) -> Result<HttpResponse, Error> {
///     state.set(req.json::<serde_json::Value>()?);
///     Ok(HttpResponse::ok())
/// }
/// ```
pub use dapr_fn_macros::dapr_state;

/// A Dapr pub/sub trigger (`daprTopicTrigger`).
///
/// Keys: `pub_sub_name` (required), `topic` (default: the function name), `route`
/// (default: `/` + topic), `name`. A parameter of type [`CloudEvent<T>`] receives the
/// whole envelope; any other `T: DeserializeOwned` receives the event's `data`. Topic
/// functions return `()` (or an output on the function receives the return value).
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[dapr_topic_trigger(pub_sub_name = "%PubSubName%", topic = "A")]
/// #[dapr_publish(pub_sub_name = "%PubSubName%", topic = "B")]
/// async fn transfer_event_between_topics(data: serde_json::Value) -> String {
///     format!("Transfer from Topic A: {data}")
/// }
/// ```
pub use dapr_fn_macros::dapr_topic_trigger;

/// A Dapr input-binding trigger (`daprBindingTrigger`).
///
/// Keys: `binding_name` (default: the function name), `name`. The parameter receives the
/// component's payload like a service-invocation trigger; the return value is the reply.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[dapr_binding_trigger(binding_name = "%KafkaBindingName%")]
/// async fn consume_message_from_kafka(trigger_data: serde_json::Value) {
///     tracing::info!("received {trigger_data}");
/// }
/// ```
pub use dapr_fn_macros::dapr_binding_trigger;

/// A Dapr secret input (`daprSecret`).
///
/// Keys: `store` (`secretStoreName`, required), `key` (required), `metadata` (e.g.
/// `"metadata.namespace=default"`), `dapr_address`, `name`, `unchecked`. The parameter
/// receives the store's answer, a JSON object of secret names to values, as a map or any
/// `T: DeserializeOwned`.
///
/// ```
/// use std::collections::HashMap;
/// use dapr_fn_runtime::prelude::*;
///
/// #[function]
/// async fn retrieve_secret(
///     #[dapr_service_invocation_trigger] payload: serde_json::Value,
///     #[dapr_secret(store = "localsecretstore", key = "my-secret", metadata = "metadata.namespace=default")] secret: HashMap<String, String>,
/// ) {
///     let _ = payload;
///     tracing::info!("{} secret(s)", secret.len());
/// }
/// ```
pub use dapr_fn_macros::dapr_secret;

/// A Dapr service-invocation output (`daprInvoke`) on a [`DaprInvoke<T>`] parameter, or
/// on the function (the return value becomes the request `body`).
///
/// Keys: `app_id`, `method_name`, `http_verb` (default `POST`), `dapr_address`, `name`,
/// `unchecked`.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[function]
/// async fn invoke_output_binding(
///     #[http_trigger(auth_level = "function", route = "invoke/{appId}/{methodName}")] req: HttpRequest,
///     #[dapr_invoke(app_id = "{appId}", method_name = "{methodName}", http_verb = "post")] invoke_payload: DaprInvoke<String>,
/// ) -> Result<HttpResponse, Error> {
///     invoke_payload.invoke(req.body_text()?);
///     Ok(HttpResponse::ok())
/// }
/// ```
pub use dapr_fn_macros::dapr_invoke;

/// A Dapr publish output (`daprPublish`) on a [`DaprPublish<T>`] parameter, or on the
/// function (the return value becomes the event `payload`).
///
/// Keys: `pub_sub_name`, `topic`, `dapr_address`, `name`, `unchecked`.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[function]
/// async fn publish_output_binding(
///     #[http_trigger(auth_level = "anonymous", methods = "post", route = "topic/{topicName}")] req: HttpRequest,
///     #[dapr_publish(pub_sub_name = "messagebus", topic = "{topicName}")] payload: DaprPublish<serde_json::Value>,
/// ) -> Result<HttpResponse, Error> {
///     payload.publish(req.json::<serde_json::Value>()?);
///     Ok(HttpResponse::ok())
/// }
/// ```
pub use dapr_fn_macros::dapr_publish;

/// A Dapr output binding (`daprBinding`) on a [`DaprBinding<T>`] parameter, or on the
/// function (the return value becomes the message `data`).
///
/// Keys: `binding_name`, `operation`, `dapr_address`, `name`, `unchecked`.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[dapr_service_invocation_trigger]
/// #[dapr_binding(binding_name = "%KafkaBindingName%", operation = "create")]
/// async fn send_message_to_kafka(args: serde_json::Value) -> serde_json::Value {
///     args
/// }
/// ```
pub use dapr_fn_macros::dapr_binding;

/// Everything a function file needs: `use dapr_fn_runtime::prelude::*;`.
pub mod prelude {
    pub use crate::{
        dapr_binding, dapr_binding_trigger, dapr_invoke, dapr_publish, dapr_secret, dapr_service_invocation_trigger, dapr_state,
        dapr_topic_trigger, function, http_trigger, App, AppState, BindingRequest, CloudEvent, DaprBinding, DaprInvoke, DaprPublish,
        DaprState, Error, HttpRequest, HttpResponse, InvocationContext, StatusCode,
    };
}

#[doc(hidden)]
#[path = "bench.rs"]
pub mod __bench;

/// Used by generated code only; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::app::AppContext;
    pub use crate::invocation::{Invocation, InvocationData, Outcome};
    pub use crate::params::{
        finish_http, finish_http_and_return, finish_reply, finish_return, finish_trigger, kind, BindingOutputParam, CloudEventParam,
        ContextParam, FunctionResult, HttpReturn, HttpTriggerParam, InvokeOutputParam, PublishOutputParam, ReplyReturn, ReturnOutput,
        SecretInputParam, StateInputParam, StateOutputParam, TopicDataParam, TriggerPayloadParam, TriggerReturn,
    };
    pub use crate::registry::{FunctionDef, InvokeFuture, OutputDef, FUNCTIONS};
    pub use crate::Error;
    pub use linkme;
    pub use std::boxed::Box;
    pub use std::result::Result;
}
