//! The REST routes: `GET /health`, `GET /.well-known/oauth-protected-resource`, `GET /mcp/tools`
//! and `POST /mcp/tools/{name}/call`. Each handler is what one Lambda function serves.

use std::time::Instant;

use http::{Method, Response, StatusCode};
use lambda_http::{Body, Request};
use serde_json::{Value, json};
use workplace_auth::Principal;
use workplace_connectors::SourceKind;
use workplace_ratelimit::Decision;

use crate::http::{RequestInfo, error_response, json_body, json_response, path};
use crate::record::{InvocationRecord, MCP_SERVER, timestamp_now};
use crate::state::{AppState, Parts, Runtime};
use crate::tools::{self, CallSummary};
use crate::{ApiError, catalogue};

/// The version reported by `/health`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `GET /health` and the protected-resource metadata (the health function serves both; both are
/// public).
pub async fn health(state: &AppState, req: Request) -> Response<Body> {
    let mut call = Call::start(state, &req, "health");
    let route = path(&req);
    let is_prm = route == "/.well-known/oauth-protected-resource"
        || route.starts_with("/.well-known/oauth-protected-resource/");
    let result = if route != "/health" && !is_prm {
        Err(ApiError::NotFound)
    } else if req.method() != Method::GET && req.method() != Method::HEAD {
        Err(ApiError::MethodNotAllowed { allow: "GET, HEAD" })
    } else if is_prm {
        call.record.action = "resource_metadata".into();
        match &state.runtime().await {
            Ok(runtime) => Ok(json_response(
                StatusCode::OK,
                &protected_resource_metadata(runtime),
                &call.info.request_id,
            )),
            Err(_) => Err(ApiError::Misconfigured),
        }
    } else {
        let body = match &state.runtime().await {
            Ok(runtime) => json!({
                "status": "ok",
                "version": VERSION,
                "rate_limiting": if runtime.limiter.is_some() { "on" } else { "off" },
            }),
            Err(errors) => json!({"status": "degraded", "version": VERSION, "problems": errors.0}),
        };
        Ok(json_response(StatusCode::OK, &body, &call.info.request_id))
    };
    call.finish(state, result)
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
        "scopes_supported": SourceKind::ALL.iter().map(|k| k.scope()).collect::<Vec<_>>(),
        "bearer_methods_supported": ["header"],
        "resource_name": "workplace-mcp",
    })
}

/// `GET /mcp/tools`: the catalogue, for any authenticated caller.
pub async fn list_tools(state: &AppState, req: Request) -> Response<Body> {
    let mut call = Call::start(state, &req, "tools/list");
    let result = async {
        if path(&req) != "/mcp/tools" {
            return Err(ApiError::NotFound);
        }
        if req.method() != Method::GET {
            return Err(ApiError::MethodNotAllowed { allow: "GET" });
        }
        let runtime = state.runtime().await.map_err(|_| ApiError::Misconfigured)?;
        let parts = runtime.parts();
        let principal = call.authenticate(&parts, &req).await?;
        let limit_headers = call.rate_limit(&runtime, &principal).await?;
        let mut response = json_response(
            StatusCode::OK,
            &json!({"tools": catalogue::tools()}),
            &call.info.request_id,
        );
        with_headers(&mut response, &limit_headers);
        Ok(response)
    }
    .await;
    call.finish(state, result)
}

/// `POST /mcp/tools/{name}/call`: runs a tool with the seed's request body
/// `{"name": ..., "arguments": {...}}`.
pub async fn call_tool(state: &AppState, req: Request) -> Response<Body> {
    let mut call = Call::start(state, &req, "tools/call");
    let result = async {
        let name = path(&req)
            .strip_prefix("/mcp/tools/")
            .and_then(|rest| rest.strip_suffix("/call"))
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .ok_or(ApiError::NotFound)?
            .to_owned();
        if req.method() != Method::POST {
            return Err(ApiError::MethodNotAllowed { allow: "POST" });
        }
        let runtime = state.runtime().await.map_err(|_| ApiError::Misconfigured)?;
        let parts = runtime.parts();
        let principal = call.authenticate(&parts, &req).await?;
        let limit_headers = call.rate_limit(&runtime, &principal).await?;
        let body = json_body(&req)?;
        let arguments = tool_arguments(&body, &name)?;
        call.record.tool = Some(name.clone());
        if !catalogue::is_known(&name) {
            return Err(ApiError::UnknownTool(name));
        }
        let prepared = tools::prepare(&parts.engine, &name, arguments, &principal)?;
        call.record.sources = prepared.sources();
        if let Some(query) = prepared.query() {
            call.record.set_query(query, runtime.config.log_query_text);
        }
        let (result, summary) = tools::run(&parts.engine, &prepared, &principal).await;
        call.summarize(&summary, result.is_error);
        let mut response = json_response(StatusCode::OK, &result, &call.info.request_id);
        with_headers(&mut response, &limit_headers);
        Ok(response)
    }
    .await;
    call.finish(state, result)
}

fn with_headers(response: &mut Response<Body>, headers: &[(&'static str, String)]) {
    for (name, value) in headers {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
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

/// One request in flight: its identity, its record, and the timing.
struct Call {
    info: RequestInfo,
    record: InvocationRecord,
    started: Instant,
}

impl Call {
    fn start(state: &AppState, req: &Request, action: &str) -> Self {
        let info = RequestInfo::of(req);
        let record = InvocationRecord {
            kind: "invocation",
            timestamp: timestamp_now(),
            request_id: info.request_id.clone(),
            function: state.function,
            route: info.route.clone(),
            action: action.to_owned(),
            mcp_server: MCP_SERVER,
            client_ip: info.client_ip.clone(),
            user_agent: info.user_agent.clone(),
            ..InvocationRecord::default()
        };
        Self {
            info,
            record,
            started: Instant::now(),
        }
    }

    async fn authenticate(&mut self, parts: &Parts, req: &Request) -> Result<Principal, ApiError> {
        let header = req
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(|v| v.as_bytes());
        match parts.auth.authenticate(header).await {
            Ok(principal) => {
                self.record.sub = Some(principal.subject.clone());
                self.record.client_id = principal.client_id.clone();
                Ok(principal)
            }
            Err(err) => {
                self.record.reason = Some(err.reason().to_owned());
                Err(ApiError::Unauthorized(err))
            }
        }
    }

    /// Applies the rate limits; on success returns the `RateLimit` headers to attach.
    async fn rate_limit(
        &mut self,
        runtime: &Runtime,
        principal: &Principal,
    ) -> Result<Vec<(&'static str, String)>, ApiError> {
        let Some(limiter) = &runtime.limiter else {
            return Ok(Vec::new());
        };
        let decision = limiter
            .check(&principal.subject, principal.client_id.as_deref())
            .await;
        match &decision {
            Decision::Limited {
                policy,
                retry_after,
                unavailable,
                ..
            } => {
                self.record.reason = Some(if *unavailable {
                    "limiter_unavailable".to_owned()
                } else {
                    format!("{}_limit", policy.as_str())
                });
                Err(ApiError::RateLimited {
                    retry_after: *retry_after,
                    headers: decision.headers(),
                })
            }
            Decision::Allowed { bypassed, .. } => {
                if *bypassed {
                    self.record.reason = Some("limiter_bypassed".to_owned());
                }
                Ok(decision.headers())
            }
        }
    }

    fn summarize(&mut self, summary: &CallSummary, is_error: bool) {
        self.record.result_count = Some(summary.result_count);
        self.record.source_status = summary.source_status.iter().copied().collect();
        let failed: Vec<String> = summary
            .source_status
            .iter()
            .filter(|(_, status)| *status != "ok")
            .map(|(source, status)| format!("{source}:{status}"))
            .collect();
        if !failed.is_empty() {
            self.record.reason = Some(failed.join(","));
        }
        self.record.outcome = if is_error { "tool_error" } else { "ok" };
    }

    fn finish(
        mut self,
        state: &AppState,
        result: Result<Response<Body>, ApiError>,
    ) -> Response<Body> {
        let runtime = state.runtime_now();
        let resource_metadata = runtime
            .as_ref()
            .map(|r| r.config.resource_metadata_url.as_str())
            .unwrap_or("/.well-known/oauth-protected-resource");
        let response = match result {
            Ok(response) => {
                if self.record.outcome.is_empty() {
                    self.record.outcome = "ok";
                }
                response
            }
            Err(err) => {
                self.record.outcome = err.outcome();
                self.record.error_code = Some(err.code().to_owned());
                error_response(&err, &self.info.request_id, resource_metadata)
            }
        };
        self.record.status = response.status().as_u16();
        self.record.latency_ms = (self.started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        state.records.emit(&self.record);
        response
    }
}
