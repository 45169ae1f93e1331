//! The typed content of the secret.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};

use crate::SecretsError;

/// Every credential the project uses. Optional keys are checked by whoever needs them (for
/// example the connectors name a missing `notion_token` only when Notion is in service mode).
///
/// The sources' own credentials are not fields: each source names its keys in the connectors'
/// registry (`workplace_connectors::registry::SourceEntry::secret_keys`), and this crate keeps
/// every key it does not know in [`Secrets::upstream`], so adding a source does not touch it.
#[derive(Debug, Default, Clone)]
pub struct Secrets {
    /// `jwt_secret_key`: signs HS256 service tokens.
    pub jwt_secret_key: Option<SecretString>,
    /// `descope_management_key`: fetches users' outbound-app tokens.
    pub descope_management_key: Option<SecretString>,
    /// Every other key whose value is a non-empty string or an object (kept as its JSON text,
    /// e.g. `google_service_account`'s key file): the sources' credentials, by key. Other values
    /// (numbers, lists) are no credential and are left out, so a source names them as missing.
    pub upstream: BTreeMap<String, SecretString>,
    /// `cequence_api_key`: authenticates the log shipper to the Cequence/OTLP endpoint.
    pub cequence_api_key: Option<SecretString>,
    /// `query_hash_key`: keys the query hash in invocation records, so hashes from different
    /// containers agree and nobody without the key can test guesses against them.
    pub query_hash_key: Option<SecretString>,
    /// `cursor_key`: signs search and `fetch` page cursors, so any container can check a cursor
    /// another issued and nobody else can forge one.
    pub cursor_key: Option<SecretString>,
    /// `cache_keys`: the shared cache's sealing keys (base64, 32 bytes each), newest first; the
    /// first seals, all open. Empty: the shared cache is off.
    pub cache_keys: Vec<SecretString>,
}

fn string(
    map: &Map<String, Value>,
    key: &'static str,
) -> Result<Option<SecretString>, SecretsError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(SecretString::from(s.clone()))),
        Some(_) => Err(SecretsError::WrongType(key)),
    }
}

/// A list of strings (or one string, a list of one); absent or null is empty.
fn strings(map: &Map<String, Value>, key: &'static str) -> Result<Vec<SecretString>, SecretsError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(_)) => Ok(string(map, key)?.into_iter().collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) if !s.trim().is_empty() => Ok(SecretString::from(s.clone())),
                _ => Err(SecretsError::WrongType(key)),
            })
            .collect(),
        Some(_) => Err(SecretsError::WrongType(key)),
    }
}

impl Secrets {
    /// The keys this crate reads into fields of their own.
    const NAMED: [&'static str; 6] = [
        "jwt_secret_key",
        "descope_management_key",
        "cequence_api_key",
        "query_hash_key",
        "cursor_key",
        "cache_keys",
    ];

    /// Parses the secret's JSON. `id` only names it in errors.
    pub fn parse(id: &str, json: &str) -> Result<Self, SecretsError> {
        let value: Value = serde_json::from_str(json).map_err(|e| SecretsError::Malformed {
            id: id.to_owned(),
            location: format!("line {}, column {}", e.line(), e.column()),
        })?;
        let Value::Object(map) = value else {
            return Err(SecretsError::Malformed {
                id: id.to_owned(),
                location: "the top level is not an object".into(),
            });
        };
        let upstream = map
            .iter()
            .filter(|(key, _)| !Self::NAMED.contains(&key.as_str()))
            .filter_map(|(key, value)| {
                let text = match value {
                    Value::String(s) if !s.trim().is_empty() => s.clone(),
                    Value::Object(_) => value.to_string(),
                    _ => return None,
                };
                Some((key.clone(), SecretString::from(text)))
            })
            .collect();
        Ok(Self {
            jwt_secret_key: string(&map, "jwt_secret_key")?,
            descope_management_key: string(&map, "descope_management_key")?,
            upstream,
            cequence_api_key: string(&map, "cequence_api_key")?,
            query_hash_key: string(&map, "query_hash_key")?,
            cursor_key: string(&map, "cursor_key")?,
            cache_keys: strings(&map, "cache_keys")?,
        })
    }

    /// Whether every value equals `other`'s. A refresh that reads the same values keeps the copy
    /// already in use (see `SecretsProvider::refresh`), so nothing built from it is rebuilt. The
    /// values are compared in memory only, never logged.
    pub fn same_values(&self, other: &Self) -> bool {
        fn same(a: Option<&SecretString>, b: Option<&SecretString>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
                (None, None) => true,
                _ => false,
            }
        }
        let Self {
            jwt_secret_key,
            descope_management_key,
            upstream,
            cequence_api_key,
            query_hash_key,
            cursor_key,
            cache_keys,
        } = self;
        same(jwt_secret_key.as_ref(), other.jwt_secret_key.as_ref())
            && same(
                descope_management_key.as_ref(),
                other.descope_management_key.as_ref(),
            )
            && upstream.len() == other.upstream.len()
            && upstream
                .iter()
                .all(|(key, value)| same(Some(value), other.upstream.get(key)))
            && same(cequence_api_key.as_ref(), other.cequence_api_key.as_ref())
            && same(query_hash_key.as_ref(), other.query_hash_key.as_ref())
            && same(cursor_key.as_ref(), other.cursor_key.as_ref())
            && cache_keys.len() == other.cache_keys.len()
            && cache_keys
                .iter()
                .zip(&other.cache_keys)
                .all(|(a, b)| same(Some(a), Some(b)))
    }

    /// `jwt_secret_key`, or an error naming it.
    pub fn require_jwt_secret_key(&self) -> Result<&SecretString, SecretsError> {
        self.jwt_secret_key
            .as_ref()
            .ok_or(SecretsError::MissingKey("jwt_secret_key"))
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn parses_every_key_and_accepts_the_service_account_as_an_object() {
        let secrets = Secrets::parse(
            "s",
            r#"{"jwt_secret_key": "k", "google_service_account": {"client_email": "a@b"}, "notion_token": "",
                "cequence_api_key": "c", "extra": 1}"#,
        )
        .unwrap();
        assert_eq!(
            secrets.require_jwt_secret_key().unwrap().expose_secret(),
            "k"
        );
        assert_eq!(
            secrets.upstream["google_service_account"].expose_secret(),
            r#"{"client_email":"a@b"}"#
        );
        assert!(
            !secrets.upstream.contains_key("notion_token"),
            "empty strings are absent"
        );
        assert!(
            !secrets.upstream.contains_key("extra"),
            "numbers are no credential"
        );
        assert!(
            !secrets.upstream.contains_key("jwt_secret_key"),
            "named keys are not repeated"
        );
        assert!(secrets.cequence_api_key.is_some());
    }

    #[test]
    fn errors_name_the_problem_without_the_value() {
        let err =
            Secrets::parse("prod/workplace", "{\"jwt_secret_key\": \"hunter2\",").unwrap_err();
        assert!(
            matches!(&err, SecretsError::Malformed { location, .. } if location.starts_with("line 1"))
        );
        assert!(!err.to_string().contains("hunter2"));
        assert_eq!(
            Secrets::parse("s", r#"{"jwt_secret_key": 5}"#).unwrap_err(),
            SecretsError::WrongType("jwt_secret_key")
        );
        assert_eq!(
            Secrets::parse("s", "{}")
                .unwrap()
                .require_jwt_secret_key()
                .unwrap_err(),
            SecretsError::MissingKey("jwt_secret_key")
        );
        assert!(
            format!(
                "{:?}",
                Secrets::parse("s", r#"{"notion_token": "ntn_secret"}"#).unwrap()
            )
            .find("ntn_secret")
            .is_none()
        );
    }

    #[test]
    fn cache_keys_are_a_list_or_one_string_and_nothing_else() {
        let keys = |json: &str| {
            Secrets::parse("s", json).map(|s| {
                s.cache_keys
                    .iter()
                    .map(|k| k.expose_secret().to_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            keys(r#"{"cache_keys": ["new", "old"]}"#).unwrap(),
            ["new", "old"]
        );
        assert_eq!(keys(r#"{"cache_keys": "only"}"#).unwrap(), ["only"]);
        assert!(keys("{}").unwrap().is_empty());
        for bad in [
            r#"{"cache_keys": [1]}"#,
            r#"{"cache_keys": [""]}"#,
            r#"{"cache_keys": {}}"#,
        ] {
            assert_eq!(
                keys(bad).unwrap_err(),
                SecretsError::WrongType("cache_keys"),
                "{bad}"
            );
        }
        let a = Secrets::parse("s", r#"{"cache_keys": ["k1"]}"#).unwrap();
        let b = Secrets::parse("s", r#"{"cache_keys": ["k2", "k1"]}"#).unwrap();
        assert!(!a.same_values(&b), "a rotation is a change");
        assert!(!format!("{b:?}").contains("k2"));
    }
}
