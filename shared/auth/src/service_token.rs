//! HS256 service tokens: opt-in, short-lived, and only for an allowlist of subjects.
//!
//! A service token names its own `sub`, and that subject is what the connectors use to fetch the
//! user's upstream token (or to impersonate the user through delegation). Whoever holds the key can
//! therefore act as any subject the verifier accepts. Three limits keep that power narrow:
//!
//! - **Off unless configured**: the verifier exists only when `SERVICE_TOKEN_SUBJECTS` names at
//!   least one subject, and its key comes from a secret of its own (`SERVICE_TOKEN_SECRET_ID`), not
//!   from the secret every function and the extension can read.
//! - **Short-lived**: `iat` is required and `exp - iat` may not exceed the configured lifetime
//!   (one hour by default), so a leaked token is worth little.
//! - **Allowlisted subjects**: a token for any other subject is refused (401) before a principal
//!   exists, so no outbound-token or delegation lookup can be made for it.
//! - **No identity from the token**: the holder writes every claim, so a service token's `email`
//!   and `email_verified` are ignored. Where an upstream acts by email (Google domain-wide
//!   delegation), a service subject acts only as the one identity the operator configured for it
//!   (`SERVICE_TOKEN_SUBJECTS=batch-job=svc-reader@acme.example`), and is refused when none is.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};

use crate::claims::{Claims, check_header, check_time_claims};
use crate::{AuthError, LEEWAY_SECONDS, Principal, ScopePolicy, TokenKind};

/// Default longest lifetime (`exp - iat`) of a service token: one hour.
pub const DEFAULT_SERVICE_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// What service tokens may do, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceTokenConfig {
    /// `SERVICE_TOKEN_SECRET_ID`: the Secrets Manager secret holding the HS256 key (a JSON object
    /// with `jwt_secret_key`). Required when service tokens are on.
    pub secret_id: String,
    /// `SERVICE_TOKEN_SUBJECTS`: the only subjects a service token may name (comma- or
    /// space-separated). Service tokens are off while it is empty.
    pub subjects: BTreeSet<String>,
    /// The upstream identity of each subject written `subject=email` in `SERVICE_TOKEN_SUBJECTS`:
    /// what Google domain-wide delegation acts as for that subject. A subject without one is
    /// refused by delegation.
    pub identities: BTreeMap<String, String>,
    /// `SERVICE_TOKEN_MAX_LIFETIME_SECONDS` (default 3600, 60..=86400): the longest `exp - iat`.
    pub max_lifetime: Duration,
}

impl ServiceTokenConfig {
    /// Reads the settings through `env`. `Ok(None)` means service tokens are off. Every problem is
    /// returned as `(setting, problem)`.
    pub fn from_lookup(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, Vec<(&'static str, String)>> {
        let value = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut problems = Vec::new();
        let mut subjects = BTreeSet::new();
        let mut identities = BTreeMap::new();
        for entry in value("SERVICE_TOKEN_SUBJECTS")
            .unwrap_or_default()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            match entry.split_once('=') {
                None => {
                    subjects.insert(entry.to_owned());
                }
                Some((subject, identity)) if !subject.is_empty() && is_email(identity) => {
                    subjects.insert(subject.to_owned());
                    identities.insert(subject.to_owned(), identity.to_owned());
                }
                Some(_) => problems.push((
                    "SERVICE_TOKEN_SUBJECTS",
                    format!(
                        "`{entry}` is not `subject` or `subject=email` (an email such as svc-reader@acme.example)"
                    ),
                )),
            }
        }
        if subjects.is_empty() && problems.is_empty() {
            return Ok(None);
        }
        let secret_id = value("SERVICE_TOKEN_SECRET_ID");
        if secret_id.is_none() {
            problems.push((
                "SERVICE_TOKEN_SECRET_ID",
                "is required when SERVICE_TOKEN_SUBJECTS is set: name the secret holding the service-token key".to_owned(),
            ));
        }
        let max_lifetime = match value("SERVICE_TOKEN_MAX_LIFETIME_SECONDS") {
            None => Some(DEFAULT_SERVICE_TOKEN_LIFETIME),
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if (60..=86_400).contains(&n) => Some(Duration::from_secs(n)),
                _ => {
                    problems.push((
                        "SERVICE_TOKEN_MAX_LIFETIME_SECONDS",
                        format!("must be a whole number of seconds in 60..=86400 (got `{raw}`)"),
                    ));
                    None
                }
            },
        };
        match (secret_id, max_lifetime) {
            (Some(secret_id), Some(max_lifetime)) if problems.is_empty() => Ok(Some(Self {
                secret_id,
                subjects,
                identities,
                max_lifetime,
            })),
            _ => Err(problems),
        }
    }
}

/// Whether `value` looks like one email address: one `@` with something on either side, no
/// spaces. Delegation checks the domain against `GOOGLE_WORKSPACE_DOMAINS` when it acts.
fn is_email(value: &str) -> bool {
    match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// Verifies HS256 service tokens (a Cequence proxy, batch jobs, local development). Only HS256 is
/// accepted, only with this issuer, only for the allowlisted subjects, only short-lived.
pub struct ServiceTokenVerifier {
    issuer: String,
    key: DecodingKey,
    validation: Validation,
    subjects: BTreeSet<String>,
    identities: BTreeMap<String, String>,
    max_lifetime: Duration,
}

impl std::fmt::Debug for ServiceTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceTokenVerifier")
            .field("issuer", &self.issuer)
            .field("key", &"[redacted]")
            .field("subjects", &self.subjects)
            .field("identities", &self.identities)
            .field("max_lifetime", &self.max_lifetime)
            .finish()
    }
}

impl ServiceTokenVerifier {
    /// Minimum secret length: HS256 keys shorter than the hash output (32 bytes) weaken it.
    pub const MIN_SECRET_BYTES: usize = 32;

    /// A verifier for tokens with issuer `issuer`, an audience containing `audience`, a subject in
    /// `subjects` and a lifetime of at most `max_lifetime`.
    pub fn new(
        issuer: &str,
        audience: &str,
        secret: &SecretString,
        subjects: BTreeSet<String>,
        max_lifetime: Duration,
    ) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Self {
            issuer: issuer.to_owned(),
            key: DecodingKey::from_secret(secret.expose_secret().as_bytes()),
            validation,
            subjects,
            identities: BTreeMap::new(),
            max_lifetime,
        }
    }

    /// The same verifier, giving each subject in `identities` that upstream identity
    /// ([`Principal::service_identity`]); see [`ServiceTokenConfig::identities`].
    #[must_use]
    pub fn with_identities(mut self, identities: BTreeMap<String, String>) -> Self {
        self.identities = identities;
        self
    }

    /// The issuer this verifier accepts.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Verifies `token` and returns its principal. Scopes come from `scope` only; the principal
    /// has no email (whatever the token claims) and the upstream identity configured for its
    /// subject, if any.
    pub fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        check_header(&jsonwebtoken::decode_header(token)?)?;
        let data = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)?;
        let claims = data.claims;
        let iat = claims.iat.ok_or(AuthError::MissingClaim("iat"))?;
        check_time_claims(iat, claims.exp, self.max_lifetime)?;
        if !claims
            .sub
            .as_deref()
            .is_some_and(|s| self.subjects.contains(s))
        {
            return Err(AuthError::SubjectNotAllowed);
        }
        let mut principal =
            Principal::from_claims(claims, TokenKind::Service, ScopePolicy::ScopeOnly)?;
        principal.service_identity = self.identities.get(&principal.subject).cloned();
        Ok(principal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn off_unless_subjects_are_configured() {
        assert_eq!(ServiceTokenConfig::from_lookup(&lookup(&[])), Ok(None));
        assert_eq!(
            ServiceTokenConfig::from_lookup(&lookup(&[
                ("SERVICE_TOKEN_SECRET_ID", "s"),
                ("SERVICE_TOKEN_SUBJECTS", " , ")
            ])),
            Ok(None)
        );
    }

    #[test]
    fn reads_subjects_secret_and_lifetime() {
        let config = ServiceTokenConfig::from_lookup(&lookup(&[
            ("SERVICE_TOKEN_SECRET_ID", "prod/service-token"),
            ("SERVICE_TOKEN_SUBJECTS", "svc-batch, dev-user U2alice"),
            ("SERVICE_TOKEN_MAX_LIFETIME_SECONDS", "600"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.secret_id, "prod/service-token");
        assert_eq!(
            config
                .subjects
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
            ["U2alice", "dev-user", "svc-batch"]
        );
        assert_eq!(config.max_lifetime, Duration::from_secs(600));
        assert!(config.identities.is_empty());
    }

    #[test]
    fn a_subject_may_name_the_one_identity_it_acts_as() {
        let config = ServiceTokenConfig::from_lookup(&lookup(&[
            ("SERVICE_TOKEN_SECRET_ID", "s"),
            (
                "SERVICE_TOKEN_SUBJECTS",
                "batch-job=svc-reader@acme.example, dev-user",
            ),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.subjects.len(), 2);
        assert_eq!(
            config.identities.get("batch-job").map(String::as_str),
            Some("svc-reader@acme.example")
        );
        assert_eq!(config.identities.get("dev-user"), None);
        for bad in [
            "=a@acme.example",
            "job=",
            "job=nobody",
            "job=a@",
            "job=@acme.example",
        ] {
            let errors = ServiceTokenConfig::from_lookup(&lookup(&[
                ("SERVICE_TOKEN_SECRET_ID", "s"),
                ("SERVICE_TOKEN_SUBJECTS", bad),
            ]))
            .unwrap_err();
            assert_eq!(errors[0].0, "SERVICE_TOKEN_SUBJECTS", "{bad}");
        }
    }

    #[test]
    fn names_every_problem() {
        let errors = ServiceTokenConfig::from_lookup(&lookup(&[
            ("SERVICE_TOKEN_SUBJECTS", "svc"),
            ("SERVICE_TOKEN_MAX_LIFETIME_SECONDS", "999999"),
        ]))
        .unwrap_err();
        let settings: Vec<&str> = errors.iter().map(|(s, _)| *s).collect();
        assert_eq!(
            settings,
            [
                "SERVICE_TOKEN_SECRET_ID",
                "SERVICE_TOKEN_MAX_LIFETIME_SECONDS"
            ]
        );
    }
}
