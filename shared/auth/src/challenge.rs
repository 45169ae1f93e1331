//! `WWW-Authenticate` challenges (RFC 6750 §3, MCP authorization spec, RFC 9728 §5.1).

use crate::AuthError;

/// The realm named in every challenge.
pub const REALM: &str = "workplace-mcp";

/// The challenge of a 401: where to find the protected-resource metadata, plus
/// `error="invalid_token"` when a token was sent (RFC 6750 says to omit the error otherwise).
pub fn unauthorized(resource_metadata: &str, error: &AuthError) -> String {
    let mut value = format!(
        "Bearer realm=\"{REALM}\", resource_metadata=\"{}\"",
        escape(resource_metadata)
    );
    if error.token_was_sent() {
        value.push_str(", error=\"invalid_token\", error_description=\"");
        value.push_str(&escape(&error.to_string()));
        value.push('"');
    }
    value
}

/// The challenge of a 403: the scopes that would have made the request succeed.
pub fn insufficient_scope<'a>(
    resource_metadata: &str,
    missing: impl IntoIterator<Item = &'a str>,
) -> String {
    let scopes: Vec<&str> = missing.into_iter().collect();
    format!(
        "Bearer realm=\"{REALM}\", error=\"insufficient_scope\", scope=\"{}\", resource_metadata=\"{}\"",
        escape(&scopes.join(" ")),
        escape(resource_metadata)
    )
}

/// Escapes a quoted-string (RFC 9110 §5.6.4).
fn escape(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRM: &str = "https://api.example.com/.well-known/oauth-protected-resource";

    #[test]
    fn no_error_attribute_without_a_token() {
        assert_eq!(
            unauthorized(PRM, &AuthError::MissingCredentials),
            format!("Bearer realm=\"workplace-mcp\", resource_metadata=\"{PRM}\"")
        );
    }

    #[test]
    fn invalid_token_when_one_was_sent() {
        let value = unauthorized(PRM, &AuthError::Expired);
        assert!(value.contains("error=\"invalid_token\""), "{value}");
        assert!(value.contains("error_description=\"the token has expired\""));
        assert!(value.contains(&format!("resource_metadata=\"{PRM}\"")));
    }

    #[test]
    fn insufficient_scope_lists_the_missing_scopes() {
        let value = insufficient_scope(PRM, ["workplace:read:notion", "workplace:read:sharepoint"]);
        assert_eq!(
            value,
            format!(
                "Bearer realm=\"workplace-mcp\", error=\"insufficient_scope\", \
                 scope=\"workplace:read:notion workplace:read:sharepoint\", resource_metadata=\"{PRM}\""
            )
        );
    }

    #[test]
    fn quoted_strings_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\cd");
    }
}
