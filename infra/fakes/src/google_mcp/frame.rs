//! The HTTP side: routes per product, protected-resource metadata, 401 challenges, and the
//! control route `POST /_fake/google-mcp`.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use super::{Product, Settings, Variant, products, rpc};
use crate::state::FakeState;

/// Google's authorization server, as the metadata names it.
const ACCOUNTS: &str = "https://accounts.google.com";

/// The routes' shared state: the fakes' state and the products.
pub(crate) struct Frame {
    pub(crate) state: Arc<FakeState>,
    pub(crate) products: Vec<Product>,
}

impl Frame {
    fn product(&self, name: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.name == name)
    }
}

/// Every product's endpoints, metadata and the control route.
pub(crate) fn router(state: Arc<FakeState>) -> Router {
    let frame = Arc::new(Frame {
        state,
        products: products(),
    });
    Router::new()
        .route(
            "/{product}/mcp/v1",
            post(v1).get(not_allowed).delete(not_allowed),
        )
        .route(
            "/{product}/mcp/v1self",
            post(v1self).get(not_allowed).delete(not_allowed),
        )
        .route(
            "/.well-known/oauth-protected-resource/{product}/mcp/v1",
            get(metadata),
        )
        .route(
            "/.well-known/oauth-protected-resource/{product}/mcp/v1self",
            get(metadata),
        )
        .route("/_fake/google-mcp", post(set_settings))
        .with_state(frame)
}

/// The origin the client used, for URLs in metadata and challenges.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not Found").into_response()
}

async fn not_allowed() -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, [("allow", "POST")]).into_response()
}

async fn v1(
    State(frame): State<Arc<Frame>>,
    Path(product): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match frame.product(&product) {
        Some(p) => rpc::handle(&frame, p, Variant::V1, &headers, &body),
        None => not_found(),
    }
}

async fn v1self(
    State(frame): State<Arc<Frame>>,
    Path(product): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match frame.product(&product) {
        Some(p) => rpc::handle(&frame, p, Variant::V1Self, &headers, &body),
        None => not_found(),
    }
}

/// RFC 9728 metadata of one product's endpoint.
async fn metadata(
    State(frame): State<Arc<Frame>>,
    Path(product): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(p) = frame.product(&product) else {
        return not_found();
    };
    axum::Json(json!({
        "resource": format!("{}/{}/mcp/v1", origin(&headers), p.name),
        "authorization_servers": [ACCOUNTS],
        "scopes_supported": p.scopes,
        "bearer_methods_supported": ["header"],
        "resource_name": p.title,
    }))
    .into_response()
}

/// `401` with `WWW-Authenticate: Bearer resource_metadata=…[, error=…][, scope=…]`, and
/// Google's error body.
pub(crate) fn challenge_response(
    origin: &str,
    product: &str,
    error: Option<&str>,
    scope: &str,
) -> Response {
    let mut value = format!(
        "Bearer resource_metadata=\"{origin}/.well-known/oauth-protected-resource/{product}/mcp/v1\""
    );
    if let Some(error) = error {
        value.push_str(&format!(", error=\"{error}\""));
    }
    if !scope.is_empty() {
        value.push_str(&format!(", scope=\"{scope}\""));
    }
    let body = json!({"error": {"code": 401, "status": "UNAUTHENTICATED",
        "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."}});
    let mut response = (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    if let Ok(header) = HeaderValue::from_str(&value) {
        response.headers_mut().insert("www-authenticate", header);
    }
    response
}

/// The scopes a product's challenges name: its metadata's.
pub(crate) fn product_scopes(product: &str) -> String {
    products()
        .iter()
        .find(|p| p.name == product)
        .map(|p| p.scopes.join(" "))
        .unwrap_or_default()
}

/// `POST /_fake/google-mcp`: `{"product": "drivemcp", ...Settings}`.
#[derive(Deserialize)]
struct SettingsRequest {
    product: String,
    #[serde(flatten)]
    settings: Settings,
}

async fn set_settings(
    State(frame): State<Arc<Frame>>,
    axum::Json(request): axum::Json<SettingsRequest>,
) -> Response {
    frame
        .state
        .google_mcp
        .set(&request.product, request.settings);
    axum::Json(json!({"ok": true})).into_response()
}
