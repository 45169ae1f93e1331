//! Service tokens (HS256 under the project's own issuer): only their algorithm and issuer, a subject
//! allowlist, a short lifetime and a required `iat`, and never a JWKS fetch.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use workplace_auth::{AuthError, TokenKind};

fn service_claims() -> Value {
    let mut c = claims();
    c["iss"] = json!(SERVICE_ISSUER);
    c.as_object_mut().unwrap().remove("permissions");
    c["exp"] = json!(now() + 600);
    c["iat"] = json!(now());
    c
}

#[tokio::test]
async fn service_tokens_use_only_hs256_and_their_own_issuer() {
    let server = jwks_server(vec![]).await;
    let auth = authenticator(&server.url, Duration::from_secs(60));
    let mut c = claims();
    c["iss"] = json!(SERVICE_ISSUER);

    let principal = check(&auth, &sign_service(&c, SERVICE_SECRET))
        .await
        .unwrap();
    assert_eq!(principal.kind, TokenKind::Service);
    assert!(principal.has_scope("workplace:read:notion"));

    assert_eq!(
        check(
            &auth,
            &sign_service(&c, "another-secret-another-secret-0000")
        )
        .await
        .unwrap_err(),
        AuthError::InvalidSignature
    );
    // An RS256 token claiming the service issuer never reaches a key.
    assert_eq!(
        check(&auth, &sign(&rsa_key("x"), &c)).await.unwrap_err(),
        AuthError::DisallowedAlgorithm
    );
    let mut wrong_aud = c.clone();
    wrong_aud["aud"] = json!("https://elsewhere.example.com");
    assert_eq!(
        check(&auth, &sign_service(&wrong_aud, SERVICE_SECRET))
            .await
            .unwrap_err(),
        AuthError::WrongAudience
    );
    let mut expired = c;
    expired["exp"] = json!(now() - 61 - 60);
    assert_eq!(
        check(&auth, &sign_service(&expired, SERVICE_SECRET))
            .await
            .unwrap_err(),
        AuthError::Expired
    );
    assert_eq!(
        server.fetches.load(Ordering::SeqCst),
        0,
        "no JWKS fetch for service tokens"
    );
}

#[tokio::test]
async fn service_tokens_are_narrow_allowlisted_short_lived_and_need_iat() {
    let server = jwks_server(vec![]).await;
    let auth = authenticator(&server.url, Duration::from_secs(60));
    assert!(
        check(&auth, &sign_service(&service_claims(), SERVICE_SECRET))
            .await
            .is_ok()
    );

    type Mutation = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Mutation, AuthError)> = vec![
        (
            "a subject outside the allowlist",
            Box::new(|c| c["sub"] = json!("U2bob")),
            AuthError::SubjectNotAllowed,
        ),
        (
            "a subject differing only in case",
            Box::new(|c| c["sub"] = json!("u2user")),
            AuthError::SubjectNotAllowed,
        ),
        (
            "no iat",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("iat");
            }),
            AuthError::MissingClaim("iat"),
        ),
        (
            "a lifetime over the cap",
            Box::new(|c| c["exp"] = json!(now() + 3600 + 120)),
            AuthError::LifetimeTooLong,
        ),
        (
            "a huge exp",
            Box::new(|c| c["exp"] = json!(u64::MAX / 2)),
            AuthError::LifetimeTooLong,
        ),
        (
            "an old iat with a far exp",
            Box::new(|c| {
                c["iat"] = json!(now() - 10 * 3600);
                c["exp"] = json!(now() + 600);
            }),
            AuthError::LifetimeTooLong,
        ),
        (
            "an iat in the future",
            Box::new(|c| {
                c["iat"] = json!(now() + 600);
                c["exp"] = json!(now() + 900);
            }),
            AuthError::NotYetValid,
        ),
    ];
    for (name, mutate, expected) in cases {
        let mut c = service_claims();
        mutate(&mut c);
        assert_eq!(
            check(&auth, &sign_service(&c, SERVICE_SECRET))
                .await
                .unwrap_err(),
            expected,
            "{name}"
        );
    }
    // iat as a string or a float is not an integer: refused, not coerced.
    for bad in [json!("1700000000"), json!(now() as f64 + 0.5)] {
        let mut c = service_claims();
        c["iat"] = bad;
        assert!(
            check(&auth, &sign_service(&c, SERVICE_SECRET))
                .await
                .is_err(),
            "iat {}",
            c["iat"]
        );
    }
}
