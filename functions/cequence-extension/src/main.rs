//! The Cequence extension: an external Lambda extension that ships every invocation record to the
//! Cequence AI Gateway (or any OTLP/HTTP receiver) as OpenTelemetry logs. It can only ever help:
//!
//! - it never exits before registering (a bad setting logs one error and turns shipping off; an
//!   extension that fails Init fails its function);
//! - it registers and subscribes first and loads the API key afterwards, in the background, with a
//!   timeout, so a cold start waits for no Secrets Manager call;
//! - without a gateway it registers for SHUTDOWN only: no Telemetry subscription, no buffer, no
//!   work per invocation;
//! - Lambda pushes telemetry to a listener that only queues it; shipping happens on the
//!   extension's own event loop when the next INVOKE arrives (the previous response has left),
//!   within a short budget and not at all while the circuit breaker is open, early when a full
//!   batch waits, and on SHUTDOWN within the event's deadline.

mod buffer;
mod config;
mod key;
mod otlp;
mod shipper;
mod sink;
mod telemetry;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use lambda_extension::{Extension, LambdaEvent, NextEvent, service_fn};
use serde_json::{Map, Value, json};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::config::Config;
use crate::key::{ApiKey, KeySource, SecretsManagerKey};
use crate::shipper::{Mode, Shipper};
use crate::sink::Sink;

/// The name Lambda knows the extension by (the file in `/opt/extensions`).
const NAME: &str = "cequence-extension";
/// Kept free before the SHUTDOWN event's deadline, for the exit itself.
const SHUTDOWN_MARGIN: Duration = Duration::from_millis(100);

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let env = |name: &str| std::env::var(name).ok();
    let (config, problems) = Config::from_lookup(&env);
    if !problems.is_empty() {
        tracing::error!(
            ?problems,
            "invalid cequence-extension settings; shipping is off until they are fixed"
        );
    }
    let result = match config.gateway_url.clone() {
        None => {
            if problems.is_empty() {
                tracing::info!("CEQUENCE_GATEWAY_URL is not set: the extension stays idle");
            }
            idle().await
        }
        Some(url) => ship(config, url).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Only registration or the Extensions API itself can fail here.
            tracing::error!(error = %err, "extension stopped");
            ExitCode::FAILURE
        }
    }
}

/// No gateway: registered for SHUTDOWN only, so Lambda never waits for us on an invocation.
async fn idle() -> Result<(), lambda_extension::Error> {
    let events = service_fn(|event: LambdaEvent| async move {
        if let NextEvent::Shutdown(_) = event.next {
            std::process::exit(0);
        }
        Ok::<(), lambda_extension::Error>(())
    });
    Extension::new()
        .with_extension_name(NAME)
        .with_events(&["SHUTDOWN"])
        .with_events_processor(events)
        .run()
        .await
}

fn resource() -> Map<String, Value> {
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
    resource
}

async fn ship(config: Config, url: String) -> Result<(), lambda_extension::Error> {
    let key = Arc::new(ApiKey::default());
    let client = sink::client(config.request_timeout)?;
    let sink = Sink::new(
        client,
        &url,
        config.api_key_header.clone(),
        Arc::clone(&key),
    );
    let shipper = Shipper::new(config.clone(), Arc::new(sink), Arc::clone(&key), resource());
    let full = Arc::new(Notify::new());

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
                            .flush(Instant::now() + config.flush_deadline, Mode::Routine)
                            .await;
                    }
                    NextEvent::Shutdown(shutdown) => {
                        let deadline = shutdown_deadline(&config, shutdown.deadline_ms);
                        tracing::info!(reason = %shutdown.shutdown_reason, "shutting down; final flush");
                        shipper.flush(deadline, Mode::Shutdown).await;
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

    // From here on nothing may stop the event loop: a failed listener or subscription only means
    // nothing arrives to ship.
    match tokio::net::TcpListener::bind((config.bind.as_str(), config.port)).await {
        Ok(listener) => {
            let app = axum::Router::new()
                .route("/", axum::routing::post(receive))
                .with_state((Arc::clone(&shipper), Arc::clone(&full)));
            tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, app).await {
                    tracing::error!(error = %err, "telemetry listener stopped");
                }
            });
            if let Err(err) = subscribe(&registered.extension_id, config.port).await {
                tracing::error!(error = %err, "Telemetry API subscription failed; nothing will be shipped");
            }
        }
        Err(err) => {
            tracing::error!(error = %err, port = config.port, "cannot listen for telemetry; nothing will be shipped");
        }
    }

    // The key, after registration and off the event loop.
    {
        let key = Arc::clone(&key);
        let (timeout, interval) = (config.key_timeout, config.key_refresh_interval);
        let env = |name: &str| std::env::var(name).ok();
        let settings = SecretsManagerKey::settings(&env);
        tokio::spawn(async move {
            match settings {
                Some(settings) => {
                    match tokio::time::timeout(timeout, SecretsManagerKey::new(settings)).await {
                        Ok(source) => {
                            let source: Arc<dyn KeySource> = Arc::new(source);
                            key::keep_fresh(key, source, timeout, interval).await;
                        }
                        Err(_) => {
                            tracing::error!(
                                "loading the AWS configuration timed out; shipping without a key"
                            );
                            key.set(None);
                        }
                    }
                }
                None => key.set(None),
            }
        });
    }

    // Early flushes when a full batch is waiting, off the listener's path.
    {
        let shipper = Arc::clone(&shipper);
        let budget = config.flush_deadline;
        tokio::spawn(async move {
            loop {
                full.notified().await;
                shipper.flush(Instant::now() + budget, Mode::Routine).await;
            }
        });
    }
    registered.run().await
}

/// The final flush's deadline: the configured budget, never past the event's own deadline.
fn shutdown_deadline(config: &Config, deadline_ms: u64) -> Instant {
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let until_event = u64::try_from(i128::from(deadline_ms) - now_ms)
        .map(Duration::from_millis)
        .unwrap_or_default()
        .saturating_sub(SHUTDOWN_MARGIN);
    Instant::now() + config.shutdown_deadline.min(until_event)
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

/// Subscribes to `platform` and `function` telemetry (must happen during init), within the
/// Telemetry API's limits: buffering 1000 records, 256 KiB, 100 ms.
async fn subscribe(extension_id: &str, port: u16) -> Result<(), lambda_extension::Error> {
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API")?;
    let body = json!({
        "schemaVersion": "2022-12-13",
        "types": ["platform", "function"],
        "buffering": {"maxItems": 1000, "maxBytes": 262_144, "timeoutMs": 100},
        "destination": {"protocol": "HTTP", "URI": format!("http://sandbox.localdomain:{port}")},
    });
    let response = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?
        .put(format!("http://{api}/2022-07-01/telemetry"))
        .header("Lambda-Extension-Name", NAME)
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
