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
        issuer: &str,
        active_tenant: Option<&str>,
    ) -> Result<Option<Arc<Tenant>>, StoreError> {
        Ok(resolve(&*self.tenants().await?, issuer, active_tenant))
    }
}

/// The one tenant whose identity matches a verified token: its issuer, and, when the tenant names
/// a Descope tenant, the token's active tenant (`active_tenant`, which the caller reads from `dct`
/// only when it is also a key of the token's `tenants` claim). A token that matches no tenant, or
/// more than one, resolves to none: the caller refuses it.
pub fn resolve(
    tenants: &Tenants,
    issuer: &str,
    active_tenant: Option<&str>,
) -> Option<Arc<Tenant>> {
    let mut matching = tenants.values().filter(|t| {
        let identity = &t.document.identity;
        identity.issuer == issuer
            && match (&identity.descope_tenant, active_tenant) {
                (Some(wanted), Some(active)) => wanted == active,
                (None, _) => true,
                (Some(_), None) => false,
            }
    });
    let first = matching.next()?;
    // With an active tenant, the tenant that names it wins over one that names none.
    let named: Vec<&Arc<Tenant>> = std::iter::once(first).chain(matching).collect();
    let specific: Vec<_> = named
        .iter()
        .filter(|t| t.document.identity.descope_tenant.is_some())
        .collect();
    match (specific.as_slice(), named.as_slice()) {
        ([one], _) => Some(Arc::clone(one)),
        ([], [one]) => Some(Arc::clone(one)),
        _ => None,
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
            resolve(&tenants, issuer, active).map(|t| t.document.id.clone())
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
        assert!(resolve(&tenants, issuer, None).is_none());
    }
}
