//! The REST routes: `GET /health`, `GET /.well-known/oauth-protected-resource`, `GET /mcp/tools`
//! and `POST /mcp/tools/{name}/call` (every tool, `add_comment` included). Each handler is what one Lambda function serves.

use http::{Method, Response, StatusCode};
use lambda_http::{Body, Request};
use serde_json::{Value, json};

use crate::config::ConfigErrors;
use crate::http::{json_body, json_response, path};
use crate::pipeline::Exchange;
use crate::state::{AppState, Runtime};
use crate::{ApiError, catalogue};

/// The version reported by `/health`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `GET /health` and the protected-resource metadata (the health function serves both; both are
/// public, so neither is authenticated nor rate-limited).
pub async fn health(state: &AppState, req: Request) -> Response<Body> {
    let route = path(&req);
    let is_prm = route == "/.well-known/oauth-protected-resource"
        || route.starts_with("/.well-known/oauth-protected-resource/");
    let exchange = Exchange::begin(
        state,
        &req,
        if is_prm {
            "resource_metadata"
        } else {
            "health"
        },
    );
    let result = if route != "/health" && !is_prm {
        Err(ApiError::NotFound)
    } else if req.method() != Method::GET && req.method() != Method::HEAD {
        Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" })
    } else if is_prm {
        match &state.runtime().await {
            Ok(runtime) => Ok(json_response(
                StatusCode::OK,
                &protected_resource_metadata(runtime),
                &exchange.info().request_id,
            )),
            Err(_) => Err(ApiError::Misconfigured),
        }
    } else {
        let runtime = state.runtime().await;
        // A disabled source (its credential unusable) degrades the deployment without stopping it.
        let problems = match &runtime {
            Ok(runtime) => runtime.parts().source_problems.clone(),
            Err(errors) => errors.0.clone(),
        };
        let (status, body) = if problems.is_empty() {
            let rate_limiting = match &runtime {
                Ok(runtime) if runtime.limiter.is_some() => "on",
                _ => "off",
            };
            (
                StatusCode::OK,
                json!({"status": "ok", "version": VERSION, "rate_limiting": rate_limiting}),
            )
        } else {
            // The details can name a secret's ARN, an account or an endpoint: they go to the
            // log, and the public answer names only the settings to look at.
            tracing::error!(errors = %ConfigErrors(problems.clone()), "health check: the deployment is degraded");
            let settings: Vec<_> = problems
                .iter()
                .map(|p| json!({"setting": p.setting}))
                .collect();
            (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({
                    "status": "degraded",
                    "version": VERSION,
                    "problems": settings,
                    "message": "the function's log says what is wrong with each setting",
                }),
            )
        };
        Ok(json_response(status, &body, &exchange.info().request_id))
    };
    exchange.finish(state, result)
}

/// The RFC 9728 document: which authorization server issues tokens for this resource, and which
/// scopes exist.
pub fn protected_resource_metadata(runtime: &Runtime) -> Value {
    let authorization_servers: Vec<&str> = runtime
        .config
        .oidc
        .iter()
        .map(|o| o.issuer.as_str())
        .collect();
    json!({
        "resource": runtime.config.audience(),
        "authorization_servers": authorization_servers,
        "scopes_supported": runtime.sign_in_scopes(),
        "bearer_methods_supported": ["header"],
        "resource_name": "workplace-mcp",
    })
}

/// `GET /mcp/tools`: the catalogue, for any authenticated caller.
pub async fn list_tools(state: &AppState, req: Request) -> Response<Body> {
    let exchange = Exchange::begin(state, &req, "tools/list");
    let result = async {
        if path(&req) != "/mcp/tools" {
            return Err(ApiError::NotFound);
        }
        if req.method() != Method::GET {
            return Err(ApiError::MethodNotAllowed { allow: "GET" });
        }
        let caller = exchange.admit(state, req.headers()).await?;
        let mut response = json_response(
            StatusCode::OK,
            &json!({"tools": catalogue::allowed_tools(&caller.policy)}),
            &exchange.info().request_id,
        );
        caller.decorate(&mut response);
        Ok(response)
    }
    .await;
    exchange.finish(state, result)
}

/// `POST /mcp/tools/{name}/call`: runs a tool with the seed's request body
/// `{"name": ..., "arguments": {...}}`.
pub async fn call_tool(state: &AppState, req: Request) -> Response<Body> {
    let exchange = Exchange::begin(state, &req, "tools/call");
    let result = async {
        let name = path(&req)
            .strip_prefix("/mcp/tools/")
            .and_then(|rest| rest.strip_suffix("/call"))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .ok_or(ApiError::NotFound)?;
        if req.method() != Method::POST {
            return Err(ApiError::MethodNotAllowed { allow: "POST" });
        }
        let mut caller = exchange.admit(state, req.headers()).await?;
        let body = json_body(&req)?;
        let arguments = tool_arguments(&body, name)?;
        let prepared = exchange.validate(&caller, name, arguments)?;
        exchange.charge(&mut caller, &prepared).await?;
        let result = exchange.execute(&caller, &prepared).await;
        let mut response = json_response(StatusCode::OK, &result, &exchange.info().request_id);
        caller.decorate(&mut response);
        Ok(response)
    }
    .await;
    exchange.finish(state, result)
}

/// Checks the body's envelope and returns its `arguments`.
fn tool_arguments<'a>(body: &'a Value, path_name: &str) -> Result<Option<&'a Value>, ApiError> {
    let Value::Object(envelope) = body else {
        return Err(ApiError::BadRequest(
            "the body must be a JSON object like {\"name\": ..., \"arguments\": {...}}".into(),
        ));
    };
    if let Some(unknown) = envelope
        .keys()
        .find(|k| !matches!(k.as_str(), "name" | "arguments" | "_meta"))
    {
        return Err(ApiError::InvalidArguments(
            crate::arguments::InvalidArgument {
                field: unknown.clone(),
                reason: "unknown field (expected name and arguments)".into(),
            },
        ));
    }
    match envelope.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(name)) if name == path_name => {}
        Some(_) => {
            return Err(ApiError::InvalidArguments(
                crate::arguments::InvalidArgument {
                    field: "name".into(),
                    reason: format!("must be \"{path_name}\", the tool named in the path"),
                },
            ));
        }
    }
    Ok(envelope.get("arguments"))
}
