//! Every error a route can answer with, and its status, code and message: the one place where
//! failures become HTTP.

use http::StatusCode;
use workplace_auth::AuthError;
use workplace_policy::Refusal;
use workplace_record::{ErrorCode, Outcome};

use crate::arguments::InvalidArgument;
use crate::tools::CallError;

/// A request that could not be served. The body is always
/// `{"error":{"code":"...","message":"...","request_id":"..."}}`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the body is not JSON; the message says where parsing stopped.
    #[error("the request body is not valid JSON: {0}")]
    BadJson(String),
    /// 400: JSON of the wrong shape at the top level.
    #[error("{0}")]
    BadRequest(String),
    /// 401 (503 when the keys could not be fetched).
    #[error("{0}")]
    Unauthorized(AuthError),
    /// 403: the scopes that would have made the call succeed.
    #[error("this call needs the scope(s): {}", .missing.join(" "))]
    Forbidden {
        /// Missing scopes.
        missing: Vec<&'static str>,
        /// This server's scopes the token carries (the challenge asks for them again).
        granted: Vec<&'static str>,
    },
    /// 403: the organisation's admin policy refuses the request; the message says why.
    #[error("{0}")]
    PolicyDenied(Refusal),
    /// 404: no such tool.
    #[error("unknown tool `{0}`; GET /mcp/tools lists the tools")]
    UnknownTool(String),
    /// 404: no such route.
    #[error("no route for this path")]
    NotFound,
    /// 405, with the methods that are allowed.
    #[error("method not allowed; use {allow}")]
    MethodNotAllowed {
        /// Value of the `Allow` header.
        allow: &'static str,
    },
    /// 413.
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// 415.
    #[error("the request body must be JSON (Content-Type: application/json)")]
    UnsupportedMediaType,
    /// 422: which field and why.
    #[error("invalid argument `{}`: {}", .0.field, .0.reason)]
    InvalidArguments(InvalidArgument),
    /// 429, with `Retry-After` and the `RateLimit` headers.
    #[error("rate limit exceeded; retry after {retry_after} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after: u64,
        /// `RateLimit-Policy`, `RateLimit`, `Retry-After`.
        headers: Vec<(&'static str, String)>,
    },
    /// 503: the deployment is misconfigured; `/health` says how.
    #[error("the service is misconfigured; see /health")]
    Misconfigured,
    /// 500: details are logged, never sent.
    #[error("something went wrong on our side; quote the request id when reporting it")]
    Internal,
}

impl ApiError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadJson(_) | Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(AuthError::KeysUnavailable) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } | Self::PolicyDenied(_) => StatusCode::FORBIDDEN,
            Self::UnknownTool(_) | Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidArguments(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Misconfigured => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadJson(_) => ErrorCode::InvalidJson,
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::Unauthorized(AuthError::KeysUnavailable) => ErrorCode::AuthUnavailable,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden { .. } => ErrorCode::InsufficientScope,
            Self::PolicyDenied(_) => ErrorCode::PolicyDenied,
            Self::UnknownTool(_) => ErrorCode::UnknownTool,
            Self::NotFound => ErrorCode::NotFound,
            Self::MethodNotAllowed { .. } => ErrorCode::MethodNotAllowed,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType => ErrorCode::UnsupportedMediaType,
            Self::InvalidArguments(_) => ErrorCode::InvalidArguments,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Misconfigured => ErrorCode::Misconfigured,
            Self::Internal => ErrorCode::InternalError,
        }
    }

    /// The outcome recorded in the invocation record.
    pub fn outcome(&self) -> Outcome {
        self.code().outcome()
    }
}

impl From<CallError> for ApiError {
    fn from(err: CallError) -> Self {
        match err {
            CallError::UnknownTool(name) => Self::UnknownTool(name),
            CallError::InvalidArguments(invalid) => Self::InvalidArguments(invalid),
            CallError::InsufficientScope { missing, granted } => {
                Self::Forbidden { missing, granted }
            }
            CallError::PolicyDenied(refusal) => Self::PolicyDenied(refusal),
        }
    }
}
