//! Logging set-up: JSON lines through `tracing`.

use tracing_subscriber::EnvFilter;

/// Installs a JSON `tracing` subscriber. The level comes from `AWS_LAMBDA_LOG_LEVEL` (Lambda's
/// advanced logging controls), else `RUST_LOG`, else `info`. Safe to call twice.
///
/// rmcp is always capped at `warn`: at debug level it logs whole requests, and with them the
/// query text, which must stay out of logs unless `LOG_QUERY_TEXT` allows it.
pub fn init_tracing() {
    let spec = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .ok()
        .map(|level| level.to_ascii_lowercase())
        .or_else(|| std::env::var("RUST_LOG").ok())
        .unwrap_or_else(|| "info".to_owned());
    let filter = EnvFilter::try_new(format!("{spec},rmcp=warn"))
        .unwrap_or_else(|_| EnvFilter::new("info,rmcp=warn"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
