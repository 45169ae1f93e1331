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

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.tools/venv/bin/moto_server")
}

impl Moto {
    /// Starts moto on a free port and waits until it answers.
    pub async fn start() -> Result<Self, MotoError> {
        let path = binary();
        if !path.exists() {
            return Err(MotoError::Missing(path.display().to_string()));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| MotoError::Start(e.to_string()))?
            .port();
        let child = Command::new(&path)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
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

    /// Stops the emulator now (to test behaviour when AWS is unreachable).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
