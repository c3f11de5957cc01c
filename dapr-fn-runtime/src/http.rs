//! The HTTP trigger's request and the `res` output's response.

use std::borrow::Cow;

use base64::Engine as _;
use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::Error;

/// The request of an HTTP-triggered function, decoded from the host's `Data.<name>`
/// object (custom-handler-protocol §2.4).
///
/// The body is the raw bytes the caller sent: the host forwards it as text, or as base64
/// for `application/octet-stream` and `multipart/*`, and drops it for chunked uploads
/// without `Content-Length`.
///
/// In unit tests, build one with [`HttpRequest::builder`]:
///
/// ```
/// use dapr_fn_runtime::HttpRequest;
///
/// let req = HttpRequest::builder()
///     .method("POST")
///     .url("http://localhost:7071/api/state/order-1?verbose=1")
///     .param("key", "order-1")
///     .header("Content-Type", "application/json")
///     .body(r#"{"amount":3}"#)
///     .build();
/// assert_eq!(req.param("key"), Some("order-1"));
/// assert_eq!(req.query("verbose"), Some("1"));
/// assert_eq!(req.header("content-type"), Some("application/json"));
/// let body: serde_json::Value = req.json().unwrap();
/// assert_eq!(body["amount"], 3);
/// ```
#[derive(Clone, Debug)]
pub struct HttpRequest {
    method: Method,
    url: String,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    params: Vec<(String, Option<String>)>,
    body: Bytes,
    identities: Option<Box<RawValue>>,
}

impl HttpRequest {
    /// A builder, for tests and for calling functions directly.
    pub fn builder() -> HttpRequestBuilder {
        HttpRequestBuilder::default()
    }

    /// The request method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full URL the caller used, e.g. `http://localhost:7071/api/state/k?x=1`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The path of [`HttpRequest::url`], route prefix included (e.g. `/api/state/k`).
    pub fn path(&self) -> &str {
        let after_scheme = self.url.split_once("://").map_or(self.url.as_str(), |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        path.split(['?', '#']).next().unwrap_or("/")
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header's value (names are case-insensitive); `None` if absent or not text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// A query parameter. The host joins repeated parameters with `,`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// All query parameters.
    pub fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// A route parameter (`{key}` in the trigger's route); `None` if absent or an
    /// optional parameter that did not match.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_deref())
    }

    /// All route parameters.
    pub fn params(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.params.iter().map(|(k, v)| (k.as_str(), v.as_deref()))
    }

    /// The body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as UTF-8 text; a `400 Bad Request` error if it is not.
    pub fn body_text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body).map_err(|e| Error::bad_request(format!("request body is not UTF-8 text: {e}")))
    }

    /// The body parsed as JSON; a `400 Bad Request` error if it does not parse as `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::bad_request(format!("request body is not valid JSON for this function: {e}")))
    }

    /// The caller's identities as the host serialized them (`ClaimsIdentity` objects), if
    /// any; parsed on each call.
    pub fn identities(&self) -> Option<serde_json::Value> {
        self.identities.as_ref().and_then(|raw| serde_json::from_str(raw.get()).ok())
    }

    /// Sets the route parameters (local mode fills them after routing).
    #[cfg(feature = "local")]
    pub(crate) fn set_params(&mut self, params: Vec<(String, Option<String>)>) {
        self.params = params;
    }

    /// Decodes the host's request object.
    pub(crate) fn from_host_json(raw: &RawValue) -> Result<HttpRequest, Error> {
        let host: HostRequest<'_> = serde_json::from_str(raw.get()).map_err(|e| Error::msg(format!("not an HTTP request object: {e}")))?;
        Self::from_host(host)
    }

    /// Builds the request from the host's object, already parsed (see [`HostRequest`]).
    pub(crate) fn from_host(host: HostRequest<'_>) -> Result<HttpRequest, Error> {
        let method = match host.method.as_deref() {
            Some(m) => Method::from_bytes(m.as_bytes()).map_err(|_| Error::msg(format!("invalid method `{m}`")))?,
            None => Method::GET,
        };
        let mut headers = HeaderMap::new();
        for (name, values) in host.headers.map(|h| h.0).unwrap_or_default() {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Error::msg(format!("invalid header name `{name}`")))?;
            for value in values.into_vec() {
                let value = HeaderValue::from_str(&value).map_err(|_| Error::msg(format!("invalid value for header `{name}`")))?;
                headers.append(name.clone(), value);
            }
        }
        let body = match host.body {
            None => Bytes::new(),
            Some(HostBody::Text(text)) if is_base64_content(&headers) => base64::engine::general_purpose::STANDARD
                .decode(text.as_bytes())
                .map(Bytes::from)
                .map_err(|e| Error::msg(format!("`Body` of a binary request is not valid base64: {e}")))?,
            Some(HostBody::Text(text)) => Bytes::from(text.into_owned()),
            Some(HostBody::Json(serde_json::Value::Null)) => Bytes::new(),
            Some(HostBody::Json(json)) => Bytes::from(json.to_string()),
        };
        Ok(HttpRequest {
            method,
            url: host.url.map(Cow::into_owned).unwrap_or_default(),
            headers,
            query: host.query.map(|q| q.0).unwrap_or_default().into_iter().map(|(k, v)| (k.into_owned(), v.into_joined())).collect(),
            params: host
                .params
                .map(|p| p.0)
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v.map(HostStrings::into_joined)))
                .collect(),
            body,
            identities: host.identities.filter(|raw| !matches!(raw.get(), "null" | "[]")).map(RawValue::to_owned),
        })
    }
}

/// The host sends the body raw except for these content types, which it base64-encodes.
fn is_base64_content(headers: &HeaderMap) -> bool {
    headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        let ct = ct.trim().to_ascii_lowercase();
        ct.starts_with("application/octet-stream") || ct.starts_with("multipart/")
    })
}

/// The host's HTTP request object (`Data.<trigger>`), borrowed from the payload. It is
/// parsed in the same pass as the envelope when the function's trigger is HTTP.
#[derive(Deserialize)]
pub(crate) struct HostRequest<'a> {
    #[serde(rename = "Url", alias = "url", borrow)]
    url: Option<Cow<'a, str>>,
    #[serde(rename = "Method", alias = "method", borrow)]
    method: Option<Cow<'a, str>>,
    #[serde(rename = "Query", alias = "query", borrow)]
    query: Option<Pairs<'a, HostStrings>>,
    #[serde(rename = "Headers", alias = "headers", borrow)]
    headers: Option<Pairs<'a, HostStrings>>,
    #[serde(rename = "Params", alias = "params", borrow)]
    params: Option<Pairs<'a, Option<HostStrings>>>,
    #[serde(rename = "Identities", alias = "identities", borrow)]
    identities: Option<&'a RawValue>,
    #[serde(rename = "Body", alias = "body", borrow)]
    body: Option<HostBody<'a>>,
}

/// A JSON object's members in order, keys borrowed when they have no escapes (a map type
/// would allocate and sort for the handful of entries a request has).
struct Pairs<'a, V>(Vec<(Cow<'a, str>, V)>);

impl<'de: 'a, 'a, V: Deserialize<'de>> Deserialize<'de> for Pairs<'a, V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a, V>(std::marker::PhantomData<(&'a (), V)>);
        impl<'de: 'a, 'a, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<'a, V> {
            type Value = Pairs<'a, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'a, V>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(key) = map.next_key::<CowStr<'a>>()? {
                    pairs.push((key.0, map.next_value()?));
                }
                Ok(Pairs(pairs))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A string borrowed from the input when possible.
pub(crate) struct CowStr<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<CowStr<'a>, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CowStr<'a>, E> {
                Ok(CowStr(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(Visit(std::marker::PhantomData))
    }
}

/// A header, query or route value: an array of strings (`Data.req.Headers`) or one string.
/// (Hand-written rather than `#[serde(untagged)]`, which buffers the value and builds an
/// error for each variant it rules out: measurably slow on the invocation path.)
enum HostStrings {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for HostStrings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = HostStrings;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HostStrings, E> {
                Ok(HostStrings::One(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<HostStrings, E> {
                Ok(HostStrings::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<HostStrings, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(1));
                while let Some(item) = seq.next_element::<Option<String>>()? {
                    items.extend(item);
                }
                Ok(HostStrings::Many(items))
            }
        }
        d.deserialize_any(Visit)
    }
}

impl HostStrings {
    fn into_vec(self) -> Vec<String> {
        match self {
            HostStrings::One(s) => vec![s],
            HostStrings::Many(v) => v,
        }
    }

    fn into_joined(self) -> String {
        match self {
            HostStrings::One(s) => s,
            HostStrings::Many(v) => v.join(","),
        }
    }
}

/// `Body`: a string (the usual case), or JSON the host sent as is. Read in one pass:
/// borrowed when the string has no escapes.
enum HostBody<'a> {
    Text(Cow<'a, str>),
    Json(serde_json::Value),
}

impl<'de: 'a, 'a> Deserialize<'de> for HostBody<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = HostBody<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a request body")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Text(Cow::Owned(v)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<HostBody<'a>, A::Error> {
                serde_json::Value::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(HostBody::Json)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<HostBody<'a>, A::Error> {
                serde_json::Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq)).map(HostBody::Json)
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Json(v.into()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Json(v.into()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Json(v.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Json(v.into()))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<HostBody<'a>, E> {
                Ok(HostBody::Json(serde_json::Value::Null))
            }
        }
        d.deserialize_any(Visit(std::marker::PhantomData))
    }
}

/// Builds an [`HttpRequest`] for tests and direct calls.
#[derive(Debug, Default)]
pub struct HttpRequestBuilder {
    method: Option<String>,
    url: Option<String>,
    headers: Vec<(String, String)>,
    params: Vec<(String, Option<String>)>,
    body: Bytes,
    error: Option<String>,
}

impl HttpRequestBuilder {
    /// The method (default `GET`).
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_string());
        self
    }

    /// The full URL, query string included and percent-encoded as on the wire
    /// (default `http://localhost:7071/`); query values are decoded, as the host does.
    pub fn url(mut self, url: &str) -> Self {
        self.url = Some(url.to_string());
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sets a route parameter.
    pub fn param(mut self, name: &str, value: &str) -> Self {
        self.params.push((name.to_string(), Some(value.to_string())));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json(mut self, body: &impl serde::Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = bytes.into(),
            Err(e) => self.error = Some(e.to_string()),
        }
        self.header("Content-Type", "application/json")
    }

    /// The request.
    ///
    /// # Panics
    /// On an invalid method, header or JSON body: this builder is for tests.
    pub fn build(self) -> HttpRequest {
        if let Some(error) = self.error {
            panic!("HttpRequest::builder(): the JSON body does not serialize: {error}");
        }
        let url = self.url.unwrap_or_else(|| "http://localhost:7071/".to_string());
        let query = url
            .split_once('?')
            .map(|(_, q)| {
                q.split('&')
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                        (percent_decode(&k.replace('+', " ")), percent_decode(&v.replace('+', " ")))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).expect("HttpRequest::builder(): invalid header name");
            headers.append(name, HeaderValue::from_str(v).expect("HttpRequest::builder(): invalid header value"));
        }
        HttpRequest {
            method: Method::from_bytes(self.method.as_deref().unwrap_or("GET").as_bytes()).expect("HttpRequest::builder(): invalid method"),
            url,
            headers,
            query,
            params: self.params,
            body: self.body,
            identities: None,
        }
    }
}

/// The HTTP response of an HTTP-triggered function, returned to the host as the `res`
/// output (custom-handler-protocol §3.5): a numeric `statusCode`, text `body` and an
/// explicit `Content-Type`.
///
/// ```
/// use dapr_fn_runtime::HttpResponse;
/// use http::StatusCode;
///
/// let res = HttpResponse::ok().text("saved");
/// assert_eq!(res.status(), StatusCode::OK);
/// assert_eq!(res.body_text(), Some("saved"));
/// let res = HttpResponse::new(StatusCode::CREATED).json(&serde_json::json!({"id": 7}));
/// assert_eq!(res.header_value("content-type"), Some("application/json"));
/// ```
#[derive(Clone, Debug)]
pub struct HttpResponse {
    status: StatusCode,
    // Kept apart from `headers` so the common response allocates no header map.
    content_type: Option<HeaderValue>,
    headers: HeaderMap,
    body: Bytes,
    error: Option<String>,
}

impl HttpResponse {
    /// A response with `status` and an empty body.
    pub fn new(status: StatusCode) -> Self {
        HttpResponse { status, content_type: None, headers: HeaderMap::new(), body: Bytes::new(), error: None }
    }

    /// `200 OK`.
    pub fn ok() -> Self {
        Self::new(StatusCode::OK)
    }

    /// `201 Created`.
    pub fn created() -> Self {
        Self::new(StatusCode::CREATED)
    }

    /// `204 No Content`.
    pub fn no_content() -> Self {
        Self::new(StatusCode::NO_CONTENT)
    }

    /// `400 Bad Request`.
    pub fn bad_request() -> Self {
        Self::new(StatusCode::BAD_REQUEST)
    }

    /// `404 Not Found`.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND)
    }

    /// Sets a header, replacing earlier values. An invalid name or value fails the
    /// invocation with a clear error when the response is returned.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            (Ok(name), Ok(value)) if name == CONTENT_TYPE => self.content_type = Some(value),
            (Ok(name), Ok(value)) => {
                self.headers.insert(name, value);
            }
            _ => self.error = Some(format!("invalid response header `{name}: {value}`")),
        }
        self
    }

    /// Sets a text body with `Content-Type: text/plain; charset=utf-8` (unless set).
    #[must_use]
    pub fn text(mut self, body: impl Into<String>) -> Self {
        self.body = Bytes::from(body.into());
        self.default_content_type("text/plain; charset=utf-8")
    }

    /// Sets a JSON body with `Content-Type: application/json` (unless set).
    #[must_use]
    pub fn json(mut self, body: &impl serde::Serialize) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Bytes::from(bytes),
            Err(e) => self.error = Some(format!("response body does not serialize to JSON: {e}")),
        }
        self.default_content_type("application/json")
    }

    /// Sets the body bytes. The host can only return text through `res`, so the bytes
    /// must be UTF-8 or the invocation fails.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    fn default_content_type(mut self, value: &'static str) -> Self {
        self.content_type.get_or_insert(HeaderValue::from_static(value));
        self
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers other than `Content-Type` (see [`HttpResponse::content_type`]).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type`, if set (the host gets `text/plain; charset=utf-8` otherwise).
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_ref().and_then(|v| v.to_str().ok())
    }

    /// A header's value, `Content-Type` included.
    pub fn header_value(&self, name: &str) -> Option<&str> {
        if name.eq_ignore_ascii_case("content-type") {
            return self.content_type();
        }
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body bytes.
    pub fn body_bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as text, if it is UTF-8.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// Writes the `res` object the host expects: `{"statusCode":200,"headers":{...},"body":"..."}`.
    pub(crate) fn write_host_json(&self, out: &mut Vec<u8>) -> Result<(), Error> {
        if let Some(e) = &self.error {
            return Err(Error::msg(e.clone()));
        }
        let body = std::str::from_utf8(&self.body).map_err(|_| {
            Error::msg("the HTTP response body is not UTF-8 text; the Functions host can only return text bodies from a custom handler's `res` output")
        })?;
        out.extend_from_slice(b"{\"statusCode\":");
        out.extend_from_slice(self.status.as_str().as_bytes());
        out.extend_from_slice(b",\"headers\":{");
        let mut first = true;
        let mut write_header = |out: &mut Vec<u8>, name: &str, value: &str| {
            if !first {
                out.push(b',');
            }
            first = false;
            write_json_str(out, name);
            out.push(b':');
            write_json_str(out, value);
        };
        let content_type = self.content_type.as_ref().map_or(Ok("text/plain; charset=utf-8"), |v| v.to_str());
        write_header(out, "Content-Type", content_type.map_err(|_| Error::msg("the response Content-Type is not text"))?);
        for name in self.headers.keys() {
            let values: Result<Vec<&str>, _> = self.headers.get_all(name).iter().map(|v| v.to_str()).collect();
            let values = values.map_err(|_| Error::msg(format!("response header `{name}` is not text")))?;
            write_header(out, canonical_header_name(name.as_str()).as_ref(), &values.join(", "));
        }
        out.extend_from_slice(b"},\"body\":");
        write_json_str(out, body);
        out.push(b'}');
        Ok(())
    }
}

/// `content-type` → `Content-Type`, for readable function.json-era tooling output.
fn canonical_header_name(name: &str) -> Cow<'_, str> {
    if name == "content-type" {
        return Cow::Borrowed("Content-Type");
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        out.push(if upper { c.to_ascii_uppercase() } else { c });
        upper = c == '-';
    }
    Cow::Owned(out)
}

/// Decodes `%XX` escapes (of a path segment or a query component); malformed escapes
/// stay as they are.
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    #[test]
    fn decodes_the_hosts_request_object() {
        let req =
            HttpRequest::from_host_json(&raw(r#"{"Url":"http://localhost:7071/api/state/k1?x=1&x=2","Method":"POST","Query":{"x":"1,2"},
                "Headers":{"Content-Type":["application/json"],"X-Multi":["a","b"]},"Params":{"key":"k1","opt":null},
                "Identities":[],"Body":"{\"a\":1}"}"#))
            .unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.path(), "/api/state/k1");
        assert_eq!(req.query("x"), Some("1,2"));
        assert_eq!(req.param("KEY"), Some("k1"));
        assert_eq!(req.param("opt"), None);
        assert_eq!(req.headers().get_all("x-multi").iter().count(), 2);
        assert_eq!(req.body_text().unwrap(), r#"{"a":1}"#);
        assert_eq!(req.identities(), None, "an empty list is no identities");
    }

    #[test]
    fn the_builder_decodes_query_values_as_the_host_does() {
        let req = HttpRequest::builder().url("http://localhost/api/x?name=Ana%20B&q=a+b&bad=%zz").build();
        assert_eq!(req.query("name"), Some("Ana B"));
        assert_eq!(req.query("q"), Some("a b"));
        assert_eq!(req.query("bad"), Some("%zz"));
    }

    #[test]
    fn decodes_binary_bodies_and_missing_bodies() {
        let req = HttpRequest::from_host_json(&raw(
            r#"{"Method":"PUT","Headers":{"Content-Type":["application/octet-stream"]},"Body":"AAEC/w=="}"#,
        ))
        .unwrap();
        assert_eq!(&req.body()[..], &[0, 1, 2, 255]);
        assert_eq!(req.body_text().unwrap_err().status(), Some(StatusCode::BAD_REQUEST));
        let req = HttpRequest::from_host_json(&raw(r#"{"Method":"POST","Headers":{}}"#)).unwrap();
        assert!(req.body().is_empty());
        let bad = HttpRequest::from_host_json(&raw(r#"{"Headers":{"Content-Type":["multipart/form-data"]},"Body":"***"}"#));
        assert!(bad.unwrap_err().to_string().contains("base64"));
        let err = HttpRequest::from_host_json(&raw(r#"{"Method":"POST","Body":"{"}"#)).unwrap().json::<serde_json::Value>().unwrap_err();
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn writes_the_res_object_the_host_expects() {
        let mut out = Vec::new();
        HttpResponse::created().header("x-order", "7").text("saved \"7\"").write_host_json(&mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"statusCode": 201, "headers": {"Content-Type": "text/plain; charset=utf-8", "X-Order": "7"}, "body": "saved \"7\""})
        );
        let mut out = Vec::new();
        HttpResponse::ok().write_host_json(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"statusCode":200,"headers":{"Content-Type":"text/plain; charset=utf-8"},"body":""}"#
        );
        assert!(HttpResponse::ok().body(vec![0xff]).write_host_json(&mut Vec::new()).is_err());
        assert!(HttpResponse::ok().header("bad header", "x").write_host_json(&mut Vec::new()).is_err());
    }
}
