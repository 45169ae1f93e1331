//! Test support: the moto AWS emulator (DynamoDB, Secrets Manager) over real HTTP.
//!
//! `make test` installs moto into `.tools/venv` first (`infra/requirements-emulator.txt`). A test
//! that finds no `moto_server` fails with a message saying so, rather than passing silently.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Why moto could not run.
#[derive(Debug, thiserror::Error)]
pub enum MotoError {
    /// Not installed.
    #[error(
        "{0} not found: run `make tools` (or `infra/scripts/emulator.sh start`) to install the emulator"
    )]
    Missing(String),
    /// It did not start or answer.
    #[error("moto_server did not start: {0}")]
    Start(String),
}

/// A running emulator, stopped on drop.
pub struct Moto {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    child: Option<Child>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

impl Moto {
    /// Starts moto on a free port and waits until it answers.
    pub async fn start() -> Result<Self, MotoError> {
        // moto's app behind `infra/emulator/serve.py`, which serializes requests so conditional
        // writes are atomic as in DynamoDB.
        let python = root().join(".tools/venv/bin/python");
        let serve = root().join("infra/emulator/serve.py");
        if !python.exists() {
            return Err(MotoError::Missing(python.display().to_string()));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| MotoError::Start(e.to_string()))?
            .port();
        let child = Command::new(&python)
            .arg(&serve)
            .args(["127.0.0.1", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| MotoError::Start(e.to_string()))?;
        let moto = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            child: Some(child),
        };
        for _ in 0..150 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(moto);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(MotoError::Start("no answer after 15 s".into()))
    }

    /// SDK configuration pointing at this emulator, with dummy credentials.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "moto",
            ))
            .load()
            .await
    }

    /// Creates a rate-limit table shaped like the SAM template's (partition key `pk`, on demand).
    pub async fn create_rate_limit_table(
        &self,
        name: &str,
    ) -> Result<aws_sdk_dynamodb::Client, MotoError> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
        };
        let client = aws_sdk_dynamodb::Client::new(&self.sdk_config().await);
        let build = |e: aws_sdk_dynamodb::error::BuildError| MotoError::Start(e.to_string());
        client
            .create_table()
            .table_name(name)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(build)?,
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()
                    .map_err(build)?,
            )
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .map_err(|e| MotoError::Start(format!("create table: {e}")))?;
        Ok(client)
    }

    /// Creates a shared-cache table shaped like the SAM template's: partition key `pk`, on demand,
    /// TTL on `expires`.
    pub async fn create_cache_table(
        &self,
        name: &str,
    ) -> Result<aws_sdk_dynamodb::Client, MotoError> {
        use aws_sdk_dynamodb::types::TimeToLiveSpecification;
        let client = self.create_rate_limit_table(name).await?;
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name("expires")
            .enabled(true)
            .build()
            .map_err(|e| MotoError::Start(e.to_string()))?;
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| MotoError::Start(format!("enable TTL: {e}")))?;
        Ok(client)
    }

    /// Stops the emulator now (to test behaviour when AWS is unreachable).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An endpoint that accepts connections and never answers: what a DynamoDB in trouble looks like
/// to a client (every request times out). Stops listening on drop.
pub struct Silent {
    /// SDK configuration pointing at it, with dummy credentials.
    pub sdk: aws_config::SdkConfig,
    listener: tokio::task::JoinHandle<()>,
}

impl Silent {
    /// Starts listening on a free port.
    pub async fn start() -> Result<Self, MotoError> {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| MotoError::Start(e.to_string()))?;
        let endpoint = format!(
            "http://{}",
            silent
                .local_addr()
                .map_err(|e| MotoError::Start(e.to_string()))?
        );
        let listener = tokio::spawn(async move {
            // Held open, never read from or written to.
            let mut open = Vec::new();
            while let Ok((stream, _)) = silent.accept().await {
                open.push(stream);
            }
        });
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_credential_types::Credentials::new(
                "test", "test", None, None, "silent",
            ))
            .load()
            .await;
        Ok(Self { sdk, listener })
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.listener.abort();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
