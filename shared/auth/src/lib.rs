//! Bearer-token authentication: JWKS (Descope) and HS256 service-token verifiers, principals and scopes.
