//! The MCP dialect of upstream errors, in one place: JSON-RPC errors, tool results with
//! `isError: true` (Google answers auth, quota, disabled-service and permission failures as error
//! results with text, not HTTP codes), and `401` challenges (`WWW-Authenticate: Bearer
//! resource_metadata=…, error=…, scope=…`, RFC 6750 §3 and RFC 9728 §5.1).
//!
//! Google documents none of these texts for its MCP servers; the phrases matched are those of
//! Google's API front end (the same texts its REST APIs answer) and those reported from the MCP
//! servers' preview (see `shared/reference/google-workspace-mcp.md` §2 and §3 "Errors"). Anything
//! else is an error naming the tool, never a guess.

use std::time::Duration;

use rmcp::model::{ErrorCode, ErrorData};

use crate::SourceError;
use crate::retry::Failure;

/// Longest piece of an upstream's error text quoted in our messages (third-party text).
const MAX_QUOTED: usize = 200;

/// A `WWW-Authenticate: Bearer …` challenge's parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// `error` (`invalid_token`, `insufficient_scope`, …).
    pub(crate) error: Option<String>,
    /// `scope`: the scopes the resource needs, space-separated on the wire.
    pub(crate) scope: Vec<String>,
    /// `resource_metadata`: the RFC 9728 document's URL.
    pub(crate) resource_metadata: Option<String>,
    /// `error_description`.
    pub(crate) description: Option<String>,
}

impl Challenge {
    /// The parameters of a `Bearer` challenge; `None` for another scheme.
    pub(crate) fn parse(header: &str) -> Option<Self> {
        let header = header.trim_start();
        let (scheme, rest) = header.split_at(header.find(' ').unwrap_or(header.len()));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let mut challenge = Self::default();
        for (name, value) in auth_params(rest) {
            match name.to_ascii_lowercase().as_str() {
                "error" => challenge.error = Some(value),
                "scope" => {
                    challenge.scope = value.split_whitespace().map(str::to_owned).collect();
                }
                "resource_metadata" => challenge.resource_metadata = Some(value),
                "error_description" => challenge.description = Some(value),
                _ => {}
            }
        }
        Some(challenge)
    }
}

/// `name=value` and `name="quoted \" value"` pairs, comma-separated (RFC 9110 §11.2).
fn auth_params(input: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' || c.is_whitespace() {
                break;
            }
            name.push(c);
            chars.next();
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if name.is_empty() || chars.next() != Some('=') {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' || c.is_whitespace() {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((name, value));
    }
}

/// The MCP server refused the user's credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// HTTP 401 with a `WWW-Authenticate` challenge (empty if it sent none we could read).
    Challenge(Challenge),
    /// An error result saying the credential is missing or invalid (Google's way today).
    Credential,
    /// An error result saying the token lacks a scope the tool needs.
    Scope,
}

impl Refusal {
    /// The challenge's scopes, when none of them is one we ask for: no fresh token can carry
    /// them (empty when it named none, or named one of ours).
    fn unrequested<'a>(&'a self, requested: &[&str]) -> Vec<&'a str> {
        let Self::Challenge(c) = self else {
            return Vec::new();
        };
        if c.scope.iter().any(|s| requested.contains(&s.as_str())) {
            return Vec::new();
        }
        c.scope.iter().map(String::as_str).collect()
    }

    /// Whether a fresh token could satisfy the server: not when it says the token lacks a
    /// scope, nor when it names only scopes we do not ask for (a fresh token carries the same
    /// grant).
    pub(crate) fn fresh_token_may_help(&self, requested: &[&str]) -> bool {
        match self {
            Self::Challenge(c) => {
                c.error.as_deref() != Some("insufficient_scope")
                    && self.unrequested(requested).is_empty()
            }
            Self::Credential => true,
            Self::Scope => false,
        }
    }

    /// The error the user sees.
    pub(crate) fn into_error(
        self,
        product: &str,
        reauth_hint: &str,
        requested: &[&str],
    ) -> SourceError {
        let unrequested = self.unrequested(requested);
        let message = if !unrequested.is_empty() {
            format!(
                "{product}'s MCP server asks for access this server does not request ({}); an administrator must add it to the connection's scopes. {reauth_hint}",
                unrequested.join(", ")
            )
        } else {
            match self {
                Self::Scope => format!(
                    "{product}'s MCP server says the user's token lacks a permission the tool needs (it is asked with {}). {reauth_hint}",
                    requested.join(", ")
                ),
                Self::Challenge(Challenge {
                    error: Some(ref e), ..
                }) if e == "insufficient_scope" => format!(
                    "{product}'s MCP server says the user's token lacks a permission the tool needs. {reauth_hint}"
                ),
                Self::Challenge(_) | Self::Credential => {
                    format!("{product}'s MCP server rejected the user's credentials. {reauth_hint}")
                }
            }
        };
        SourceError::ReauthRequired { message }
    }
}

/// `text`, cut to [`MAX_QUOTED`] characters on one line.
fn quoted(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.char_indices().nth(MAX_QUOTED) {
        Some((at, _)) => format!("{}…", &one_line[..at]),
        None => one_line,
    }
}

fn has(text: &str, needles: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    needles
        .iter()
        .any(|n| lower.contains(&n.to_ascii_lowercase()))
}

/// How long a daily quota stays exhausted: Google's daily quotas reset at midnight Pacific time;
/// 08:00 UTC (midnight PST) is used, so the wait is at most an hour long in summer.
fn until_daily_reset() -> Duration {
    let now = time::OffsetDateTime::now_utc();
    let seconds_today = u64::from(now.hour()) * 3600 + u64::from(now.minute()) * 60;
    let reset = 8 * 3600;
    let wait = if seconds_today < reset {
        reset - seconds_today
    } else {
        24 * 3600 - seconds_today + reset
    };
    Duration::from_secs(wait)
}

/// A tool's error result: a refused credential (for the caller to follow), or a classified
/// failure. Throttling is retried by the shared policy; a daily quota asks for a wait no
/// deadline allows, so it is reported at once.
pub(crate) fn tool_error(product: &str, tool: &str, text: &str) -> Result<Refusal, Failure> {
    if has(
        text,
        &[
            "missing required authentication credential",
            "invalid authentication credentials",
            "UNAUTHENTICATED",
        ],
    ) {
        return Ok(Refusal::Credential);
    }
    if has(
        text,
        &[
            "insufficient authentication scopes",
            "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        ],
    ) {
        return Ok(Refusal::Scope);
    }
    let error = if has(
        text,
        &[
            "quota exceeded",
            "RESOURCE_EXHAUSTED",
            "rate limit exceeded",
            "rateLimitExceeded",
        ],
    ) {
        let retry_after = if has(text, &["per day", "daily"]) {
            until_daily_reset()
        } else {
            Duration::from_secs(1)
        };
        return Err(Failure {
            error: SourceError::RateLimited {
                retry_after: Some(retry_after),
            },
            retry_after: Some(retry_after),
        });
    } else if has(text, &["has not been used in project", "it is disabled"]) {
        SourceError::Upstream {
            status: None,
            message: format!(
                "{product}'s MCP server is not enabled in this deployment's Google Cloud project; an administrator must enable the API and its MCP service there (Google said: {})",
                quoted(text)
            ),
            retryable: false,
        }
    } else if has(
        text,
        &[
            "does not have permission",
            "PERMISSION_DENIED",
            "not allowed to use",
            "AI-powered agent",
        ],
    ) {
        SourceError::Upstream {
            status: None,
            message: format!(
                "{product}'s MCP server refused this deployment's OAuth client; an administrator must allow it (an OAuth client marked \"Use this client for an AI-powered agent\" in the project where the MCP service is enabled) (Google said: {})",
                quoted(text)
            ),
            retryable: false,
        }
    } else if has(text, &["not found", "NOT_FOUND"]) {
        SourceError::NotFound
    } else if has(
        text,
        &["backend error", "INTERNAL", "UNAVAILABLE", "try again"],
    ) {
        SourceError::Upstream {
            status: None,
            message: format!("{product}'s MCP tool `{tool}` failed: {}", quoted(text)),
            retryable: true,
        }
    } else {
        SourceError::Upstream {
            status: None,
            message: format!("{product}'s MCP tool `{tool}` failed: {}", quoted(text)),
            retryable: false,
        }
    };
    Err(error.into())
}

/// A JSON-RPC error. Internal and server-defined errors may pass; the rest are our request's
/// fault or the server's refusal, and are reported.
pub(crate) fn rpc_error(product: &str, tool: &str, error: &ErrorData) -> Failure {
    let code = error.code.0;
    let retryable = code == ErrorCode::INTERNAL_ERROR.0 || (-32099..=-32000).contains(&code);
    let what = match code {
        -32601 => "does not know the method",
        -32602 => "refused the tool's parameters",
        -32042 => "needs the user to open a link first",
        -32020 => "refused the request's headers",
        -32022 => "does not support the protocol version",
        _ => "answered an error",
    };
    SourceError::Upstream {
        status: None,
        message: format!(
            "{product}'s MCP server {what} for `{tool}` (JSON-RPC {code}: {})",
            quoted(&error.message)
        ),
        retryable,
    }
    .into()
}

/// A result asking for the user's input (an approval form) before the tool can finish.
pub(crate) fn input_required(product: &str, tool: &str) -> Failure {
    SourceError::Upstream {
        status: None,
        message: format!(
            "{product}'s MCP server asks the user to approve `{tool}` in a form, which a search cannot show; items outside the user's own account may need approval in Google first"
        ),
        retryable: false,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_parsed_with_quoted_and_bare_values() {
        let c = Challenge::parse(
            r#"Bearer resource_metadata="https://drivemcp.googleapis.com/.well-known/oauth-protected-resource/mcp/v1", error="invalid_token", scope="https://www.googleapis.com/auth/drive.readonly openid", error_description="The token \"expired\"""#,
        )
        .unwrap();
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(
            c.scope,
            ["https://www.googleapis.com/auth/drive.readonly", "openid"]
        );
        assert!(c.resource_metadata.unwrap().ends_with("/mcp/v1"));
        assert_eq!(c.description.as_deref(), Some("The token \"expired\""));
        let bare = Challenge::parse("bearer error=invalid_token,scope=a").unwrap();
        assert_eq!(bare.error.as_deref(), Some("invalid_token"));
        assert_eq!(bare.scope, ["a"]);
        assert_eq!(Challenge::parse("Bearer").unwrap(), Challenge::default());
        assert!(Challenge::parse(r#"Basic realm="x""#).is_none());
        // Garbage never panics.
        for junk in [
            "Bearer =",
            "Bearer a=\"",
            "Bearer ,,,",
            "Bearer a b c",
            "Bearer a=\\",
        ] {
            let _ = Challenge::parse(junk);
        }
    }

    #[test]
    fn a_challenge_for_scopes_we_never_ask_is_not_retried_and_names_them() {
        let asked = ["https://www.googleapis.com/auth/drive.readonly"];
        let plain = Refusal::Challenge(Challenge::default());
        assert!(plain.fresh_token_may_help(&asked));
        // Ours among alternatives (a server naming every scope it supports): worth a refresh.
        let ours = Refusal::Challenge(Challenge {
            scope: vec![
                asked[0].into(),
                "https://www.googleapis.com/auth/drive.file".into(),
            ],
            ..Challenge::default()
        });
        assert!(ours.fresh_token_may_help(&asked));
        let more = Refusal::Challenge(Challenge {
            scope: vec!["https://www.googleapis.com/auth/drive".into()],
            ..Challenge::default()
        });
        assert!(!more.fresh_token_may_help(&asked));
        let SourceError::ReauthRequired { message } =
            more.into_error("Google Drive", "Reconnect.", &asked)
        else {
            panic!()
        };
        assert!(
            message.contains("https://www.googleapis.com/auth/drive)"),
            "{message}"
        );
        assert!(!message.contains("drive.readonly"), "{message}");
    }

    #[test]
    fn error_results_are_classified_by_googles_texts() {
        let classify = |text: &str| tool_error("Google Drive", "search_files", text);
        assert_eq!(
            classify("Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.").ok(),
            Some(Refusal::Credential)
        );
        assert_eq!(
            classify("Request had insufficient authentication scopes.").ok(),
            Some(Refusal::Scope)
        );
        let quota = classify("Quota exceeded for quota metric 'MCP requests' and limit 'MCP requests per day' of service 'drivemcp.googleapis.com' for consumer 'project_number:1'.").unwrap_err();
        assert!(
            matches!(quota.error, SourceError::RateLimited { retry_after: Some(wait) } if wait > Duration::from_secs(60))
        );
        let disabled = classify(
            "Google Drive MCP API has not been used in project 1234 before or it is disabled.",
        )
        .unwrap_err();
        assert!(
            matches!(disabled.error, SourceError::Upstream { ref message, retryable: false, .. } if message.contains("administrator must enable"))
        );
        let denied = classify("The caller does not have permission").unwrap_err();
        assert!(
            matches!(denied.error, SourceError::Upstream { ref message, .. } if message.contains("AI-powered agent"))
        );
        assert_eq!(
            classify("File not found: 1x.").unwrap_err().error,
            SourceError::NotFound
        );
        let other = classify(&"odd ".repeat(200)).unwrap_err();
        assert!(
            matches!(other.error, SourceError::Upstream { ref message, retryable: false, .. } if message.chars().count() < 300)
        );
    }

    #[test]
    fn json_rpc_errors_say_what_was_refused() {
        let failure = rpc_error(
            "Google Drive",
            "nope",
            &ErrorData::new(ErrorCode::INVALID_PARAMS, "Unknown tool: nope", None),
        );
        assert!(
            matches!(failure.error, SourceError::Upstream { ref message, retryable: false, .. } if message.contains("refused the tool's parameters"))
        );
        let internal = rpc_error(
            "Google Drive",
            "x",
            &ErrorData::new(ErrorCode::INTERNAL_ERROR, "boom", None),
        );
        assert!(internal.error.is_retryable());
    }
}
