//! What can go wrong when one source is asked something.

use std::time::Duration;

/// A source's failure, classified so the orchestration can report an honest per-source status
/// (`timeout`, `rate_limited`, `reauth_required`, `error`) and decide what to retry.
///
/// Messages never contain credentials: connectors build them from status codes and upstream error
/// codes, never from request headers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The source did not answer within its deadline.
    #[error("timed out")]
    Timeout,
    /// The upstream throttled us; `retry_after` is what it asked for, when it said.
    #[error("rate limited by the upstream")]
    RateLimited {
        /// How long the upstream asked us to wait.
        retry_after: Option<Duration>,
    },
    /// The user has no usable upstream credential (never connected the app, revoked, expired).
    #[error("{message}")]
    ReauthRequired {
        /// What the user must do, written for a person.
        message: String,
    },
    /// The item does not exist or this user may not see it.
    #[error("not found")]
    NotFound,
    /// The source is not configured in this deployment.
    #[error("{0} is not configured on this server")]
    NotConfigured(&'static str),
    /// The source is configured but could not be built (a credential is missing or unusable); the
    /// other sources keep working.
    #[error("{reason}")]
    Disabled {
        /// What is missing, naming settings and secret keys but never their values.
        reason: String,
    },
    /// The upstream answered with an error we do not retry (or retries ran out).
    #[error("upstream error: {message}")]
    Upstream {
        /// HTTP status, when there was one.
        status: Option<u16>,
        /// A short description without secrets.
        message: String,
        /// Whether trying again later may succeed (5xx, connection failures).
        retryable: bool,
    },
    /// The upstream answered something we could not understand.
    #[error("unexpected response from upstream: {0}")]
    InvalidResponse(String),
    /// The source cannot list events in a time window: it is not a calendar.
    #[error("{} is not a calendar: only calendar sources list events", .0.display_name())]
    NotACalendar(crate::SourceKind),
}

impl SourceError {
    /// Whether the retry policy may try the same request again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } => true,
            Self::Upstream { retryable, .. } => *retryable,
            Self::Timeout
            | Self::ReauthRequired { .. }
            | Self::NotFound
            | Self::NotConfigured(_)
            | Self::Disabled { .. }
            | Self::InvalidResponse(_)
            | Self::NotACalendar(_) => false,
        }
    }
}
