//! The traits generated code uses to fill parameters and read return values. Each
//! binding has its own trait, so a parameter of the wrong type gets an error that names
//! the binding and the types it accepts, pointing at that parameter.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::app::AppContext;
use crate::cloudevent::{data_of, CloudEvent};
use crate::http::{HttpRequest, HttpResponse};
use crate::invocation::{Invocation, InvocationData, Outcome};
use crate::outputs::{DaprBinding, DaprInvoke, DaprPublish, DaprState};
use crate::payload::{decode_host_value, from_json_value, from_payload, HostValue};
use crate::Error;

/// `Data.<binding>` with the host's encoding undone; missing or malformed is a 400.
fn host_value<'a>(data: &InvocationData<'a>, binding: &str) -> Result<HostValue<'a>, Error> {
    decode_host_value(data.require(binding)?).map_err(|e| Error::bad_request(format!("`Data.{binding}`: {e}")))
}

/// Types that can receive an HTTP trigger: [`HttpRequest`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive an HTTP trigger",
    label = "use `dapr_fn_runtime::HttpRequest` here",
    note = "#[http_trigger] delivers the request as `HttpRequest`; read the body with `.json::<T>()` or `.body_text()`"
)]
pub trait HttpTriggerParam: Sized {
    /// Decodes `Data.<binding>`.
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error>;
}

impl HttpTriggerParam for HttpRequest {
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error> {
        let request = match data.take_http_request(binding) {
            Some(parsed) => HttpRequest::from_host(parsed),
            None => HttpRequest::from_host_json(data.require(binding)?),
        };
        request.map_err(|e| Error::bad_request(format!("`Data.{binding}`: {e}")))
    }
}

/// Types that can receive a Dapr trigger's payload: any `T: DeserializeOwned`.
/// `String` receives the payload text as is, `serde_json::Value` any payload.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive a Dapr trigger payload",
    label = "this type does not implement `serde::Deserialize`",
    note = "trigger payloads deserialize into any `T: serde::de::DeserializeOwned`; use `String` for the raw text or `serde_json::Value` for any JSON"
)]
pub trait TriggerPayloadParam: Sized {
    /// Decodes `Data.<binding>`.
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error>;
}

impl<T: DeserializeOwned> TriggerPayloadParam for T {
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error> {
        let value = host_value(data, binding)?;
        from_payload(&value)
            .map_err(|e| Error::bad_request(format!("the trigger payload `{binding}` does not fit `{}`: {e}", std::any::type_name::<T>())))
    }
}

/// Types that can receive a `daprState` input: any `T: DeserializeOwned`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive a daprState input",
    label = "this type does not implement `serde::Deserialize`",
    note = "a #[dapr_state] parameter is an input of any `T: serde::de::DeserializeOwned`, or an output when its type is `DaprState<T>`"
)]
pub trait StateInputParam: Sized {
    /// Decodes `Data.<binding>`.
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error>;
}

impl<T: DeserializeOwned> StateInputParam for T {
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error> {
        let value = host_value(data, binding)?;
        from_json_value(&value)
            .map_err(|e| Error::bad_request(format!("the state input `{binding}` does not fit `{}`: {e}", std::any::type_name::<T>())))
    }
}

/// Types that collect `daprState` output records: [`DaprState<T>`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot collect daprState outputs",
    label = "use `DaprState<T>` here",
    note = "a #[dapr_state] output parameter has type `DaprState<T>` with `T: serde::Serialize`"
)]
pub trait StateOutputParam {
    /// Attaches a collector to output slot `index` of the invocation.
    fn bind(inv: &Invocation, index: usize) -> Self;
}

impl<T: Serialize> StateOutputParam for DaprState<T> {
    fn bind(inv: &Invocation, index: usize) -> Self {
        DaprState::bind(inv, index)
    }
}

/// Types that receive a topic event's `data`: any `T: DeserializeOwned`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive a topic event's data",
    label = "this type does not implement `serde::Deserialize`",
    note = "a #[dapr_topic_trigger] parameter receives the event's `data` as any `T: serde::de::DeserializeOwned`, or the whole envelope as `CloudEvent<T>`"
)]
pub trait TopicDataParam: Sized {
    /// Decodes `Data.<binding>` (the whole CloudEvent) and keeps its `data`.
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error>;
}

fn cloud_event_json(data: &InvocationData<'_>, binding: &str) -> Result<serde_json::Value, Error> {
    let value = host_value(data, binding)?;
    let envelope: serde_json::Value =
        from_payload(&value).map_err(|e| Error::bad_request(format!("`Data.{binding}` is not a CloudEvent: {e}")))?;
    if !envelope.is_object() {
        return Err(Error::bad_request(format!("`Data.{binding}` is not a CloudEvent object")));
    }
    Ok(envelope)
}

impl<T: DeserializeOwned> TopicDataParam for T {
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error> {
        let mut envelope = cloud_event_json(data, binding)?;
        data_of(&mut envelope).map_err(|e| {
            Error::bad_request(format!("the `data` of the event `{binding}` does not fit `{}`: {e}", std::any::type_name::<T>()))
        })
    }
}

/// Types that receive a whole topic event: [`CloudEvent<T>`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive a CloudEvent",
    note = "use `CloudEvent<T>` with `T: serde::de::DeserializeOwned`"
)]
pub trait CloudEventParam: Sized {
    /// Decodes `Data.<binding>`.
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error>;
}

impl<T: DeserializeOwned> CloudEventParam for CloudEvent<T> {
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error> {
        let mut envelope = cloud_event_json(data, binding)?;
        let payload: T = data_of(&mut envelope).map_err(|e| {
            Error::bad_request(format!("the `data` of the event `{binding}` does not fit `{}`: {e}", std::any::type_name::<T>()))
        })?;
        envelope["data"] = serde_json::Value::Null;
        let event: CloudEvent<serde_json::Value> =
            serde_json::from_value(envelope).map_err(|e| Error::bad_request(format!("`Data.{binding}` is not a CloudEvent: {e}")))?;
        Ok(CloudEvent {
            id: event.id,
            source: event.source,
            event_type: event.event_type,
            specversion: event.specversion,
            datacontenttype: event.datacontenttype,
            topic: event.topic,
            pubsubname: event.pubsubname,
            traceparent: event.traceparent,
            time: event.time,
            subject: event.subject,
            data: payload,
            extensions: event.extensions,
        })
    }
}

/// Types that receive a `daprSecret` input: a map such as `HashMap<String, String>`, or
/// any `T: DeserializeOwned` struct with the secret names as fields.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot receive a daprSecret input",
    label = "this type does not implement `serde::Deserialize`",
    note = "secrets arrive as a JSON object of name to value: use `HashMap<String, String>` or a struct deriving `Deserialize`"
)]
pub trait SecretInputParam: Sized {
    /// Decodes `Data.<binding>`.
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error>;
}

impl<T: DeserializeOwned> SecretInputParam for T {
    fn from_data(data: &InvocationData<'_>, binding: &str) -> Result<Self, Error> {
        let value = host_value(data, binding)?;
        from_json_value(&value)
            .map_err(|e| Error::bad_request(format!("the secret input `{binding}` does not fit `{}`: {e}", std::any::type_name::<T>())))
    }
}

/// Types that collect `daprInvoke` outputs: [`DaprInvoke<T>`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot collect daprInvoke outputs",
    label = "use `DaprInvoke<T>` here",
    note = "a #[dapr_invoke] output parameter has type `DaprInvoke<T>` with `T: serde::Serialize`"
)]
pub trait InvokeOutputParam {
    /// Attaches a collector to output slot `index` of the invocation.
    fn bind(inv: &Invocation, index: usize) -> Self;
}

impl<T: Serialize> InvokeOutputParam for DaprInvoke<T> {
    fn bind(inv: &Invocation, index: usize) -> Self {
        DaprInvoke::bind(inv, index)
    }
}

/// Types that collect `daprPublish` outputs: [`DaprPublish<T>`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot collect daprPublish outputs",
    label = "use `DaprPublish<T>` here",
    note = "a #[dapr_publish] output parameter has type `DaprPublish<T>` with `T: serde::Serialize`"
)]
pub trait PublishOutputParam {
    /// Attaches a collector to output slot `index` of the invocation.
    fn bind(inv: &Invocation, index: usize) -> Self;
}

impl<T: Serialize> PublishOutputParam for DaprPublish<T> {
    fn bind(inv: &Invocation, index: usize) -> Self {
        DaprPublish::bind(inv, index)
    }
}

/// Types that collect `daprBinding` outputs: [`DaprBinding<T>`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot collect daprBinding outputs",
    label = "use `DaprBinding<T>` here",
    note = "a #[dapr_binding] output parameter has type `DaprBinding<T>` with `T: serde::Serialize`"
)]
pub trait BindingOutputParam {
    /// Attaches a collector to output slot `index` of the invocation.
    fn bind(inv: &Invocation, index: usize) -> Self;
}

impl<T: Serialize> BindingOutputParam for DaprBinding<T> {
    fn bind(inv: &Invocation, index: usize) -> Self {
        DaprBinding::bind(inv, index)
    }
}

/// Parameters without a binding attribute: invocation context such as
/// [`AppState<T>`](crate::AppState) and [`InvocationContext`](crate::InvocationContext).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not something dapr-fn can pass to a function",
    label = "this parameter has no binding attribute",
    note = "give the parameter a binding attribute (e.g. #[http_trigger], #[dapr_state(...)]), or use `AppState<T>` or `InvocationContext`",
    note = "a trigger attribute on the function binds the first parameter without an attribute"
)]
pub trait ContextParam: Sized {
    /// Checks at start-up that the value will be available.
    fn check(app: &AppContext) -> Result<(), Error>;
    /// Produces the value for one invocation.
    fn from_invocation(inv: &Invocation, data: &InvocationData<'_>) -> Result<Self, Error>;
}

/// Function results: `Result<T, E>` where `E` converts into [`Error`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a result dapr-fn understands",
    note = "return `Result<T, E>` where `E` converts into `dapr_fn_runtime::Error` (any `std::error::Error` does)"
)]
pub trait FunctionResult {
    /// The success value.
    type Ok;
    /// Splits into success or [`Error`].
    fn into_result(self) -> Result<Self::Ok, Error>;
}

impl<T, E: Into<Error>> FunctionResult for Result<T, E> {
    type Ok = T;
    fn into_result(self) -> Result<T, Error> {
        self.map_err(Into::into)
    }
}

/// What an HTTP-triggered function returns: [`HttpResponse`].
#[diagnostic::on_unimplemented(
    message = "an HTTP-triggered function must return `HttpResponse`, not `{Self}`",
    label = "return `HttpResponse` or `Result<HttpResponse, E>`",
    note = "the response becomes the function's `res` output"
)]
pub trait HttpReturn {
    /// The response.
    fn into_http_response(self) -> HttpResponse;
}

impl HttpReturn for HttpResponse {
    fn into_http_response(self) -> HttpResponse {
        self
    }
}

/// What a topic-triggered function without a `$return` output returns: `()` (the
/// extension never sends a reply for topic events).
#[diagnostic::on_unimplemented(
    message = "this function's return value `{Self}` would go nowhere",
    label = "return `()` or `Result<(), E>`",
    note = "topic events have no reply; to send the return value somewhere, put an output attribute such as #[dapr_publish(...)] on the function"
)]
pub trait TriggerReturn {}

impl TriggerReturn for () {}

/// Marker types naming output binding kinds, for `$return`; each knows the wrapper key
/// the Dapr extension requires around the value.
pub mod kind {
    /// An output kind.
    pub trait OutputKind {
        /// The key the value goes under.
        const VALUE_KEY: &'static str;
    }
    macro_rules! kinds {
        ($($name:ident => $key:literal),*) => {$(
            #[doc = concat!("`", stringify!($name), "`, whose records wrap the value in `", $key, "`.")]
            #[derive(Debug)]
            pub struct $name;
            impl OutputKind for $name {
                const VALUE_KEY: &'static str = $key;
            }
        )*};
    }
    kinds!(DaprState => "value", DaprInvoke => "body", DaprPublish => "payload", DaprBinding => "data");
}

/// Values an output bound to `$return` accepts.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of this output",
    note = "an output attribute on the function sends the returned value, which must implement `serde::Serialize`"
)]
pub trait ReturnOutput<K> {
    /// The `ReturnValue` JSON, or `None` to save nothing.
    fn into_return_value(self) -> Result<Option<Vec<u8>>, Error>;
}

impl<K: kind::OutputKind, T: Serialize> ReturnOutput<K> for T {
    /// `{"<key>": <T>}` (`value`, `body`, `payload` or `data`); a value that serializes to
    /// `null` (e.g. `None`) sends nothing.
    fn into_return_value(self) -> Result<Option<Vec<u8>>, Error> {
        let value = serde_json::to_vec(&self).map_err(|e| Error::msg(format!("the returned value does not serialize to JSON: {e}")))?;
        if value == b"null" {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(value.len() + 12);
        out.push(b'{');
        crate::http::write_json_str(&mut out, K::VALUE_KEY);
        out.push(b':');
        out.extend_from_slice(&value);
        out.push(b'}');
        Ok(Some(out))
    }
}

fn http_error_or_failure(inv: Invocation, error: Error) -> Outcome {
    match error.status() {
        Some(status) => {
            tracing::warn!("{} answered {status}: {error}", inv.function().name);
            inv.complete(Some(HttpResponse::new(status).text(error.to_string())), None)
        }
        None => inv.fail(error),
    }
}

/// Ends an HTTP-triggered invocation: the response becomes `res`; an error with a status
/// answers with that status and saves nothing; any other error fails the invocation.
pub fn finish_http<T: HttpReturn>(inv: Invocation, result: Result<T, Error>) -> Outcome {
    match result {
        Ok(value) => inv.complete(Some(value.into_http_response()), None),
        Err(error) => http_error_or_failure(inv, error),
    }
}

/// Ends an HTTP-triggered invocation whose return value feeds an output (`$return`); the
/// caller gets `200` with an empty body.
pub fn finish_http_and_return<K, T: ReturnOutput<K>>(inv: Invocation, result: Result<T, Error>) -> Outcome {
    match result.and_then(ReturnOutput::into_return_value) {
        Ok(value) => inv.complete(Some(HttpResponse::ok()), value),
        Err(error) => http_error_or_failure(inv, error),
    }
}

/// Ends an invocation of a non-HTTP trigger with no `$return` output.
pub fn finish_trigger<T: TriggerReturn>(inv: Invocation, result: Result<T, Error>) -> Outcome {
    match result {
        Ok(_) => inv.complete(None, None),
        Err(error) => inv.fail(error),
    }
}

/// The reply of a service-invocation or binding trigger: any `T: Serialize`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the reply to the caller",
    label = "return a `serde::Serialize` value or `()`",
    note = "the return value of a service-invocation or binding trigger becomes the JSON reply body"
)]
pub trait ReplyReturn {
    /// The reply JSON.
    fn into_reply(self) -> Result<Vec<u8>, Error>;
}

impl<T: Serialize> ReplyReturn for T {
    fn into_reply(self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(&self).map_err(|e| Error::msg(format!("the reply does not serialize to JSON: {e}")))
    }
}

/// Ends an invocation of a service-invocation or binding trigger: the return value
/// becomes `ReturnValue`, which the extension sends to the caller as the reply body.
/// The host copies the members of an object `ReturnValue` into the outputs by name, so
/// a reply with a member named like one of the function's outputs is refused.
pub fn finish_reply<T: ReplyReturn>(inv: Invocation, result: Result<T, Error>) -> Outcome {
    let reply = match result.and_then(ReplyReturn::into_reply) {
        Ok(reply) => reply,
        Err(error) => return inv.fail(error),
    };
    if reply == b"null" {
        return inv.complete(None, None);
    }
    if reply.first() == Some(&b'{') {
        if let Ok(serde_json::Value::Object(members)) = serde_json::from_slice::<serde_json::Value>(&reply) {
            if let Some(clash) = inv.function().outputs.iter().find(|o| members.contains_key(o.name)) {
                let message = format!(
                    "the reply has a member `{0}`, which the host would copy into the output binding `{0}`; rename the member or the binding",
                    clash.name
                );
                return inv.fail(Error::msg(message));
            }
        }
    }
    inv.complete(None, Some(reply))
}

/// Ends an invocation of a non-HTTP trigger whose return value feeds an output (`$return`).
pub fn finish_return<K, T: ReturnOutput<K>>(inv: Invocation, result: Result<T, Error>) -> Outcome {
    match result.and_then(ReturnOutput::into_return_value) {
        Ok(value) => inv.complete(None, value),
        Err(error) => inv.fail(error),
    }
}
