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

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::*;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use workplace_connectors::{
    BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext,
};
use workplace_service::rest;

const ISSUER: &str = "https://api.descope.com/v1/apps/agentic/P2test/MS2test";
/// The modulus of a 1,024-bit RSA public key (public, generated once with openssl).
const RSA_1024_N: &str = "tHhlfqMN95tQtkilHC2SR2KMbtagVPQe6tg5lhciUWLZxhImrzJ8goDhEw19EyIPYqIh7Su_ZV9g0JrswIUkMRcvr4kLd8f2Sm0xpS22KEa0jWOwd_iyoa6rtPUx5xdUMQ95VOE3u_vkScHqdk4bWoz53Le6Ek_D-L0gvLhfDXs";

struct Key {
    kid: String,
    encoding: EncodingKey,
    jwk: Jwk,
    public_pem: String,
}

fn rsa_key(kid: &str) -> Key {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
    let der = AsDer::as_der(&pair).unwrap();
    let encoding = EncodingKey::from_rsa_pem(pem("PRIVATE KEY", der.as_ref()).as_bytes()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    let public = aws_lc_rs::signature::KeyPair::public_key(&pair);
    let public_der = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der<'_>>::as_der(public).unwrap();
    Key {
        kid: kid.to_owned(),
        encoding,
        jwk,
        public_pem: pem("PUBLIC KEY", public_der.as_ref()),
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn oidc_claims() -> Value {
    json!({
        "iss": ISSUER, "aud": RESOURCE, "sub": "user-42", "azp": "cursor",
        "scope": ALL_SCOPES, "iat": now(), "exp": now() + 300,
    })
}

fn service_claims() -> Value {
    json!({
        "iss": "workplace-mcp", "aud": RESOURCE, "sub": "user-42", "azp": "svc",
        "scope": ALL_SCOPES, "iat": now(), "exp": now() + 300,
    })
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token with exactly this header and payload, signed with `key` under `alg` (or with `sig`).
fn raw(header: &Value, payload: &Value, key: Option<(&EncodingKey, Algorithm)>) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = match key {
        Some((key, alg)) => jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap(),
        None => String::new(),
    };
    format!("{input}.{sig}")
}

fn rs256(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

fn hs256(secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// The corpus: (name, token). Every entry must be refused.
fn corpus(real: &Key, attacker: &Key) -> Vec<(&'static str, String)> {
    let kid = |k: &str| json!({"alg": "RS256", "typ": "JWT", "kid": k});
    let real_rs = Some((&real.encoding, Algorithm::RS256));
    let attacker_rs = Some((&attacker.encoding, Algorithm::RS256));
    let secret = SECRET.as_bytes();
    let c = oidc_claims;
    let mut tokens: Vec<(&'static str, String)> = vec![
        (
            "alg none",
            raw(&json!({"alg": "none", "typ": "JWT"}), &c(), None),
        ),
        ("alg None", raw(&json!({"alg": "None"}), &c(), None)),
        ("alg NONE", raw(&json!({"alg": "NONE"}), &c(), None)),
        (
            "alg nOnE, service issuer",
            raw(&json!({"alg": "nOnE"}), &service_claims(), None),
        ),
        ("alg none with a real signature appended", {
            let t = rs256(real, &c());
            let sig = t.rsplit('.').next().unwrap().to_owned();
            format!("{}.{}.{sig}", b64(&json!({"alg": "none"})), b64(&c()))
        }),
        ("HS256 signed with the RSA public key (PEM)", {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some(real.kid.clone());
            jsonwebtoken::encode(
                &h,
                &c(),
                &EncodingKey::from_secret(real.public_pem.as_bytes()),
            )
            .unwrap()
        }),
        ("HS256 signed with the RSA public key (JWK)", {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some(real.kid.clone());
            let jwk = serde_json::to_vec(&real.jwk).unwrap();
            jsonwebtoken::encode(&h, &c(), &EncodingKey::from_secret(&jwk)).unwrap()
        }),
        (
            "HS256 with the service key, OIDC issuer",
            hs256(secret, &c()),
        ),
        (
            "kid path traversal",
            raw(&kid("../../../../etc/passwd"), &c(), attacker_rs),
        ),
        (
            "kid SQL injection",
            raw(&kid("' OR '1'='1' --"), &c(), attacker_rs),
        ),
        ("kid unknown", raw(&kid("no-such-key"), &c(), attacker_rs)),
        ("kid missing", raw(&json!({"alg": "RS256"}), &c(), real_rs)),
        (
            "jku to an attacker JWKS",
            raw(
                &json!({"alg": "RS256", "kid": attacker.kid, "jku": "https://evil.example.com/jwks.json"}),
                &c(),
                attacker_rs,
            ),
        ),
        (
            "x5u to an attacker certificate",
            raw(
                &json!({"alg": "RS256", "kid": attacker.kid, "x5u": "https://evil.example.com/cert.pem"}),
                &c(),
                attacker_rs,
            ),
        ),
        (
            "embedded attacker jwk",
            raw(
                &json!({"alg": "RS256", "kid": attacker.kid, "jwk": attacker.jwk}),
                &c(),
                attacker_rs,
            ),
        ),
        (
            "jku header on a genuinely signed token",
            raw(
                &json!({"alg": "RS256", "kid": real.kid, "jku": "https://evil.example.com/jwks.json"}),
                &c(),
                real_rs,
            ),
        ),
        (
            "crit extension",
            raw(
                &json!({"alg": "RS256", "kid": real.kid, "crit": ["exp"]}),
                &c(),
                real_rs,
            ),
        ),
        (
            "nested JWT",
            raw(
                &json!({"alg": "RS256", "kid": real.kid, "cty": "JWT"}),
                &json!(hs256(secret, &service_claims())),
                real_rs,
            ),
        ),
        (
            "exp as a string",
            rs256(real, &with(c(), "exp", json!((now() + 300).to_string()))),
        ),
        (
            "exp as a float",
            rs256(real, &with(c(), "exp", json!(now() as f64 + 300.5))),
        ),
        (
            "exp beyond u64",
            rs256(real, &with(c(), "exp", json!(1e20))),
        ),
        (
            "exp in the year 33658",
            rs256(real, &with(c(), "exp", json!(999_999_999_999_u64))),
        ),
        ("exp negative", rs256(real, &with(c(), "exp", json!(-1)))),
        (
            "aud list without this server",
            rs256(
                real,
                &with(
                    c(),
                    "aud",
                    json!(["https://a.example.com", "https://b.example.com"]),
                ),
            ),
        ),
        (
            "aud list with a trailing-slash variant",
            rs256(real, &with(c(), "aud", json!([format!("{RESOURCE}/")]))),
        ),
        ("aud empty list", rs256(real, &with(c(), "aud", json!([])))),
        (
            "aud as an object",
            rs256(real, &with(c(), "aud", json!({"aud": RESOURCE}))),
        ),
        (
            "issuer in upper case",
            rs256(real, &with(c(), "iss", json!(ISSUER.to_uppercase()))),
        ),
        (
            "issuer with a trailing slash",
            rs256(real, &with(c(), "iss", json!(format!("{ISSUER}/")))),
        ),
        (
            "issuer as a list",
            rs256(real, &with(c(), "iss", json!([ISSUER]))),
        ),
        ("sub missing", rs256(real, &without(c(), "sub"))),
        ("sub empty", rs256(real, &with(c(), "sub", json!("")))),
        (
            "ES256 header with an RSA key",
            raw(&json!({"alg": "ES256", "kid": real.kid}), &c(), real_rs),
        ),
        (
            "PS256 header with an RSA key",
            raw(
                &json!({"alg": "PS256", "kid": real.kid}),
                &c(),
                Some((&real.encoding, Algorithm::PS256)),
            ),
        ),
        (
            "signed by the 1,024-bit key in the JWKS",
            raw(&kid("weak-1024"), &c(), real_rs),
        ),
        (
            "8 KiB + 1",
            format!("{}.{}.{}", b64(&kid(&real.kid)), "A".repeat(8 * 1024), "B"),
        ),
        ("empty segments", "..".to_owned()),
        (
            "empty payload",
            format!("{}..{}", b64(&kid(&real.kid)), "c2ln"),
        ),
        (
            "empty signature",
            format!("{}.{}.", b64(&kid(&real.kid)), b64(&c())),
        ),
        ("four segments", format!("{}.extra", rs256(real, &c()))),
        (
            "non-base64url characters",
            "eyJhbGciOiJSUzI1NiJ9.e30*.c2ln".to_owned(),
        ),
        (
            "standard base64 padding",
            format!("{}==.{}.{}", b64(&kid(&real.kid)), b64(&c()), "c2ln"),
        ),
        (
            "header not JSON",
            format!("{}.{}.c2ln", URL_SAFE_NO_PAD.encode("not json"), b64(&c())),
        ),
        (
            "payload not JSON",
            raw(&kid(&real.kid), &json!("just a string"), real_rs),
        ),
        // Service tokens.
        (
            "service token for a subject outside the allowlist",
            hs256(secret, &with(service_claims(), "sub", json!("U2bob"))),
        ),
        (
            "service token without iat",
            hs256(secret, &without(service_claims(), "iat")),
        ),
        (
            "service token living two hours",
            hs256(secret, &with(service_claims(), "exp", json!(now() + 7200))),
        ),
        (
            "service token iat in the future",
            hs256(
                secret,
                &with(
                    with(service_claims(), "iat", json!(now() + 3000)),
                    "exp",
                    json!(now() + 3300),
                ),
            ),
        ),
        (
            "service token signed HS512",
            jsonwebtoken::encode(
                &Header::new(Algorithm::HS512),
                &service_claims(),
                &EncodingKey::from_secret(secret),
            )
            .unwrap(),
        ),
        (
            "service token issuer in another case",
            hs256(
                secret,
                &with(service_claims(), "iss", json!("Workplace-MCP")),
            ),
        ),
        (
            "service token with a guessed key",
            hs256(b"workplace-mcp-workplace-mcp-workplace", &service_claims()),
        ),
        (
            "service token without exp",
            hs256(
                secret,
                &with(
                    without(service_claims(), "exp"),
                    "permissions",
                    json!([ALL_SCOPES]),
                ),
            ),
        ),
    ];
    tokens.retain(|(_, t)| !t.is_empty());
    tokens
}

/// A source that counts how often it is asked for anything.
struct Counting(SourceKind, Arc<AtomicUsize>);

impl Source for Counting {
    fn kind(&self) -> SourceKind {
        self.0
    }
    fn search<'a>(
        &'a self,
        _: &'a UserContext,
        _: &'a str,
        _: usize,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(vec![]) })
    }
    fn content<'a>(
        &'a self,
        _: &'a UserContext,
        _: &'a str,
        _: usize,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(SourceError::NotFound) })
    }
}

async fn jwks_server(keys: Vec<Jwk>) -> String {
    let app = axum::Router::new().route(
        "/jwks.json",
        axum::routing::get(move || {
            let keys = keys.clone();
            async move { axum::Json(JwkSet { keys }) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/jwks.json")
}

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
        .into_iter()
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
            event("tool_call_post.json", Some(&token(ALL_SCOPES))),
            &json!({"name": "workplace_search", "arguments": {"query": "budget"}}).to_string(),
        )),
    )
    .await;
    assert_eq!(response.status(), 401);
    assert!(header(&response, "www-authenticate").is_some());
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
