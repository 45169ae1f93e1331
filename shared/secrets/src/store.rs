//! Where the secret's text comes from.

use std::future::Future;
use std::pin::Pin;

use aws_sdk_secretsmanager::config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::error::SdkError;
use aws_sdk_secretsmanager::operation::get_secret_value::GetSecretValueError;

use crate::{SecretsError, SecretsTimeouts};

/// A boxed future, so the store can be a trait object.
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<String, SecretsError>> + Send + 'a>>;

/// Reads a secret's string value. One real implementation, [`SecretsManagerStore`]; tests run it
/// against the moto emulator.
pub trait SecretStore: Send + Sync {
    /// The secret's text.
    fn fetch<'a>(&'a self, id: &'a str) -> FetchFuture<'a>;
}

/// AWS Secrets Manager.
#[derive(Debug, Clone)]
pub struct SecretsManagerStore {
    client: aws_sdk_secretsmanager::Client,
}

impl SecretsManagerStore {
    /// A store using `config` (which honours `AWS_ENDPOINT_URL` for the emulator), with the
    /// default [`SecretsTimeouts`].
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self::with_timeouts(config, SecretsTimeouts::default())
    }

    /// A store whose every call is bounded by `timeouts` (the connect timeout is the attempt's).
    pub fn with_timeouts(config: &aws_config::SdkConfig, timeouts: SecretsTimeouts) -> Self {
        let timeout_config = TimeoutConfig::builder()
            .operation_timeout(timeouts.operation)
            .operation_attempt_timeout(timeouts.attempt)
            .connect_timeout(timeouts.attempt)
            .build();
        let client_config = aws_sdk_secretsmanager::config::Builder::from(config)
            .timeout_config(timeout_config)
            .build();
        Self {
            client: aws_sdk_secretsmanager::Client::from_conf(client_config),
        }
    }
}

impl SecretStore for SecretsManagerStore {
    fn fetch<'a>(&'a self, id: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            let output = self
                .client
                .get_secret_value()
                .secret_id(id)
                .send()
                .await
                .map_err(|err| match &err {
                    SdkError::ServiceError(service) => match service.err() {
                        GetSecretValueError::ResourceNotFoundException(_) => {
                            SecretsError::NotFound(id.to_owned())
                        }
                        other if other.meta().code() == Some("AccessDeniedException") => {
                            SecretsError::AccessDenied(id.to_owned())
                        }
                        other => SecretsError::Unavailable {
                            id: id.to_owned(),
                            reason: other.meta().code().unwrap_or("service error").to_owned(),
                        },
                    },
                    SdkError::TimeoutError(_) => SecretsError::Unavailable {
                        id: id.to_owned(),
                        reason: "timed out".into(),
                    },
                    SdkError::DispatchFailure(_) => SecretsError::Unavailable {
                        id: id.to_owned(),
                        reason: "could not connect".into(),
                    },
                    _ => SecretsError::Unavailable {
                        id: id.to_owned(),
                        reason: "request failed".into(),
                    },
                })?;
            output
                .secret_string()
                .map(str::to_owned)
                .ok_or_else(|| SecretsError::NotAString(id.to_owned()))
        })
    }
}
