//! The `Authorization` header as a caller sends it, through everything that reads it before and
//! around a signature check: `bearer_token`, the unverified issuer peek, `decode_header`, the
//! header checks, claim parsing, and both verifiers (HS256 service tokens with a fixed key; the
//! JWKS verifier with a fixed 2,048-bit public key served from memory).
//!
//! Invariants beyond "no panic":
//! - an extracted token is a trimmed, non-empty substring of the header within `MAX_TOKEN_BYTES`
//!   and the JWT alphabet, and `Bearer <token>` extracts to the same token (round trip);
//! - no input is ever accepted: the fuzzer holds no signing key, so an `Ok` would be a forgery;
//! - every refusal is a 401 (never `KeysUnavailable`, the 503: keys are always available here) and
//!   its `WWW-Authenticate` challenge is a valid header value (visible ASCII) and the error never
//!   echoes the token;
//! - verification completes without waiting on anything (no I/O is involved).
#![no_main]

use std::collections::BTreeSet;
use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use workplace_auth::{
    AuthError, Authenticator, FetchFuture, JwksFetcher, JwksVerifier, JwksVerifierConfig,
    MAX_TOKEN_BYTES, ScopePolicy, ServiceTokenVerifier, bearer_token, challenge,
};

/// The issuers, audience and service key the seeds in `seeds/bearer/` are built with
/// (`seeds/generate.py` uses the same values).
const OIDC_ISSUER: &str = "https://api.descope.com/v1/apps/agentic/P2test/MS2test";
const SERVICE_ISSUER: &str = "workplace-mcp";
const AUDIENCE: &str = "https://mcp.example.com/mcp";
const SERVICE_KEY: &str = "fuzz-service-token-key-0123456789abcdef";
const PRM: &str = "https://mcp.example.com/.well-known/oauth-protected-resource/mcp";
/// The public modulus of a 2,048-bit RSA key (generated once; its private half was discarded).
const RSA_N: &str = "t2dErFhE-fdxNvHuuEAW77gdH6K07t4dLEgBo842QOPEAneLheBB6YDDP4A3KOKDik15Qk2hNbF2Q-lB0FCqN61peBoSHCiSI1zWHICdHCOyu3HgyyXMIfJl3AywT7iJP4ql4AC92-W__UHYHp98RfzIXGaXlUTPKeMUSSWpgCQr8YqTAQbQujAzFhVReRlLqf1-41FIjLejBW35R0fhuj_uENkIqE2fdiRbKUnltQLoRAx5TW3-DWuXzeEPYQnafYybbXGZXVsHhfaIPCO0BNeLyuOCzWjYjXnAEbYjiOcjg9ubdhAgGDKzwpBMAj8yhr-kdPxN8goRma-tm3k-0w";

/// Serves a fixed key set from memory: key `real` (RS256, 2,048 bits).
struct MemoryJwks;

impl JwksFetcher for MemoryJwks {
    fn fetch(&self) -> FetchFuture<'_> {
        Box::pin(async {
            let set = serde_json::json!({"keys": [
                {"kty": "RSA", "kid": "real", "use": "sig", "alg": "RS256", "n": RSA_N, "e": "AQAB"},
            ]});
            serde_json::from_value(set)
                .map_err(|e| workplace_auth::JwksError::Invalid(e.to_string()))
        })
    }
}

static AUTHENTICATOR: LazyLock<Authenticator> = LazyLock::new(|| {
    let oidc = JwksVerifier::new(
        JwksVerifierConfig {
            issuer: OIDC_ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            // Refetch on every unknown kid, so that path runs too.
            min_refetch_interval: Duration::ZERO,
            scope_policy: ScopePolicy::ScopeOnly,
        },
        Arc::new(MemoryJwks),
    );
    let service = ServiceTokenVerifier::new(
        SERVICE_ISSUER,
        AUDIENCE,
        &SERVICE_KEY.to_owned().into(),
        BTreeSet::from(["user-42".to_owned()]),
        Duration::from_secs(3600),
    );
    Authenticator::new(Some(Arc::new(oidc)), Some(service))
});

/// Runs a future that never waits on I/O to completion.
fn complete<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1_000 {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
    panic!("authentication waited on something although nothing here can block");
}

fn check_extraction(header: &[u8]) {
    let Ok(token) = bearer_token(Some(header)) else {
        return;
    };
    assert!(!token.is_empty() && token.len() <= MAX_TOKEN_BYTES);
    assert_eq!(token, token.trim());
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.=+/".contains(&b))
    );
    let text = std::str::from_utf8(header).expect("an extracted token comes from a UTF-8 header");
    assert!(text.contains(token));
    let again = format!("Bearer {token}");
    assert_eq!(bearer_token(Some(again.as_bytes())), Ok(token));
}

fn check_refusal(header: &[u8], error: &AuthError) {
    assert_ne!(
        *error,
        AuthError::KeysUnavailable,
        "keys are always available here"
    );
    let value = challenge::unauthorized(PRM, ["workplace:read:notion"], error);
    assert!(
        value.bytes().all(|b| b == b' ' || b.is_ascii_graphic()),
        "not a header value: {value:?}"
    );
    // Errors carry no token material: their text is fixed (16 bytes is longer than any run of
    // JWT-alphabet characters in those texts).
    if let Ok(token) = bearer_token(Some(header)) {
        if token.len() >= 16 {
            assert!(
                !error.to_string().contains(token),
                "the error echoes the token"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The raw bytes as the header value, and the same bytes as a token after `Bearer `.
    let mut prefixed = b"Bearer ".to_vec();
    prefixed.extend_from_slice(data);
    for header in [data, prefixed.as_slice()] {
        check_extraction(header);
        match complete(AUTHENTICATOR.authenticate(Some(header))) {
            Ok(principal) => panic!("an unsigned input was accepted as {principal:?}"),
            Err(error) => check_refusal(header, &error),
        }
    }
});
