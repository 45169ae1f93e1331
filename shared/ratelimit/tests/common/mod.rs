//! What the DynamoDB tests share: an injected clock, settings, a limiter on the emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)] // Not every test uses every helper.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moto_harness::Moto;
use workplace_ratelimit::{Clock, FailurePolicy, Limit, RateLimitConfig, RateLimiter};

pub(crate) const TABLE: &str = "rate-limits";
pub(crate) const START_MS: u64 = 1_800_000_000_000;

#[derive(Clone)]
pub(crate) struct TestClock(pub(crate) Arc<AtomicU64>);

impl Clock for TestClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub(crate) async fn table(moto: &Moto) -> aws_sdk_dynamodb::Client {
    moto.create_rate_limit_table(TABLE).await.unwrap()
}

pub(crate) fn config(
    user: Limit,
    client: Limit,
    global: Limit,
    shards: u32,
    policy: FailurePolicy,
) -> RateLimitConfig {
    RateLimitConfig {
        table: TABLE.into(),
        user,
        client,
        global,
        global_shards: shards,
        // Generous: these tests are about exactness, not speed. A slow machine must not turn a
        // check into a timeout (and a fail-open admission). The timeout path has its own test.
        timeout: Duration::from_secs(120),
        failure_policy: policy,
        fail_open_per_minute: 60,
        // Leases on, as in production; tests of the one-write-per-call path set `lease_size: 1`.
        lease_size: 10,
        lease_lifetime: Duration::from_secs(1),
    }
}

pub(crate) const WIDE: Limit = Limit {
    rate: 100_000.0,
    burst: 100_000,
};

pub(crate) async fn limiter(
    config: RateLimitConfig,
) -> (Moto, Arc<RateLimiter>, TestClock, aws_sdk_dynamodb::Client) {
    let moto = Moto::start()
        .await
        .expect("the moto emulator must be installed (make tools)");
    let client = table(&moto).await;
    let clock = TestClock(Arc::new(AtomicU64::new(START_MS)));
    let limiter = Arc::new(RateLimiter::new(
        client.clone(),
        config,
        Box::new(clock.clone()),
    ));
    (moto, limiter, clock, client)
}

pub(crate) async fn admitted(
    limiter: &Arc<RateLimiter>,
    calls: usize,
    subject: &str,
    client: Option<&str>,
) -> usize {
    let tasks: Vec<_> = (0..calls)
        .map(|_| {
            let (limiter, subject, client) = (
                limiter.clone(),
                subject.to_owned(),
                client.map(str::to_owned),
            );
            tokio::spawn(async move { limiter.check(&subject, client.as_deref()).await })
        })
        .collect();
    let mut count = 0;
    for task in tasks {
        if task.await.unwrap().is_allowed() {
            count += 1;
        }
    }
    count
}

/// Every item of the table, by key, as `tat` values.
pub(crate) async fn tats(
    client: &aws_sdk_dynamodb::Client,
) -> std::collections::BTreeMap<String, String> {
    client
        .scan()
        .table_name(TABLE)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
        .iter()
        .map(|i| {
            (
                i["pk"].as_s().unwrap().clone(),
                i["tat"].as_n().unwrap().clone(),
            )
        })
        .collect()
}
