//! The tower plumbing: [`AuthLayer`] wraps a service in [`AuthService`].

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Method, Response};
use http_body_util::combinators::BoxBody;
use lambda_http::{Body, Request};
use tower::{Layer, Service};
use workplace_auth::Principal;
use workplace_service::http::{RequestInfo, header_str};
use workplace_service::record::{InvocationRecord, MCP_SERVER, timestamp_now};
use workplace_service::state::{Parts, Runtime};
use workplace_service::tools::{self, CallError};
use workplace_service::{ApiError, AppState, catalogue};

use super::Caller;
use super::peek::Peeked;
use super::response::{self, Rejection};
use crate::endpoint::EndpointConfig;
use crate::record::RecordHandle;

/// Puts authentication, authorization, host/origin checks and the invocation record in front of
/// an MCP service.
#[derive(Clone)]
pub struct AuthLayer {
    state: Arc<AppState>,
    endpoint: Arc<EndpointConfig>,
}

impl AuthLayer {
    /// A layer using the function's state (verifiers, engine, record sink) and endpoint settings.
    pub fn new(state: Arc<AppState>, endpoint: Arc<EndpointConfig>) -> Self {
        Self { state, endpoint }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            state: Arc::clone(&self.state),
            endpoint: Arc::clone(&self.endpoint),
        }
    }
}

/// The service [`AuthLayer`] produces. Answers `lambda_http` requests with buffered bodies: API
/// Gateway HTTP APIs cannot stream, and rmcp in JSON-response mode answers one JSON document.
#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    state: Arc<AppState>,
    endpoint: Arc<EndpointConfig>,
}

/// What the inner (rmcp) service answers.
type InnerResponse = Response<BoxBody<Bytes, Infallible>>;

impl<S> Service<Request> for AuthService<S>
where
    S: Service<Request, Response = InnerResponse, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response<Body>, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The readied service serves this call; a fresh clone takes its place (tower's idiom).
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let state = Arc::clone(&self.state);
        let endpoint = Arc::clone(&self.endpoint);
        Box::pin(async move { Ok(serve(inner, &state, &endpoint, req).await) })
    }
}

/// One request, start to finish, including its record.
async fn serve<S>(
    mut inner: S,
    state: &AppState,
    endpoint: &EndpointConfig,
    mut req: Request,
) -> Response<Body>
where
    S: Service<Request, Response = InnerResponse, Error = Infallible>,
{
    let started = Instant::now();
    let info = RequestInfo::of(&req);
    let peeked = if req.method() == Method::POST {
        Peeked::from_body(req.body().as_ref())
    } else {
        Peeked::default()
    };
    let record = RecordHandle::new(InvocationRecord {
        kind: "invocation",
        timestamp: timestamp_now(),
        request_id: info.request_id.clone(),
        function: state.function,
        route: info.route.clone(),
        action: peeked.method.clone().unwrap_or_else(|| "none".to_owned()),
        tool: peeked.tool.clone(),
        mcp_server: MCP_SERVER,
        client_ip: info.client_ip.clone(),
        user_agent: info.user_agent.clone(),
        ..InvocationRecord::default()
    });

    let mut response = match admit(state, endpoint, &req, &peeked, &record).await {
        Err(rejection) => {
            record.refuse(rejection.outcome(), rejection.code());
            rejection.into_response(state, &info.request_id)
        }
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            req.extensions_mut().insert(record.clone());
            let answer = match inner.call(req).await {
                Ok(answer) => answer,
                Err(never) => match never {},
            };
            let response = response::buffer(answer).await;
            response::classify(&response, &record);
            response
        }
    };
    response::stamp(&mut response, &info.request_id);

    record.update(|r| {
        r.status = response.status().as_u16();
        if r.outcome.is_empty() {
            r.outcome = "ok";
        }
        r.latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    });
    state.records.emit(&record.snapshot());
    response
}

/// Steps 1–5 of the module docs: the caller, or why not.
async fn admit(
    state: &AppState,
    endpoint: &EndpointConfig,
    req: &Request,
    peeked: &Peeked,
    record: &RecordHandle,
) -> Result<Caller, Rejection> {
    let runtime: Arc<Runtime> = state
        .runtime()
        .await
        .map_err(|_| Rejection::Api(ApiError::Misconfigured))?;
    check_host_and_origin(endpoint, req)?;
    if req.method() != Method::POST {
        return Err(Rejection::Api(ApiError::MethodNotAllowed { allow: "POST" }));
    }
    // One snapshot of the secret-derived parts serves the whole request.
    let parts = runtime.parts();
    let principal = authenticate(&parts, req, record).await?;
    if let Some(tool) = peeked.tool.as_deref().filter(|t| catalogue::is_known(t)) {
        let scoped = tools::prepare(&parts.engine, tool, peeked.arguments.as_ref(), &principal);
        if let Err(CallError::InsufficientScope { missing }) = scoped {
            return Err(Rejection::Api(ApiError::Forbidden { missing }));
        }
    }
    Ok(Caller {
        principal,
        runtime,
        parts,
    })
}

fn check_host_and_origin(endpoint: &EndpointConfig, req: &Request) -> Result<(), Rejection> {
    let host = header_str(req.headers(), "host")
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()));
    if !host.is_some_and(|h| endpoint.host_allowed(&h)) {
        tracing::warn!("rejected a request whose Host header is not allowed");
        return Err(Rejection::Host);
    }
    if let Some(origin) = req.headers().get(http::header::ORIGIN) {
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| endpoint.origin_allowed(origin));
        if !allowed {
            tracing::warn!("rejected a request whose Origin header is not allowed");
            return Err(Rejection::Origin);
        }
    }
    Ok(())
}

async fn authenticate(
    parts: &Parts,
    req: &Request,
    record: &RecordHandle,
) -> Result<Principal, Rejection> {
    let header = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    match parts.auth.authenticate(header).await {
        Ok(principal) => {
            record.update(|r| {
                r.sub = Some(principal.subject.clone());
                r.client_id = principal.client_id.clone();
            });
            Ok(principal)
        }
        Err(err) => {
            record.update(|r| r.reason = Some(err.reason().to_owned()));
            Err(Rejection::Api(ApiError::Unauthorized(err)))
        }
    }
}
