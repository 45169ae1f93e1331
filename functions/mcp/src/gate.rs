//! Rate limiting of tool calls.
//!
//! A tool call is admitted (or not) after authentication and validation and before any upstream
//! work. MCP clients show tool results to the model but often hide HTTP errors, so a limited call
//! is answered as a tool result with `isError: true` and
//! `structuredContent.error = {"code": "rate_limited", "retry_after_seconds": N}`, not as HTTP 429.
//! [`RuntimeLimiter`] applies the deployment's DynamoDB limiter (when `RATE_LIMIT_TABLE` is set);
//! [`CallGate`] is the seam for anything else, and tests.

use futures::future::BoxFuture;
use workplace_auth::Principal;
use workplace_ratelimit::Decision;
use workplace_service::state::Runtime;

/// Whether a call may run now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Run it; `note` goes to the record's `reason` (e.g. the limiter was bypassed).
    Allowed {
        /// Why it was admitted despite a problem, if there was one.
        note: Option<&'static str>,
    },
    /// Over a limit; try again after this many seconds.
    Limited {
        /// Seconds until the caller may retry.
        retry_after_seconds: u64,
        /// Which limit (`user_limit`, `client_limit`, `global_limit`, `limiter_unavailable`).
        reason: String,
    },
}

/// Decides whether `principal` may call `tool` now.
pub trait CallGate: Send + Sync {
    /// Checks (and counts) one call.
    fn admit<'a>(
        &'a self,
        runtime: &'a Runtime,
        principal: &'a Principal,
        tool: &'a str,
    ) -> BoxFuture<'a, Admission>;
}

/// The runtime's limiter: per user, per client and global, shared with the REST routes. Its own
/// fail-open/fail-closed policy decides what happens when DynamoDB does not answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct RuntimeLimiter;

impl CallGate for RuntimeLimiter {
    fn admit<'a>(
        &'a self,
        runtime: &'a Runtime,
        principal: &'a Principal,
        _tool: &'a str,
    ) -> BoxFuture<'a, Admission> {
        Box::pin(async move {
            let Some(limiter) = &runtime.limiter else {
                return Admission::Allowed { note: None };
            };
            match limiter
                .check(&principal.subject, principal.client_id.as_deref())
                .await
            {
                Decision::Allowed { bypassed, .. } => Admission::Allowed {
                    note: bypassed.then_some("limiter_bypassed"),
                },
                Decision::Limited {
                    policy,
                    retry_after,
                    unavailable,
                    ..
                } => Admission::Limited {
                    retry_after_seconds: retry_after,
                    reason: if unavailable {
                        "limiter_unavailable".to_owned()
                    } else {
                        format!("{}_limit", policy.as_str())
                    },
                },
            }
        })
    }
}

/// Admits every call (tests, and deployments that limit elsewhere).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unlimited;

impl CallGate for Unlimited {
    fn admit<'a>(
        &'a self,
        _runtime: &'a Runtime,
        _principal: &'a Principal,
        _tool: &'a str,
    ) -> BoxFuture<'a, Admission> {
        Box::pin(std::future::ready(Admission::Allowed { note: None }))
    }
}
