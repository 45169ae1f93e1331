//! `WWW-Authenticate` challenges (RFC 6750 §3, MCP authorization spec, RFC 9728 §5.1).

use crate::AuthError;

/// The realm named in every challenge.
pub const REALM: &str = "workplace-mcp";

/// The challenge of a 401: where to find the protected-resource metadata and the scopes a first
/// sign-in needs (`scope`: the MCP authorization spec's SHOULD, which clients prefer to the
/// metadata's `scopes_supported`), plus `error="invalid_token"` when a token was sent (RFC 6750
/// says to omit the error otherwise).
pub fn unauthorized<'a>(
    resource_metadata: &str,
    sign_in_scopes: impl IntoIterator<Item = &'a str>,
    error: &AuthError,
) -> String {
    let scopes: Vec<&str> = sign_in_scopes.into_iter().collect();
    let mut value = format!(
        "Bearer realm=\"{REALM}\", resource_metadata=\"{}\"",
        escape(resource_metadata)
    );
    if !scopes.is_empty() {
        value.push_str(", scope=\"");
        value.push_str(&escape(&scopes.join(" ")));
        value.push('"');
    }
    if error.token_was_sent() {
        value.push_str(", error=\"invalid_token\", error_description=\"");
        value.push_str(&escape(&error.to_string()));
        value.push('"');
    }
    value
}

/// The challenge of a 403: the scopes to ask for so the request succeeds. The MCP authorization
/// spec (2025-11-25) has the client re-authorize with exactly these, so they are the scopes the
/// token already carries (of this resource) followed by the missing ones: a step-up must not
/// drop what the client had. Duplicates are named once.
pub fn insufficient_scope<'a>(
    resource_metadata: &str,
    granted: impl IntoIterator<Item = &'a str>,
    missing: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut scopes: Vec<&str> = Vec::new();
    for scope in granted.into_iter().chain(missing) {
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
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

    const READ: [&str; 2] = ["workplace:read:google_drive", "workplace:read:notion"];

    #[test]
    fn no_error_attribute_without_a_token() {
        assert_eq!(
            unauthorized(PRM, READ, &AuthError::MissingCredentials),
            format!(
                "Bearer realm=\"workplace-mcp\", resource_metadata=\"{PRM}\", \
                 scope=\"workplace:read:google_drive workplace:read:notion\""
            )
        );
        assert_eq!(
            unauthorized(PRM, [], &AuthError::MissingCredentials),
            format!("Bearer realm=\"workplace-mcp\", resource_metadata=\"{PRM}\"")
        );
    }

    #[test]
    fn invalid_token_when_one_was_sent() {
        let value = unauthorized(PRM, READ, &AuthError::Expired);
        assert!(value.contains("error=\"invalid_token\""), "{value}");
        assert!(value.contains("error_description=\"the token has expired\""));
        assert!(value.contains(&format!("resource_metadata=\"{PRM}\"")));
        assert!(value.contains("scope=\"workplace:read:google_drive workplace:read:notion\""));
    }

    #[test]
    fn insufficient_scope_asks_for_the_granted_scopes_and_the_missing_ones() {
        let value = insufficient_scope(
            PRM,
            ["workplace:read:google_drive", "workplace:read:notion"],
            ["workplace:read:notion", "workplace:read:sharepoint"],
        );
        assert_eq!(
            value,
            format!(
                "Bearer realm=\"workplace-mcp\", error=\"insufficient_scope\", \
                 scope=\"workplace:read:google_drive workplace:read:notion workplace:read:sharepoint\", \
                 resource_metadata=\"{PRM}\""
            )
        );
    }

    #[test]
    fn quoted_strings_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\cd");
    }
}
