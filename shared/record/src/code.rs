//! How a request ended ([`Outcome`]) and, when it failed, why ([`ErrorCode`]).
//!
//! Responses, records and metrics all name these; keeping them closed enums means a new failure
//! must be given a code, an outcome and a metric in one place.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a request ended, from the caller's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Served.
    #[default]
    Ok,
    /// A tool ran and failed (MCP `isError`); the HTTP status is 200.
    ToolError,
    /// No valid token.
    AuthFailed,
    /// A valid token without the scopes the call needs.
    Forbidden,
    /// Over a rate limit, or refused because the limiter could not answer (fail-closed).
    RateLimited,
    /// The request itself was wrong (route, method, body, arguments, headers).
    Invalid,
    /// Our fault or our configuration's.
    Error,
}

impl Outcome {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::ToolError => "tool_error",
            Self::AuthFailed => "auth_failed",
            Self::Forbidden => "forbidden",
            Self::RateLimited => "rate_limited",
            Self::Invalid => "invalid",
            Self::Error => "error",
        }
    }

    /// Whether the request counts as a failure of the service (the `Errors` metric).
    pub const fn is_service_error(self) -> bool {
        matches!(self, Self::Error)
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable, machine-readable code of a failed request: in error bodies (`error.code`), tool
/// results, records (`error_code`) and the extension's `error.type` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the body is not JSON.
    InvalidJson,
    /// 400: JSON of the wrong shape.
    BadRequest,
    /// 503: the identity provider's keys could not be fetched.
    AuthUnavailable,
    /// 401: no valid token.
    Unauthorized,
    /// 403: missing scopes.
    InsufficientScope,
    /// 403: the organisation's admin policy refuses the request (kill switch, IP allowlist, a tool
    /// not enabled, read-only mode).
    PolicyDenied,
    /// 404 on REST, JSON-RPC `-32602` on MCP: no such tool.
    UnknownTool,
    /// 404: no such route (or, in a tool result, no such document).
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 406: the client does not accept what the endpoint answers.
    NotAcceptable,
    /// 413.
    PayloadTooLarge,
    /// 415.
    UnsupportedMediaType,
    /// 422 on REST, an `isError` result on MCP.
    InvalidArguments,
    /// 429 on REST, an `isError` result on MCP.
    RateLimited,
    /// 503: the deployment is misconfigured.
    Misconfigured,
    /// 500.
    InternalError,
    /// 403: the `Host` header is not served here (DNS rebinding guard).
    HostNotAllowed,
    /// 403: a browser `Origin` that is not allowed.
    OriginNotAllowed,
    /// JSON-RPC `-32700`.
    ParseError,
    /// JSON-RPC `-32600`.
    InvalidRequest,
    /// JSON-RPC `-32601`.
    MethodNotFound,
    /// JSON-RPC `-32602` for anything but an unknown tool.
    InvalidParams,
    /// JSON-RPC `-32020`: the 2026-07-28 headers disagree with the body.
    HeaderMismatch,
    /// JSON-RPC `-32021`.
    MissingClientCapability,
    /// JSON-RPC `-32022`.
    UnsupportedProtocolVersion,
    /// Any other client error the transport answered.
    OtherClientError,
}

impl ErrorCode {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidJson => "invalid_json",
            Self::BadRequest => "bad_request",
            Self::AuthUnavailable => "auth_unavailable",
            Self::Unauthorized => "unauthorized",
            Self::InsufficientScope => "insufficient_scope",
            Self::PolicyDenied => "policy_denied",
            Self::UnknownTool => "unknown_tool",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::NotAcceptable => "not_acceptable",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::InvalidArguments => "invalid_arguments",
            Self::RateLimited => "rate_limited",
            Self::Misconfigured => "misconfigured",
            Self::InternalError => "internal_error",
            Self::HostNotAllowed => "host_not_allowed",
            Self::OriginNotAllowed => "origin_not_allowed",
            Self::ParseError => "parse_error",
            Self::InvalidRequest => "invalid_request",
            Self::MethodNotFound => "method_not_found",
            Self::InvalidParams => "invalid_params",
            Self::HeaderMismatch => "header_mismatch",
            Self::MissingClientCapability => "missing_client_capability",
            Self::UnsupportedProtocolVersion => "unsupported_protocol_version",
            Self::OtherClientError => "other_client_error",
        }
    }

    /// The code of a JSON-RPC error, as MCP transports answer them.
    pub const fn from_jsonrpc(code: i64) -> Self {
        match code {
            -32700 => Self::ParseError,
            -32600 => Self::InvalidRequest,
            -32601 => Self::MethodNotFound,
            -32602 => Self::InvalidParams,
            -32603 => Self::InternalError,
            -32020 => Self::HeaderMismatch,
            -32021 => Self::MissingClientCapability,
            -32022 => Self::UnsupportedProtocolVersion,
            _ => Self::OtherClientError,
        }
    }

    /// The code of an HTTP client error the transport answered by itself.
    pub const fn from_http_status(status: u16) -> Self {
        match status {
            400 => Self::BadRequest,
            404 => Self::NotFound,
            405 => Self::MethodNotAllowed,
            406 => Self::NotAcceptable,
            413 => Self::PayloadTooLarge,
            415 => Self::UnsupportedMediaType,
            500..=599 => Self::InternalError,
            _ => Self::OtherClientError,
        }
    }

    /// The outcome a request failing with this code has.
    pub const fn outcome(self) -> Outcome {
        match self {
            Self::Unauthorized => Outcome::AuthFailed,
            Self::InsufficientScope | Self::PolicyDenied => Outcome::Forbidden,
            Self::RateLimited => Outcome::RateLimited,
            Self::AuthUnavailable | Self::Misconfigured | Self::InternalError => Outcome::Error,
            Self::InvalidJson
            | Self::BadRequest
            | Self::UnknownTool
            | Self::NotFound
            | Self::MethodNotAllowed
            | Self::NotAcceptable
            | Self::PayloadTooLarge
            | Self::UnsupportedMediaType
            | Self::InvalidArguments
            | Self::HostNotAllowed
            | Self::OriginNotAllowed
            | Self::ParseError
            | Self::InvalidRequest
            | Self::MethodNotFound
            | Self::InvalidParams
            | Self::HeaderMismatch
            | Self::MissingClientCapability
            | Self::UnsupportedProtocolVersion
            | Self::OtherClientError => Outcome::Invalid,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_and_as_str_agree() {
        for code in [
            ErrorCode::InvalidJson,
            ErrorCode::AuthUnavailable,
            ErrorCode::InsufficientScope,
            ErrorCode::PolicyDenied,
            ErrorCode::UnsupportedProtocolVersion,
            ErrorCode::OtherClientError,
        ] {
            assert_eq!(
                serde_json::to_string(&code).unwrap(),
                format!("\"{}\"", code.as_str())
            );
        }
        for outcome in [Outcome::Ok, Outcome::ToolError, Outcome::RateLimited] {
            assert_eq!(
                serde_json::to_string(&outcome).unwrap(),
                format!("\"{}\"", outcome.as_str())
            );
        }
    }

    #[test]
    fn jsonrpc_and_http_codes_map_to_outcomes() {
        assert_eq!(ErrorCode::from_jsonrpc(-32602), ErrorCode::InvalidParams);
        assert_eq!(ErrorCode::from_jsonrpc(-32603).outcome(), Outcome::Error);
        assert_eq!(ErrorCode::from_jsonrpc(7), ErrorCode::OtherClientError);
        assert_eq!(ErrorCode::from_http_status(406), ErrorCode::NotAcceptable);
        assert_eq!(ErrorCode::from_http_status(502).outcome(), Outcome::Error);
        assert_eq!(ErrorCode::Unauthorized.outcome(), Outcome::AuthFailed);
        assert_eq!(ErrorCode::RateLimited.outcome(), Outcome::RateLimited);
    }
}
