//! Where secret values come from, and noticing that they were rotated.

use std::sync::Arc;

use secrecy::SecretString;
use workplace_secrets::{Secrets, SecretsProvider};

/// Where secret values come from.
pub enum SecretSource {
    /// Secrets Manager, refreshed in the background: the project secret and, only when service
    /// tokens are on, the service-token secret (`SERVICE_TOKEN_SECRET_ID`), which holds their key
    /// apart from the credentials every function and the extension can read.
    Provider {
        /// The project secret (`SECRETS_ID`).
        main: Arc<SecretsProvider>,
        /// The service-token secret.
        service_token: Option<Arc<SecretsProvider>>,
    },
    /// Fixed values (tests); its `jwt_secret_key` plays the service-token secret.
    Fixed(Arc<Secrets>),
}

/// The secret values parts are built from; compared by pointer to notice a rotation.
#[derive(Clone)]
pub(super) struct CurrentSecrets {
    pub(super) main: Arc<Secrets>,
    pub(super) service_token: Option<Arc<Secrets>>,
}

impl CurrentSecrets {
    pub(super) fn same_as(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.main, &other.main)
            && match (&self.service_token, &other.service_token) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
    }
}

impl SecretSource {
    pub(super) fn current(&self) -> CurrentSecrets {
        match self {
            Self::Provider {
                main,
                service_token,
            } => CurrentSecrets {
                main: main.current(),
                service_token: service_token.as_ref().map(SecretsProvider::current),
            },
            Self::Fixed(secrets) => CurrentSecrets {
                main: Arc::clone(secrets),
                service_token: Some(Arc::clone(secrets)),
            },
        }
    }
}

/// Fixed secrets holding only a service-token key, for tests (service tokens still need
/// `SERVICE_TOKEN_SUBJECTS` in the configuration).
pub fn fixed_secrets(jwt_secret_key: &str) -> SecretSource {
    SecretSource::Fixed(Arc::new(Secrets {
        jwt_secret_key: Some(SecretString::from(jwt_secret_key.to_owned())),
        ..Secrets::default()
    }))
}
