//! Token minting for tests.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// The service-token key every test state is built with.
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

/// Every read scope.
pub const ALL_SCOPES: &str = "workplace:read:google_drive workplace:read:notion workplace:read:sharepoint \
    workplace:read:google_calendar workplace:read:outlook_calendar";

/// Mints HS256 service tokens for one resource (the audience).
#[derive(Debug, Clone)]
pub struct Tokens {
    resource: String,
}

impl Tokens {
    /// Tokens for `resource`.
    pub fn for_resource(resource: &str) -> Self {
        Self {
            resource: resource.to_owned(),
        }
    }

    /// A token with `scope`, for `user-42` through `test-client`, valid for five minutes.
    pub fn scoped(&self, scope: &str) -> String {
        self.with(json!({"scope": scope}))
    }

    /// The default claims with `extra` merged over them (`null` keeps the claim with a null
    /// value; use [`Tokens::without`] to drop one).
    pub fn with(&self, extra: Value) -> String {
        let mut claims = self.claims();
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        self.sign(&claims)
    }

    /// The default claims with `scope`, less the named claims.
    pub fn without(&self, scope: &str, drop: &[&str]) -> String {
        let mut claims = self.claims();
        claims["scope"] = json!(scope);
        for name in drop {
            claims.as_object_mut().unwrap().remove(*name);
        }
        self.sign(&claims)
    }

    fn claims(&self) -> Value {
        let now = jsonwebtoken::get_current_timestamp();
        json!({
            "iss": "workplace-mcp", "aud": self.resource, "sub": "user-42", "azp": "test-client",
            "email": "alice@acme.example", "exp": now + 300, "iat": now,
        })
    }

    fn sign(&self, claims: &Value) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap()
    }
}
