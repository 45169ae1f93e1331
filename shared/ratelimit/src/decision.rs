//! The outcome of a check, and the IETF `RateLimit` headers it renders.

use std::time::Duration;

/// Which limit decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// Per principal.
    User,
    /// Per OAuth client.
    Client,
    /// The whole service.
    Global,
}

impl LimitKind {
    /// The policy name in headers and error bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Client => "client",
            Self::Global => "global",
        }
    }
}

/// A check's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Admitted. `policy` is the most constraining limit.
    Allowed {
        /// The most constraining limit.
        policy: LimitKind,
        /// Its burst.
        quota: u32,
        /// Its window in seconds.
        window: u64,
        /// Calls left before it rejects.
        remaining: u32,
        /// Seconds until it has fully refilled.
        reset: u64,
        /// True when DynamoDB could not answer and the fail-open policy admitted the call.
        bypassed: bool,
    },
    /// Rejected.
    Limited {
        /// The limit that rejected.
        policy: LimitKind,
        /// Its burst.
        quota: u32,
        /// Its window in seconds.
        window: u64,
        /// Whole seconds to wait (at least 1).
        retry_after: u64,
        /// True when the rejection comes from the fail-closed policy, not a limit.
        unavailable: bool,
    },
}

impl Decision {
    /// Whether the call may proceed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Self::Allowed { .. })
    }

    /// Seconds to wait, for a rejection.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Limited { retry_after, .. } => Some(Duration::from_secs(*retry_after)),
            Self::Allowed { .. } => None,
        }
    }

    /// Response headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy`, `RateLimit`,
    /// and `Retry-After` when rejected.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Allowed {
                policy,
                quota,
                window,
                remaining,
                reset,
                bypassed: false,
            } => vec![
                (
                    "ratelimit-policy",
                    format!("\"{}\";q={quota};w={window}", policy.as_str()),
                ),
                (
                    "ratelimit",
                    format!("\"{}\";r={remaining};t={reset}", policy.as_str()),
                ),
            ],
            Self::Allowed { bypassed: true, .. } => Vec::new(),
            Self::Limited {
                policy,
                quota,
                window,
                retry_after,
                ..
            } => vec![
                (
                    "ratelimit-policy",
                    format!("\"{}\";q={quota};w={window}", policy.as_str()),
                ),
                (
                    "ratelimit",
                    format!("\"{}\";r=0;t={retry_after}", policy.as_str()),
                ),
                ("retry-after", retry_after.to_string()),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_the_ietf_draft() {
        let limited = Decision::Limited {
            policy: LimitKind::User,
            quota: 20,
            window: 2,
            retry_after: 1,
            unavailable: false,
        };
        assert_eq!(
            limited.headers(),
            vec![
                ("ratelimit-policy", "\"user\";q=20;w=2".to_owned()),
                ("ratelimit", "\"user\";r=0;t=1".to_owned()),
                ("retry-after", "1".to_owned()),
            ]
        );
        let allowed = Decision::Allowed {
            policy: LimitKind::Client,
            quota: 100,
            window: 2,
            remaining: 99,
            reset: 1,
            bypassed: false,
        };
        assert_eq!(allowed.headers()[1].1, "\"client\";r=99;t=1");
    }
}
