//! The shipper against a scripted transport, in paused time: budgets, the breaker, the OTLP retry
//! rules, key refusals and the shutdown flush.

use std::sync::Mutex as StdMutex;

use super::*;
use crate::sink::SendFuture;

/// What the fake receiver does with one request.
#[derive(Clone)]
enum Answer {
    Accept,
    Fail(SendError),
    Hang,
}

#[derive(Default)]
struct Fake {
    script: StdMutex<Vec<Answer>>,
    /// The invocation ids of every request, accepted or not.
    sent: StdMutex<Vec<Vec<String>>>,
    /// The invocation ids the receiver accepted.
    accepted: StdMutex<Vec<String>>,
    /// Bodies carrying a drop report.
    drop_reports: StdMutex<Vec<Value>>,
}

fn ids(body: &Value) -> Vec<String> {
    body.pointer("/resourceLogs/0/scopeLogs/0/logRecords")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            r["attributes"]
                .as_array()?
                .iter()
                .find(|a| a["key"] == "faas.invocation_id")
                .and_then(|a| a["value"]["stringValue"].as_str())
                .map(str::to_owned)
        })
        .collect()
}

impl Transport for Fake {
    fn send<'a>(&'a self, body: &'a Value, _timeout: Duration) -> SendFuture<'a> {
        let answer = {
            let mut script = self.script.lock().unwrap();
            if script.is_empty() {
                Answer::Accept
            } else {
                script.remove(0)
            }
        };
        self.sent.lock().unwrap().push(ids(body));
        Box::pin(async move {
            match answer {
                Answer::Accept => {
                    self.accepted.lock().unwrap().extend(ids(body));
                    if body.to_string().contains("dropped_records") {
                        self.drop_reports.lock().unwrap().push(body.clone());
                    }
                    Ok(())
                }
                Answer::Fail(err) => Err(err),
                Answer::Hang => std::future::pending().await,
            }
        })
    }
}

fn setup(script: Vec<Answer>) -> (Arc<Shipper>, Arc<Fake>, Arc<ApiKey>) {
    let fake = Arc::new(Fake {
        script: StdMutex::new(script),
        ..Fake::default()
    });
    let key = Arc::new(ApiKey::default());
    key.set(None);
    let config = Config {
        request_timeout: Duration::from_secs(1),
        report_wait: Duration::from_secs(60),
        ..Config::default()
    };
    let shipper = Shipper::new(config, fake.clone(), Arc::clone(&key), Map::new());
    (shipper, fake, key)
}

/// A record and its report, as one Telemetry API push would bring them.
fn pushed(id: &str) -> Parsed {
    Parsed {
        invocations: vec![workplace_record::InvocationRecord {
            request_id: id.into(),
            ..Default::default()
        }],
        reports: vec![crate::telemetry::Report {
            request_id: id.into(),
            status: "success".into(),
            duration_ms: Some(1.0),
            billed_duration_ms: None,
            max_memory_used_mb: None,
            init_duration_ms: None,
        }],
        ..Parsed::default()
    }
}

const BUDGET: Duration = Duration::from_millis(300);

#[tokio::test(start_paused = true)]
async fn an_invoke_flush_ends_at_its_budget_and_the_breaker_then_skips_sending() {
    let (shipper, fake, _) = setup(vec![Answer::Hang]);
    shipper.ingest(pushed("a")).await;
    let started = Instant::now();
    shipper.flush(started + BUDGET, Mode::Routine).await;
    assert_eq!(Instant::now() - started, BUDGET, "not a moment longer");
    assert_eq!(
        shipper.buffer.lock().await.len(),
        1,
        "the batch is back in the buffer"
    );
    assert!(shipper.breaker_open());

    // While the breaker is open an INVOKE costs nothing.
    let before = Instant::now();
    shipper.flush(before + BUDGET, Mode::Routine).await;
    assert_eq!(Instant::now(), before);
    assert_eq!(fake.sent.lock().unwrap().len(), 1);

    // Once it closes (1 s after the first failure) the record goes out, exactly once.
    tokio::time::advance(Duration::from_secs(1)).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert_eq!(*fake.accepted.lock().unwrap(), ["a"]);
    assert!(!shipper.breaker_open());
}

#[tokio::test(start_paused = true)]
async fn the_breaker_doubles_and_honours_retry_after_up_to_its_cap() {
    let unavailable = |retry_after| {
        Answer::Fail(SendError::Retryable {
            reason: "HTTP 503".into(),
            retry_after,
        })
    };
    let (shipper, fake, _) = setup(vec![
        unavailable(Some(Duration::from_secs(5))),
        unavailable(None),
        unavailable(Some(Duration::from_secs(3600))),
    ]);
    shipper.ingest(pushed("a")).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    tokio::time::advance(Duration::from_millis(4_900)).await;
    assert!(shipper.breaker_open(), "Retry-After: 5 is honoured");
    tokio::time::advance(Duration::from_millis(100)).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    // Second failure in a row: 2 s.
    tokio::time::advance(Duration::from_millis(1_999)).await;
    assert!(shipper.breaker_open());
    tokio::time::advance(Duration::from_millis(1)).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    // An hour of Retry-After is capped at breaker_max (30 s).
    tokio::time::advance(Duration::from_secs(30)).await;
    assert!(!shipper.breaker_open());
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert_eq!(fake.sent.lock().unwrap().len(), 4);
    assert_eq!(*fake.accepted.lock().unwrap(), ["a"]);
}

#[tokio::test(start_paused = true)]
async fn a_retryable_status_is_retried_within_the_budget_and_others_are_dropped_and_counted() {
    let (shipper, fake, _) = setup(vec![
        Answer::Fail(SendError::Retryable {
            reason: "HTTP 502".into(),
            retry_after: None,
        }),
        Answer::Accept,
        Answer::Fail(SendError::Rejected(500)),
    ]);
    shipper.ingest(pushed("a")).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert_eq!(
        *fake.accepted.lock().unwrap(),
        ["a"],
        "retried in the same flush"
    );
    assert!(!shipper.breaker_open());

    shipper.ingest(pushed("b")).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert_eq!(
        fake.sent.lock().unwrap()[2],
        ["b"],
        "500 is sent once, not retried"
    );
    assert!(!shipper.breaker_open(), "the receiver answered");
    assert_eq!(
        shipper.buffer.lock().await.drops_ever,
        1,
        "dropped and counted"
    );
    // The same flush reports the drop.
    let reports = fake.drop_reports.lock().unwrap().clone();
    assert_eq!(reports.len(), 1);
    assert!(
        reports[0]
            .to_string()
            .contains(r#""key":"workplace.dropped_records.rejected","value":{"intValue":"1"}"#)
    );
    assert_eq!(shipper.buffer.lock().await.drops.total(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_refused_key_is_reloaded_and_the_batch_waits_for_it() {
    let (shipper, fake, key) = setup(vec![Answer::Fail(SendError::Unauthorized(401))]);
    let refreshed = {
        let key = Arc::clone(&key);
        tokio::spawn(async move { key.refresh_requested().await })
    };
    tokio::task::yield_now().await;
    shipper.ingest(pushed("a")).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    tokio::time::timeout(Duration::from_secs(1), refreshed)
        .await
        .expect("a refresh was requested")
        .unwrap();
    assert_eq!(shipper.buffer.lock().await.len(), 1);
    assert_eq!(
        shipper.buffer.lock().await.drops.total(),
        0,
        "nothing dropped"
    );
    tokio::time::advance(Duration::from_secs(1)).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert_eq!(*fake.accepted.lock().unwrap(), ["a"]);
}

#[tokio::test(start_paused = true)]
async fn records_wait_while_the_key_is_loading() {
    let fake = Arc::new(Fake::default());
    let key = Arc::new(ApiKey::default());
    let shipper = Shipper::new(
        Config::default(),
        fake.clone(),
        Arc::clone(&key),
        Map::new(),
    );
    shipper.ingest(pushed("a")).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert!(fake.sent.lock().unwrap().is_empty());
    key.set(None);
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert_eq!(*fake.accepted.lock().unwrap(), ["a"]);
}

#[tokio::test(start_paused = true)]
async fn the_shutdown_flush_keeps_its_deadline_while_a_background_flush_hangs() {
    let (shipper, fake, _) = setup(vec![Answer::Hang]);
    shipper.ingest(pushed("a")).await;
    let background = {
        let shipper = Arc::clone(&shipper);
        tokio::spawn(async move {
            shipper
                .flush(Instant::now() + Duration::from_secs(10), Mode::Routine)
                .await;
        })
    };
    tokio::task::yield_now().await;
    assert_eq!(
        fake.sent.lock().unwrap().len(),
        1,
        "the background flush is sending"
    );
    shipper.ingest(pushed("b")).await;
    let started = Instant::now();
    let budget = Duration::from_millis(1_500);
    shipper.flush(started + budget, Mode::Shutdown).await;
    assert!(Instant::now() - started <= budget);
    background.abort();
}

#[tokio::test(start_paused = true)]
async fn the_shutdown_flush_ignores_the_breaker_and_ships_records_without_reports() {
    let (shipper, fake, _) = setup(vec![Answer::Fail(SendError::Retryable {
        reason: "HTTP 504".into(),
        retry_after: Some(Duration::from_secs(20)),
    })]);
    shipper.ingest(pushed("a")).await;
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    assert!(shipper.breaker_open());
    let mut no_report = pushed("b");
    no_report.reports.clear();
    shipper.ingest(no_report).await;
    shipper
        .flush(
            Instant::now() + Duration::from_millis(1_500),
            Mode::Shutdown,
        )
        .await;
    assert_eq!(*fake.accepted.lock().unwrap(), ["a", "b"]);
}

#[tokio::test(start_paused = true)]
async fn lambda_drops_are_counted_and_reported() {
    let (shipper, fake, _) = setup(vec![]);
    shipper
        .ingest(Parsed {
            lambda_dropped: 12,
            ..Parsed::default()
        })
        .await;
    assert_eq!(shipper.buffer.lock().await.drops_ever, 12);
    shipper.flush(Instant::now() + BUDGET, Mode::Routine).await;
    let reports = fake.drop_reports.lock().unwrap();
    assert_eq!(reports.len(), 1);
    let text = reports[0].to_string();
    assert!(
        text.contains(
            r#""key":"workplace.dropped_records.telemetry_api","value":{"intValue":"12"}"#
        ),
        "{text}"
    );
}
