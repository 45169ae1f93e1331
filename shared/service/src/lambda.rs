//! What a REST function's `main` does: read the configuration once, build the state, then serve
//! every invocation with one of the [`rest`] handlers.

use std::convert::Infallible;
use std::sync::Arc;

use lambda_http::{Error, Request, service_fn};

use crate::config::process_env;
use crate::{AppState, rest, telemetry};

/// The three REST functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestFunction {
    /// `GET /health` and the protected-resource metadata.
    Health,
    /// `GET /mcp/tools`.
    ListTools,
    /// `POST /mcp/tools/{name}/call`.
    CallTool,
}

impl RestFunction {
    /// The function's name in records and logs.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::ListTools => "list-tools",
            Self::CallTool => "workplace-search",
        }
    }

    async fn handle(
        self,
        state: &AppState,
        req: Request,
    ) -> lambda_http::Response<lambda_http::Body> {
        match self {
            Self::Health => rest::health(state, req).await,
            Self::ListTools => rest::list_tools(state, req).await,
            Self::CallTool => rest::call_tool(state, req).await,
        }
    }
}

/// Cold start, then the Lambda runtime loop, for one REST function.
pub async fn run(function: RestFunction) -> Result<(), Error> {
    telemetry::init_tracing();
    let state = Arc::new(AppState::cold_start(function.name(), &process_env).await);
    lambda_http::run(service_fn(move |req: Request| {
        let state = Arc::clone(&state);
        async move { Ok::<_, Infallible>(function.handle(&state, req).await) }
    }))
    .await
}
