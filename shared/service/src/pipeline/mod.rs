//! The one request pipeline every entry point runs — the three REST functions and `/mcp` alike:
//!
//! 1. **read** ([`Exchange::begin`]): who sent what, and a record is started;
//! 2. **authenticate** and 3. **admit** ([`Exchange::admit`]): the bearer token is verified and the
//!    caller is charged once against the rate limits — the only place either happens;
//! 4. **validate** ([`Exchange::validate`]): the tool's arguments and the scopes they need;
//! 5. **execute** ([`Exchange::execute`]): the tool runs;
//! 6. **record** ([`Exchange::finish`]): the response is stamped and the record emitted, whatever
//!    happened before.
//!
//! Entry points only translate their wire (an API Gateway event, a JSON-RPC message) to and from
//! these stages.
//!
//! # What is rate-limited
//! Every authenticated request passes the limiter exactly once, before its arguments are looked
//! at: every REST route but the public ones (`/health`, the protected-resource metadata), and
//! every HTTP request to `/mcp` (`initialize`, `tools/list`, `tools/call`, notifications alike).
//! A request without a valid token is never charged to anyone. A tool call whose arguments are
//! valid then pays the rest of its cost ([`crate::tools::PreparedCall::cost`]: the work it may
//! make the upstreams do) in one more charge ([`Exchange::charge`]) before it runs.

mod admit;
mod authenticate;
mod execute;
mod finish;
mod read;
mod validate;

pub use admit::Caller;
pub use read::Exchange;
