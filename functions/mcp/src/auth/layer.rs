//! The tower plumbing: [`AuthLayer`] wraps a service in [`AuthService`].

use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{Method, Response};
use http_body_util::combinators::BoxBody;
use lambda_http::{Body, Request};
use tower::{Layer, Service};
use workplace_record::ErrorCode;
use workplace_service::http::header_str;
use workplace_service::pipeline::Exchange;
use workplace_service::tools::CallError;
use workplace_service::{ApiError, AppState, catalogue};

use super::Ticket;
use super::peek::Peeked;
use super::response::{self, Rejection};
use crate::endpoint::EndpointConfig;

/// Puts the shared request pipeline (authenticate, admit, validate, record) and the host and
/// origin checks in front of an MCP service.
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

/// One request, start to finish: the shared pipeline around rmcp.
async fn serve<S>(
    mut inner: S,
    state: &AppState,
    endpoint: &EndpointConfig,
    mut req: Request,
) -> Response<Body>
where
    S: Service<Request, Response = InnerResponse, Error = Infallible>,
{
    let peeked = if req.method() == Method::POST {
        super::peek::peek(req.body().as_ref())
    } else {
        Peeked::default()
    };
    let exchange = Exchange::begin(state, &req, peeked.action());
    let response = match front(state, endpoint, &req, &peeked, &exchange).await {
        Err(Rejection::Api(err)) => exchange.error_response(state, &err),
        Err(rejection) => {
            exchange.fail(rejection.code());
            rejection.into_response(&exchange.info().request_id)
        }
        Ok(ticket) => {
            let limit_headers = match &ticket {
                Ticket::Admitted { caller, .. } => caller.limit_headers.clone(),
                Ticket::Limited { .. } => Vec::new(),
            };
            req.extensions_mut().insert(ticket);
            req.extensions_mut().insert(exchange.clone());
            let answer = match inner.call(req).await {
                Ok(answer) => answer,
                Err(never) => match never {},
            };
            let mut response = response::buffer(answer).await;
            if let Some(code) = response::classify(&response) {
                exchange.fail(code);
            }
            response::decorate(&mut response, &limit_headers);
            response
        }
    };
    let mut response = exchange.finish(state, Ok(response));
    response::strip_empty_content_type(&mut response);
    response
}

/// Steps 0–4 of the module docs: the ticket for the handler, or why not.
async fn front(
    state: &AppState,
    endpoint: &EndpointConfig,
    req: &Request,
    peeked: &Peeked,
    exchange: &Exchange,
) -> Result<Ticket, Rejection> {
    if state.runtime().await.is_err() {
        return Err(Rejection::Api(ApiError::Misconfigured));
    }
    check_host_and_origin(endpoint, req)?;
    if req.method() != Method::POST {
        return Err(Rejection::Api(ApiError::MethodNotAllowed { allow: "POST" }));
    }
    let known_call = peeked
        .tool_call()
        .filter(|(tool, _)| catalogue::is_known(tool));
    let mut caller = match exchange.admit(state, req.headers()).await {
        Ok(caller) => caller,
        Err(ApiError::RateLimited { retry_after, .. }) if known_call.is_some() => {
            exchange.fail(ErrorCode::RateLimited);
            return Ok(Ticket::Limited {
                retry_after_seconds: retry_after,
            });
        }
        Err(err) => return Err(Rejection::Api(err)),
    };
    let call = match known_call {
        None => None,
        Some((tool, arguments)) => match exchange.validate(&caller, tool, arguments) {
            Err(CallError::InsufficientScope { missing, granted }) => {
                return Err(Rejection::Api(ApiError::Forbidden { missing, granted }));
            }
            prepared => Some(prepared),
        },
    };
    // A valid call pays the rest of its cost (`PreparedCall::cost`) before it runs.
    if let Some(Ok(prepared)) = &call {
        match exchange.charge(&mut caller, prepared).await {
            Ok(()) => {}
            Err(ApiError::RateLimited { retry_after, .. }) => {
                exchange.fail(ErrorCode::RateLimited);
                return Ok(Ticket::Limited {
                    retry_after_seconds: retry_after,
                });
            }
            Err(err) => return Err(Rejection::Api(err)),
        }
    }
    Ok(Ticket::Admitted {
        caller: Box::new(caller),
        call,
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
