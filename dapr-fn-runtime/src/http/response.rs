//! The `res` output: the function's HTTP response as the host reads it.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use http::StatusCode;

use super::write_json_str;
use crate::Error;

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

#[cfg(test)]
mod tests {
    use super::*;

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
