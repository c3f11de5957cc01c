//! `tracing` events emitted during an invocation go to that invocation's `Logs`, which
//! the host writes to the function's log, correlated with the invocation
//! (custom-handler-protocol §3.2). Events outside invocations go to the console: stdout
//! for info and below, stderr for warnings and errors (the host logs every stderr line
//! as an error, or a warning if it contains "warn").

use std::cell::RefCell;
use std::fmt::Write as _;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

tokio::task_local! {
    static CAPTURE: RefCell<Vec<String>>;
}

static LAYER_INSTALLED: AtomicBool = AtomicBool::new(false);

/// Runs `future` with its `tracing` events captured; returns its output and the lines.
pub(crate) async fn capture<F: Future>(future: F) -> (F::Output, Vec<String>) {
    let lines = RefCell::new(Vec::new());
    CAPTURE
        .scope(lines, async move {
            let output = future.await;
            let lines = CAPTURE.with(|l| std::mem::take(&mut *l.borrow_mut()));
            (output, lines)
        })
        .await
}

fn capturing() -> bool {
    CAPTURE.try_with(|_| ()).is_ok()
}

/// The layer that routes events inside invocations to their `Logs`. [`crate::run`]
/// installs it with a console layer; add it yourself if you set your own subscriber:
///
/// ```
/// use tracing_subscriber::prelude::*;
///
/// let subscriber = tracing_subscriber::registry().with(dapr_fn_runtime::logs_layer());
/// let _guard = tracing::subscriber::set_default(subscriber);
/// ```
pub fn logs_layer() -> InvocationLogsLayer {
    InvocationLogsLayer { _private: () }
}

/// See [`logs_layer`].
#[derive(Debug)]
pub struct InvocationLogsLayer {
    _private: (),
}

impl<S: Subscriber> Layer<S> for InvocationLogsLayer {
    fn on_layer(&mut self, _: &mut S) {
        LAYER_INSTALLED.store(true, Ordering::Relaxed);
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let _ = CAPTURE.try_with(|lines| {
            let mut line = String::with_capacity(64);
            let level = *event.metadata().level();
            if level != Level::INFO {
                let _ = write!(line, "[{level}] ");
            }
            event.record(&mut LineVisitor(&mut line));
            lines.borrow_mut().push(line);
        });
    }
}

/// Formats an event as `message key=value ...`.
struct LineVisitor<'a>(&'a mut String);

impl Visit for LineVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(self.0.len(), value);
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

/// Installs the default subscriber (this layer plus the console) unless the application
/// installed its own; warns if that one lacks [`logs_layer`].
pub(crate) fn init_default() {
    use tracing_subscriber::fmt::writer::MakeWriterExt;
    use tracing_subscriber::prelude::*;

    if tracing::dispatcher::has_been_set() {
        if !LAYER_INSTALLED.load(Ordering::Relaxed) {
            eprintln!("dapr-fn: warning: your tracing subscriber lacks `dapr_fn_runtime::logs_layer()`, so function logs will not reach the host's invocation Logs");
        }
        return;
    }
    let filter: tracing_subscriber::filter::Targets = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| tracing_subscriber::filter::Targets::new().with_default(Level::INFO));
    let console = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_writer(std::io::stderr.with_max_level(Level::WARN).or_else(std::io::stdout))
        .with_filter(tracing_subscriber::filter::filter_fn(|_| !capturing()));
    let _ = tracing_subscriber::registry().with(logs_layer()).with(console).with(filter).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::prelude::*;

    #[tokio::test]
    async fn events_inside_an_invocation_are_captured_in_order() {
        let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(logs_layer()));
        tracing::info!("outside");
        let ((), lines) = capture(async {
            tracing::info!("saved {}", "order-42");
            tokio::task::yield_now().await;
            tracing::warn!(key = "k1", "slow store");
        })
        .await;
        assert_eq!(lines, ["saved order-42", "[WARN] slow store key=\"k1\""]);
    }
}
