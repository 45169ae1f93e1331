//! The rate limiter against the moto emulator over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use moto_harness::Moto;
use workplace_ratelimit::{
    Clock, Decision, FailurePolicy, Limit, LimitKind, RateLimitConfig, RateLimiter,
};

const TABLE: &str = "rate-limits";
const START_MS: u64 = 1_800_000_000_000;

#[derive(Clone)]
struct TestClock(Arc<AtomicU64>);

impl Clock for TestClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

async fn table(moto: &Moto) -> aws_sdk_dynamodb::Client {
    moto.create_rate_limit_table(TABLE).await.unwrap()
}

fn config(
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
        timeout: Duration::from_secs(5),
        failure_policy: policy,
    }
}

const WIDE: Limit = Limit {
    rate: 100_000.0,
    burst: 100_000,
};

async fn limiter(
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

async fn admitted(
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

#[tokio::test]
async fn exactly_the_burst_under_200_concurrent_calls_then_the_rate() {
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let (_moto, limiter, clock, _) =
        limiter(config(seed, WIDE, WIDE, 1, FailurePolicy::Open)).await;
    assert_eq!(admitted(&limiter, 200, "alice", None).await, 20);
    assert_eq!(
        admitted(&limiter, 50, "alice", None).await,
        0,
        "no refill while the clock stands still"
    );

    let rejected = limiter.check("alice", None).await;
    match &rejected {
        Decision::Limited {
            policy: LimitKind::User,
            retry_after: 1,
            quota: 20,
            unavailable: false,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    assert!(
        rejected
            .headers()
            .contains(&("retry-after", "1".to_owned()))
    );

    clock.0.fetch_add(1000, Ordering::SeqCst);
    assert_eq!(
        admitted(&limiter, 50, "alice", None).await,
        10,
        "one second refills ten"
    );
    assert_eq!(
        admitted(&limiter, 30, "bob", None).await,
        20,
        "limits are per principal"
    );
}

#[tokio::test]
async fn the_client_limit_spans_users() {
    let client_limit = Limit {
        rate: 1.0,
        burst: 5,
    };
    let (_moto, limiter, _clock, _) =
        limiter(config(WIDE, client_limit, WIDE, 1, FailurePolicy::Open)).await;
    let mut allowed = 0;
    for user in 0..12 {
        if limiter
            .check(&format!("user-{user}"), Some("cursor"))
            .await
            .is_allowed()
        {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5);
    assert!(
        limiter
            .check("user-x", Some("langchain"))
            .await
            .is_allowed()
    );
    match limiter.check("user-y", Some("cursor")).await {
        Decision::Limited {
            policy: LimitKind::Client,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_global_limit_is_sharded_and_items_carry_a_ttl() {
    let global = Limit {
        rate: 4.0,
        burst: 40,
    };
    let (_moto, limiter, _clock, client) =
        limiter(config(WIDE, WIDE, global, 4, FailurePolicy::Open)).await;
    let allowed = admitted(&limiter, 120, "alice", None).await;
    assert!(allowed <= 40, "never more than the global burst: {allowed}");
    assert!(
        allowed >= 30,
        "each shard holds a quarter of the burst: {allowed}"
    );

    let items = client
        .scan()
        .table_name(TABLE)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    let mut keys: Vec<String> = items
        .iter()
        .map(|i| i["pk"].as_s().unwrap().clone())
        .collect();
    keys.sort();
    assert!(keys.contains(&"user#alice".to_owned()));
    for shard in 0..4 {
        assert!(
            keys.contains(&format!("global#{shard}")),
            "shard {shard} missing from {keys:?}"
        );
    }
    for item in &items {
        let expires: u64 = item["expires_at"].as_n().unwrap().parse().unwrap();
        assert!(
            expires > START_MS / 1000,
            "TTL attribute in epoch seconds: {expires}"
        );
    }
}

#[tokio::test]
async fn an_unreachable_table_fails_open_or_closed_as_configured() {
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let (mut moto, open, _clock, client) =
        limiter(config(seed, WIDE, WIDE, 1, FailurePolicy::Open)).await;
    let mut closed_config = config(seed, WIDE, WIDE, 1, FailurePolicy::Closed);
    closed_config.timeout = Duration::from_millis(300);
    let closed = RateLimiter::new(
        client,
        closed_config,
        Box::new(TestClock(Arc::new(AtomicU64::new(START_MS)))),
    );
    moto.stop();

    let decision = open.check("alice", None).await;
    assert!(
        matches!(decision, Decision::Allowed { bypassed: true, .. }),
        "{decision:?}"
    );
    assert!(decision.headers().is_empty());
    assert_eq!(open.bypassed(), 1);

    let decision = closed.check("alice", None).await;
    assert!(
        matches!(
            decision,
            Decision::Limited {
                unavailable: true,
                ..
            }
        ),
        "{decision:?}"
    );
}
