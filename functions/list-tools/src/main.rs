//! GET /mcp/tools: the tool catalogue for any authenticated caller.
//!
//! Thin by design: the shared crate builds the state once at cold start and serves every
//! invocation with the shared handler.

use workplace_service::lambda::{RestFunction, run};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    run(RestFunction::ListTools).await
}
