//! One organisation's settings as a document, and the rules it must meet.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use workplace_policy::{AddressPolicy, Caps, Cidr, DEFAULT_KILL_SWITCH_MESSAGE, Policy, ToolInfo};

/// The published JSON Schema of a tenant document (`docs/tenant.schema.json`).
pub const SCHEMA: &str = include_str!("../../../docs/tenant.schema.json");

/// Every tenant's secret is named under this prefix: the functions may read secrets by this prefix
/// only (`template.yaml`), so a document cannot point a function at another secret.
pub const SECRET_PREFIX: &str = "workplace-mcp/tenants/";

/// Longest kill-switch message (it is sent with every refusal).
const MAX_MESSAGE_CHARS: usize = 500;

/// Most service-token subjects one organisation may list.
const MAX_SERVICE_SUBJECTS: usize = 1000;

/// Longest value of a source setting.
const MAX_SETTING_CHARS: usize = 1000;

/// One organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantDocument {
    /// Stable id: lower-case letters, digits and `-`, 2 to 40 characters. Keys everything the
    /// organisation owns (limits, caches, records), so it never changes.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Who signs its users' tokens, and how a token names this organisation.
    pub identity: Identity,
    /// Its Secrets Manager secret (upstream credentials), under [`SECRET_PREFIX`].
    pub secret: String,
    /// What its administrators allow.
    #[serde(default)]
    pub policy: TenantPolicy,
    /// Its rate limits; the deployment's defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<TenantLimits>,
    /// The connector settings it sets instead of the deployment's, by environment-variable name:
    /// each source's mode (`GOOGLE_DRIVE_MODE`), its Google Workspace domains, Microsoft tenant,
    /// Salesforce instance and outbound app ids. Which names are allowed is the functions' rule
    /// (`workplace_service::tenancy`), so a document can never point a function at another host.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
}

/// Who signs the organisation's tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The tokens' exact `iss`.
    pub issuer: String,
    /// With one issuer for several organisations (one Descope project): the Descope tenant id a
    /// token must carry as its active tenant (`dct`, also a key of its `tenants` claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descope_tenant: Option<String>,
    /// For an organisation with its own identity provider (an issuer other than the
    /// deployment's): where its signing keys are published. Tokens must still name this server
    /// as their audience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_url: Option<String>,
    /// The service-token subjects (`SERVICE_TOKEN_SUBJECTS`) that belong to this organisation.
    /// A service token names no organisation of its own, and whoever holds the deployment's
    /// service-token key writes every claim, so only the operator's list can place one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_subjects: Vec<String>,
}

/// The admin policy, as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantPolicy {
    /// Refuse every request.
    #[serde(default)]
    pub kill_switch: bool,
    /// What refused callers read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kill_switch_message: Option<String>,
    /// The tools listed and callable; all when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<String>>,
    /// No tool that writes.
    #[serde(default)]
    pub read_only: bool,
    /// Client address ranges allowed; any when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_allowlist: Vec<String>,
    /// Proxies whose `X-Forwarded-For` entry is believed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<String>,
    /// Most results per search page; the server's own bound when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<usize>,
    /// Most characters of document text per call; the server's own bound when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_content_chars: Option<usize>,
}

/// Per-user rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantLimits {
    /// Sustained calls per second per user.
    pub user_rps: f64,
    /// Calls a user may make at once.
    pub user_burst: u32,
}

/// A rule a document breaks: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// A JSON pointer into the document (`/policy/tools/1`).
    pub at: String,
    /// What is wrong, in words.
    pub problem: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.problem)
    }
}

/// An OIDC issuer URL, or the bare name service tokens carry (`SERVICE_TOKEN_ISSUER`).
fn issuer_ok(issuer: &str) -> bool {
    if !issuer.contains("://") {
        return (1..=64).contains(&issuer.len())
            && issuer
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    }
    let whole = issuer.len() <= 300 && !issuer.chars().any(|c| c.is_whitespace() || c.is_control());
    whole
        && url::Url::parse(issuer).is_ok_and(|url| {
            url.scheme() == "https"
                || (url.scheme() == "http"
                    && matches!(url.host_str(), Some("127.0.0.1" | "localhost")))
        })
}

impl TenantDocument {
    /// Reads a document from JSON; a field the schema does not know is an error, so a typo never
    /// silently leaves a control off.
    pub fn from_json(text: &str) -> Result<Self, Vec<Problem>> {
        serde_json::from_str(text).map_err(|err| {
            vec![Problem {
                at: format!("line {}, column {}", err.line(), err.column()),
                problem: err.to_string(),
            }]
        })
    }

    /// Every rule the document breaks (none: it may be stored and served). `tools` is the
    /// server's catalogue.
    pub fn validate(&self, tools: &[ToolInfo]) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut problem = |at: &str, text: String| {
            problems.push(Problem {
                at: at.to_owned(),
                problem: text,
            });
        };
        let id_ok = (2..=40).contains(&self.id.len())
            && self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !self.id.starts_with('-')
            && !self.id.ends_with('-');
        if !id_ok {
            problem(
                "/id",
                "must be 2 to 40 lower-case letters, digits or `-`, not starting or ending with `-`"
                    .into(),
            );
        }
        if self.name.trim().is_empty() || self.name.chars().count() > 100 {
            problem("/name", "must be 1 to 100 characters".into());
        }
        if !issuer_ok(&self.identity.issuer) {
            problem(
                "/identity/issuer",
                "must be an https URL (http only for 127.0.0.1 or localhost), or a service-token \
                 issuer name of 1 to 64 letters, digits, `.`, `_` or `-`"
                    .into(),
            );
        }
        if let Some(tenant) = &self.identity.descope_tenant
            && (tenant.is_empty()
                || tenant.len() > 64
                || !tenant
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        {
            problem(
                "/identity/descope_tenant",
                "must be 1 to 64 letters, digits, `-` or `_`".into(),
            );
        }
        if let Some(url) = &self.identity.jwks_url {
            let is_url = self.identity.issuer.contains("://");
            if !is_url || !issuer_ok(url) || !url.contains("://") {
                problem(
                    "/identity/jwks_url",
                    "must be an https URL (http only for 127.0.0.1 or localhost), with an issuer \
                     that is a URL too"
                        .into(),
                );
            }
        }
        let subjects = &self.identity.service_subjects;
        if subjects.len() > MAX_SERVICE_SUBJECTS {
            problem(
                "/identity/service_subjects",
                format!("must list at most {MAX_SERVICE_SUBJECTS} subjects"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, subject) in subjects.iter().enumerate() {
            if subject.is_empty()
                || subject.len() > 200
                || subject
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == ',')
            {
                problem(
                    &format!("/identity/service_subjects/{i}"),
                    "must be 1 to 200 characters without spaces or commas".into(),
                );
            } else if !seen.insert(subject) {
                problem(
                    &format!("/identity/service_subjects/{i}"),
                    format!("`{subject}` is listed twice"),
                );
            }
        }
        for (name, value) in &self.sources {
            let name_ok = (2..=64).contains(&name.len())
                && name.starts_with(|c: char| c.is_ascii_uppercase())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !name_ok {
                problem(
                    &format!("/sources/{name}"),
                    "must be a setting name: upper-case letters, digits and `_`".into(),
                );
            } else if value.chars().count() > MAX_SETTING_CHARS
                || value.chars().any(char::is_control)
            {
                problem(
                    &format!("/sources/{name}"),
                    format!("must be one line of at most {MAX_SETTING_CHARS} characters"),
                );
            }
        }
        let expected_secret = format!("{SECRET_PREFIX}{}", self.id);
        if self.secret != expected_secret {
            problem(
                "/secret",
                format!(
                    "must be `{expected_secret}` (the functions read only secrets named by tenant)"
                ),
            );
        }
        let policy = &self.policy;
        if let Some(message) = &policy.kill_switch_message
            && (message.trim().is_empty()
                || message.chars().count() > MAX_MESSAGE_CHARS
                || message.chars().any(char::is_control))
        {
            problem(
                "/policy/kill_switch_message",
                format!("must be one line of 1 to {MAX_MESSAGE_CHARS} characters"),
            );
        }
        if let Some(list) = &policy.tools {
            let mut seen = BTreeSet::new();
            for (i, name) in list.iter().enumerate() {
                if !tools.iter().any(|t| t.name == name) {
                    problem(
                        &format!("/policy/tools/{i}"),
                        format!(
                            "`{name}` is not a tool of this server (its tools: {})",
                            tools.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
                        ),
                    );
                } else if !seen.insert(name) {
                    problem(
                        &format!("/policy/tools/{i}"),
                        format!("`{name}` is listed twice"),
                    );
                }
            }
        }
        for (field, list) in [
            ("ip_allowlist", &policy.ip_allowlist),
            ("trusted_proxies", &policy.trusted_proxies),
        ] {
            for (i, range) in list.iter().enumerate() {
                if let Err(err) = range.parse::<Cidr>() {
                    problem(&format!("/policy/{field}/{i}"), err.to_string());
                }
            }
        }
        for (field, value, bounds) in [
            ("max_results", policy.max_results, Caps::RESULTS),
            (
                "max_content_chars",
                policy.max_content_chars,
                Caps::CONTENT_CHARS,
            ),
        ] {
            if let Some(n) = value
                && !bounds.contains(&n)
            {
                problem(
                    &format!("/policy/{field}"),
                    format!("must be from {} to {}", bounds.start(), bounds.end()),
                );
            }
        }
        if let Some(limits) = self.limits {
            if !(limits.user_rps.is_finite() && (0.001..=100_000.0).contains(&limits.user_rps)) {
                problem("/limits/user_rps", "must be from 0.001 to 100000".into());
            }
            if !(1..=1_000_000).contains(&limits.user_burst) {
                problem("/limits/user_burst", "must be from 1 to 1000000".into());
            }
        }
        problems
    }

    /// The policy the functions enforce for this organisation (the document must be valid).
    pub fn policy(&self, tools: &[ToolInfo]) -> Policy {
        let policy = &self.policy;
        let ranges = |list: &[String]| list.iter().filter_map(|r| r.parse().ok()).collect();
        Policy {
            kill_switch: policy.kill_switch.then(|| {
                policy
                    .kill_switch_message
                    .clone()
                    .unwrap_or_else(|| DEFAULT_KILL_SWITCH_MESSAGE.to_owned())
            }),
            tools: policy.tools.as_ref().map(|names| {
                names
                    .iter()
                    .filter(|name| tools.iter().any(|t| t.name == name.as_str()))
                    .cloned()
                    .collect()
            }),
            read_only: policy.read_only,
            addresses: AddressPolicy {
                allow: ranges(&policy.ip_allowlist),
                trusted_proxies: ranges(&policy.trusted_proxies),
            },
            caps: Caps {
                max_results: policy.max_results,
                max_content_chars: policy.max_content_chars,
            },
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const TOOLS: [ToolInfo; 2] = [
        ToolInfo {
            name: "workplace_search",
            writes: false,
        },
        ToolInfo {
            name: "add_comment",
            writes: true,
        },
    ];

    pub(crate) fn acme() -> TenantDocument {
        TenantDocument::from_json(
            r#"{
                "id": "acme",
                "name": "Acme Corp",
                "identity": {"issuer": "https://api.descope.com/v1/apps/agentic/P2x/M1", "descope_tenant": "T2acme"},
                "secret": "workplace-mcp/tenants/acme",
                "policy": {"read_only": true, "ip_allowlist": ["203.0.113.0/24"]},
                "limits": {"user_rps": 5, "user_burst": 10}
            }"#,
        )
        .expect("the example parses")
    }

    #[test]
    fn a_valid_document_has_no_problems_and_yields_its_policy() {
        let doc = acme();
        assert_eq!(doc.validate(&TOOLS), []);
        let policy = doc.policy(&TOOLS);
        assert!(policy.read_only);
        assert_eq!(policy.addresses.allow.len(), 1);
        assert!(policy.kill_switch.is_none());
        let round_trip: TenantDocument =
            serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
        assert_eq!(round_trip, doc);
    }

    #[test]
    fn every_broken_rule_is_reported_with_where() {
        let mut doc = acme();
        doc.id = "Acme!".into();
        doc.name = " ".into();
        doc.identity.issuer = "http://evil.example.com".into();
        doc.identity.descope_tenant = Some("T 2".into());
        doc.identity.jwks_url = Some("http://keys.evil.example/jwks".into());
        doc.identity.service_subjects = vec!["bot".into(), "a b".into(), "bot".into()];
        doc.sources = [("graph_base_url".to_owned(), "x".to_owned())].into();
        doc.secret = "prod/database".into();
        doc.policy.kill_switch_message = Some("a\nb".into());
        doc.policy.tools = Some(vec![
            "workplace_search".into(),
            "drop_tables".into(),
            "workplace_search".into(),
        ]);
        doc.policy.trusted_proxies = vec!["10.0.0.0/99".into()];
        doc.policy.max_results = Some(0);
        doc.policy.max_content_chars = Some(5);
        doc.limits = Some(TenantLimits {
            user_rps: 0.0,
            user_burst: 0,
        });
        let at: Vec<String> = doc.validate(&TOOLS).into_iter().map(|p| p.at).collect();
        assert_eq!(
            at,
            [
                "/id",
                "/name",
                "/identity/issuer",
                "/identity/descope_tenant",
                "/identity/jwks_url",
                "/identity/service_subjects/1",
                "/identity/service_subjects/2",
                "/sources/graph_base_url",
                "/secret",
                "/policy/kill_switch_message",
                "/policy/tools/1",
                "/policy/tools/2",
                "/policy/trusted_proxies/0",
                "/policy/max_results",
                "/policy/max_content_chars",
                "/limits/user_rps",
                "/limits/user_burst"
            ]
        );
    }

    #[test]
    fn an_unknown_field_is_an_error_not_a_control_left_off() {
        let problems = TenantDocument::from_json(
            r#"{"id": "acme", "name": "A", "identity": {"issuer": "https://x"}, "secret": "workplace-mcp/tenants/acme",
                "policy": {"readonly": true}}"#,
        )
        .unwrap_err();
        assert!(problems[0].problem.contains("readonly"), "{problems:?}");
    }
}
