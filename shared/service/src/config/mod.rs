//! Configuration, read once at cold start into a typed, validated struct.
//!
//! Every setting is an environment variable (the SAM template sets them); secrets are not here, they
//! come from the secrets provider. Loading collects *every* problem rather than stopping at the
//! first, so `/health` can list them all.

mod search;
mod values;

use std::sync::Arc;

use serde::Serialize;
use url::Url;
use workplace_auth::{ScopePolicy, ServiceTokenConfig};
use workplace_policy::Policy;

pub use search::{CommentConfirmation, SearchSettings};
use values::{boolean, non_empty, parse_http_url};

/// A way to read settings: the process environment in production, a map in tests (no `set_var`).
pub type Lookup<'a> = &'a (dyn Fn(&str) -> Option<String> + Sync);

/// Reads the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `MCP_RESOURCE_URL`: this server's public MCP URL, e.g. `https://api.example.com/mcp`. Tokens'
    /// `aud` must contain it (RFC 8707) and the protected-resource metadata names it. Required.
    pub resource_url: Url,
    /// Where the RFC 9728 metadata document is served: `<origin>/.well-known/oauth-protected-resource`.
    pub resource_metadata_url: String,
    /// Descope (OIDC) token verification; `None` when only service tokens are accepted.
    pub oidc: Option<OidcConfig>,
    /// `SERVICE_TOKEN_ISSUER` (default `workplace-mcp`): the `iss` of HS256 service tokens signed
    /// with the service-token key. Must differ from the OIDC issuer.
    pub service_token_issuer: String,
    /// Service tokens (`SERVICE_TOKEN_SUBJECTS`, `SERVICE_TOKEN_SECRET_ID`,
    /// `SERVICE_TOKEN_MAX_LIFETIME_SECONDS`); `None`, the default, refuses every service token.
    pub service_tokens: Option<ServiceTokenConfig>,
    /// Search behaviour.
    pub search: SearchSettings,
    /// `LOG_QUERY_TEXT` (default `false`): log query text. Off, logs carry only its length and a
    /// short hash, because queries can contain personal or confidential words.
    pub log_query_text: bool,
    /// The admin policy (`POLICY_*`): kill switch, tool allow-list, read-only mode, IP allowlist.
    /// Open (nothing restricted) when none is set. With a tenants table, each tenant's own policy
    /// applies instead. Shared, so admitting a request clones a pointer, not the policy.
    pub policy: Arc<Policy>,
    /// `TENANTS_TABLE` and `TENANTS_TTL_SECONDS` (default 30, at most 300): the organisations
    /// served, reread at most once per TTL. `None`: one implicit organisation, from this
    /// configuration.
    pub tenants: Option<TenantsConfig>,
}

/// Where the tenants are, and how long a container trusts its copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantsConfig {
    /// The table.
    pub table: String,
    /// How long a container serves its copy before rereading it.
    pub ttl: std::time::Duration,
}

/// Descope settings.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// `DESCOPE_PROJECT_ID`, e.g. `P2abc...`.
    pub project_id: Option<String>,
    /// `DESCOPE_ISSUER`: the exact `iss` of access tokens; for a Descope MCP server,
    /// `https://api.descope.com/v1/apps/agentic/<project>/<mcp server id>`.
    pub issuer: String,
    /// `DESCOPE_JWKS_URL` (default `<DESCOPE_BASE_URL>/<project>/.well-known/jwks.json`).
    pub jwks_url: String,
    /// `SCOPES_INTERSECT_PERMISSIONS` (default `false`): narrow `scope` to the `permissions` claim.
    /// Scopes never come from `permissions` alone.
    pub scope_policy: ScopePolicy,
}

/// One invalid setting. Never contains a secret: settings here are not secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigProblem {
    /// The variable's name.
    pub setting: &'static str,
    /// What is wrong and how to fix it.
    pub problem: String,
}

/// Every problem found while loading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", .0.iter().map(|p| format!("{}: {}", p.setting, p.problem)).collect::<Vec<_>>().join("; "))]
pub struct ConfigErrors(pub Vec<ConfigProblem>);

const DEFAULT_DESCOPE_BASE_URL: &str = "https://api.descope.com";

impl Config {
    /// Reads and validates every setting.
    pub fn load(env: Lookup<'_>) -> Result<Self, ConfigErrors> {
        let mut problems = Vec::new();
        let mut problem = |setting: &'static str, text: String| {
            problems.push(ConfigProblem {
                setting,
                problem: text,
            });
        };

        let resource_url = match non_empty(env, "MCP_RESOURCE_URL") {
            None => {
                problem(
                    "MCP_RESOURCE_URL",
                    "is not set; set it to the public MCP URL, e.g. https://api.example.com/mcp"
                        .into(),
                );
                None
            }
            Some(raw) => match parse_http_url(&raw) {
                Ok(url) => Some(url),
                Err(why) => {
                    problem("MCP_RESOURCE_URL", why);
                    None
                }
            },
        };

        let base_url = non_empty(env, "DESCOPE_BASE_URL")
            .unwrap_or_else(|| DEFAULT_DESCOPE_BASE_URL.to_owned());
        let project_id = non_empty(env, "DESCOPE_PROJECT_ID");
        let issuer = non_empty(env, "DESCOPE_ISSUER");
        let jwks_override = non_empty(env, "DESCOPE_JWKS_URL");
        let scope_policy = if boolean(env, "SCOPES_INTERSECT_PERMISSIONS", false, &mut problem) {
            ScopePolicy::IntersectPermissions
        } else {
            ScopePolicy::ScopeOnly
        };
        let oidc = match (issuer, project_id) {
            (None, None) => None,
            (None, Some(_)) => {
                problem(
                    "DESCOPE_ISSUER",
                    "is required when DESCOPE_PROJECT_ID is set; copy `issuer` from your MCP server's discovery document".into(),
                );
                None
            }
            (Some(issuer), project_id) => {
                let jwks_url = match (&jwks_override, &project_id) {
                    (Some(url), _) => Some(url.clone()),
                    (None, Some(project)) => Some(format!(
                        "{}/{project}/.well-known/jwks.json",
                        base_url.trim_end_matches('/')
                    )),
                    (None, None) => {
                        problem(
                            "DESCOPE_PROJECT_ID",
                            "is required to locate the JWKS (or set DESCOPE_JWKS_URL)".into(),
                        );
                        None
                    }
                };
                if let Some(url) = &jwks_url
                    && let Err(why) = parse_http_url(url)
                {
                    problem("DESCOPE_JWKS_URL", why);
                }
                jwks_url.map(|jwks_url| OidcConfig {
                    project_id,
                    issuer,
                    jwks_url,
                    scope_policy,
                })
            }
        };

        let service_token_issuer =
            non_empty(env, "SERVICE_TOKEN_ISSUER").unwrap_or_else(|| "workplace-mcp".to_owned());
        if oidc
            .as_ref()
            .is_some_and(|o| o.issuer == service_token_issuer)
        {
            problem(
                "SERVICE_TOKEN_ISSUER",
                "must differ from DESCOPE_ISSUER, since the issuer decides which verifier runs"
                    .into(),
            );
        }

        let service_tokens = ServiceTokenConfig::from_lookup(env)
            .map_err(|errors| {
                for (setting, text) in errors {
                    problem(setting, text);
                }
            })
            .ok()
            .flatten();

        let search = SearchSettings::load(env, &mut problem);
        let log_query_text = boolean(env, "LOG_QUERY_TEXT", false, &mut problem);
        let policy = Arc::new(
            Policy::from_lookup(env, &crate::catalogue::policy_tools())
                .map_err(|errors| {
                    for (setting, text) in errors {
                        problem(setting, text);
                    }
                })
                .unwrap_or_default(),
        );
        let tenants = non_empty(env, "TENANTS_TABLE").map(|table| {
            let ttl = match non_empty(env, "TENANTS_TTL_SECONDS") {
                None => 30,
                Some(raw) => match raw.parse::<u64>() {
                    Ok(seconds) if (1..=300).contains(&seconds) => seconds,
                    _ => {
                        problem(
                            "TENANTS_TTL_SECONDS",
                            format!(
                                "must be a whole number of seconds from 1 to 300 (got `{raw}`)"
                            ),
                        );
                        30
                    }
                },
            };
            TenantsConfig {
                table,
                ttl: std::time::Duration::from_secs(ttl),
            }
        });

        match resource_url {
            Some(resource_url) if problems.is_empty() => Ok(Self {
                resource_metadata_url: resource_metadata_url(&resource_url),
                resource_url,
                oidc,
                service_token_issuer,
                service_tokens,
                search,
                log_query_text,
                policy,
                tenants,
            }),
            _ => Err(ConfigErrors(problems)),
        }
    }

    /// The resource URL as tokens carry it in `aud`: without a trailing slash (MCP spec's
    /// canonical form).
    pub fn audience(&self) -> String {
        self.resource_url.as_str().trim_end_matches('/').to_owned()
    }
}

/// `<origin>/.well-known/oauth-protected-resource`, where clients look first (RFC 9728 §3).
pub fn resource_metadata_url(resource: &Url) -> String {
    format!(
        "{}/.well-known/oauth-protected-resource",
        resource.origin().ascii_serialization()
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::load(&|name| map.get(name).cloned())
    }

    #[test]
    fn minimal_configuration_uses_documented_defaults() {
        let config = load(&[("MCP_RESOURCE_URL", "https://api.example.com/mcp")]).unwrap();
        assert_eq!(config.audience(), "https://api.example.com/mcp");
        assert_eq!(
            config.resource_metadata_url,
            "https://api.example.com/.well-known/oauth-protected-resource"
        );
        assert!(config.oidc.is_none());
        assert_eq!(config.service_token_issuer, "workplace-mcp");
        assert_eq!(config.search.source_timeout, Duration::from_secs(8));
        assert!(!config.log_query_text);
    }

    #[test]
    fn descope_jwks_url_defaults_from_the_project() {
        let config = load(&[
            ("MCP_RESOURCE_URL", "https://api.example.com/mcp"),
            ("DESCOPE_PROJECT_ID", "P2abc"),
            (
                "DESCOPE_ISSUER",
                "https://api.descope.com/v1/apps/agentic/P2abc/MS1",
            ),
        ])
        .unwrap();
        let oidc = config.oidc.unwrap();
        assert_eq!(
            oidc.jwks_url,
            "https://api.descope.com/P2abc/.well-known/jwks.json"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = load(&[
            ("DESCOPE_PROJECT_ID", "P2abc"),
            ("SOURCE_TIMEOUT_MS", "90000"),
            ("LOG_QUERY_TEXT", "maybe"),
        ])
        .unwrap_err();
        let settings: Vec<_> = errors.0.iter().map(|p| p.setting).collect();
        assert_eq!(
            settings,
            [
                "MCP_RESOURCE_URL",
                "DESCOPE_ISSUER",
                "SOURCE_TIMEOUT_MS",
                "LOG_QUERY_TEXT"
            ]
        );
    }

    #[test]
    fn comment_confirmation_is_read_and_checked() {
        let base = ("MCP_RESOURCE_URL", "https://api.example.com/mcp");
        let config = load(&[base]).unwrap();
        assert_eq!(
            config.search.comment_confirmation,
            CommentConfirmation::WhenSupported
        );
        let config = load(&[base, ("COMMENT_CONFIRMATION", " Always ")]).unwrap();
        assert_eq!(
            config.search.comment_confirmation,
            CommentConfirmation::Always
        );
        let config = load(&[base, ("COMMENT_CONFIRMATION", "never")]).unwrap();
        assert_eq!(
            config.search.comment_confirmation,
            CommentConfirmation::Never
        );
        let errors = load(&[base, ("COMMENT_CONFIRMATION", "sometimes")]).unwrap_err();
        assert_eq!(errors.0[0].setting, "COMMENT_CONFIRMATION");
    }

    #[test]
    fn urls_are_checked() {
        let errors = load(&[("MCP_RESOURCE_URL", "ftp://x/mcp")]).unwrap_err();
        assert_eq!(errors.0[0].setting, "MCP_RESOURCE_URL");
        let errors = load(&[
            ("MCP_RESOURCE_URL", "https://api.example.com/mcp"),
            ("DESCOPE_ISSUER", "https://issuer.example.com"),
            ("DESCOPE_JWKS_URL", "not a url"),
        ])
        .unwrap_err();
        assert_eq!(errors.0[0].setting, "DESCOPE_JWKS_URL");
    }

    #[test]
    fn issuers_must_differ() {
        let errors = load(&[
            ("MCP_RESOURCE_URL", "https://api.example.com/mcp"),
            ("DESCOPE_ISSUER", "workplace-mcp"),
            ("DESCOPE_JWKS_URL", "https://x.example.com/jwks"),
        ])
        .unwrap_err();
        assert_eq!(errors.0[0].setting, "SERVICE_TOKEN_ISSUER");
    }
}
