//! Forged and malformed tokens: `alg: none`, algorithm confusion, tampered payloads, impostor keys,
//! untrusted issuers, bad `Authorization` headers, header parameters that could redirect
//! verification, and no input that panics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use workplace_auth::AuthError;

fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

#[tokio::test]
async fn forged_tokens_are_rejected() {
    let rsa = rsa_key("rsa-1");
    let server = jwks_server(vec![rsa.jwk.clone()]).await;
    let auth = authenticator(&server.url, Duration::from_secs(60));

    // alg: none.
    assert!(matches!(
        check(&auth, &unsigned(&claims())).await,
        Err(AuthError::Malformed(_) | AuthError::DisallowedAlgorithm)
    ));

    // Algorithm confusion: HS256 signed with the RSA public key, claiming the OIDC issuer.
    let public_jwk = serde_json::to_vec(&rsa.jwk).unwrap();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".into());
    let confused =
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(&public_jwk)).unwrap();
    assert_eq!(
        check(&auth, &confused).await.unwrap_err(),
        AuthError::DisallowedAlgorithm
    );

    // HS256 with the service secret but the OIDC issuer.
    assert_eq!(
        check(&auth, &sign_service(&claims(), SERVICE_SECRET))
            .await
            .unwrap_err(),
        AuthError::DisallowedAlgorithm
    );

    // Tampered payload: scopes widened after signing.
    let token = sign(&rsa, &claims());
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["scope"] = json!("workplace:write:comments");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    assert_eq!(
        check(&auth, &tampered).await.unwrap_err(),
        AuthError::InvalidSignature
    );

    // Signed by a key the issuer never published, under a known kid.
    let impostor = rsa_key("rsa-1");
    assert_eq!(
        check(&auth, &sign(&impostor, &claims())).await.unwrap_err(),
        AuthError::InvalidSignature
    );
}

#[tokio::test]
async fn unknown_issuers_and_header_problems_are_rejected() {
    let server = jwks_server(vec![]).await;
    let auth = authenticator(&server.url, Duration::from_secs(60));
    let mut c = claims();
    c["iss"] = json!("https://evil.example.com");
    assert_eq!(
        check(&auth, &sign_service(&c, SERVICE_SECRET))
            .await
            .unwrap_err(),
        AuthError::UntrustedIssuer
    );
    assert_eq!(
        auth.authenticate(None).await.unwrap_err(),
        AuthError::MissingCredentials
    );
    assert_eq!(
        auth.authenticate(Some(b"Token abc")).await.unwrap_err(),
        AuthError::UnsupportedScheme
    );
    let big = format!("Bearer {}", "a".repeat(9000));
    assert_eq!(
        auth.authenticate(Some(big.as_bytes())).await.unwrap_err(),
        AuthError::TokenTooLarge
    );
}

#[tokio::test]
async fn no_input_panics() {
    let rsa = rsa_key("rsa-1");
    let server = jwks_server(vec![rsa.jwk.clone()]).await;
    let auth = authenticator(&server.url, Duration::from_secs(60));
    let valid = sign(&rsa, &claims());
    let mut inputs: Vec<String> = vec![
        String::new(),
        ".".into(),
        "..".into(),
        "a.b.c".into(),
        "e30.e30.".into(),
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.sig".into(),
        format!("{valid}.extra"),
        valid.replace('.', ""),
    ];
    // Every single-byte truncation and a byte flip at every position of a valid token.
    for i in 0..valid.len() {
        inputs.push(valid[..i].to_owned());
        let mut flipped = valid.clone().into_bytes();
        flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
        inputs.push(String::from_utf8(flipped).unwrap());
    }
    for input in inputs {
        if input == valid {
            continue;
        }
        assert!(check(&auth, &input).await.is_err(), "accepted {input:?}");
    }
}

#[tokio::test]
async fn header_parameters_that_could_redirect_verification_are_refused() {
    let rsa = rsa_key("rsa-1");
    let server = jwks_server(vec![rsa.jwk.clone()]).await;
    let auth = authenticator(&server.url, Duration::from_secs(60));
    type Mutation = Box<dyn Fn(&mut Header)>;
    let cases: Vec<(&str, Mutation)> = vec![
        ("crit", Box::new(|h| h.crit = Some(vec!["exp".into()]))),
        (
            "jku",
            Box::new(|h| h.jku = Some("https://evil.example.com/jwks.json".into())),
        ),
        ("jwk", Box::new(|h| h.jwk = Some(rsa_key("evil").jwk))),
        (
            "x5u",
            Box::new(|h| h.x5u = Some("https://evil.example.com/cert.pem".into())),
        ),
        ("x5c", Box::new(|h| h.x5c = Some(vec!["MIIB".into()]))),
        ("cty JWT", Box::new(|h| h.cty = Some("JWT".into()))),
    ];
    for (name, mutate) in cases {
        // Signed with the issuer's real key: only the header parameter is wrong.
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(rsa.kid.clone());
        mutate(&mut header);
        let token = jsonwebtoken::encode(&header, &claims(), &rsa.encoding).unwrap();
        assert!(
            matches!(check(&auth, &token).await, Err(AuthError::Malformed(_))),
            "{name} was accepted"
        );
    }
}
