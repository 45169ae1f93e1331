//! The consent page: pick a demo user and the scopes to grant. Plain HTML, no script.

use super::authorize::Validated;
use crate::corpus::User;

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}\
fieldset{margin:1rem 0}label{display:block;margin:.3rem 0}button{margin-right:.5rem;padding:.4rem 1rem}";

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

/// Where the code will go, as the person should judge it: the redirect URI's scheme and host.
/// MCP 2025-11-25 asks the server to show it, since a metadata document's `client_name` is the
/// client's own claim (and anything may serve a document naming a localhost redirect URI).
fn redirect_host(redirect_uri: &str) -> String {
    match url::Url::parse(redirect_uri) {
        Ok(url) => match url.host_str() {
            Some(host) => format!("{}://{host}", url.scheme()),
            None => format!("{}:", url.scheme()),
        },
        Err(_) => redirect_uri.to_owned(),
    }
}

/// The page asking a person to sign in as a demo user and approve `request`.
pub(super) fn consent_page(action: &str, request: &Validated, users: &[User]) -> String {
    let mut fields = vec![
        hidden("response_type", "code"),
        hidden("client_id", &request.client_id),
        hidden("redirect_uri", &request.redirect_uri),
        hidden("code_challenge", &request.code_challenge),
        hidden("code_challenge_method", "S256"),
        hidden("resource", &request.resource),
        hidden("requested_scope", &request.scope),
    ];
    if let Some(state) = &request.state {
        fields.push(hidden("state", state));
    }
    let people: String = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            format!(
                "<label><input type=\"radio\" name=\"user_id\" value=\"{}\"{}> {} &lt;{}&gt;</label>",
                esc(&u.descope_user_id),
                if i == 0 { " checked" } else { "" },
                esc(&u.name),
                esc(&u.email)
            )
        })
        .collect();
    let scopes: String = request
        .scope
        .split_whitespace()
        .map(|s| {
            format!(
                "<label><input type=\"checkbox\" name=\"scope\" value=\"{0}\" checked> {0}</label>",
                esc(s)
            )
        })
        .collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign in to workplace-mcp (local)</title>\
         <style>{STYLE}</style></head><body><h1>Sign in (local demo)</h1>\
         <p><strong>{client}</strong> wants to search your workplace documents at <code>{resource}</code>.</p>\
         <p><small>Client <code>{client_id}</code>; you will be sent back to <code>{back_to}</code>.</small></p>\
         <form method=\"post\" action=\"{action}\">{fields}\
         <fieldset><legend>Sign in as</legend>{people}</fieldset>\
         <fieldset><legend>Allow</legend>{scopes}</fieldset>\
         <button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button>\
         <button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>\
         </form><p><small>Local authorization server of workplace-mcp's fakes; it mimics a Descope MCP Server.</small></p>\
         </body></html>",
        client = esc(&request.client_name),
        resource = esc(&request.resource),
        client_id = esc(&request.client_id),
        back_to = esc(&redirect_host(&request.redirect_uri)),
        action = esc(action),
        fields = fields.concat(),
    )
}

/// A page saying why the request cannot go on (when redirecting back is not safe).
pub(super) fn error_page(message: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sign-in error</title><style>{STYLE}</style></head>\
         <body><h1>Sign-in error</h1><p>{}</p></body></html>",
        esc(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
        assert!(!error_page("<script>").contains("<script>"));
        assert_eq!(
            redirect_host("http://127.0.0.1:5000/cb?x=1"),
            "http://127.0.0.1"
        );
        assert_eq!(
            redirect_host("cursor://anysphere.cursor-mcp/cb"),
            "cursor://anysphere.cursor-mcp"
        );
    }
}
