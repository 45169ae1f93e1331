//! The MCP Streamable HTTP endpoint at /mcp.
//!
//! Thin by design: build the state and the endpoint once at cold start, then serve every
//! invocation with them. The logic lives in the `workplace_mcp` library.

use std::sync::Arc;

use lambda_http::Error;
use workplace_service::config::process_env;
use workplace_service::{AppState, telemetry};

// One thread: a Lambda execution environment serves one invocation at a time, so worker threads
// would only add wake-ups between threads (futex calls) to every invocation's CPU time.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    telemetry::init_tracing();
    let state = Arc::new(AppState::cold_start("mcp", &process_env).await);
    let service = workplace_mcp::service(state, &process_env)?;
    lambda_http::run(service).await
}
