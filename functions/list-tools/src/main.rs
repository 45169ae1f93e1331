//! GET /mcp/tools: the tool catalogue for any authenticated caller.
//!
//! Thin by design: the shared crate builds the state once at cold start and serves every
//! invocation with the shared handler.

use workplace_service::lambda::{RestFunction, run};

// One thread: a Lambda execution environment serves one invocation at a time, so worker threads
// would only add wake-ups between threads (futex calls) to every invocation's CPU time.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    run(RestFunction::ListTools).await
}
