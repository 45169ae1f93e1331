//! Token endpoints: Google's JWT-bearer grant (service account with domain-wide delegation) and the
//! Microsoft identity platform's client-credentials grant.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;
use serde_json::json;

use crate::corpus::{Principal, Upstream};
use crate::errors::json_status;
use crate::state::{FakeState, now};

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
const DRIVE_SCOPES: [&str; 2] = [
    "https://www.googleapis.com/auth/drive.readonly",
    "https://www.googleapis.com/auth/drive",
];

fn form(body: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect()
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    json_status(
        status,
        json!({"error": error, "error_description": description}),
    )
}

#[derive(Debug, Deserialize)]
struct Assertion {
    iss: String,
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    scope: String,
    aud: String,
    iat: u64,
    exp: u64,
}

/// `POST /token`: exchanges a service account's signed assertion for an access token acting as the
/// user named in `sub`.
pub(crate) async fn google(State(state): State<Arc<FakeState>>, body: String) -> Response {
    let params = form(&body);
    if params.get("grant_type").map(String::as_str) != Some(JWT_BEARER) {
        return oauth_error(400, "unsupported_grant_type", "Invalid grant_type.");
    }
    let Some(assertion) = params.get("assertion") else {
        return oauth_error(
            400,
            "invalid_request",
            "Missing required parameter: assertion",
        );
    };
    let Some(key) = &state.config.google_service_account_key else {
        return oauth_error(401, "invalid_client", "The OAuth client was not found.");
    };
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_aud = false;
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.leeway = 0;
    let claims = match jsonwebtoken::decode::<Assertion>(assertion, key, &validation) {
        Ok(data) => data.claims,
        Err(_) => return oauth_error(400, "invalid_grant", "Invalid JWT Signature."),
    };
    if claims.iss != state.config.google_service_account_email {
        return oauth_error(401, "invalid_client", "The OAuth client was not found.");
    }
    if !claims.aud.ends_with("/token") {
        return oauth_error(400, "invalid_grant", "Invalid JWT: Failed audience check.");
    }
    if claims.exp <= now() || claims.exp.saturating_sub(claims.iat) > 3600 {
        return oauth_error(
            400,
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
        );
    }
    let scopes: Vec<&str> = claims.scope.split_whitespace().collect();
    let unauthorized = || {
        oauth_error(
            401,
            "unauthorized_client",
            "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
        )
    };
    if !scopes.iter().any(|s| DRIVE_SCOPES.contains(s)) {
        return unauthorized();
    }
    let principal = match claims.sub {
        Some(sub) if state.corpus.user_by_email(&sub).is_some() => Principal::User(sub),
        Some(_) => return unauthorized(),
        // Without delegation the service account acts as itself and owns nothing.
        None => Principal::User(claims.iss),
    };
    let granted = scopes.iter().map(|s| (*s).to_owned()).collect();
    let (token, expires_at) = state.issue_scoped(Upstream::GoogleDrive, principal, granted);
    axum::Json(
        json!({"access_token": token, "expires_in": expires_at - now(), "token_type": "Bearer"}),
    )
    .into_response()
}

/// `POST /{tenant}/oauth2/v2.0/token`: client credentials for an app-only Graph token.
pub(crate) async fn microsoft(
    State(state): State<Arc<FakeState>>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let params = form(&body);
    let config = &state.config;
    if tenant != config.microsoft_tenant_id {
        return oauth_error(
            400,
            "invalid_request",
            &format!("AADSTS90002: Tenant '{tenant}' not found."),
        );
    }
    if params.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "AADSTS70003: The app requested an unsupported grant type.",
        );
    }
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':')
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
        });
    let (client_id, secret) = match basic {
        Some(pair) => pair,
        None => (
            params.get("client_id").cloned().unwrap_or_default(),
            params.get("client_secret").cloned().unwrap_or_default(),
        ),
    };
    if client_id != config.microsoft_client_id {
        return oauth_error(
            400,
            "unauthorized_client",
            &format!(
                "AADSTS700016: Application with identifier '{client_id}' was not found in the directory."
            ),
        );
    }
    if secret != config.microsoft_client_secret {
        return oauth_error(
            401,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided.",
        );
    }
    if params.get("scope").map(String::as_str) != Some("https://graph.microsoft.com/.default") {
        return oauth_error(
            400,
            "invalid_scope",
            "AADSTS1002012: The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
        );
    }
    let (token, expires_at) = state.issue(Upstream::Sharepoint, Principal::App);
    let ttl = expires_at - now();
    axum::Json(json!({"token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl, "access_token": token})).into_response()
}
