//! One invocation: the host's payload in, the host's response out
//! (custom-handler-protocol §2 and §3).

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::StatusCode;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::app::AppContext;
use crate::http::{write_json_str, CowStr, HostRequest, HostRequestSeed, HttpResponse};
use crate::registry::FunctionDef;
use crate::Error;

/// An invocation on its way to a function: the raw payload and what the function's
/// parameters need. Created by the server or the test invoker; consumed by the
/// generated code.
pub struct Invocation {
    pub(crate) def: &'static FunctionDef,
    pub(crate) body: Bytes,
    pub(crate) sink: Arc<OutputSink>,
    pub(crate) app: Arc<AppContext>,
    pub(crate) invocation_id: Option<Arc<str>>,
}

impl Invocation {
    pub(crate) fn new(def: &'static FunctionDef, body: Bytes, app: Arc<AppContext>, invocation_id: Option<Arc<str>>) -> Self {
        Invocation { def, body, sink: Arc::default(), app, invocation_id }
    }

    /// Parses the payload's `Data` and `Metadata` in one pass; an HTTP trigger's request
    /// object is decoded on the way rather than kept as raw JSON to parse again.
    pub fn data(&self) -> Result<InvocationData<'_>, Error> {
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let envelope = EnvelopeSeed { http_trigger: self.def.http_trigger, payload: &self.body }
            .deserialize(&mut de)
            .and_then(|e| de.end().map(|()| e))
            .map_err(|e| match e.classify() {
                serde_json::error::Category::Data => {
                    Error::bad_request(format!("the invocation payload does not have the host's shape: {e}"))
                }
                _ => Error::bad_request(format!("the invocation payload is not valid JSON: {e}")),
            })?;
        let data = envelope.data.ok_or_else(|| {
            Error::bad_request("the invocation payload has no `Data` object; expected {\"Data\":{...},\"Metadata\":{...}}")
        })?;
        Ok(InvocationData { data: data.entries, http: std::cell::RefCell::new(data.http) })
    }

    /// The payload's raw `Metadata`, found by a pass of its own: [`Invocation::data`]
    /// skips it, as only functions taking an `InvocationContext` read it.
    pub(crate) fn metadata(&self) -> Result<Option<&RawValue>, Error> {
        struct MetadataOnly;
        impl<'de> Visitor<'de> for MetadataOnly {
            type Value = Option<&'de RawValue>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an invocation payload")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut metadata = None;
                while let Some(key) = map.next_key::<CowStr<'de>>()? {
                    match key.0.as_ref() {
                        "Metadata" | "metadata" => metadata = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(metadata)
            }
        }
        serde::Deserializer::deserialize_map(&mut serde_json::Deserializer::from_slice(&self.body), MetadataOnly)
            .map_err(|e| Error::bad_request(format!("the invocation payload's `Metadata` cannot be read: {e}")))
    }

    /// Ends an invocation whose payload could not be turned into the function's parameters.
    pub fn reject(self, error: Error) -> Outcome {
        Outcome { def: self.def, sink: None, kind: OutcomeKind::Rejected(error) }
    }

    pub(crate) fn complete(self, res: Option<HttpResponse>, return_value: Option<Vec<u8>>) -> Outcome {
        Outcome { def: self.def, sink: Some(self.sink), kind: OutcomeKind::Completed { res, return_value } }
    }

    pub(crate) fn fail(self, error: Error) -> Outcome {
        Outcome { def: self.def, sink: None, kind: OutcomeKind::Failed(error) }
    }

    /// The function being invoked.
    pub(crate) fn function(&self) -> &'static FunctionDef {
        self.def
    }
}

/// The envelope `{"Data": {...}, "Metadata": {...}}` (keys also accepted in lower case);
/// `Metadata` is skipped, see [`Invocation::metadata`].
struct Envelope<'a> {
    data: Option<DataEntries<'a>>,
}

/// `Data`: each binding's value left as raw JSON, except an HTTP trigger's request.
struct DataEntries<'a> {
    entries: Vec<(Cow<'a, str>, &'a RawValue)>,
    http: Option<(Cow<'a, str>, HostRequest)>,
}

struct EnvelopeSeed<'p> {
    http_trigger: Option<&'static str>,
    /// The payload being decoded: the HTTP request's strings are shared slices of it.
    payload: &'p Bytes,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Envelope<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an invocation payload {\"Data\": {...}, \"Metadata\": {...}}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope<'de>, A::Error> {
        let mut envelope = Envelope { data: None };
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            match key.0.as_ref() {
                "Data" | "data" => {
                    envelope.data = map.next_value_seed(DataSeed { http_trigger: self.http_trigger, payload: self.payload })?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

struct DataSeed<'p> {
    http_trigger: Option<&'static str>,
    payload: &'p Bytes,
}

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = Option<DataEntries<'de>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = Option<DataEntries<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a `Data` object")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data = DataEntries { entries: Vec::with_capacity(2), http: None };
        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            if data.http.is_none() && self.http_trigger == Some(key.0.as_ref()) {
                let request = map.next_value_seed(HostRequestSeed { payload: self.payload })?;
                data.http = Some((key.0, request));
            } else {
                let value: &'de RawValue = map.next_value()?;
                data.entries.push((key.0, value));
            }
        }
        Ok(Some(data))
    }
}

/// The payload's `Data`: one entry per input binding, still encoded, and an HTTP
/// trigger's request, decoded.
pub struct InvocationData<'a> {
    data: Vec<(Cow<'a, str>, &'a RawValue)>,
    http: std::cell::RefCell<Option<(Cow<'a, str>, HostRequest)>>,
}

impl<'a> InvocationData<'a> {
    /// The HTTP trigger's request object, if it was decoded with the envelope.
    pub(crate) fn take_http_request(&self, binding: &str) -> Option<HostRequest> {
        let mut slot = self.http.borrow_mut();
        if slot.as_ref().is_some_and(|(name, _)| name == binding) {
            slot.take().map(|(_, request)| request)
        } else {
            None
        }
    }

    /// The value sent for an input binding, found by exact name, else ignoring case.
    pub(crate) fn get(&self, binding: &str) -> Option<&'a RawValue> {
        let exact = self.data.iter().find(|(k, _)| k == binding);
        exact.or_else(|| self.data.iter().find(|(k, _)| k.eq_ignore_ascii_case(binding))).map(|(_, v)| *v)
    }

    /// Like [`InvocationData::get`], but missing is an error.
    pub(crate) fn require(&self, binding: &str) -> Result<&'a RawValue, Error> {
        self.get(binding).ok_or_else(|| {
            let sent: Vec<&str> = self.data.iter().map(|(k, _)| k.as_ref()).collect();
            Error::bad_request(format!(
                "the invocation payload has no `Data.{binding}` (it has: {})",
                if sent.is_empty() { "nothing".to_string() } else { sent.join(", ") }
            ))
        })
    }
}

/// Where output collectors put their records during an invocation.
#[derive(Debug, Default)]
pub(crate) struct OutputSink {
    inner: Mutex<SinkInner>,
}

#[derive(Debug, Default)]
struct SinkInner {
    /// Each record with the index of its output binding, in the order added (one list
    /// rather than one per binding: most invocations add a record or two).
    records: Vec<(usize, Vec<u8>)>,
    errors: Vec<String>,
}

impl SinkInner {
    fn of_slot(&self, slot: usize) -> impl Iterator<Item = &[u8]> {
        self.records.iter().filter(move |(s, _)| *s == slot).map(|(_, record)| record.as_slice())
    }
}

impl OutputSink {
    fn lock(&self) -> std::sync::MutexGuard<'_, SinkInner> {
        // A collector never panics while holding the lock; recover anyway.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds one serialized record (a JSON object) to a slot.
    pub(crate) fn push(&self, slot: usize, record: Vec<u8>) {
        self.lock().records.push((slot, record));
    }

    /// Records a problem that must fail the invocation.
    pub(crate) fn error(&self, message: String) {
        self.lock().errors.push(message);
    }

    /// The records of one slot, as JSON text.
    pub(crate) fn records(&self, slot: usize) -> Vec<Vec<u8>> {
        self.lock().of_slot(slot).map(<[u8]>::to_vec).collect()
    }

    fn take(&self) -> SinkInner {
        std::mem::take(&mut *self.lock())
    }
}

/// How an invocation ended.
pub struct Outcome {
    def: &'static FunctionDef,
    sink: Option<Arc<OutputSink>>,
    kind: OutcomeKind,
}

// Boxing the response would cost an allocation per invocation; an Outcome is moved once.
#[allow(clippy::large_enum_variant)]
pub(crate) enum OutcomeKind {
    Completed { res: Option<HttpResponse>, return_value: Option<Vec<u8>> },
    Rejected(Error),
    Failed(Error),
}

/// The handler's answer to the host.
pub(crate) struct HostResponse {
    pub(crate) status: StatusCode,
    pub(crate) body: Vec<u8>,
    /// Why the invocation failed, for the log.
    pub(crate) failure: Option<String>,
}

impl Outcome {
    pub(crate) fn panicked(def: &'static FunctionDef, message: String) -> Outcome {
        Outcome { def, sink: None, kind: OutcomeKind::Failed(Error::msg(format!("the function panicked: {message}"))) }
    }

    /// Renders the host response: `200` with `Outputs`/`Logs`/`ReturnValue`, or a JSON
    /// error with a non-2xx status so that the host persists none of the outputs.
    pub(crate) fn into_host_response(self, logs: &[String]) -> HostResponse {
        let (res, return_value, sink) = match self.kind {
            OutcomeKind::Completed { res, return_value } => (res, return_value, self.sink.map(|s| s.take()).unwrap_or_default()),
            OutcomeKind::Rejected(error) => return error_response(StatusCode::BAD_REQUEST, self.def, &error.to_string(), logs),
            OutcomeKind::Failed(error) => return error_response(StatusCode::INTERNAL_SERVER_ERROR, self.def, &error.to_string(), logs),
        };
        if !sink.errors.is_empty() {
            return error_response(StatusCode::INTERNAL_SERVER_ERROR, self.def, &sink.errors.join("; "), logs);
        }
        let record_bytes: usize = sink.records.iter().map(|(_, r)| r.len() + 1).sum();
        let log_bytes: usize = logs.iter().map(|l| l.len() + 4).sum();
        let res_bytes = res.as_ref().map_or(0, |r| r.body_bytes().len() + 96);
        let mut body = Vec::with_capacity(record_bytes + log_bytes + res_bytes + return_value.as_ref().map_or(0, Vec::len) + 128);
        body.extend_from_slice(b"{\"Outputs\":{");
        let mut first = true;
        for (slot, def) in self.def.outputs.iter().enumerate() {
            let count = sink.of_slot(slot).count();
            if count == 0 {
                continue;
            }
            if !first {
                body.push(b',');
            }
            first = false;
            write_json_str(&mut body, def.name);
            body.push(b':');
            if count > 1 {
                body.push(b'[');
            }
            for (i, record) in sink.of_slot(slot).enumerate() {
                if i > 0 {
                    body.push(b',');
                }
                body.extend_from_slice(record);
            }
            if count > 1 {
                body.push(b']');
            }
        }
        let mut return_value = return_value;
        if let Some(res) = res {
            let written = if self.def.http_response == dapr_fn_manifest::names::RETURN_BINDING {
                // The host reads an http `$return` from ReturnValue (it has a `body`, so it
                // is taken as a response object).
                let mut rendered = Vec::with_capacity(res.body_bytes().len() + 96);
                let written = res.write_host_json(&mut rendered);
                return_value = Some(rendered);
                written
            } else {
                if !first {
                    body.push(b',');
                }
                write_json_str(&mut body, self.def.http_response);
                body.push(b':');
                res.write_host_json(&mut body)
            };
            if let Err(e) = written {
                return error_response(StatusCode::INTERNAL_SERVER_ERROR, self.def, &e.to_string(), logs);
            }
        }
        body.extend_from_slice(b"},\"Logs\":");
        write_logs(&mut body, logs);
        body.extend_from_slice(b",\"ReturnValue\":");
        body.extend_from_slice(return_value.as_deref().unwrap_or(b"null"));
        body.push(b'}');
        HostResponse { status: StatusCode::OK, body, failure: None }
    }
}

fn write_logs(body: &mut Vec<u8>, logs: &[String]) {
    body.push(b'[');
    for (i, line) in logs.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        write_json_str(body, line);
    }
    body.push(b']');
}

fn error_response(status: StatusCode, def: &FunctionDef, message: &str, logs: &[String]) -> HostResponse {
    let mut body = Vec::with_capacity(message.len() + 64);
    body.extend_from_slice(b"{\"error\":");
    write_json_str(&mut body, message);
    body.extend_from_slice(b",\"function\":");
    write_json_str(&mut body, def.name);
    body.extend_from_slice(b",\"Logs\":");
    write_logs(&mut body, logs);
    body.push(b'}');
    HostResponse { status, body, failure: Some(message.to_string()) }
}
