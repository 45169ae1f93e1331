//! The tenants as a container sees them: the whole table read at most once per TTL, so a change
//! an administrator makes takes effect everywhere within the TTL, without a redeploy.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;
use workplace_policy::{Policy, ToolInfo};

use crate::{StoreError, TenantDocument, TenantStore};

/// One tenant as the functions serve it: its document, and the policy built from it once per read
/// of the table (not once per request).
#[derive(Debug)]
pub struct Tenant {
    /// The stored document.
    pub document: TenantDocument,
    /// Its admin policy, ready to check.
    pub policy: Arc<Policy>,
}

/// Every tenant by id.
pub type Tenants = HashMap<String, Arc<Tenant>>;

/// A per-container, TTL-bounded copy of the tenants table.
#[derive(Debug)]
pub struct TenantDirectory {
    store: TenantStore,
    ttl: Duration,
    tools: Vec<ToolInfo>,
    snapshot: Mutex<Option<(Instant, Arc<Tenants>)>>,
}

impl TenantDirectory {
    /// A directory that rereads `store` when its copy is older than `ttl`; `tools` is the server's
    /// catalogue, which the tenants' policies are built against.
    pub fn new(store: TenantStore, ttl: Duration, tools: Vec<ToolInfo>) -> Self {
        Self {
            store,
            ttl,
            tools,
            snapshot: Mutex::new(None),
        }
    }

    /// Every tenant, as of at most the TTL ago. One caller rereads while the others wait for it.
    /// When a reread fails, the last copy keeps serving (logged): a table outage must not switch
    /// every organisation off. A container that never read the table gets the error.
    pub async fn tenants(&self) -> Result<Arc<Tenants>, StoreError> {
        let mut snapshot = self.snapshot.lock().await;
        if let Some((read_at, tenants)) = snapshot.as_ref()
            && read_at.elapsed() < self.ttl
        {
            return Ok(Arc::clone(tenants));
        }
        match self.store.list().await {
            Ok(list) => {
                let tenants: Arc<Tenants> = Arc::new(
                    list.into_iter()
                        .map(|stored| {
                            let policy = Arc::new(stored.document.policy(&self.tools));
                            let tenant = Tenant {
                                document: stored.document,
                                policy,
                            };
                            (tenant.document.id.clone(), Arc::new(tenant))
                        })
                        .collect(),
                );
                *snapshot = Some((Instant::now(), Arc::clone(&tenants)));
                Ok(tenants)
            }
            Err(err) => match snapshot.as_mut() {
                Some((read_at, tenants)) => {
                    tracing::warn!(error = %err, "could not reread the tenants table; serving the last copy");
                    // Try again after another TTL, not on every request.
                    *read_at = Instant::now();
                    Ok(Arc::clone(tenants))
                }
                None => Err(err),
            },
        }
    }

    /// The tenant a verified token belongs to: see [`resolve`].
    pub async fn resolve(
        &self,
        token: TokenIdentity<'_>,
    ) -> Result<Option<Arc<Tenant>>, StoreError> {
        Ok(resolve(&*self.tenants().await?, token))
    }
}

/// What a verified token says about its organisation.
#[derive(Debug, Clone, Copy)]
pub struct TokenIdentity<'a> {
    /// Its verified issuer.
    pub issuer: &'a str,
    /// An OIDC token's active tenant: Descope's `dct`, read only when it is also a key of the
    /// token's `tenants` claim.
    pub active_tenant: Option<&'a str>,
    /// A service token's subject; `None` for an OIDC token.
    pub service_subject: Option<&'a str>,
}

/// The one tenant a verified token belongs to, or none (the caller refuses it):
/// - a service token belongs to the tenant that lists its subject in `service_subjects`; when none
///   does, to the one tenant of its issuer that names neither a Descope tenant nor subjects;
/// - an OIDC token belongs to a tenant of its issuer whose `descope_tenant`, when it names one, is
///   the token's active tenant; a tenant naming it wins over one naming none.
///
/// A token that matches two tenants equally resolves to none, never to either.
pub fn resolve(tenants: &Tenants, token: TokenIdentity<'_>) -> Option<Arc<Tenant>> {
    let one = |mut matching: Vec<&Arc<Tenant>>| match matching.len() {
        1 => matching.pop().map(Arc::clone),
        _ => None,
    };
    let of_issuer = |t: &&Arc<Tenant>| t.document.identity.issuer == token.issuer;
    if let Some(subject) = token.service_subject {
        let listing: Vec<_> = tenants
            .values()
            .filter(|t| {
                t.document
                    .identity
                    .service_subjects
                    .iter()
                    .any(|s| s == subject)
            })
            .collect();
        if !listing.is_empty() {
            return one(listing);
        }
        return one(tenants
            .values()
            .filter(of_issuer)
            .filter(|t| {
                let identity = &t.document.identity;
                identity.descope_tenant.is_none() && identity.service_subjects.is_empty()
            })
            .collect());
    }
    let matching: Vec<_> = tenants
        .values()
        .filter(of_issuer)
        .filter(
            |t| match (&t.document.identity.descope_tenant, token.active_tenant) {
                (Some(wanted), Some(active)) => wanted == active,
                (None, _) => true,
                (Some(_), None) => false,
            },
        )
        .collect();
    let specific: Vec<_> = matching
        .iter()
        .copied()
        .filter(|t| t.document.identity.descope_tenant.is_some())
        .collect();
    if specific.is_empty() {
        one(matching)
    } else {
        one(specific)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::tests::acme;

    fn tenant(id: &str, issuer: &str, descope: Option<&str>) -> Arc<Tenant> {
        let mut doc = acme();
        doc.id = id.into();
        doc.identity.issuer = issuer.into();
        doc.identity.descope_tenant = descope.map(str::to_owned);
        let policy = Arc::new(doc.policy(&[]));
        Arc::new(Tenant {
            document: doc,
            policy,
        })
    }

    #[test]
    fn a_token_resolves_to_exactly_one_tenant_or_none() {
        let shared = "https://api.descope.com/P2shared";
        let tenants: Tenants = [
            tenant("acme", shared, Some("T-acme")),
            tenant("globex", shared, Some("T-globex")),
            tenant("initech", "https://login.initech.example/", None),
        ]
        .into_iter()
        .map(|t| (t.document.id.clone(), t))
        .collect();
        let id = |issuer: &str, active: Option<&str>| {
            oidc(&tenants, issuer, active).map(|t| t.document.id.clone())
        };
        assert_eq!(id(shared, Some("T-acme")).as_deref(), Some("acme"));
        assert_eq!(id(shared, Some("T-globex")).as_deref(), Some("globex"));
        // The shared issuer without an active tenant, or with one nobody configured: none.
        assert_eq!(id(shared, None), None);
        assert_eq!(id(shared, Some("T-other")), None);
        // Its own issuer: whatever the token says its active tenant is.
        assert_eq!(
            id("https://login.initech.example/", Some("T-acme")).as_deref(),
            Some("initech")
        );
        // Issuers compare exactly.
        assert_eq!(id("https://login.initech.example", None), None);
        assert_eq!(id("https://evil.example", Some("T-acme")), None);
    }

    #[test]
    fn two_tenants_claiming_the_same_identity_resolve_to_none() {
        let issuer = "https://login.example/";
        let tenants: Tenants = [tenant("a1", issuer, None), tenant("a2", issuer, None)]
            .into_iter()
            .map(|t| (t.document.id.clone(), t))
            .collect();
        assert!(oidc(&tenants, issuer, None).is_none());
    }

    fn oidc(tenants: &Tenants, issuer: &str, active: Option<&str>) -> Option<Arc<Tenant>> {
        resolve(
            tenants,
            TokenIdentity {
                issuer,
                active_tenant: active,
                service_subject: None,
            },
        )
    }

    #[test]
    fn a_service_token_belongs_to_the_tenant_listing_its_subject() {
        let issuer = "workplace-mcp";
        let with_subjects = |id: &str, subjects: &[&str]| {
            let t = tenant(id, "https://login.example/", None);
            let mut doc = t.document.clone();
            doc.identity.service_subjects = subjects.iter().map(|s| (*s).to_owned()).collect();
            Arc::new(Tenant {
                document: doc,
                policy: Arc::clone(&t.policy),
            })
        };
        let mut tenants: Tenants = [
            with_subjects("acme", &["dev-user", "U2alice"]),
            with_subjects("globex", &["U2gina"]),
        ]
        .into_iter()
        .map(|t| (t.document.id.clone(), t))
        .collect();
        let service = |tenants: &Tenants, subject: &str| {
            resolve(
                tenants,
                TokenIdentity {
                    issuer,
                    active_tenant: None,
                    service_subject: Some(subject),
                },
            )
            .map(|t| t.document.id.clone())
        };
        assert_eq!(service(&tenants, "U2alice").as_deref(), Some("acme"));
        assert_eq!(service(&tenants, "U2gina").as_deref(), Some("globex"));
        // Listed nowhere, and no tenant takes the service issuer as a whole: none.
        assert_eq!(service(&tenants, "U2mallory"), None);
        // An OIDC token with the same subject and issuer is not a service token: none.
        assert!(oidc(&tenants, issuer, None).is_none());
        // A tenant of the service issuer as a whole takes the subjects nobody lists.
        tenants.insert("initech".into(), tenant("initech", issuer, None));
        assert_eq!(service(&tenants, "U2mallory").as_deref(), Some("initech"));
        assert_eq!(service(&tenants, "U2gina").as_deref(), Some("globex"));
        // Two tenants listing one subject: none, never either.
        tenants.insert("hooli".into(), with_subjects("hooli", &["U2gina"]));
        assert_eq!(service(&tenants, "U2gina"), None);
    }
}
