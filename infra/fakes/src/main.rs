//! `upstream-fakes`: the fakes and the demo workspace on 127.0.0.1, for `make dev` and the
//! end-to-end tests.
//!
//! `upstream-fakes [--port 9020] [--download-port 9021] [--write-credentials FILE] [--resource URL]...`
//!
//! `--resource` names an MCP server URL the local authorization server issues tokens for (the
//! RFC 8707 `resource`, which becomes `aud`); without one it issues them for any URL.
//!
//! `--write-credentials` writes the credentials the fakes accept (Descope management key, Google
//! service account, Notion token, Microsoft client secret) as the JSON keys of the project secret,
//! so the local stack can put them into the emulated Secrets Manager.

use std::process::ExitCode;

use upstream_fakes::{FakeConfig, RunningFakes, generate_service_account};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().collect();
    let port = |name: &str, default: u16| {
        arg(&args, name)
            .and_then(|p| p.parse().ok())
            .unwrap_or(default)
    };
    let mut config = FakeConfig {
        port: port("--port", 9020),
        download_port: port("--download-port", 9021),
        ..FakeConfig::default()
    };
    let token_uri = format!("http://127.0.0.1:{}/token", config.port);
    let Some(account) = generate_service_account(&config.google_service_account_email, &token_uri)
    else {
        eprintln!("could not generate the demo service-account key");
        return ExitCode::FAILURE;
    };
    config.google_service_account_key = Some(account.public_key);
    let credentials = serde_json::json!({
        "descope_management_key": config.descope_management_key,
        "google_service_account": account.json,
        "notion_token": config.notion_integration_token,
        "microsoft_client_secret": config.microsoft_client_secret,
    });
    let fakes = match RunningFakes::start(config).await {
        Ok(fakes) => fakes,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = arg(&args, "--write-credentials")
        && let Err(err) = std::fs::write(&path, credentials.to_string())
    {
        eprintln!("could not write {path}: {err}");
        return ExitCode::FAILURE;
    }
    for (i, a) in args.iter().enumerate() {
        if a == "--resource"
            && let Some(resource) = args.get(i + 1)
        {
            fakes.authz.allow_resource(resource);
        }
    }
    tracing::info!(issuer = %fakes.authz.issuer(), "local authorization server");
    tracing::info!(api = %fakes.base_url, download = %fakes.download_url, "upstream fakes are serving the demo workspace");
    let _ = tokio::signal::ctrl_c().await;
    ExitCode::SUCCESS
}
