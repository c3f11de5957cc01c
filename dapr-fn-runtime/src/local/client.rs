//! The Dapr extension's HTTP calls to the sidecar, with its error mapping
//! (dapr-extension §3 and §3.1).

use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::extension::DaprCall;

/// What the extension raises when a Dapr call fails (`DaprException`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DaprError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl std::fmt::Display for DaprError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct DaprResponse {
    pub(crate) body: Bytes,
}

/// One shared HTTP client, like the extension's `IHttpClientFactory` client: no retries.
#[derive(Clone)]
pub(crate) struct DaprClient {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl DaprClient {
    pub(crate) fn new() -> Self {
        DaprClient { client: Client::builder(TokioExecutor::new()).build_http() }
    }

    /// A plain request (for the embedded sidecar's deliveries to the app).
    pub(crate) async fn raw(
        &self,
        method: Method,
        uri: &str,
        content_type: &'static str,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), String> {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type))
            .body(Full::new(body))
            .map_err(|e| e.to_string())?;
        let response = self.client.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| e.to_string())?.to_bytes();
        Ok((status, body))
    }

    /// Sends a call; maps failures as `DaprHttpClient.DaprHttpCall` does.
    pub(crate) async fn send(&self, call: &DaprCall) -> Result<DaprResponse, DaprError> {
        let request_failed = |message: String| DaprError { status: 500, code: "ERR_DAPR_REQUEST_FAILED".into(), message };
        let method = Method::from_bytes(call.method.as_bytes())
            .map_err(|e| request_failed(format!("invalid HTTP method `{}`: {e}", call.method)))?;
        let uri = format!("{}{}", call.base, call.path);
        let mut request = Request::builder().method(method).uri(&uri);
        if let Some(ct) = call.content_type {
            request = request.header(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
        }
        let body = call.body.clone().map(Bytes::from).unwrap_or_default();
        let request = request.body(Full::new(body)).map_err(|e| request_failed(format!("invalid request to {uri}: {e}")))?;
        let response = match tokio::time::timeout(std::time::Duration::from_secs(100), self.client.request(request)).await {
            Err(_) => return Err(request_failed(format!("the request to {uri} timed out after 100 s"))),
            Ok(Err(e)) if is_connection_refused(&e) => {
                return Err(DaprError {
                    status: 503,
                    code: "ERR_DAPR_SIDECAR_DOES_NOT_EXIST".into(),
                    message: "Dapr sidecar is not present. Please see (https://aka.ms/azure-functions-dapr-sidecar-missing) for more."
                        .into(),
                })
            }
            Ok(Err(e)) => return Err(request_failed(e.to_string())),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        let body = response.into_body().collect().await.map_err(|e| request_failed(e.to_string()))?.to_bytes();
        if status.is_success() {
            return Ok(DaprResponse { body });
        }
        let (default_code, default_message) = if status == StatusCode::NOT_FOUND {
            ("ERR_DAPR_RESOURCE_DOES_NOT_EXIST", "The requested Dapr resource is not properly configured.")
        } else {
            ("ERR_UNKNOWN", "No meaningful error message is returned.")
        };
        let mut error = DaprError { status: status.as_u16(), code: default_code.into(), message: default_message.into() };
        if !body.is_empty() {
            match serde_json::from_slice::<serde_json::Value>(&body) {
                // The extension reads both with GetRawText, so string values keep their quotes.
                Ok(serde_json::Value::Object(map)) => {
                    if let Some(code) = map.get("errorCode") {
                        error.code = code.to_string();
                    }
                    if let Some(message) = map.get("message") {
                        error.message = message.to_string();
                    }
                }
                _ => {
                    error.code = "ERR_UNKNOWN".into();
                    error.message = "The returned error message from Dapr Service is not a valid JSON Object.".into();
                }
            }
        }
        Err(error)
    }
}

fn is_connection_refused(e: &hyper_util::client::legacy::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        source = s.source();
    }
    false
}
