//! Credentials from one AWS Secrets Manager JSON secret, cached per container and refreshed in the
//! background, so a rotated secret is picked up without a redeploy.
//!
//! The secret (id from `SECRETS_ID`) is a JSON object whose keys are listed in [`Secrets`]. It is
//! loaded at cold start; afterwards [`SecretsProvider::current`] never blocks and never fails: once
//! the TTL (`SECRETS_TTL_SECONDS`, default 300) has passed, the first caller starts one background
//! refresh and keeps using the cached value until it lands. A failed refresh keeps the old value and
//! is retried on a later call. Every Secrets Manager call has an operation and an attempt timeout
//! ([`SecretsTimeouts`]), and a refresh that stalls anyway never blocks later ones. Values are `SecretString`s and never appear in logs or errors.

mod config;
mod error;
mod provider;
mod secrets;
mod store;

pub use config::{SecretsConfig, SecretsTimeouts};
pub use error::SecretsError;
pub use provider::SecretsProvider;
pub use secrets::Secrets;
pub use store::{FetchFuture, SecretStore, SecretsManagerStore};
