//! The JWT attack corpus through the real REST handler: every crafted token is answered 401 with a
//! `WWW-Authenticate` challenge, never 5xx, and no source is ever called for one.
//!
//! Tokens that need a signature are signed with the issuer's *real* key where the attack is about
//! claims or headers (so only the attacked part is wrong), and with an attacker's key where the
//! attack is about keys. The same corpus runs over HTTP against the local stack in `make security`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::jwt::*;
use common::jwt_corpus::corpus;
use common::*;
use jsonwebtoken::jwk::AlgorithmParameters;
use serde_json::json;
use workplace_connectors::{Source, SourceKind};
use workplace_service::rest;

#[tokio::test]
async fn every_crafted_token_is_401_with_a_challenge_and_reaches_no_source() {
    let real = rsa_key("real-key");
    let attacker = rsa_key("attacker-key");
    let mut weak = real.jwk.clone();
    weak.common.key_id = Some("weak-1024".into());
    if let AlgorithmParameters::RSA(params) = &mut weak.algorithm {
        params.n = RSA_1024_N.into();
    }
    let jwks = jwks_server(vec![real.jwk.clone(), weak]).await;
    let calls = Arc::new(AtomicUsize::new(0));
    let sources: Vec<Arc<dyn Source>> = SourceKind::ALL
        .iter()
        .copied()
        .map(|k| Arc::new(Counting(k, calls.clone())) as Arc<dyn Source>)
        .collect();
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("DESCOPE_ISSUER", ISSUER),
            ("DESCOPE_JWKS_URL", &jwks),
        ],
    );
    let call = |token: &str| {
        request(&with_body(
            event("tool_call_post.json", Some(token)),
            &json!({"name": "workplace_search", "arguments": {"query": "budget"}}).to_string(),
        ))
    };

    // Controls: a genuine token of each kind is accepted and reaches the sources, so a refusal
    // below is the token's doing, not the harness's.
    for good in [
        rs256(&real, &oidc_claims()),
        hs256(SECRET.as_bytes(), &service_claims()),
    ] {
        let response = rest::call_tool(&app.state, call(&good)).await;
        assert_eq!(
            response.status(),
            200,
            "{}",
            String::from_utf8_lossy(response.body())
        );
    }
    let reached = calls.swap(0, Ordering::SeqCst);
    assert!(reached > 0);

    let corpus = corpus(&real, &attacker);
    assert!(corpus.len() >= 25, "the corpus has {} tokens", corpus.len());
    let mut accepted = Vec::new();
    for (name, token) in &corpus {
        let response = rest::call_tool(&app.state, call(token)).await;
        let status = response.status().as_u16();
        let challenge = header(&response, "www-authenticate")
            .unwrap_or_default()
            .to_owned();
        if status != 401
            || !challenge.starts_with("Bearer ")
            || !challenge.contains("resource_metadata=")
        {
            accepted.push(format!("{name}: HTTP {status}, challenge `{challenge}`"));
        } else {
            assert_eq!(error_code(&response), "unauthorized", "{name}");
        }
    }
    assert!(
        accepted.is_empty(),
        "not refused as expected:\n{}",
        accepted.join("\n")
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        0,
        "an attack token reached a source"
    );
    let records = app.records.records();
    assert!(
        records
            .iter()
            .rev()
            .take(corpus.len())
            .all(|r| r.status == 401 && r.sub.is_none())
    );
}

#[tokio::test]
async fn service_tokens_are_refused_unless_configured() {
    let calls = Arc::new(AtomicUsize::new(0));
    let sources: Vec<Arc<dyn Source>> = vec![Arc::new(Counting(SourceKind::Notion, calls.clone()))];
    // The project secret still holds a key, but no subjects are allowed: service tokens are off.
    let app = app_with_env(
        "workplace-search",
        sources,
        &[
            ("MCP_RESOURCE_URL", RESOURCE),
            ("DESCOPE_ISSUER", ISSUER),
            ("DESCOPE_JWKS_URL", "http://127.0.0.1:9/jwks.json"),
            ("SERVICE_TOKEN_SUBJECTS", ""),
        ],
    );
    let response = rest::call_tool(
        &app.state,
        request(&with_body(
            event("tool_call_post.json", Some(&token(all_scopes()))),
            &json!({"name": "workplace_search", "arguments": {"query": "budget"}}).to_string(),
        )),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert!(header(&response, "www-authenticate").is_some());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
