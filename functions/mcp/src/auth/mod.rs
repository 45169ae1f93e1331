//! The `/mcp` entry point of the shared request pipeline, as a tower layer in front of rmcp.
//!
//! Every request passes these steps in order, each answering before the next runs:
//!
//! 0. The deployment is configured (else 503, as the REST routes).
//! 1. `Host` is one of the allowed hosts and a present `Origin` one of the allowed origins (else
//!    403 with a JSON-RPC error body without `id`, as the transport spec allows). This runs before
//!    authentication so a DNS-rebinding page learns nothing, not even whether a token is valid;
//!    rmcp repeats the same check with the same lists.
//! 2. The method is POST (else 405 with `Allow: POST`): this server offers no SSE stream and no
//!    sessions, so GET and DELETE are answered without looking at the token.
//! 3. The pipeline's authenticate-and-admit stage (`Exchange::admit`): 503 when the deployment is
//!    misconfigured, 401 with `WWW-Authenticate` for a bad token, then one charge to the rate
//!    limits for every authenticated request — `initialize` and `tools/list` included. A limited
//!    `tools/call` is answered as an `isError` tool result the model can act on; any other limited
//!    request gets 429 with `Retry-After`.
//! 4. For `tools/call` of a tool this server offers, the pipeline's validate stage runs once, here:
//!    a call without the scopes it needs gets HTTP 403 with `error="insufficient_scope"` (a status
//!    code is the only signal MCP clients act on for step-up authorization, and a handler inside
//!    rmcp can only answer 200). Its outcome — the prepared call, or invalid arguments — travels
//!    to the tool handler in a [`Ticket`], which answers invalid arguments as an `isError` result
//!    and unknown tools as JSON-RPC `-32602`, as MCP requires.
//!
//! The layer peeks at the JSON-RPC body for this — one bounded parse, [`peek`]. rmcp hands tool
//! handlers the request's `http::request::Parts`, extensions included, which is how the [`Ticket`]
//! and the pipeline's `Exchange` reach the handler. After rmcp answers, the layer classifies
//! JSON-RPC errors for the record and finishes the exchange: one record per HTTP request.

mod layer;
pub mod peek;
mod response;

use workplace_service::pipeline::Caller;
use workplace_service::tools::{CallError, PreparedCall};

pub use layer::{AuthLayer, AuthService};

/// What the layer decided about a request, for the tool handler.
#[derive(Debug, Clone)]
pub enum Ticket {
    /// Authenticated and admitted.
    Admitted {
        /// The caller (boxed: it is large, and the other variant is a number).
        caller: Box<Caller>,
        /// For `tools/call` of a known tool: the validated call, or why it is invalid.
        call: Option<Result<PreparedCall, CallError>>,
    },
    /// Authenticated, but over a rate limit: a `tools/call` gets an `isError` result.
    Limited {
        /// Seconds until the caller may retry.
        retry_after_seconds: u64,
    },
}
