//! Logging set-up: JSON lines through `tracing`.

use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::filter::{EnvFilter, FilterExt, filter_fn};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// Dependencies whose logs are capped whatever the level asks for, and the cap. At debug level the
/// HTTP stack and the AWS SDK log request and response headers (bearer tokens, upstream access
/// tokens, signed AWS requests) and rmcp logs whole requests with the query text, so `RUST_LOG=debug`
/// for our own crates must never turn them on.
const CAPPED: &[(&str, Level)] = &[
    ("rmcp", Level::WARN),
    ("hyper", Level::INFO),
    ("hyper_util", Level::INFO),
    ("h2", Level::INFO),
    ("reqwest", Level::INFO),
    ("rustls", Level::INFO),
    ("tower", Level::INFO),
    ("tower_http", Level::INFO),
];

/// Whether `metadata` passes the dependency caps. Every `aws_*` crate (SDK, smithy, config, sigv4)
/// is capped at `info`.
fn within_caps(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    let krate = target.split("::").next().unwrap_or(target);
    let cap = CAPPED
        .iter()
        .find(|(name, _)| *name == krate)
        .map(|(_, level)| *level)
        .or_else(|| krate.starts_with("aws_").then_some(Level::INFO));
    cap.is_none_or(|cap| *metadata.level() <= cap)
}

/// The subscriber for a level spec (`RUST_LOG` syntax) writing JSON lines to `writer`.
pub fn subscriber<W>(spec: &str, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_writer(writer)
        .with_filter(filter.and(filter_fn(within_caps)));
    Registry::default().with(layer)
}

/// Installs a JSON `tracing` subscriber. The level comes from `AWS_LAMBDA_LOG_LEVEL` (Lambda's
/// advanced logging controls), else `RUST_LOG`, else `info`; the dependency caps above apply
/// whatever it says. Safe to call twice.
pub fn init_tracing() {
    let spec = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|level| level.to_ascii_lowercase())
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".to_owned());
    let _ = subscriber(&spec, std::io::stderr).try_init();
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex, PoisonError};

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Self;
        fn make_writer(&'w self) -> Self {
            self.clone()
        }
    }

    fn logged(spec: &str) -> String {
        let buffer = Buffer::default();
        tracing::subscriber::with_default(subscriber(spec, buffer.clone()), || {
            tracing::debug!(target: "hyper_util::client", "hyper-debug");
            tracing::info!(target: "hyper_util::client", "hyper-info");
            tracing::trace!(target: "reqwest::connect", "reqwest-trace");
            tracing::debug!(target: "aws_smithy_runtime::client", "aws-debug");
            tracing::debug!(target: "rustls::client", "rustls-debug");
            tracing::info!(target: "rmcp::service", "rmcp-info");
            tracing::debug!(target: "workplace_service::tools", "ours-debug");
        });
        let text = buffer
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        String::from_utf8(text).unwrap_or_default()
    }

    #[test]
    fn dependencies_stay_at_info_whatever_the_level_says() {
        for spec in [
            "debug",
            "trace",
            "hyper_util=trace,reqwest=trace,aws_smithy_runtime=trace,rustls=trace,rmcp=trace,debug",
            "[{x}]=trace,debug",
        ] {
            let out = logged(spec);
            assert!(
                out.contains("ours-debug"),
                "{spec}: our debug logs are lost: {out}"
            );
            assert!(out.contains("hyper-info"), "{spec}");
            for noisy in [
                "hyper-debug",
                "reqwest-trace",
                "aws-debug",
                "rustls-debug",
                "rmcp-info",
            ] {
                assert!(!out.contains(noisy), "{spec}: {noisy} was logged");
            }
        }
        assert!(!logged("info").contains("ours-debug"));
    }
}
