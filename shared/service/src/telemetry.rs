//! Logging set-up: JSON lines through `tracing`.

use tracing_subscriber::EnvFilter;

/// Installs a JSON `tracing` subscriber. The level comes from `AWS_LAMBDA_LOG_LEVEL` (Lambda's
/// advanced logging controls), else `RUST_LOG`, else `info`. Safe to call twice.
pub fn init_tracing() {
    let filter = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|level| level.to_ascii_lowercase())
        .or_else(|| std::env::var("RUST_LOG").ok())
        .and_then(|spec| EnvFilter::try_new(spec).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
