//! The HTTP trigger's request and the `res` output's response.

mod decode;
mod response;

use std::sync::OnceLock;

use base64::Engine as _;
use bytes::Bytes;
use bytestring::ByteString;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::Method;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

pub(crate) use self::decode::{CowStr, HostBody, HostRequest, HostRequestSeed};
pub use self::response::HttpResponse;
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
    url: ByteString,
    headers: Headers,
    query: RawPart<Vec<(ByteString, ByteString)>>,
    params: Vec<(ByteString, Option<ByteString>)>,
    body: Bytes,
    identities: Option<Bytes>,
}

/// A part of the host's request kept as raw JSON (a slice of the payload) until first
/// asked for.
#[derive(Clone, Debug, Default)]
struct RawPart<T> {
    raw: Option<Bytes>,
    decoded: OnceLock<T>,
}

impl<T: Default> RawPart<T> {
    fn raw(raw: Option<Bytes>) -> Self {
        RawPart { raw, decoded: OnceLock::new() }
    }

    fn ready(value: T) -> Self {
        RawPart { raw: None, decoded: OnceLock::from(value) }
    }

    /// The decoded value. Only the shape of the part was checked with the payload, so a
    /// member of the wrong type is found here: it is logged and the part left empty.
    fn get(&self, what: &str, decode: fn(&Bytes) -> Result<T, serde_json::Error>) -> &T {
        self.decoded.get_or_init(|| match &self.raw {
            None => T::default(),
            Some(raw) => decode(raw).unwrap_or_else(|e| {
                tracing::warn!("ignored the request's `{what}`, which the host never sends in this shape: {e}");
                T::default()
            }),
        })
    }
}

/// The request headers in the order sent, one entry per value, decoded when first read;
/// the `HeaderMap` view is built only if the function asks for it.
#[derive(Clone, Debug, Default)]
struct Headers {
    entries: RawPart<Vec<(ByteString, ByteString)>>,
    /// Boxed: it is rarely built, and a request is moved several times.
    map: OnceLock<Box<HeaderMap>>,
}

impl Headers {
    fn entries(&self) -> &[(ByteString, ByteString)] {
        self.entries.get("Headers", decode::decode_headers)
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.entries().iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| &**v)
    }

    /// Whether the body came base64-encoded (binary content types); decodes the headers
    /// only if a quick scan of them finds such a type.
    fn body_is_base64(&self) -> bool {
        let may = self.entries.raw.as_deref().is_none_or(decode::may_name_a_binary_type);
        may && is_base64_content(self.first("content-type"))
    }

    fn map(&self) -> &HeaderMap {
        self.map.get_or_init(|| {
            let entries = self.entries();
            let mut map = HeaderMap::with_capacity(entries.len());
            for (name, value) in entries {
                // The host forwards headers Kestrel accepted, so these never fail there.
                match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
                    (Ok(name), Ok(value)) => {
                        map.append(name, value);
                    }
                    _ => tracing::warn!("skipped the request header `{name}`: not a valid HTTP header"),
                }
            }
            Box::new(map)
        })
    }
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
        let after_scheme = self.url.split_once("://").map_or(&*self.url, |(_, rest)| rest);
        let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
        path.split(['?', '#']).next().unwrap_or("/")
    }

    /// The request headers as an `http::HeaderMap`, built on the first call (prefer
    /// [`HttpRequest::header`] to read one or two). An entry that is not a valid HTTP
    /// header, which the host never forwards, is left out with a warning in the
    /// invocation's log.
    pub fn headers(&self) -> &HeaderMap {
        self.headers.map()
    }

    /// A header's value as the host forwarded it (names are case-insensitive); the first
    /// one if it was sent several times, `None` if absent. The headers are decoded from the
    /// payload on the first call of this method or of [`HttpRequest::headers`]: functions
    /// that read none pay nothing for them.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.first(name)
    }

    /// A query parameter. The host joins repeated parameters with `,`.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query_entries().iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| &**v)
    }

    fn query_entries(&self) -> &[(ByteString, ByteString)] {
        self.query.get("Query", decode::decode_query)
    }

    /// All query parameters.
    pub fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query_entries().iter().map(|(k, v)| (&**k, &**v))
    }

    /// A route parameter (`{key}` in the trigger's route); `None` if absent or an
    /// optional parameter that did not match.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| v.as_deref())
    }

    /// All route parameters.
    pub fn params(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.params.iter().map(|(k, v)| (&**k, v.as_deref()))
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
        self.identities.as_ref().and_then(|raw| serde_json::from_slice(raw).ok())
    }

    /// Sets the route parameters (local mode fills them after routing).
    #[cfg(feature = "local")]
    pub(crate) fn set_params(&mut self, params: Vec<(String, Option<String>)>) {
        self.params = params.into_iter().map(|(k, v)| (k.into(), v.map(ByteString::from))).collect();
    }

    /// Decodes the host's request object held on its own.
    pub(crate) fn from_host_json(raw: &RawValue) -> Result<HttpRequest, Error> {
        let host = decode::decode_standalone(raw).map_err(|e| Error::msg(format!("not an HTTP request object: {e}")))?;
        Self::from_host(host)
    }

    /// Builds the request from the host's object, already decoded with the envelope.
    pub(crate) fn from_host(host: HostRequest) -> Result<HttpRequest, Error> {
        let method = match host.method {
            Some(Ok(method)) => method,
            Some(Err(invalid)) => return Err(Error::msg(format!("invalid method `{invalid}`"))),
            None => Method::GET,
        };
        let headers = Headers { entries: RawPart::raw(host.headers), map: OnceLock::new() };
        let body = match host.body {
            None => Bytes::new(),
            Some(HostBody::Text(text)) if headers.body_is_base64() => base64::engine::general_purpose::STANDARD
                .decode(&text)
                .map(Bytes::from)
                .map_err(|e| Error::msg(format!("`Body` of a binary request is not valid base64: {e}")))?,
            Some(HostBody::Text(text)) => text,
            Some(HostBody::Json(serde_json::Value::Null)) => Bytes::new(),
            Some(HostBody::Json(json)) => Bytes::from(json.to_string()),
        };
        Ok(HttpRequest {
            method,
            url: host.url.unwrap_or_default(),
            headers,
            query: RawPart::raw(host.query),
            params: host.params,
            body,
            identities: host.identities,
        })
    }
}

/// The host sends the body raw except for these content types, which it base64-encodes.
fn is_base64_content(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|ct| {
        let ct = ct.trim_start().as_bytes();
        let starts_with = |prefix: &[u8]| ct.len() >= prefix.len() && ct[..prefix.len()].eq_ignore_ascii_case(prefix);
        starts_with(b"application/octet-stream") || starts_with(b"multipart/")
    })
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
                        (percent_decode(&k.replace('+', " ")).into(), percent_decode(&v.replace('+', " ")).into())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut entries = Vec::with_capacity(self.headers.len());
        for (name, value) in self.headers {
            HeaderName::from_bytes(name.as_bytes()).expect("HttpRequest::builder(): invalid header name");
            HeaderValue::from_str(&value).expect("HttpRequest::builder(): invalid header value");
            entries.push((name.into(), value.into()));
        }
        let headers = Headers { entries: RawPart::ready(entries), map: OnceLock::new() };
        HttpRequest {
            method: Method::from_bytes(self.method.as_deref().unwrap_or("GET").as_bytes()).expect("HttpRequest::builder(): invalid method"),
            url: url.into(),
            headers,
            query: RawPart::ready(query),
            params: self.params.into_iter().map(|(k, v)| (k.into(), v.map(ByteString::from))).collect(),
            body: self.body,
            identities: None,
        }
    }
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
    use http::StatusCode;

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
    fn the_header_map_is_built_when_asked_for_and_skips_what_http_refuses() {
        let req = HttpRequest::from_host_json(&raw(
            r#"{"Headers":{"X-Multi":["a","b"],"Content-Type":["text/plain"],"bad name":["x"],"X-Bad-Value":["a\nb"]}}"#,
        ))
        .unwrap();
        assert_eq!(req.header("x-multi"), Some("a"), "the first value, as HeaderMap::get gives");
        assert_eq!(req.header("CONTENT-TYPE"), Some("text/plain"));
        assert_eq!(req.header("bad name"), Some("x"), "header() reads what the host sent");
        let map = req.headers();
        assert_eq!(map.get_all("x-multi").iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(map.len(), 3, "entries that are not valid HTTP are left out of the map: {map:?}");
        assert!(std::ptr::eq(map, req.headers()), "built once");
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
}
