//! The JWT attack corpus: every token here must be refused. Tokens that need a signature are
//! signed with the issuer's *real* key where the attack is about claims or headers (so only the
//! attacked part is wrong), and with an attacker's key where the attack is about keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use super::jwt::*;
use super::{RESOURCE, SECRET, all_scopes};

/// The corpus: (name, token). Every entry must be refused.
pub fn corpus(real: &Key, attacker: &Key) -> Vec<(&'static str, String)> {
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
                    json!([all_scopes()]),
                ),
            ),
        ),
    ];
    tokens.retain(|(_, t)| !t.is_empty());
    tokens
}
