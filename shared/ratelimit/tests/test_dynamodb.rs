//! The rate limiter against the moto emulator over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)] // Test helpers outside #[test] functions.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::*;
use moto_harness::Moto;
use workplace_ratelimit::{Decision, FailurePolicy, Limit, LimitKind, RateLimiter};

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
    assert!(keys.contains(&RateLimiter::user_key("alice")));
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
    closed_config.timeout = Duration::from_secs(30);
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

#[tokio::test]
async fn a_call_the_user_limit_rejects_leaves_the_client_and_global_budgets_untouched() {
    let one = Limit {
        rate: 1.0,
        burst: 1,
    };
    let (_moto, limiter, _clock, client) =
        limiter(config(one, WIDE, WIDE, 1, FailurePolicy::Open)).await;
    assert!(limiter.check("abuser", Some("cursor")).await.is_allowed());
    let before = tats(&client).await;
    assert_eq!(before.len(), 3, "{before:?}");
    for _ in 0..10 {
        let decision = limiter.check("abuser", Some("cursor")).await;
        assert!(
            matches!(
                decision,
                Decision::Limited {
                    policy: LimitKind::User,
                    ..
                }
            ),
            "{decision:?}"
        );
    }
    assert_eq!(tats(&client).await, before, "rejected calls spent nothing");
}

#[tokio::test]
async fn a_call_a_later_limit_rejects_gives_back_what_it_took() {
    let hourly = |burst| Limit {
        rate: 1.0 / 3600.0,
        burst,
    };
    let (_moto, limiter, _clock, _) =
        limiter(config(hourly(2), hourly(1), WIDE, 1, FailurePolicy::Open)).await;
    assert!(limiter.check("alice", Some("cursor")).await.is_allowed());
    // The client's budget is spent: bob's calls through it are rejected by the client limit...
    for _ in 0..3 {
        let decision = limiter.check("bob", Some("cursor")).await;
        assert!(
            matches!(
                decision,
                Decision::Limited {
                    policy: LimitKind::Client,
                    ..
                }
            ),
            "{decision:?}"
        );
    }
    // ...and gave back bob's user slot each time: his burst of two is intact.
    assert!(limiter.check("bob", Some("claude")).await.is_allowed());
    assert!(limiter.check("bob", Some("langchain")).await.is_allowed());
    assert!(!limiter.check("bob", Some("crewai")).await.is_allowed());
}

#[tokio::test]
async fn a_3_kb_client_id_is_limited_like_any_other() {
    let two = Limit {
        rate: 1.0 / 3600.0,
        burst: 2,
    };
    let (_moto, limiter, _clock, client) =
        limiter(config(WIDE, two, WIDE, 1, FailurePolicy::Open)).await;
    let huge = "x".repeat(3 * 1024);
    let decisions = [
        limiter.check("alice", Some(&huge)).await,
        limiter.check("bob", Some(&huge)).await,
        limiter.check("carol", Some(&huge)).await,
    ];
    assert!(
        decisions
            .iter()
            .all(|d| !matches!(d, Decision::Allowed { bypassed: true, .. })),
        "never admitted by the failure policy: {decisions:?}"
    );
    assert!(decisions[0].is_allowed() && decisions[1].is_allowed());
    assert!(
        matches!(
            decisions[2],
            Decision::Limited {
                policy: LimitKind::Client,
                unavailable: false,
                ..
            }
        ),
        "{:?}",
        decisions[2]
    );
    assert!(
        tats(&client)
            .await
            .contains_key(&RateLimiter::client_key(&huge))
    );
}

#[tokio::test]
async fn a_request_dynamodb_refuses_is_rejected_even_when_failing_open() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let moto = Moto::start().await.unwrap();
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config().await);
    // A table whose key is a number: every write of a string key is a ValidationException.
    client
        .create_table()
        .table_name(TABLE)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::N)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let limiter = RateLimiter::new(
        client,
        config(seed, WIDE, WIDE, 1, FailurePolicy::Open),
        Box::new(TestClock(Arc::new(AtomicU64::new(START_MS)))),
    );
    let decision = limiter.check("alice", None).await;
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
    assert_eq!(limiter.bypassed(), 0);
}

#[tokio::test]
async fn a_silent_table_admits_up_to_the_fail_open_cap_then_rejects() {
    // Every check times out.
    let silent = moto_harness::Silent::start().await.unwrap();
    let sdk = silent.sdk.clone();
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let mut settings = config(seed, WIDE, WIDE, 1, FailurePolicy::Open);
    settings.timeout = Duration::from_millis(100);
    settings.fail_open_per_minute = 3;
    let clock = TestClock(Arc::new(AtomicU64::new(START_MS)));
    let limiter = RateLimiter::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        settings,
        Box::new(clock.clone()),
    );
    let mut decisions = Vec::new();
    for _ in 0..5 {
        decisions.push(limiter.check("alice", None).await);
    }
    let bypassed = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Allowed { bypassed: true, .. }))
        .count();
    assert_eq!(bypassed, 3, "{decisions:?}");
    assert!(matches!(
        decisions[4],
        Decision::Limited {
            unavailable: true,
            ..
        }
    ));
    // A new minute brings a new budget.
    clock.0.fetch_add(60_000, Ordering::SeqCst);
    assert!(matches!(
        limiter.check("alice", None).await,
        Decision::Allowed { bypassed: true, .. }
    ));
}

#[tokio::test]
async fn warming_reads_without_writing_or_spending() {
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let (_moto, limiter, _clock, client) =
        limiter(config(seed, WIDE, WIDE, 1, FailurePolicy::Open)).await;
    limiter.warm().await;
    assert!(tats(&client).await.is_empty(), "warming writes nothing");
    assert_eq!(admitted(&limiter, 25, "alice", None).await, 20);
    assert_eq!(limiter.bypassed(), 0);
}
