//! The Cequence extension: an external Lambda extension that ships every invocation record to the
//! Cequence AI Gateway (or any OTLP/HTTP receiver) as OpenTelemetry logs, without ever delaying a
//! function's response.
//!
//! Lambda pushes telemetry (`function` lines and `platform.report`s) to our listener, which only
//! queues it. Shipping happens on the extension's own event loop: when the next INVOKE arrives
//! (the previous response has already left), early when a full batch is waiting, and on SHUTDOWN
//! within Lambda's 2 s budget.

mod buffer;
mod config;
mod otlp;
mod shipper;
mod sink;
mod telemetry;

use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use lambda_extension::{Extension, LambdaEvent, NextEvent, service_fn};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::config::Config;
use crate::shipper::Shipper;
use crate::sink::Sink;

/// The name Lambda knows the extension by (the file in `/opt/extensions`).
const NAME: &str = "cequence-extension";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let env = |name: &str| std::env::var(name).ok();
    let config = match Config::from_lookup(&env) {
        Ok(config) => config,
        Err(problems) => {
            tracing::error!(?problems, "invalid configuration");
            return ExitCode::FAILURE;
        }
    };
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "extension stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), lambda_extension::Error> {
    let sink = match &config.gateway_url {
        None => {
            tracing::warn!(
                "CEQUENCE_GATEWAY_URL is not set: invocation records are read but not shipped"
            );
            None
        }
        Some(url) => {
            let client = reqwest::Client::builder()
                .connect_timeout(config.request_timeout)
                .build()?;
            Some(Sink::new(
                client,
                url,
                config.api_key_header.clone(),
                api_key().await,
            ))
        }
    };
    let mut resource = Map::new();
    resource.insert("service.name".into(), json!("workplace-mcp"));
    resource.insert("cloud.provider".into(), json!("aws"));
    for (key, var) in [
        ("faas.name", "AWS_LAMBDA_FUNCTION_NAME"),
        ("faas.version", "AWS_LAMBDA_FUNCTION_VERSION"),
        ("cloud.region", "AWS_REGION"),
    ] {
        if let Ok(value) = std::env::var(var) {
            resource.insert(key.into(), Value::String(value));
        }
    }
    let shipper = Shipper::new(config.clone(), sink, resource);
    let full = Arc::new(Notify::new());

    // Early flushes when a full batch is waiting, off the listener's path.
    let early = (
        Arc::clone(&shipper),
        Arc::clone(&full),
        config.flush_deadline,
    );
    tokio::spawn(async move {
        let (shipper, full, deadline) = early;
        loop {
            full.notified().await;
            shipper.flush(Instant::now() + deadline, false).await;
        }
    });

    let events = {
        let shipper = Arc::clone(&shipper);
        let config = config.clone();
        service_fn(move |event: LambdaEvent| {
            let shipper = Arc::clone(&shipper);
            let config = config.clone();
            async move {
                match event.next {
                    NextEvent::Invoke(_) => {
                        shipper
                            .flush(Instant::now() + config.flush_deadline, false)
                            .await;
                    }
                    NextEvent::Shutdown(shutdown) => {
                        tracing::info!(reason = %shutdown.shutdown_reason, "shutting down; final flush");
                        shipper
                            .flush(Instant::now() + config.shutdown_deadline, true)
                            .await;
                        let left = shipper.buffer.lock().await.len();
                        if left > 0 {
                            tracing::warn!(records = left, "records not shipped before shutdown");
                        }
                        std::process::exit(0);
                    }
                }
                Ok::<(), lambda_extension::Error>(())
            }
        })
    };
    let registered = Extension::new()
        .with_extension_name(NAME)
        .with_events(&["INVOKE", "SHUTDOWN"])
        .with_events_processor(events)
        .register()
        .await?;

    let listener = tokio::net::TcpListener::bind((config.bind.as_str(), config.port)).await?;
    let app = axum::Router::new()
        .route("/", axum::routing::post(receive))
        .with_state((Arc::clone(&shipper), Arc::clone(&full)));
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            tracing::error!(error = %err, "telemetry listener stopped");
        }
    });
    subscribe(&registered.extension_id, config.port).await?;
    registered.run().await
}

/// The Telemetry API push: queue and answer at once.
async fn receive(
    State((shipper, full)): State<(Arc<Shipper>, Arc<Notify>)>,
    body: Bytes,
) -> &'static str {
    if shipper.ingest(telemetry::parse(&body)).await {
        full.notify_one();
    }
    "OK"
}

/// Subscribes to `platform` and `function` telemetry (must happen during init).
async fn subscribe(extension_id: &str, port: u16) -> Result<(), lambda_extension::Error> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")?;
    let body = json!({
        "schemaVersion": "2022-12-13",
        "types": ["platform", "function"],
        "buffering": {"maxItems": 1000, "maxBytes": 262_144, "timeoutMs": 100},
        "destination": {"protocol": "HTTP", "URI": format!("http://sandbox.localdomain:{port}")},
    });
    let response = reqwest::Client::new()
        .put(format!("http://{api}/2022-07-01/telemetry"))
        .header("Lambda-Extension-Identifier", extension_id)
        .json(&body)
        .send()
        .await?;
    if !response.status().is_success() {
        return Err(format!(
            "Telemetry API subscription failed with HTTP {}",
            response.status()
        )
        .into());
    }
    Ok(())
}

/// `cequence_api_key` from the project secret (`SECRETS_ID`); shipping works without it when the
/// receiver needs no key.
async fn api_key() -> Option<secrecy::SecretString> {
    let env = |name: &str| std::env::var(name).ok();
    let config = workplace_secrets::SecretsConfig::from_lookup(&env).ok()?;
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let store = Arc::new(workplace_secrets::SecretsManagerStore::new(&aws));
    match workplace_secrets::SecretsProvider::load(store, config).await {
        Ok(provider) => {
            let key = provider.current().cequence_api_key.clone();
            if key.is_none() {
                tracing::warn!("the secret has no cequence_api_key; shipping without a key");
            }
            key
        }
        Err(err) => {
            tracing::error!(error = %err, "could not read cequence_api_key; shipping without a key");
            None
        }
    }
}
