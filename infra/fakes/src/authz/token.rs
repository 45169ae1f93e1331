//! The token endpoint: the authorization-code grant (PKCE S256 checked, code single-use, same
//! redirect URI and resource) and the refresh-token grant (rotating; expired ones refused).
//! Access tokens are RS256 JWTs with Descope's MCP claims: `iss`, `aud` = the resource, `sub`
//! (the Descope user id), `azp` (the client id), `scope`, one-hour lifetime.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::authorize::params;
use super::{ACCESS_TOKEN_TTL, AuthServer, REFRESH_TOKEN_TTL, RefreshGrant, expired, random_token};
use crate::state::now;

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn bad(error: &str, description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

/// RFC 7636 §4.1: 43 to 128 characters of `[A-Za-z0-9-._~]`.
fn valid_verifier(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// `BASE64URL(SHA256(verifier))`, the S256 challenge.
pub(super) fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// The client the request authenticates as: `client_id` (+ `client_secret`) in the form, or HTTP
/// Basic. Public clients send only `client_id`.
async fn authenticate(
    server: &AuthServer,
    headers: &HeaderMap,
    form: &HashMap<String, Vec<String>>,
) -> Result<String, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            pair.split_once(':').map(|(a, b)| {
                let decode = |s: &str| {
                    url::form_urlencoded::parse(format!("x={s}").as_bytes())
                        .next()
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default()
                };
                (decode(a), Some(decode(b)))
            })
        });
    let field = |name: &str| form.get(name).and_then(|v| v.first()).cloned();
    let (client_id, secret) = match basic {
        Some(pair) => pair,
        None => (
            field("client_id").unwrap_or_default(),
            field("client_secret"),
        ),
    };
    let client = server.client(&client_id).await.map_err(|why| {
        // RFC 6749 §5.2: a client that cannot be identified is `invalid_client`, with 401.
        let status = match why.oauth_error() {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            _ => StatusCode::BAD_REQUEST,
        };
        oauth_error(status, why.oauth_error(), &why.to_string())
    })?;
    match (&client.secret, secret) {
        (None, _) => Ok(client_id),
        (Some(expected), Some(given)) if *expected == given => Ok(client_id),
        _ => Err(oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )),
    }
}

/// Mints the token response for a grant.
fn issue(
    server: &AuthServer,
    client_id: &str,
    user_id: &str,
    resource: &str,
    scope: &str,
) -> Response {
    let issued = now();
    let user = server.corpus.user_by_descope_id(user_id);
    let mut claims = json!({
        "iss": server.issuer(),
        "sub": user_id,
        "aud": resource,
        "azp": client_id,
        "scope": scope,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ACCESS_TOKEN_TTL,
        "jti": random_token(12),
    });
    if let Some(user) = user {
        // What a Descope consent flow's custom-claims action would add: Google's domain-wide
        // delegation needs the user's email.
        claims["email"] = Value::from(user.email.clone());
        claims["name"] = Value::from(user.name.clone());
    }
    let Some(access_token) = server.signing_key().sign(&claims) else {
        return oauth_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "signing failed",
        );
    };
    let refresh_token = random_token(32);
    server.store().refresh.insert(
        refresh_token.clone(),
        RefreshGrant {
            client_id: client_id.to_owned(),
            resource: resource.to_owned(),
            scope: scope.to_owned(),
            user_id: user_id.to_owned(),
            expires_at: issued + REFRESH_TOKEN_TTL,
        },
    );
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_TTL,
            "refresh_token": refresh_token,
            "scope": scope,
        })),
    )
        .into_response()
}

/// `POST <token_endpoint>`.
pub(super) async fn token(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = params(&body);
    let field = |name: &str| form.get(name).and_then(|v| v.first()).map(String::as_str);
    let client_id = match authenticate(&server, &headers, &form).await {
        Ok(id) => id,
        Err(response) => return response,
    };
    match field("grant_type") {
        Some("authorization_code") => {
            let code = field("code").unwrap_or_default();
            let grant = {
                let mut store = server.store();
                let Some(grant) = store.codes.get_mut(code) else {
                    return bad("invalid_grant", "unknown authorization code");
                };
                if grant.used {
                    // RFC 6749 §4.1.2: a code used twice revokes what it was exchanged for.
                    let (client, user) = (grant.client_id.clone(), grant.user_id.clone());
                    store
                        .refresh
                        .retain(|_, r| !(r.client_id == client && r.user_id == user));
                    return bad("invalid_grant", "the authorization code was already used");
                }
                grant.used = true;
                grant.clone()
            };
            if expired(grant.expires_at) {
                return bad("invalid_grant", "the authorization code expired");
            }
            if grant.client_id != client_id {
                return bad("invalid_grant", "the code was issued to another client");
            }
            if field("redirect_uri") != Some(grant.redirect_uri.as_str()) {
                return bad(
                    "invalid_grant",
                    "redirect_uri differs from the authorization request",
                );
            }
            let Some(verifier) = field("code_verifier") else {
                return bad("invalid_request", "code_verifier is required (PKCE)");
            };
            if !valid_verifier(verifier) || s256(verifier) != grant.code_challenge {
                return bad(
                    "invalid_grant",
                    "code_verifier does not match the code_challenge",
                );
            }
            if let Some(resource) = field("resource")
                && resource != grant.resource
            {
                return bad(
                    "invalid_target",
                    "resource differs from the one the user authorized",
                );
            }
            issue(
                &server,
                &client_id,
                &grant.user_id,
                &grant.resource,
                &grant.scope,
            )
        }
        Some("refresh_token") => {
            let presented = field("refresh_token").unwrap_or_default();
            let Some(grant) = server.store().refresh.remove(presented) else {
                return bad("invalid_grant", "unknown or already used refresh token");
            };
            if grant.client_id != client_id {
                return bad(
                    "invalid_grant",
                    "the refresh token was issued to another client",
                );
            }
            if expired(grant.expires_at) {
                return bad("invalid_grant", "the refresh token expired");
            }
            if let Some(resource) = field("resource")
                && resource != grant.resource
            {
                return bad(
                    "invalid_target",
                    "resource differs from the one the user authorized",
                );
            }
            let scope = match field("scope") {
                Some(asked) => {
                    let held: Vec<&str> = grant.scope.split_whitespace().collect();
                    if asked.split_whitespace().any(|s| !held.contains(&s)) {
                        return bad("invalid_scope", "a refresh cannot add scopes");
                    }
                    asked.split_whitespace().collect::<Vec<_>>().join(" ")
                }
                None => grant.scope.clone(),
            };
            issue(&server, &client_id, &grant.user_id, &grant.resource, &scope)
        }
        Some(other) => bad(
            "unsupported_grant_type",
            &format!("grant_type {other} is not supported"),
        ),
        None => bad("invalid_request", "grant_type is required"),
    }
}

/// `POST /_fake/authz/expire-refresh-tokens`: every refresh token is now expired.
pub(super) async fn expire_refresh_tokens(State(server): State<Arc<AuthServer>>) -> Response {
    let mut store = server.store();
    for grant in store.refresh.values_mut() {
        grant.expires_at = 0;
    }
    axum::Json(json!({"expired": store.refresh.len()})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_is_base64url_of_sha256() {
        // Expected value computed independently (Python: hashlib.sha256 + urlsafe_b64encode).
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFrSMuNWk"),
            "7lEeSWrrwKLAtH7Ep-cNBAn_AkkFlGX-mgMk4MqbkN4"
        );
        assert!(valid_verifier(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXFrSMuNWk"
        ));
        assert!(!valid_verifier("short"));
        assert!(!valid_verifier(&"a b".repeat(20)));
    }
}
