//! Each organisation's own sources, when the deployment serves several (`TENANTS_TABLE`).
//!
//! A tenant's sources are built from the deployment's connector settings with the tenant's own
//! (its document's `sources`) in their place, and with the credentials of its own secret. They
//! are built on the tenant's first request in a container and kept, with their token and text
//! caches, until its settings, its secret or the deployment's secret change. Its shared-cache
//! items and its page cursors are keyed under keys derived for it alone, so nothing one
//! organisation's calls leave behind (a cached token or text, a cursor) answers another's.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use workplace_connectors::{ConnectorsConfig, UpstreamCredentials, build_available_sources};
use workplace_secrets::{SecretStore, Secrets, SecretsConfig, SecretsProvider, SecretsTimeouts};
use workplace_tenants::{Problem, Tenant, TenantDocument};

use super::runtime::{BuildInputs, Parts, Sources, cursor_key, shared_cache};
use crate::config::ConfigProblem;
use crate::search::SearchEngine;

/// Why a tenant's sources could not be built for a request.
#[derive(Debug, thiserror::Error)]
#[error("the secret of tenant `{tenant}` could not be read: {source}")]
pub struct TenantUnavailable {
    tenant: String,
    #[source]
    source: workplace_secrets::SecretsError,
}

/// How long a tenant whose secret could not be read is refused before it is read again, so its
/// requests do not each become a Secrets Manager call.
const RETRY_SECRET_AFTER: Duration = Duration::from_secs(10);

/// Where tenants' secrets are read from.
pub struct TenantSecrets {
    /// Secrets Manager.
    pub store: Arc<dyn SecretStore>,
    /// How long a read value is used before it is read again (in the background).
    pub ttl: std::time::Duration,
    /// Time limits of each read.
    pub timeouts: SecretsTimeouts,
}

/// The tenants' sources built in this container.
pub(super) struct Organisations {
    /// The connector settings as the deployment read them at cold start, by name (`None`: read
    /// and unset). A tenant's settings replace some of them.
    deployment: BTreeMap<String, Option<String>>,
    /// `None` (tests): tenants have no secret of their own.
    secrets: Option<TenantSecrets>,
    built: Mutex<HashMap<String, Arc<Built>>>,
    /// Tenants whose secret could not be read: when, and why.
    failed: Mutex<HashMap<String, (Instant, workplace_secrets::SecretsError)>>,
}

/// One tenant's parts and what they were built from.
struct Built {
    sources: BTreeMap<String, String>,
    secret_id: String,
    secret: Option<Arc<SecretsProvider>>,
    secret_values: Option<Arc<Secrets>>,
    base: Arc<Parts>,
    parts: Arc<Parts>,
}

impl Organisations {
    pub(super) fn new(
        deployment: BTreeMap<String, Option<String>>,
        secrets: Option<TenantSecrets>,
    ) -> Self {
        Self {
            deployment,
            secrets,
            built: Mutex::new(HashMap::new()),
            failed: Mutex::new(HashMap::new()),
        }
    }

    /// `tenant`'s parts over the deployment's `base`: those built before while its settings and
    /// the secrets are unchanged, else built now (reading its secret on first use).
    pub(super) async fn parts(
        &self,
        inputs: &BuildInputs<'_>,
        base: &Arc<Parts>,
        tenant: &Tenant,
    ) -> Result<Arc<Parts>, TenantUnavailable> {
        let document = &tenant.document;
        let previous = self
            .built
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&document.id)
            .cloned();
        let provider = match (&previous, &self.secrets) {
            (_, None) => None,
            (Some(built), Some(_))
                if built.secret.is_some() && built.secret_id == document.secret =>
            {
                built.secret.clone()
            }
            (_, Some(secrets)) => Some(self.load_secret(secrets, document).await?),
        };
        let secret_values = provider.as_ref().map(SecretsProvider::current);
        if let Some(built) = previous
            && built.sources == document.sources
            && built.secret_id == document.secret
            && Arc::ptr_eq(&built.base, base)
            && same(built.secret_values.as_ref(), secret_values.as_ref())
        {
            return Ok(Arc::clone(&built.parts));
        }
        let parts = Arc::new(self.build(inputs, base, document, secret_values.as_deref()));
        tracing::info!(tenant = %document.id, "built the tenant's sources");
        self.built
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                document.id.clone(),
                Arc::new(Built {
                    sources: document.sources.clone(),
                    secret_id: document.secret.clone(),
                    secret: provider,
                    secret_values,
                    base: Arc::clone(base),
                    parts: Arc::clone(&parts),
                }),
            );
        Ok(parts)
    }

    /// Reads `document`'s secret, unless reading it failed within [`RETRY_SECRET_AFTER`].
    async fn load_secret(
        &self,
        secrets: &TenantSecrets,
        document: &TenantDocument,
    ) -> Result<Arc<SecretsProvider>, TenantUnavailable> {
        let unavailable = |source| TenantUnavailable {
            tenant: document.id.clone(),
            source,
        };
        let recent = self
            .failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&document.id)
            .filter(|(at, _)| at.elapsed() < RETRY_SECRET_AFTER)
            .map(|(_, err)| err.clone());
        if let Some(err) = recent {
            return Err(unavailable(err));
        }
        let loaded = SecretsProvider::load(
            Arc::clone(&secrets.store),
            SecretsConfig {
                id: document.secret.clone(),
                ttl: secrets.ttl,
                timeouts: secrets.timeouts,
            },
        )
        .await;
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        match loaded {
            Ok(provider) => {
                failed.remove(&document.id);
                Ok(provider)
            }
            Err(err) => {
                failed.insert(document.id.clone(), (Instant::now(), err.clone()));
                Err(unavailable(err))
            }
        }
    }

    fn build(
        &self,
        inputs: &BuildInputs<'_>,
        base: &Parts,
        document: &TenantDocument,
        secret: Option<&Secrets>,
    ) -> Parts {
        let deployment = &base.secrets.main;
        let id = &document.id;
        let mut source_problems = Vec::new();
        let (sources, cache) = match inputs.sources {
            // Tests give their sources; every tenant searches them, each with its own keys.
            Sources::Fixed(sources) => (sources.clone(), None),
            Sources::Configured(_) => {
                let cache = inputs.cache.and_then(|backend| {
                    shared_cache(backend, &tenant_keys(deployment, id))
                        .map_err(|p| source_problems.push(p))
                        .ok()
                });
                let settings = |name: &str| {
                    document
                        .sources
                        .get(name)
                        .cloned()
                        .or_else(|| self.deployment.get(name).cloned().flatten())
                };
                match ConnectorsConfig::from_lookup(&settings) {
                    Ok(config) => {
                        let built = build_available_sources(
                            &config,
                            &credentials(deployment, secret),
                            inputs.http,
                            cache.as_ref(),
                        );
                        source_problems.extend(built.problems.into_iter().map(|p| ConfigProblem {
                            setting: p.setting,
                            problem: p.problem,
                        }));
                        (built.sources, cache)
                    }
                    Err(problems) => {
                        for p in problems {
                            tracing::error!(tenant = %id, setting = p.setting, problem = %p.problem, "a tenant's source setting is unusable; its sources are off");
                            source_problems.push(ConfigProblem {
                                setting: p.setting,
                                problem: p.problem,
                            });
                        }
                        (Vec::new(), cache)
                    }
                }
            }
        };
        let engine = SearchEngine::new(sources.clone(), inputs.config.search);
        let engine = match cursor_key(deployment) {
            Some(key) => engine.with_cursor_key(&derive(&key, "page cursors", id)),
            None => engine,
        };
        Parts {
            auth: Arc::clone(&base.auth),
            engine,
            query_hasher: base.query_hasher.clone(),
            source_problems,
            shared_cache: cache,
            secrets: base.secrets.clone(),
            sources,
        }
    }
}

/// Whether two reads of a secret are the same read.
fn same(a: Option<&Arc<Secrets>>, b: Option<&Arc<Secrets>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// A key for one tenant's use of `purpose`, derived from a deployment key: one tenant's cursors
/// or cache names are nothing in another's.
fn derive(key: &[u8], purpose: &str, tenant: &str) -> Vec<u8> {
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key);
    let label = format!("workplace-mcp tenant {purpose}\0{tenant}");
    aws_lc_rs::hmac::sign(&key, label.as_bytes())
        .as_ref()
        .to_vec()
}

/// The deployment's shared-cache keys with its naming key derived for `tenant`: the same sealing
/// keys, but no item name in common with another tenant or with the deployment's own.
fn tenant_keys(deployment: &Secrets, tenant: &str) -> Secrets {
    let naming = deployment.query_hash_key.as_ref().map(|key| {
        let derived = derive(key.expose_secret().as_bytes(), "cache names", tenant);
        SecretString::from(
            derived
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>(),
        )
    });
    Secrets {
        query_hash_key: naming,
        cache_keys: deployment.cache_keys.clone(),
        ..Secrets::default()
    }
}

/// A tenant's upstream credentials: its own secret's, never the deployment's (the deployment's
/// Notion token or Microsoft app would show another organisation's workspace), except the
/// Descope management key when the tenant's secret has none: one Descope project serving several
/// organisations holds every user's outbound tokens, each only for that user.
fn credentials(deployment: &Secrets, tenant: Option<&Secrets>) -> UpstreamCredentials {
    let mut credentials = UpstreamCredentials::default();
    let management = tenant
        .and_then(|t| t.descope_management_key.as_ref())
        .or(deployment.descope_management_key.as_ref());
    if let Some(key) = management {
        credentials = credentials.with(UpstreamCredentials::DESCOPE_MANAGEMENT_KEY, key.clone());
    }
    if let Some(tenant) = tenant {
        for key in workplace_connectors::registry::secret_keys() {
            if let Some(value) = tenant.upstream.get(key) {
                credentials = credentials.with(key, value.clone());
            }
        }
    }
    credentials
}

/// The problems of a tenant's `sources` settings, as the functions would find them: a name a
/// tenant may not set, or a value its source refuses. `deployment` supplies what the tenant does
/// not set (the admin CLI passes none, so only the tenant's own settings are judged).
pub fn source_setting_problems(
    document: &TenantDocument,
    deployment: &dyn Fn(&str) -> Option<String>,
) -> Vec<Problem> {
    let allowed: Vec<&str> = workplace_connectors::registry::tenant_settings().collect();
    let mut problems: Vec<Problem> = document
        .sources
        .keys()
        .filter(|name| !allowed.contains(&name.as_str()))
        .map(|name| Problem {
            at: format!("/sources/{name}"),
            problem: format!(
                "is not a setting a tenant may set (they are: {})",
                allowed.join(", ")
            ),
        })
        .collect();
    if !problems.is_empty() {
        return problems;
    }
    let settings = |name: &str| {
        document
            .sources
            .get(name)
            .cloned()
            .or_else(|| deployment(name))
    };
    if let Err(found) = ConnectorsConfig::from_lookup(&settings) {
        problems.extend(
            found
                .into_iter()
                .filter(|p| document.sources.contains_key(p.setting))
                .map(|p| Problem {
                    at: format!("/sources/{}", p.setting),
                    problem: p.problem,
                }),
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(pairs: &[(&str, &str)]) -> Secrets {
        let json: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v)))
            .collect();
        Secrets::parse("test", &serde_json::Value::Object(json).to_string()).unwrap()
    }

    fn document(sources: &[(&str, &str)]) -> TenantDocument {
        let mut doc = TenantDocument::from_json(
            r#"{"id": "globex", "name": "Globex", "identity": {"issuer": "https://login.example/"},
                "secret": "workplace-mcp/tenants/globex"}"#,
        )
        .unwrap();
        doc.sources = sources
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        doc
    }

    /// Counts reads; holds one tenant's secret.
    struct Store(std::sync::atomic::AtomicUsize);

    impl SecretStore for Store {
        fn fetch<'a>(&'a self, id: &'a str) -> workplace_secrets::FetchFuture<'a> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async move {
                match id {
                    "workplace-mcp/tenants/globex" => {
                        Ok(r#"{"notion_token": "globex-notion"}"#.into())
                    }
                    other => Err(workplace_secrets::SecretsError::NotFound(other.into())),
                }
            })
        }
    }

    #[tokio::test]
    async fn a_tenants_secret_is_read_once_and_a_missing_one_is_not_read_on_every_request() {
        let store = Arc::new(Store(std::sync::atomic::AtomicUsize::new(0)));
        let secrets = TenantSecrets {
            store: store.clone(),
            ttl: Duration::from_secs(300),
            timeouts: SecretsTimeouts {
                operation: Duration::from_secs(1),
                attempt: Duration::from_secs(1),
            },
        };
        let organisations = Organisations::new(BTreeMap::new(), None);
        let reads = || store.0.load(std::sync::atomic::Ordering::SeqCst);

        let globex = document(&[]);
        let provider = organisations.load_secret(&secrets, &globex).await.unwrap();
        let value = provider.current();
        assert_eq!(
            value
                .upstream
                .get("notion_token")
                .map(|v| v.expose_secret().to_owned())
                .as_deref(),
            Some("globex-notion")
        );
        assert_eq!(reads(), 1);

        let mut initech = document(&[]);
        initech.id = "initech".into();
        initech.secret = "workplace-mcp/tenants/initech".into();
        let err = organisations
            .load_secret(&secrets, &initech)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("initech"), "{err}");
        assert_eq!(reads(), 2);
        // Refused again from memory, without another read, until RETRY_SECRET_AFTER.
        assert!(organisations.load_secret(&secrets, &initech).await.is_err());
        assert_eq!(reads(), 2);
    }

    #[test]
    fn each_tenant_has_its_own_derived_keys() {
        let key = b"the deployment's cursor key";
        assert_ne!(
            derive(key, "page cursors", "acme"),
            derive(key, "page cursors", "globex")
        );
        assert_ne!(
            derive(key, "page cursors", "acme"),
            derive(key, "cache names", "acme")
        );
        assert_eq!(
            derive(key, "page cursors", "acme"),
            derive(key, "page cursors", "acme")
        );
        let deployment = secrets(&[("query_hash_key", "q"), ("cursor_key", "c")]);
        let name = |t: &str| {
            tenant_keys(&deployment, t)
                .query_hash_key
                .map(|k| k.expose_secret().to_owned())
        };
        assert_ne!(name("acme"), name("globex"));
        assert_ne!(name("acme").as_deref(), Some("q"));
    }

    #[test]
    fn a_tenant_never_borrows_the_deployments_upstream_credentials() {
        let deployment = secrets(&[
            ("descope_management_key", "deployment-descope"),
            ("notion_token", "deployment-notion"),
        ]);
        let without = credentials(&deployment, None);
        assert_eq!(
            without
                .get(UpstreamCredentials::DESCOPE_MANAGEMENT_KEY)
                .map(|k| k.expose_secret().to_owned())
                .as_deref(),
            Some("deployment-descope")
        );
        assert!(without.get("notion_token").is_none());
        let own = secrets(&[
            ("descope_management_key", "tenant-descope"),
            ("notion_token", "tenant-notion"),
        ]);
        let with = credentials(&deployment, Some(&own));
        let value = |key| with.get(key).map(|k| k.expose_secret().to_owned());
        assert_eq!(
            value(UpstreamCredentials::DESCOPE_MANAGEMENT_KEY).as_deref(),
            Some("tenant-descope")
        );
        assert_eq!(value("notion_token").as_deref(), Some("tenant-notion"));
    }

    #[test]
    fn only_a_tenants_own_settings_are_allowed_and_judged() {
        let deployment = |name: &str| (name == "DESCOPE_PROJECT_ID").then(|| "P2x".to_owned());
        let ok = document(&[
            ("GOOGLE_WORKSPACE_DOMAINS", "globex.example"),
            ("NOTION_MODE", "disabled"),
            ("DESCOPE_OUTBOUND_APP_GOOGLE", "globex-google"),
        ]);
        assert_eq!(source_setting_problems(&ok, &deployment), []);
        // Where requests go is the deployment's choice, never a tenant's.
        let elsewhere = document(&[("GRAPH_BASE_URL", "https://attacker.example")]);
        let at: Vec<String> = source_setting_problems(&elsewhere, &deployment)
            .into_iter()
            .map(|p| p.at)
            .collect();
        assert_eq!(at, ["/sources/GRAPH_BASE_URL"]);
        let bad = document(&[("NOTION_MODE", "sometimes")]);
        let at: Vec<String> = source_setting_problems(&bad, &deployment)
            .into_iter()
            .map(|p| p.at)
            .collect();
        assert_eq!(at, ["/sources/NOTION_MODE"]);
    }
}
