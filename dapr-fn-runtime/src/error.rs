//! The error type functions return.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;

/// An error from a function or from decoding its input.
///
/// Any `std::error::Error` converts into it, so `?` works on most results. An error may
/// carry an HTTP status: an HTTP-triggered function that fails with one answers the
/// caller with that status (and saves no outputs) instead of failing the invocation.
///
/// ```
/// use dapr_fn_runtime::Error;
/// use http::StatusCode;
///
/// fn parse(n: &str) -> Result<u32, Error> {
///     Ok(n.parse::<u32>()?)
/// }
/// assert!(parse("x").is_err());
/// let e = Error::bad_request("`amount` must be positive");
/// assert_eq!(e.status(), Some(StatusCode::BAD_REQUEST));
/// assert_eq!(e.to_string(), "`amount` must be positive");
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    status: Option<StatusCode>,
    message: Cow<'static, str>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// An error with a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self::build(None, message.to_string().into(), None)
    }

    /// An error that answers an HTTP caller with `status` and the message as body.
    pub fn with_status(status: StatusCode, message: impl fmt::Display) -> Self {
        Self::build(Some(status), message.to_string().into(), None)
    }

    /// A `400 Bad Request` error.
    pub fn bad_request(message: impl fmt::Display) -> Self {
        Self::with_status(StatusCode::BAD_REQUEST, message)
    }

    /// A `404 Not Found` error.
    pub fn not_found(message: impl fmt::Display) -> Self {
        Self::with_status(StatusCode::NOT_FOUND, message)
    }

    /// The HTTP status this error answers with, if it has one.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// Sets the HTTP status this error answers with.
    #[must_use]
    pub fn status_code(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Adds context in front of the message: `context: message`.
    #[must_use]
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.inner.message = format!("{context}: {}", self.inner.message).into();
        self
    }

    /// The underlying error, if this one wraps another.
    pub fn source(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.inner.source.as_deref()
    }

    pub(crate) fn build(
        status: Option<StatusCode>,
        message: Cow<'static, str>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        Error { inner: Box::new(Inner { status, message, source }) }
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut cause = error.source();
        while let Some(c) = cause {
            message.push_str(": ");
            message.push_str(&c.to_string());
            cause = c.source();
        }
        Self::build(None, message.into(), Some(Box::new(error)))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.inner.status {
            Some(status) => write!(f, "{} ({status})", self.inner.message),
            None => f.write_str(&self.inner.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_std_errors_with_their_causes() {
        let e: Error = "x".parse::<u8>().unwrap_err().into();
        assert_eq!(e.to_string(), "invalid digit found in string");
        assert!(e.source().is_some());
        assert_eq!(e.status(), None);
        let e = Error::msg("boom").context("saving order").status_code(StatusCode::CONFLICT);
        assert_eq!(format!("{e:?}"), "saving order: boom (409 Conflict)");
    }
}
