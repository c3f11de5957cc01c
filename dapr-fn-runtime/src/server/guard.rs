//! Per-connection time limits, kept by a wrapper around the socket with one coarse timer
//! per connection rather than a timer armed and cancelled for every request (which cost
//! about 3% of an invocation's instructions with hyper's `header_read_timeout`).
//!
//! Two limits, both measured in ticks of that timer:
//! - **header timeout**: a request whose first bytes arrived must complete its headers in
//!   time (slow clients, slowloris);
//! - **idle timeout**: a keep-alive connection with no request in progress is closed after
//!   a while. It defaults to longer than the host's pooled-connection idle timeout (one
//!   minute in .NET), so that the host, not the handler, closes idle connections and never
//!   sends an invocation on a connection being closed under it. (hyper's own header timeout
//!   also ran while a connection was idle, closing the host's pooled connections after 30 s.)

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The connection's time limits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ConnLimits {
    pub(crate) header_timeout: Duration,
    pub(crate) idle_timeout: Duration,
}

impl ConnLimits {
    /// The timer's period: fine enough for the shorter limit, at most a second.
    fn tick(&self) -> Duration {
        (self.header_timeout.min(self.idle_timeout) / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
    }

    fn ticks(&self, limit: Duration) -> u32 {
        let tick = self.tick().as_nanos().max(1);
        u32::try_from(limit.as_nanos().div_ceil(tick)).unwrap_or(u32::MAX).max(1)
    }
}

/// What the service tells the socket wrapper: how many requests started and finished.
#[derive(Debug, Default)]
pub(crate) struct Activity {
    started: AtomicU32,
    finished: AtomicU32,
}

impl Activity {
    /// Marks a request as started (its headers were read); the guard marks it finished.
    pub(crate) fn start(self: &Arc<Self>) -> RequestGuard {
        self.started.fetch_add(1, Ordering::Relaxed);
        RequestGuard(self.clone())
    }

    fn started(&self) -> u32 {
        self.started.load(Ordering::Relaxed)
    }

    fn busy(&self) -> bool {
        self.started() != self.finished.load(Ordering::Relaxed)
    }
}

/// Finishes its request when dropped, whether the response was sent or the request
/// was abandoned.
pub(crate) struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.finished.fetch_add(1, Ordering::Relaxed);
    }
}

/// A socket that ends the connection when a limit of [`ConnLimits`] is exceeded.
pub(crate) struct Guarded<T> {
    inner: T,
    activity: Arc<Activity>,
    timer: Pin<Box<Sleep>>,
    tick: Duration,
    header_ticks: u32,
    idle_ticks: u32,
    /// Set when bytes arrive with no request in progress: the `started` count then, so
    /// that the head is known to be complete once a request starts.
    head_since: Option<u32>,
    /// Ticks spent in the current state (waiting for a head, or idle).
    ticks: u32,
    /// Whether the timer has this connection's waker since it was last reset. The
    /// connection always runs in the same task, so it need not be polled again until it
    /// has elapsed (a poll per read costs more than the rest of this wrapper).
    registered: bool,
}

impl<T> Guarded<T> {
    pub(crate) fn new(inner: T, limits: ConnLimits, activity: Arc<Activity>) -> Self {
        let tick = limits.tick();
        Guarded {
            inner,
            activity,
            timer: Box::pin(tokio::time::sleep(tick)),
            tick,
            header_ticks: limits.ticks(limits.header_timeout),
            idle_ticks: limits.ticks(limits.idle_timeout),
            head_since: None,
            ticks: 0,
            registered: false,
        }
    }

    fn saw_bytes(&mut self) {
        let started = self.activity.started();
        if self.head_since.is_some_and(|mark| mark != started) {
            // The head being timed was complete: a request started since.
            self.head_since = None;
        }
        if self.activity.busy() {
            // A request's body, or a pipelined request while one is served.
            self.ticks = 0;
        } else if self.head_since.is_none() {
            self.head_since = Some(started);
            self.ticks = 0;
        }
    }

    /// Called when a read has to wait: counts elapsed ticks and fails the read once a
    /// limit is reached.
    fn poll_limits(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.registered && !self.timer.is_elapsed() {
            return Poll::Pending;
        }
        self.registered = true;
        while self.timer.as_mut().poll(cx).is_ready() {
            if self.head_since.is_some_and(|mark| mark != self.activity.started()) {
                // A request started since: its head was complete.
                self.head_since = None;
                self.ticks = 0;
            }
            if self.activity.busy() {
                // A function is running: neither limit applies.
                self.ticks = 0;
            } else {
                self.ticks = self.ticks.saturating_add(1);
                let (limit, what) = match self.head_since {
                    Some(_) => (self.header_ticks, "the request headers did not arrive in time (DAPR_FN_HEADER_TIMEOUT_SECS)"),
                    None => (self.idle_ticks, "the connection was idle too long (DAPR_FN_IDLE_TIMEOUT_SECS)"),
                };
                if self.ticks >= limit {
                    return Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, what));
                }
            }
            // From now, not from the missed deadline: a task not polled for a while must
            // not count the ticks it slept through as idle time.
            let next = Instant::now() + self.tick;
            self.timer.as_mut().reset(next);
        }
        Poll::Pending
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.saw_bytes();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => self.poll_limits(cx).map(Err),
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const LIMITS: ConnLimits = ConnLimits { header_timeout: Duration::from_secs(2), idle_timeout: Duration::from_secs(8) };

    fn guarded() -> (Guarded<tokio::io::DuplexStream>, tokio::io::DuplexStream, Arc<Activity>) {
        let (server, client) = tokio::io::duplex(64);
        let activity = Arc::new(Activity::default());
        (Guarded::new(server, LIMITS, activity.clone()), client, activity)
    }

    /// The client sends `bytes`, and the server reads them.
    async fn deliver(client: &mut tokio::io::DuplexStream, server: &mut Guarded<tokio::io::DuplexStream>, bytes: &[u8]) {
        client.write_all(bytes).await.unwrap();
        assert_eq!(server.read(&mut [0; 64]).await.unwrap(), bytes.len());
    }

    #[tokio::test(start_paused = true)]
    async fn a_started_head_must_complete_within_the_header_timeout() {
        let (mut server, mut client, _) = guarded();
        deliver(&mut client, &mut server, b"POST /F HTTP/1.1\r\n").await;
        let mut buf = [0; 64];
        let started = Instant::now();
        let err = server.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(
            started.elapsed() >= Duration::from_millis(1500) && started.elapsed() <= Duration::from_millis(2600),
            "{:?}",
            started.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_keep_alive_connection_lasts_until_the_idle_timeout() {
        let (mut server, mut client, activity) = guarded();
        deliver(&mut client, &mut server, b"GET / HTTP/1.1\r\n\r\n").await;
        let mut buf = [0; 64];
        // The request is served (its head was complete), then the connection idles.
        drop(activity.start());
        let started = Instant::now();
        let err = server.read(&mut buf).await.unwrap_err();
        assert!(err.to_string().contains("idle"), "{err}");
        assert!(started.elapsed() >= Duration::from_secs(7), "not cut at the header timeout: {:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn the_next_request_on_a_kept_alive_connection_gets_the_header_timeout_too() {
        let (mut server, mut client, activity) = guarded();
        deliver(&mut client, &mut server, b"GET / HTTP/1.1\r\n\r\n").await;
        drop(activity.start());
        deliver(&mut client, &mut server, b"GET / HTTP/1.1\r\nHost:").await;
        let mut buf = [0; 64];
        let started = Instant::now();
        let err = server.read(&mut buf).await.unwrap_err();
        assert!(err.to_string().contains("headers"), "{err}");
        assert!(started.elapsed() <= Duration::from_millis(2600), "cut at the header timeout, not the idle one: {:?}", started.elapsed());
    }

    #[tokio::test(start_paused = true)]
    async fn a_running_function_is_never_timed_out() {
        let (mut server, mut client, activity) = guarded();
        deliver(&mut client, &mut server, b"POST /Slow HTTP/1.1\r\n\r\n").await;
        let mut buf = [0; 64];
        let request = activity.start();
        let reader = tokio::spawn(async move { (server.read(&mut buf).await, server) });
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert!(!reader.is_finished(), "the connection stays open while the function runs");
        drop(request);
        client.write_all(b"x").await.unwrap();
        let (read, _) = reader.await.unwrap();
        assert_eq!(read.unwrap(), 1);
    }
}
