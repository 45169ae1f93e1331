//! Where the secret is, how long a copy is trusted, and how long a call may take.

use std::time::Duration;

use crate::SecretsError;

/// Time limits of every Secrets Manager call.
///
/// Without them an SDK call can wait as long as the network lets it: a cold start would stall, and
/// a background refresh that never returns would block every later refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretsTimeouts {
    /// `SECRETS_OPERATION_TIMEOUT_MS` (default 3000, 100..=60000): one call, retries included.
    pub operation: Duration,
    /// `SECRETS_ATTEMPT_TIMEOUT_MS` (default 1000, 50..=operation): one attempt (and its connect).
    pub attempt: Duration,
}

impl Default for SecretsTimeouts {
    fn default() -> Self {
        Self {
            operation: Duration::from_millis(3_000),
            attempt: Duration::from_millis(1_000),
        }
    }
}

/// Where the secret is and how long a copy is trusted.
#[derive(Debug, Clone)]
pub struct SecretsConfig {
    /// `SECRETS_ID`: the secret's name or ARN. Required.
    pub id: String,
    /// `SECRETS_TTL_SECONDS` (default 300, 1..=86400): age after which a background refresh starts.
    pub ttl: Duration,
    /// Time limits of each call to Secrets Manager.
    pub timeouts: SecretsTimeouts,
}

fn bounded(
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, SecretsError> {
    match env(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(SecretsError::Config(format!(
                "{name} must be {}..={} (got `{raw}`)",
                range.start(),
                range.end()
            ))),
        },
    }
}

impl SecretsTimeouts {
    /// Reads `SECRETS_OPERATION_TIMEOUT_MS` and `SECRETS_ATTEMPT_TIMEOUT_MS` through `env`; an
    /// attempt may not be longer than the operation it is part of.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, SecretsError> {
        let defaults = Self::default();
        let operation = bounded(
            env,
            "SECRETS_OPERATION_TIMEOUT_MS",
            defaults.operation.as_millis() as u64,
            100..=60_000,
        )?;
        let attempt = bounded(
            env,
            "SECRETS_ATTEMPT_TIMEOUT_MS",
            (defaults.attempt.as_millis() as u64).min(operation),
            50..=operation,
        )?;
        Ok(Self {
            operation: Duration::from_millis(operation),
            attempt: Duration::from_millis(attempt),
        })
    }
}

impl SecretsConfig {
    /// Reads `SECRETS_ID`, `SECRETS_TTL_SECONDS` and the timeouts through `env`.
    pub fn from_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, SecretsError> {
        let id = env("SECRETS_ID")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                SecretsError::Config(
                    "SECRETS_ID is not set; set it to the secret's name or ARN".into(),
                )
            })?;
        let ttl = bounded(env, "SECRETS_TTL_SECONDS", 300, 1..=86_400)?;
        Ok(Self {
            id,
            ttl: Duration::from_secs(ttl),
            timeouts: SecretsTimeouts::from_lookup(env)?,
        })
    }
}

impl SecretsConfig {
    /// The service-token secret, `SERVICE_TOKEN_SECRET_ID` (the template creates it, holding only
    /// `jwt_secret_key`, when service tokens are enabled, and gives its id only to the functions
    /// that verify tokens). `Ok(None)` when unset or empty: service tokens are off. Same TTL and
    /// timeouts as the main secret; load it with a [`crate::SecretsProvider`] of its own.
    pub fn service_token_from_lookup(
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, SecretsError> {
        let Some(id) = env("SERVICE_TOKEN_SECRET_ID")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
        else {
            return Ok(None);
        };
        Ok(Some(Self {
            id,
            ttl: Duration::from_secs(bounded(env, "SECRETS_TTL_SECONDS", 300, 1..=86_400)?),
            timeouts: SecretsTimeouts::from_lookup(env)?,
        }))
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
    fn defaults() {
        let config = SecretsConfig::from_lookup(&lookup(&[("SECRETS_ID", "s")])).unwrap();
        assert_eq!(config.ttl, Duration::from_secs(300));
        assert_eq!(config.timeouts, SecretsTimeouts::default());
    }

    #[test]
    fn the_service_token_secret_is_optional() {
        assert!(
            SecretsConfig::service_token_from_lookup(&lookup(&[("SECRETS_ID", "s")]))
                .unwrap()
                .is_none()
        );
        assert!(
            SecretsConfig::service_token_from_lookup(&lookup(&[("SERVICE_TOKEN_SECRET_ID", " ")]))
                .unwrap()
                .is_none(),
            "the template passes an empty value when service tokens are off"
        );
        let config = SecretsConfig::service_token_from_lookup(&lookup(&[
            (
                "SERVICE_TOKEN_SECRET_ID",
                "arn:aws:secretsmanager:us-east-1:1:secret:st",
            ),
            ("SECRETS_TTL_SECONDS", "60"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (config.id.as_str(), config.ttl),
            (
                "arn:aws:secretsmanager:us-east-1:1:secret:st",
                Duration::from_secs(60)
            )
        );
    }

    #[test]
    fn timeouts_are_validated() {
        let ok = SecretsTimeouts::from_lookup(&lookup(&[
            ("SECRETS_OPERATION_TIMEOUT_MS", "500"),
            ("SECRETS_ATTEMPT_TIMEOUT_MS", "200"),
        ]))
        .unwrap();
        assert_eq!(
            (ok.operation, ok.attempt),
            (Duration::from_millis(500), Duration::from_millis(200))
        );
        // A short operation caps the default attempt.
        let short =
            SecretsTimeouts::from_lookup(&lookup(&[("SECRETS_OPERATION_TIMEOUT_MS", "300")]))
                .unwrap();
        assert_eq!(short.attempt, Duration::from_millis(300));
        for (name, value) in [
            ("SECRETS_OPERATION_TIMEOUT_MS", "0"),
            ("SECRETS_OPERATION_TIMEOUT_MS", "60001"),
            ("SECRETS_OPERATION_TIMEOUT_MS", "soon"),
            ("SECRETS_ATTEMPT_TIMEOUT_MS", "10"),
            ("SECRETS_ATTEMPT_TIMEOUT_MS", "3001"),
        ] {
            let err = SecretsTimeouts::from_lookup(&lookup(&[(name, value)])).unwrap_err();
            assert!(err.to_string().starts_with(name), "{name}={value}: {err}");
        }
    }
}
