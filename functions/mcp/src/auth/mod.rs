//! Authentication and authorization in front of the rmcp service, as a tower layer.
//!
//! Every request passes these checks in order, each answering before the next runs:
//!
//! 1. The deployment is configured (else 503, as the REST routes).
//! 2. `Host` is one of the allowed hosts and a present `Origin` one of the allowed origins (else 403
//!    with a JSON-RPC error body without `id`, as the transport spec allows). This runs before
//!    authentication so a DNS-rebinding page learns nothing, not even whether a token is valid;
//!    rmcp repeats the same check with the same lists.
//! 3. The method is POST (else 405 with `Allow: POST`): this server offers no SSE stream and no
//!    sessions, so GET and DELETE are answered without looking at the token.
//! 4. The bearer token is valid for this resource (else 401 with
//!    `WWW-Authenticate: Bearer realm=..., resource_metadata=...`, 503 when the issuer's keys are
//!    unavailable) — the same [`workplace_service::http::error_response`] the REST routes use.
//! 5. For `tools/call`, the token has the scopes the call needs (else 403 with
//!    `error="insufficient_scope"` and the missing scopes). Scopes depend on the arguments
//!    (`sources`, or the source in a `fetch` id), so the layer peeks at the JSON-RPC body — one
//!    bounded parse, [`peek`] — and runs the shared `tools::prepare` on it. A status code is the
//!    only signal MCP clients act on for step-up authorization, and a handler inside rmcp can only
//!    answer HTTP 200, which is why this check lives here and not in the tool handler. Invalid
//!    arguments and unknown tools pass through, so the handler answers them as MCP requires
//!    (an `isError` tool result, or JSON-RPC `-32602`).
//!
//! The verified caller ([`Caller`]: the [`workplace_auth::Principal`] plus the runtime snapshot it
//! was verified with) and the request's [`crate::record::RecordHandle`] then travel in the HTTP
//! request extensions; rmcp hands tool handlers the request's
//! `http::request::Parts`, extensions included. After rmcp answers, the layer completes the
//! invocation record (status, outcome, latency) and emits it: one record per HTTP request.

mod layer;
pub mod peek;
mod response;

use std::sync::Arc;

use workplace_auth::Principal;
use workplace_service::state::{Parts, Runtime};

pub use layer::{AuthLayer, AuthService};

/// An authenticated caller, as the tool handler receives it in the request extensions.
#[derive(Clone)]
pub struct Caller {
    /// Who is calling.
    pub principal: Principal,
    /// The runtime (configuration, rate limiter) that verified the token.
    pub runtime: Arc<Runtime>,
    /// The secret-derived parts (verifiers, search engine) of that moment, so a rotation in the
    /// middle of a request cannot mix two credentials.
    pub parts: Arc<Parts>,
}
