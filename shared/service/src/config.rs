//! Configuration, read once at cold start into a typed, validated struct.
//!
//! Every setting is an environment variable (the SAM template sets them); secrets are not here, they
//! come from the secrets provider. Loading collects *every* problem rather than stopping at the
//! first, so `/health` can list them all.

use std::time::Duration;

use serde::Serialize;
use url::Url;
use workplace_auth::{ScopePolicy, ServiceTokenConfig};

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

/// Knobs of the search fan-out.
#[derive(Debug, Clone, Copy)]
pub struct SearchSettings {
    /// `SOURCE_TIMEOUT_MS` (default 8000, 100..=25000): each source's deadline, retries included.
    /// API Gateway cuts every call at 30 s, so the ceiling leaves room for content fetching.
    pub source_timeout: Duration,
    /// `CONTENT_MAX_CHARS` (default 20000, 100..=200000): the most characters of one document's text
    /// returned by `include_content`; longer text is cut and marked `truncated`.
    pub content_max_chars: usize,
    /// `CONTENT_CONCURRENCY` (default 4, 1..=16): documents fetched at once for `include_content`.
    pub content_concurrency: usize,
    /// `REQUEST_DEADLINE_MS` (default 25000, 1000..=28000): the most one tool call may take, the
    /// search and every content fetch included. It stays below the functions' 29 s timeout (and
    /// API Gateway's 30 s), so a slow upstream costs a partial answer, never a killed invocation
    /// without a record. What did not finish is reported per source and per result.
    pub request_deadline: Duration,
    /// `SNIPPET_BUDGET_MS`, `SNIPPET_HITS`: the query-aware snippet phase after the fan-out
    /// (`search/enrich.rs`).
    pub snippets: crate::search::SnippetSettings,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            source_timeout: Duration::from_millis(8000),
            content_max_chars: 20_000,
            content_concurrency: 4,
            request_deadline: Duration::from_millis(25_000),
            snippets: crate::search::SnippetSettings::default(),
        }
    }
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

        let defaults = SearchSettings::default();
        let source_timeout = number(env, "SOURCE_TIMEOUT_MS", 100..=25_000, 8_000, &mut problem);
        let content_max_chars = number(
            env,
            "CONTENT_MAX_CHARS",
            100..=200_000,
            defaults.content_max_chars as u64,
            &mut problem,
        );
        let content_concurrency = number(
            env,
            "CONTENT_CONCURRENCY",
            1..=16,
            defaults.content_concurrency as u64,
            &mut problem,
        );
        let request_deadline = number(
            env,
            "REQUEST_DEADLINE_MS",
            1_000..=28_000,
            defaults.request_deadline.as_millis() as u64,
            &mut problem,
        );
        // Query-aware snippets (search/enrich.rs).
        let snippet_budget = number(
            env,
            "SNIPPET_BUDGET_MS",
            0..=10_000,
            defaults.snippets.budget.as_millis() as u64,
            &mut problem,
        );
        let snippet_hits = number(
            env,
            "SNIPPET_HITS",
            0..=50,
            defaults.snippets.hits as u64,
            &mut problem,
        );
        let log_query_text = boolean(env, "LOG_QUERY_TEXT", false, &mut problem);

        match resource_url {
            Some(resource_url) if problems.is_empty() => Ok(Self {
                resource_metadata_url: resource_metadata_url(&resource_url),
                resource_url,
                oidc,
                service_token_issuer,
                service_tokens,
                search: SearchSettings {
                    source_timeout: Duration::from_millis(source_timeout),
                    content_max_chars: content_max_chars as usize,
                    content_concurrency: content_concurrency as usize,
                    request_deadline: Duration::from_millis(request_deadline),
                    snippets: crate::search::SnippetSettings {
                        budget: Duration::from_millis(snippet_budget),
                        hits: snippet_hits as usize,
                    },
                },
                log_query_text,
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

fn non_empty(env: Lookup<'_>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn parse_http_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("is not a valid URL ({e})"))?;
    match url.scheme() {
        "https" | "http" if url.host().is_some() => Ok(url),
        _ => Err("must be an http(s) URL with a host".into()),
    }
}

fn number(
    env: Lookup<'_>,
    name: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
    problem: &mut impl FnMut(&'static str, String),
) -> u64 {
    let Some(raw) = non_empty(env, name) else {
        return default;
    };
    match raw.parse::<u64>() {
        Ok(value) if range.contains(&value) => value,
        _ => {
            problem(
                name,
                format!(
                    "must be a whole number from {} to {} (got `{raw}`)",
                    range.start(),
                    range.end()
                ),
            );
            default
        }
    }
}

fn boolean(
    env: Lookup<'_>,
    name: &'static str,
    default: bool,
    problem: &mut impl FnMut(&'static str, String),
) -> bool {
    match non_empty(env, name)
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => default,
        Some("true" | "1" | "yes") => true,
        Some("false" | "0" | "no") => false,
        Some(other) => {
            problem(name, format!("must be true or false (got `{other}`)"));
            default
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

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
