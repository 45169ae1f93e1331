//! Stage 3: the caller's organisation and its admin policy, then the rate limits, charged once per
//! authenticated request.

use std::borrow::Cow;
use std::sync::Arc;

use http::{HeaderMap, HeaderValue, Response};
use lambda_http::Body;
use workplace_auth::{Principal, TokenKind};
use workplace_policy::{Policy, Refusal};
use workplace_ratelimit::{Decision, Limit};
use workplace_tenants::TokenIdentity;

use super::Exchange;
use crate::http::header_str;
use crate::state::{Parts, Runtime};
use crate::tools::PreparedCall;
use crate::{ApiError, AppState};

/// An authenticated, admitted caller and the snapshot of the service that admitted it.
#[derive(Clone)]
pub struct Caller {
    /// Who is calling.
    pub principal: Principal,
    /// The runtime (configuration, limiter) of this request.
    pub runtime: Arc<Runtime>,
    /// The secret-derived parts of this request: one snapshot serves the whole request, so a
    /// rotation in the middle cannot mix two credentials.
    pub parts: Arc<Parts>,
    /// The `RateLimit` headers the admission produced, for the response.
    pub limit_headers: Vec<(&'static str, String)>,
    /// The admin policy this caller is under: its organisation's, or the deployment's.
    pub policy: Arc<Policy>,
    /// Its organisation, when the deployment serves several (`TENANTS_TABLE`).
    pub tenant: Option<String>,
    /// Its organisation's per-user rate limit, when the tenant sets one (else the deployment's).
    pub user_limit: Option<Limit>,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("principal", &self.principal)
            .finish_non_exhaustive()
    }
}

impl Caller {
    /// Adds the `RateLimit` headers to a successful response.
    pub fn decorate(&self, response: &mut Response<Body>) {
        for (name, value) in &self.limit_headers {
            if let Ok(value) = HeaderValue::from_str(value) {
                response.headers_mut().insert(*name, value);
            }
        }
    }
}

/// Whose rules a caller is under.
struct Organisation {
    tenant: Option<String>,
    policy: Arc<Policy>,
    user_limit: Option<Limit>,
    /// Its sources and caches: the tenant's own, or the deployment's.
    parts: Arc<Parts>,
}

impl Exchange {
    /// Authenticates the request and charges it to the rate limits: the one place either happens.
    /// An unauthenticated request is refused before the limiter is asked, so it is never charged
    /// to anyone.
    pub async fn admit(&self, state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let runtime = state.runtime().await.map_err(|_| ApiError::Misconfigured)?;
        let parts = runtime.parts();
        let principal = self.authenticate(&runtime, &parts, headers).await?;
        let Organisation {
            tenant,
            policy,
            user_limit,
            parts,
        } = self.organisation(&runtime, parts, &principal).await?;
        // The admin policy before the limits: a refused request costs nobody's budget.
        policy
            .admit(
                self.info.client_ip.as_deref(),
                header_str(headers, "x-forwarded-for"),
            )
            .map_err(|refusal| self.policy_denied(refusal))?;
        let limit_headers = self
            .limit(&runtime, &principal, tenant.as_deref(), user_limit)
            .await?;
        Ok(Caller {
            principal,
            runtime,
            parts,
            limit_headers,
            policy,
            tenant,
            user_limit,
        })
    }

    /// The caller's organisation and its policy: with a tenants table, the one tenant the
    /// verified token belongs to (refused when there is none); otherwise the deployment's own.
    async fn organisation(
        &self,
        runtime: &Runtime,
        parts: Arc<Parts>,
        principal: &Principal,
    ) -> Result<Organisation, ApiError> {
        let Some(directory) = &runtime.tenants else {
            return Ok(Organisation {
                tenant: None,
                policy: Arc::clone(&runtime.config.policy),
                user_limit: None,
                parts,
            });
        };
        // Boxed: a reread of the table is a large future, and most requests find the copy fresh.
        let token = TokenIdentity {
            issuer: &principal.issuer,
            active_tenant: principal.active_tenant.as_deref(),
            service_subject: (principal.kind == TokenKind::Service)
                .then_some(principal.subject.as_str()),
        };
        let tenant = Box::pin(directory.resolve(token))
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "the tenants table could not be read");
                ApiError::Misconfigured
            })?
            .ok_or_else(|| self.policy_denied(Refusal::NoTenant))?;
        let id = tenant.document.id.clone();
        self.record.update(|r| r.tenant = Some(id.clone()));
        let parts = Box::pin(runtime.tenant_parts(&tenant))
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "a tenant's sources could not be built");
                ApiError::Misconfigured
            })?;
        Ok(Organisation {
            parts,
            tenant: Some(id),
            policy: Arc::clone(&tenant.policy),
            user_limit: tenant.document.limits.map(|l| Limit {
                rate: l.user_rps,
                burst: l.user_burst,
            }),
        })
    }

    /// A refusal of the admin policy, noted in the record.
    fn policy_denied(&self, refusal: Refusal) -> ApiError {
        self.record
            .update(|r| r.reason = Some(refusal.reason().to_owned()));
        ApiError::PolicyDenied(refusal)
    }

    /// Charges a validated call the rest of its cost ([`PreparedCall::cost`] minus the token
    /// admission took), all at once, and refreshes the `RateLimit` headers. A call whose cost no
    /// burst can hold is refused with a clear error rather than a `Retry-After` that would never
    /// come true.
    pub async fn charge(&self, caller: &mut Caller, call: &PreparedCall) -> Result<(), ApiError> {
        let extra = call.cost().saturating_sub(1);
        let Some(limiter) = caller.runtime.limiter.as_ref().filter(|_| extra > 0) else {
            return Ok(());
        };
        let principal = &caller.principal;
        let tenant = caller.tenant.as_deref();
        let subject = scoped(tenant, &principal.subject);
        let client = principal.client_id.as_deref().map(|c| scoped(tenant, c));
        let client = client.as_deref();
        let too_costly = |err: workplace_ratelimit::CostExceedsBurst| {
            self.record
                .update(|r| r.reason = Some(format!("{}_limit", err.policy.as_str())));
            ApiError::BadRequest(format!(
                "{err}: ask for fewer results or leave include_content off"
            ))
        };
        // The whole cost must fit a burst, not only the part charged here.
        let user = caller.user_limit;
        limiter
            .fits_under(user, client, call.cost())
            .map_err(too_costly)?;
        let decision = limiter
            .charge_under(user, &subject, client, extra)
            .await
            .map_err(too_costly)?;
        caller.limit_headers = self.apply(decision)?;
        Ok(())
    }

    async fn limit(
        &self,
        runtime: &Runtime,
        principal: &Principal,
        tenant: Option<&str>,
        user: Option<Limit>,
    ) -> Result<Vec<(&'static str, String)>, ApiError> {
        let Some(limiter) = &runtime.limiter else {
            return Ok(Vec::new());
        };
        let client = principal.client_id.as_deref().map(|c| scoped(tenant, c));
        let decision = limiter
            .check_under(user, &scoped(tenant, &principal.subject), client.as_deref())
            .await;
        self.apply(decision)
    }

    /// The headers of an admission, or the refusal (noted in the record).
    fn apply(&self, decision: Decision) -> Result<Vec<(&'static str, String)>, ApiError> {
        match &decision {
            Decision::Limited {
                policy,
                retry_after,
                unavailable,
                ..
            } => {
                self.record.update(|r| {
                    r.reason = Some(if *unavailable {
                        "limiter_unavailable".to_owned()
                    } else {
                        format!("{}_limit", policy.as_str())
                    });
                });
                Err(ApiError::RateLimited {
                    retry_after: *retry_after,
                    headers: decision.headers(),
                })
            }
            Decision::Allowed { bypassed, .. } => {
                if *bypassed {
                    self.record.update(|r| {
                        r.limiter_bypassed = true;
                        r.reason = Some("limiter_bypassed".to_owned());
                    });
                }
                Ok(decision.headers())
            }
        }
    }
}

/// A user's or client's name as the limiter keys it: within its organisation, so one tenant's
/// users and clients never share a bucket with another's, whatever their ids (the limiter hashes
/// the result). Without tenants, the name itself, as before.
fn scoped<'a>(tenant: Option<&str>, name: &'a str) -> Cow<'a, str> {
    match tenant {
        // Length-prefixed, so no tenant and name can spell another pair.
        Some(tenant) => Cow::Owned(format!("tenant:{}:{tenant}:{name}", tenant.len())),
        None => Cow::Borrowed(name),
    }
}
