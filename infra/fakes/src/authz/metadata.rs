//! Discovery: the authorization-server metadata (RFC 8414, and the same document as OpenID
//! configuration, as Descope serves it) and the JWKS.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};

use super::{AuthServer, scopes};

/// `GET` at every well-known location of the issuer: the metadata document.
pub(super) async fn document(State(server): State<Arc<AuthServer>>) -> Json<Value> {
    Json(metadata(&server))
}

/// `GET /<project>/.well-known/jwks.json` and `/v2/keys/<project>`.
pub(super) async fn jwks(State(server): State<Arc<AuthServer>>) -> Json<Value> {
    Json(serde_json::to_value(server.signing_key().jwks()).unwrap_or_else(|_| json!({"keys": []})))
}

/// The metadata, shaped like a Descope MCP Server's discovery document.
pub(super) fn metadata(server: &AuthServer) -> Value {
    let base = &server.base_url;
    json!({
        "issuer": server.issuer(),
        "authorization_endpoint": format!("{base}{}", server.path("authorize")),
        "token_endpoint": format!("{base}{}", server.path("token")),
        "registration_endpoint": format!("{base}{}", server.registration_path()),
        "jwks_uri": format!("{base}/{}/.well-known/jwks.json", server.project_id),
        "scopes_supported": scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "authorization_response_iss_parameter_supported": true,
        "client_id_metadata_document_supported": true,
        "claims_supported": ["iss", "aud", "iat", "exp", "sub", "azp", "scope", "email", "name"],
    })
}
