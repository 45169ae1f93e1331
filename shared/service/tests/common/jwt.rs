//! The JWT attack suite's keys, claims and encoders, and a source that counts every call: what
//! `test_jwt_attacks` and the corpus in `jwt_corpus` build tokens and handlers with.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use workplace_connectors::{
    BoxFuture, Content, SearchHit, Source, SourceError, SourceKind, UserContext,
};

use super::{RESOURCE, all_scopes};

pub const ISSUER: &str = "https://api.descope.com/v1/apps/agentic/P2test/MS2test";
/// The modulus of a 1,024-bit RSA public key (public, generated once with openssl).
pub const RSA_1024_N: &str = "tHhlfqMN95tQtkilHC2SR2KMbtagVPQe6tg5lhciUWLZxhImrzJ8goDhEw19EyIPYqIh7Su_ZV9g0JrswIUkMRcvr4kLd8f2Sm0xpS22KEa0jWOwd_iyoa6rtPUx5xdUMQ95VOE3u_vkScHqdk4bWoz53Le6Ek_D-L0gvLhfDXs";

pub struct Key {
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Jwk,
    pub public_pem: String,
}

pub fn rsa_key(kid: &str) -> Key {
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

pub fn pem(label: &str, der: &[u8]) -> String {
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

pub fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

pub fn oidc_claims() -> Value {
    json!({
        "iss": ISSUER, "aud": RESOURCE, "sub": "user-42", "azp": "cursor",
        "scope": all_scopes(), "iat": now(), "exp": now() + 300,
    })
}

pub fn service_claims() -> Value {
    json!({
        "iss": "workplace-mcp", "aud": RESOURCE, "sub": "user-42", "azp": "svc",
        "scope": all_scopes(), "iat": now(), "exp": now() + 300,
    })
}

pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// A token with exactly this header and payload, signed with `key` under `alg` (or with `sig`).
pub fn raw(header: &Value, payload: &Value, key: Option<(&EncodingKey, Algorithm)>) -> String {
    let input = format!("{}.{}", b64(header), b64(payload));
    let sig = match key {
        Some((key, alg)) => jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap(),
        None => String::new(),
    };
    format!("{input}.{sig}")
}

pub fn rs256(key: &Key, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).unwrap()
}

pub fn hs256(secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

pub fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

pub fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

/// A source that counts how often it is asked for anything.
pub struct Counting(pub SourceKind, pub Arc<AtomicUsize>);

impl Source for Counting {
    fn kind(&self) -> SourceKind {
        self.0
    }
    fn search<'a>(
        &'a self,
        _: &'a UserContext,
        _: &'a str,
        _: usize,
        _deadline: workplace_connectors::Deadline,
    ) -> BoxFuture<'a, Result<Vec<SearchHit>, SourceError>> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(vec![]) })
    }
    fn content<'a>(
        &'a self,
        _: &'a UserContext,
        _: &'a workplace_connectors::ItemId,
        _: usize,
        _deadline: workplace_connectors::Deadline,
    ) -> BoxFuture<'a, Result<Content, SourceError>> {
        self.1.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Err(SourceError::NotFound) })
    }
}

pub async fn jwks_server(keys: Vec<Jwk>) -> String {
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
