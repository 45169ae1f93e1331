//! OIDC access tokens verified against the identity provider's JWKS.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::claims::{Claims, check_header, check_horizon};
use crate::{AuthError, LEEWAY_SECONDS, MIN_RSA_BITS, Principal, ScopePolicy, TokenKind};

/// A boxed future, so [`JwksFetcher`] can be used as a trait object.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<JwkSet, JwksError>> + Send + 'a>>;

/// Where signing keys come from. One real implementation ([`HttpJwksFetcher`]); tests serve a JWKS
/// over local HTTP rather than faking this trait.
pub trait JwksFetcher: Send + Sync {
    /// Fetches the current key set.
    fn fetch(&self) -> FetchFuture<'_>;
}

/// Why the key set could not be fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// Transport failure or timeout.
    #[error("JWKS request failed: {0}")]
    Transport(#[from] reqwest::Error),
    /// A non-success status.
    #[error("JWKS endpoint answered HTTP {0}")]
    Status(u16),
    /// The body was not a JWKS document or was too large.
    #[error("JWKS document is invalid: {0}")]
    Invalid(String),
}

/// Fetches a JWKS document over HTTPS with the process's shared client.
#[derive(Debug, Clone)]
pub struct HttpJwksFetcher {
    client: reqwest::Client,
    url: String,
}

impl HttpJwksFetcher {
    /// Largest JWKS document accepted (API Gateway's own JWT authorizer caps it at 150,000 bytes).
    pub const MAX_BYTES: usize = 256 * 1024;
    /// Per-request timeout: key fetches happen on the request path when a `kid` is new.
    pub const TIMEOUT: Duration = Duration::from_secs(3);

    /// A fetcher for `url` using `client` (built once per process and shared).
    pub fn new(client: reqwest::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

impl JwksFetcher for HttpJwksFetcher {
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(async move {
            let response = self
                .client
                .get(&self.url)
                .timeout(Self::TIMEOUT)
                .header("accept", "application/json")
                .send()
                .await?;
            if !response.status().is_success() {
                return Err(JwksError::Status(response.status().as_u16()));
            }
            if response
                .content_length()
                .is_some_and(|len| len > Self::MAX_BYTES as u64)
            {
                return Err(JwksError::Invalid("document too large".into()));
            }
            let body = response.bytes().await?;
            if body.len() > Self::MAX_BYTES {
                return Err(JwksError::Invalid("document too large".into()));
            }
            serde_json::from_slice::<JwkSet>(&body).map_err(|e| JwksError::Invalid(e.to_string()))
        })
    }
}

/// Settings of a [`JwksVerifier`].
#[derive(Debug, Clone)]
pub struct JwksVerifierConfig {
    /// The exact `iss` value tokens must carry (from the MCP server's discovery document).
    pub issuer: String,
    /// This server's resource URL; `aud` must contain it (RFC 8707).
    pub audience: String,
    /// Minimum time between two fetches triggered by unknown `kid`s, so a flood of forged tokens
    /// cannot turn into a flood of JWKS requests. One minute by default.
    pub min_refetch_interval: Duration,
    /// How granted scopes are derived from `scope` and `permissions`.
    pub scope_policy: ScopePolicy,
}

/// Tokens whose `exp` is more than this far away are refused, whoever signed them.
pub const MAX_TOKEN_HORIZON: Duration = Duration::from_secs(7 * 24 * 3600);

/// A key ready to verify with, and the single algorithm it may be used with.
struct VerifyingKey {
    key: DecodingKey,
    validation: Validation,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, Arc<VerifyingKey>>,
    last_fetch: Option<Instant>,
}

/// Verifies RS256 and ES256 tokens from one issuer against its JWKS.
///
/// Keys are cached for the container's life. An unknown `kid` triggers at most one refetch per
/// [`JwksVerifierConfig::min_refetch_interval`]; concurrent requests wait for the same fetch.
pub struct JwksVerifier {
    config: JwksVerifierConfig,
    fetcher: Arc<dyn JwksFetcher>,
    cache: RwLock<KeyCache>,
    refetch: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for JwksVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksVerifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl JwksVerifier {
    /// A verifier with an empty cache; call [`JwksVerifier::prefetch`] at cold start.
    pub fn new(config: JwksVerifierConfig, fetcher: Arc<dyn JwksFetcher>) -> Self {
        Self {
            config,
            fetcher,
            cache: RwLock::new(KeyCache::default()),
            refetch: tokio::sync::Mutex::new(()),
        }
    }

    /// The issuer this verifier accepts.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Loads the key set now, so the first request does not pay for it. A failure is not fatal: the
    /// first token will try again.
    pub async fn prefetch(&self) -> Result<usize, JwksError> {
        let _guard = self.refetch.lock().await;
        self.refresh().await
    }

    /// Verifies `token` (already known to claim this verifier's issuer).
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = jsonwebtoken::decode_header(token)?;
        check_header(&header)?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(AuthError::DisallowedAlgorithm);
        }
        let kid = header.kid.ok_or(AuthError::MissingClaim("kid"))?;
        let key = match self.cached(&kid) {
            Some(key) => key,
            None => self.refetch_for(&kid).await?,
        };
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &key.validation)?;
        check_horizon(data.claims.exp, MAX_TOKEN_HORIZON)?;
        Principal::from_claims(data.claims, TokenKind::Oidc, self.config.scope_policy)
    }

    fn cached(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        let cache = self.cache.read().unwrap_or_else(PoisonError::into_inner);
        cache.keys.get(kid).cloned()
    }

    async fn refetch_for(&self, kid: &str) -> Result<Arc<VerifyingKey>, AuthError> {
        let _guard = self.refetch.lock().await;
        // Another request may have fetched while we waited.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let last_fetch = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .last_fetch;
        let allowed = last_fetch.is_none_or(|at| at.elapsed() >= self.config.min_refetch_interval);
        if !allowed {
            return Err(AuthError::UnknownKey);
        }
        match self.refresh().await {
            Ok(_) => self.cached(kid).ok_or(AuthError::UnknownKey),
            Err(err) => {
                tracing::warn!(error = %err, "could not fetch the issuer's JWKS");
                if self.has_keys() {
                    Err(AuthError::UnknownKey)
                } else {
                    Err(AuthError::KeysUnavailable)
                }
            }
        }
    }

    fn has_keys(&self) -> bool {
        !self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .keys
            .is_empty()
    }

    /// Fetches and replaces the key set. Callers hold `self.refetch`.
    async fn refresh(&self) -> Result<usize, JwksError> {
        let fetched = self.fetcher.fetch().await;
        let mut cache = self.cache.write().unwrap_or_else(PoisonError::into_inner);
        // Count failed attempts too, so an unreachable JWKS is not hammered.
        cache.last_fetch = Some(Instant::now());
        let set = fetched?;
        let keys: HashMap<_, _> = set
            .keys
            .iter()
            .filter_map(|jwk| self.verifying_key(jwk))
            .collect();
        let count = keys.len();
        cache.keys = keys;
        Ok(count)
    }

    /// Turns a JWK into a key usable with exactly one allowed algorithm, or skips it.
    fn verifying_key(&self, jwk: &Jwk) -> Option<(String, Arc<VerifyingKey>)> {
        let kid = jwk.common.key_id.clone()?;
        if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
            return None;
        }
        let algorithm = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
                let bits = rsa_modulus_bits(&rsa.n);
                if bits < MIN_RSA_BITS {
                    tracing::warn!(kid = %kid, bits, "ignoring an RSA key shorter than 2048 bits in the JWKS");
                    return None;
                }
                Algorithm::RS256
            }
            AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                Algorithm::ES256
            }
            _ => return None,
        };
        let declared_ok = match jwk.common.key_algorithm {
            None => true,
            Some(KeyAlgorithm::RS256) => algorithm == Algorithm::RS256,
            Some(KeyAlgorithm::ES256) => algorithm == Algorithm::ES256,
            Some(_) => false,
        };
        if !declared_ok {
            return None;
        }
        let key = DecodingKey::from_jwk(jwk).ok()?;
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECONDS;
        Some((kid, Arc::new(VerifyingKey { key, validation })))
    }
}

/// The bit length of a base64url RSA modulus (0 when it does not decode).
fn rsa_modulus_bits(n: &str) -> usize {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(n.trim_end_matches('=')) else {
        return 0;
    };
    let Some(first) = bytes.iter().position(|b| *b != 0) else {
        return 0;
    };
    let significant = &bytes[first..];
    significant.len() * 8 - significant[0].leading_zeros() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_moduli_without_leading_zeros() {
        assert_eq!(
            rsa_modulus_bits(&URL_SAFE_NO_PAD.encode([0x00, 0x80, 0x01])),
            16
        );
        assert_eq!(rsa_modulus_bits(&URL_SAFE_NO_PAD.encode([0x01, 0xff])), 9);
        assert_eq!(rsa_modulus_bits(&URL_SAFE_NO_PAD.encode([0u8; 4])), 0);
        assert_eq!(rsa_modulus_bits("!!not base64!!"), 0);
        assert_eq!(
            rsa_modulus_bits(&URL_SAFE_NO_PAD.encode(vec![0xffu8; 256])),
            2048
        );
    }

    /// Counts fetches and serves an empty key set.
    struct Counting(std::sync::atomic::AtomicUsize);

    impl JwksFetcher for Counting {
        fn fetch(&self) -> FetchFuture<'_> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { Ok(JwkSet { keys: Vec::new() }) })
        }
    }

    /// An RS256 token naming `kid`; its signature never gets checked (no key has that id).
    fn token(kid: &str) -> String {
        let header =
            URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS256","typ":"JWT","kid":"{kid}"}}"#));
        format!("{header}.e30.c2ln")
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_kids_refetch_at_most_once_per_interval_on_the_injected_clock() {
        let fetcher = Arc::new(Counting(std::sync::atomic::AtomicUsize::new(0)));
        let verifier = JwksVerifier::new(
            JwksVerifierConfig {
                issuer: "https://issuer.example".into(),
                audience: "https://api.example.com/mcp".into(),
                min_refetch_interval: Duration::from_secs(60),
                scope_policy: ScopePolicy::ScopeOnly,
            },
            fetcher.clone(),
        );
        let fetches = || fetcher.0.load(std::sync::atomic::Ordering::SeqCst);
        verifier.prefetch().await.unwrap();
        assert_eq!(fetches(), 1);
        for kid in ["a", "b", "c"] {
            assert_eq!(
                verifier.verify(&token(kid)).await.unwrap_err(),
                AuthError::UnknownKey
            );
        }
        assert_eq!(fetches(), 1, "within the interval no unknown kid refetches");

        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(verifier.verify(&token("d")).await.is_err());
        assert_eq!(fetches(), 1, "59 s is still within the interval");

        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(verifier.verify(&token("e")).await.is_err());
        assert_eq!(fetches(), 2, "once the interval has passed, one refetch");
        assert!(verifier.verify(&token("f")).await.is_err());
        assert_eq!(fetches(), 2, "and the interval starts again");
    }
}
