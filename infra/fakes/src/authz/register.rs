//! Dynamic client registration (RFC 7591), open like Descope's default for MCP servers.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AuthServer, Client, random_token};
use crate::errors::json_status;
use crate::state::now;

#[derive(Debug, Deserialize)]
struct Registration {
    #[serde(default)]
    redirect_uris: Vec<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    response_types: Option<Vec<String>>,
    #[serde(default)]
    client_name: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

fn invalid(error: &str, description: &str) -> Response {
    json_status(
        400,
        json!({"error": error, "error_description": description}),
    )
}

/// Whether `uri` may receive codes: an absolute URI without fragment; plain `http` only on a
/// loopback host (RFC 8252 §7.3), any other scheme is a native app's private-use scheme.
pub(super) fn acceptable_redirect(uri: &str) -> bool {
    let Ok(url) = url::Url::parse(uri) else {
        return false;
    };
    if url.fragment().is_some() {
        return false;
    }
    match url.scheme() {
        "https" => true,
        "http" => is_loopback(&url),
        "javascript" | "data" | "file" => false,
        _ => true,
    }
}

pub(super) fn is_loopback(url: &url::Url) -> bool {
    matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"))
}

/// `POST <registration_endpoint>`.
pub(super) async fn register(State(server): State<Arc<AuthServer>>, body: String) -> Response {
    let Ok(request) = serde_json::from_str::<Registration>(&body) else {
        return invalid(
            "invalid_client_metadata",
            "the body must be a JSON object of client metadata",
        );
    };
    if request.redirect_uris.is_empty() {
        return invalid("invalid_redirect_uri", "redirect_uris is required");
    }
    if let Some(bad) = request
        .redirect_uris
        .iter()
        .find(|u| !acceptable_redirect(u))
    {
        return invalid(
            "invalid_redirect_uri",
            &format!(
                "{bad} is not allowed: use https, a loopback http URI or a private-use scheme"
            ),
        );
    }
    let grant_types = request
        .grant_types
        .unwrap_or_else(|| vec!["authorization_code".into(), "refresh_token".into()]);
    if let Some(bad) = grant_types
        .iter()
        .find(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    {
        return invalid(
            "invalid_client_metadata",
            &format!("grant type {bad} is not supported"),
        );
    }
    let response_types = request
        .response_types
        .unwrap_or_else(|| vec!["code".into()]);
    if response_types.iter().any(|r| r != "code") {
        return invalid(
            "invalid_client_metadata",
            "only the `code` response type is supported",
        );
    }
    let method = request
        .token_endpoint_auth_method
        .unwrap_or_else(|| "client_secret_basic".into());
    let secret = match method.as_str() {
        "none" => None,
        "client_secret_basic" | "client_secret_post" => Some(random_token(24)),
        other => {
            return invalid(
                "invalid_client_metadata",
                &format!("token_endpoint_auth_method {other} is not supported"),
            );
        }
    };
    let client_id = format!("DS{}", random_token(12));
    let name = request.client_name.unwrap_or_else(|| "MCP client".into());
    server.store().clients.insert(
        client_id.clone(),
        Client {
            redirect_uris: request.redirect_uris.clone(),
            secret: secret.clone(),
            name: name.clone(),
        },
    );
    let mut body = json!({
        "client_id": client_id,
        "client_id_issued_at": now(),
        "client_name": name,
        "redirect_uris": request.redirect_uris,
        "grant_types": grant_types,
        "response_types": response_types,
        "token_endpoint_auth_method": method,
    });
    if let Some(scope) = request.scope {
        body["scope"] = Value::from(scope);
    }
    if let Some(secret) = secret {
        body["client_secret"] = Value::from(secret);
        body["client_secret_expires_at"] = Value::from(0);
    }
    json_status(201, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_safe() {
        assert!(acceptable_redirect("http://127.0.0.1:3334/callback"));
        assert!(acceptable_redirect("http://localhost/callback"));
        assert!(acceptable_redirect(
            "https://claude.ai/api/mcp/auth_callback"
        ));
        assert!(acceptable_redirect(
            "cursor://anysphere.cursor-mcp/oauth/callback"
        ));
        assert!(!acceptable_redirect("http://evil.example/callback"));
        assert!(!acceptable_redirect("https://a.example/cb#frag"));
        assert!(!acceptable_redirect("javascript:alert(1)"));
        assert!(!acceptable_redirect("not a uri"));
    }
}
