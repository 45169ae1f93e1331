//! POST /mcp/tools/{name}/call: runs workplace_search (or fetch) with the seed's REST body.
//!
//! Thin by design: build the state once at cold start, then serve every invocation with the shared
//! handler.

use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::{Error, Request, service_fn};
use workplace_service::config::process_env;
use workplace_service::{AppState, rest, telemetry};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init_tracing();
    let state = Arc::new(AppState::cold_start("workplace-search", &process_env).await);
    lambda_http::run(service_fn(move |req: Request| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(rest::call_tool(&state, req).await) }
    }))
    .await
}
