//! Building the configured sources from settings and credentials.
//!
//! Each enabled source is built on its own: a missing or unusable credential disables only that
//! source (a [`Disabled`] stand-in reports why on every call) and is listed among the problems
//! `/health` reports; the other sources keep serving.

use std::collections::BTreeMap;
use std::sync::Arc;

use secrecy::SecretString;
use workplace_cache::SharedCache;

use crate::broker::{DescopeOutbound, TokenBroker};
use crate::config::{ConfigProblem, ConnectorsConfig, Mode};
use crate::disabled::Disabled;
use crate::endpoint::BaseUrl;
use crate::{Access, Source, SourceKind};

/// Upstream credentials, from the project's secret, by secret key (`descope_management_key` and
/// each registry entry's `secret_keys`). Never logged (`SecretString`).
#[derive(Default, Clone)]
pub struct UpstreamCredentials {
    keys: BTreeMap<String, SecretString>,
}

impl UpstreamCredentials {
    /// The key every `descope_outbound` source reads.
    pub const DESCOPE_MANAGEMENT_KEY: &'static str = "descope_management_key";

    /// Adds (or replaces) the value of `key`.
    pub fn with(mut self, key: &str, value: SecretString) -> Self {
        self.keys.insert(key.to_owned(), value);
        self
    }

    /// The value of `key`, if the secret has one.
    pub fn get(&self, key: &str) -> Option<&SecretString> {
        self.keys.get(key)
    }
}

impl std::fmt::Debug for UpstreamCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.keys.keys()).finish()
    }
}

/// Parses one base URL setting, recording a problem when it is unusable.
fn base_url(
    setting: &'static str,
    value: &str,
    problems: &mut Vec<ConfigProblem>,
) -> Option<BaseUrl> {
    BaseUrl::parse(setting, value)
        .map_err(|problem| problems.push(problem))
        .ok()
}

/// The access of a source in `mode`; says so in the log, once, when it is shared.
fn access(kind: SourceKind, mode: Mode) -> Access {
    // A source whose service mode still acts as the user (Drive's delegation) is per user too.
    if mode != Mode::Service || !crate::registry::entry(kind).shared_service_credential {
        return Access::PerUser;
    }
    tracing::warn!(
        source = kind.as_str(),
        access = Access::Shared.as_str(),
        "{} runs on a shared credential (acknowledged in ALLOW_SHARED_CREDENTIALS): every caller sees what the integration can see, not their own permissions",
        kind.display_name()
    );
    Access::Shared
}

fn missing(key: &'static str, why: &str) -> ConfigProblem {
    ConfigProblem {
        setting: key,
        problem: format!("is missing from the secret; {why} needs it"),
    }
}
/// The sources a configuration asks for: every one that could be built, and for each one that
/// could not, a stand-in that reports why; `problems` says what to fix.
#[derive(Default)]
pub struct BuiltSources {
    /// One per enabled source, in [`SourceKind::ALL`] order.
    pub sources: Vec<Arc<dyn Source>>,
    /// Each missing or invalid setting or credential (for the log and `/health`).
    pub problems: Vec<ConfigProblem>,
}

/// Builds every enabled source, or names each missing setting or credential (all or nothing; a
/// service uses [`build_available_sources`], so one bad credential disables only its source).
pub fn build_sources(
    config: &ConnectorsConfig,
    credentials: &UpstreamCredentials,
    http: &reqwest::Client,
) -> Result<Vec<Arc<dyn Source>>, Vec<ConfigProblem>> {
    let built = build_available_sources(config, credentials, http, None);
    if built.problems.is_empty() {
        Ok(built.sources)
    } else {
        Err(built.problems)
    }
}

/// Builds every enabled source; one that cannot be built is replaced by a stand-in answering
/// `error` with the settings to fix, and its problems are logged and returned. With `shared`,
/// the brokers share tokens and the connectors extracted text with the other containers.
pub fn build_available_sources(
    config: &ConnectorsConfig,
    credentials: &UpstreamCredentials,
    http: &reqwest::Client,
    shared: Option<&SharedCache>,
) -> BuiltSources {
    let context = BuildContext {
        config,
        credentials,
        http,
        shared,
    };
    let mut built = BuiltSources::default();
    for settings in &config.sources {
        let (kind, mode) = (settings.kind(), settings.mode());
        if mode == Mode::Disabled {
            continue;
        }
        let mut problems = Vec::new();
        let access = access(kind, mode);
        match settings.build(&context, access, &mut problems) {
            Some(source) if problems.is_empty() => built.sources.push(source),
            _ => {
                let mut settings: Vec<&'static str> = problems.iter().map(|p| p.setting).collect();
                settings.dedup();
                for p in &problems {
                    tracing::error!(
                        source = kind.as_str(),
                        setting = p.setting,
                        problem = %p.problem,
                        "source disabled: a setting or credential is unusable"
                    );
                }
                built
                    .sources
                    .push(Arc::new(Disabled::new(kind, access, &settings)));
                built.problems.extend(problems);
            }
        }
    }
    built
}

/// What every source is built from: the shared settings, the credentials and the HTTP client,
/// with the steps several sources share (a base URL, a secret, a Descope outbound broker).
pub struct BuildContext<'a> {
    config: &'a ConnectorsConfig,
    credentials: &'a UpstreamCredentials,
    http: &'a reqwest::Client,
    shared: Option<&'a SharedCache>,
}

impl BuildContext<'_> {
    /// The cache shared across containers, if configured.
    pub(crate) fn shared_cache(&self) -> Option<SharedCache> {
        self.shared.cloned()
    }

    /// The HTTP client every upstream shares.
    pub(crate) fn http(&self) -> reqwest::Client {
        self.http.clone()
    }

    /// Caps on downloading and extracting files.
    pub(crate) fn content_limits(&self) -> crate::ContentLimits {
        self.config.content
    }

    /// Parses a base URL setting, recording a problem when it is unusable.
    pub(crate) fn base_url(
        &self,
        setting: &'static str,
        value: &str,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<BaseUrl> {
        base_url(setting, value, problems)
    }

    /// The secret's `key`, or a problem saying `why` needs it.
    pub(crate) fn secret(
        &self,
        key: &'static str,
        why: &str,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<&SecretString> {
        let value = self.credentials.get(key);
        if value.is_none() {
            problems.push(missing(key, why));
        }
        value
    }

    /// The user's own token for `kind` through Descope Outbound Apps: outbound app `app`, asking
    /// for `scopes`.
    pub(crate) fn outbound(
        &self,
        kind: SourceKind,
        app: &str,
        scopes: Vec<String>,
        problems: &mut Vec<ConfigProblem>,
    ) -> Option<Arc<dyn TokenBroker>> {
        let config = self.config;
        let key = self.secret(
            UpstreamCredentials::DESCOPE_MANAGEMENT_KEY,
            "descope_outbound mode",
            problems,
        )?;
        let project = config.descope_project_id.as_deref().unwrap_or_default();
        let hint = match &config.connect_url {
            Some(url) => format!(
                "Connect your {} account at {url}, then try again.",
                kind.display_name()
            ),
            None => format!(
                "Connect your {} account to workplace-mcp (ask your administrator for the link), then try again.",
                kind.display_name()
            ),
        };
        let base = base_url("DESCOPE_BASE_URL", &config.descope_base_url, problems)?;
        Some(Arc::new(
            DescopeOutbound::new(self.http.clone(), &base, project, key, app, scopes, hint)
                .with_shared_cache(self.shared_cache()),
        ))
    }
}
