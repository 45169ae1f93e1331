//! Leases against the moto emulator: several containers (limiters) share one table, the clock is
//! injected, and what is counted is calls and writes, never time.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use workplace_ratelimit::{Decision, FailurePolicy, Limit, LimitKind, RateLimiter};

const LIFETIME: Duration = Duration::from_secs(1);

/// `n` more limiters ("containers") on the table of the first, sharing its clock.
fn containers(
    client: &aws_sdk_dynamodb::Client,
    clock: &TestClock,
    settings: &workplace_ratelimit::RateLimitConfig,
    n: usize,
) -> Vec<Arc<RateLimiter>> {
    (0..n)
        .map(|_| {
            Arc::new(RateLimiter::new(
                client.clone(),
                settings.clone(),
                Box::new(clock.clone()),
            ))
        })
        .collect()
}

/// Sequential calls by `subject` on one container; how many were admitted.
async fn sequential(limiter: &RateLimiter, calls: usize, subject: &str) -> usize {
    let mut admitted = 0;
    for _ in 0..calls {
        if limiter.check(subject, None).await.is_allowed() {
            admitted += 1;
        }
    }
    admitted
}

#[tokio::test]
async fn exactly_the_burst_across_three_containers_under_concurrency_then_the_rate() {
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let settings = config(seed, WIDE, WIDE, 1, FailurePolicy::Open);
    let (_moto, first, clock, client) = limiter(settings.clone()).await;
    let mut all = containers(&client, &clock, &settings, 2);
    all.push(first);
    let burst = |calls: usize| {
        let all = all.clone();
        async move {
            let tasks: Vec<_> = (0..calls)
                .map(|i| {
                    let limiter = all[i % all.len()].clone();
                    tokio::spawn(async move { limiter.check("alice", None).await.is_allowed() })
                })
                .collect();
            let mut admitted = 0;
            for task in tasks {
                admitted += usize::from(task.await.unwrap());
            }
            admitted
        }
    };
    assert_eq!(
        burst(150).await,
        20,
        "never more than the burst across containers"
    );
    assert_eq!(burst(30).await, 0, "no refill while the clock stands still");
    clock.0.fetch_add(1000, Ordering::SeqCst);
    assert_eq!(burst(60).await, 10, "one second refills ten");
}

#[tokio::test]
async fn the_one_write_per_call_path_is_exact_too() {
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let mut settings = config(seed, WIDE, WIDE, 1, FailurePolicy::Open);
    settings.lease_size = 1;
    let (_moto, limiter, clock, _) = limiter(settings).await;
    assert_eq!(admitted(&limiter, 200, "alice", None).await, 20);
    clock.0.fetch_add(1000, Ordering::SeqCst);
    assert_eq!(admitted(&limiter, 50, "alice", None).await, 10);
    // One lease write per admitted call per limit (user, global), plus one refused lease per
    // exhausted bucket: the calls refused after it cost nothing.
    assert_eq!(limiter.writes(), 2 * 30 + 2);
}

#[tokio::test]
async fn a_busy_container_writes_far_less_than_once_per_call() {
    let roomy = Limit {
        rate: 1000.0,
        burst: 2000,
    };
    let (_moto, limiter, clock, _) =
        limiter(config(roomy, roomy, WIDE, 1, FailurePolicy::Open)).await;
    let calls = 300;
    for _ in 0..calls {
        assert!(limiter.check("alice", Some("cursor")).await.is_allowed());
        clock.0.fetch_add(2, Ordering::SeqCst);
    }
    // Three keys; leases of 1, 2, 4, 8 and then 10 tokens: about 34 writes per key.
    let writes = limiter.writes();
    assert!(
        writes <= 3 * (calls / 10 + 5),
        "{writes} writes for {calls} calls"
    );
    assert!(
        writes >= 3 * (calls / 10),
        "a lease never holds more than its size"
    );
}

#[tokio::test]
async fn unused_leases_withhold_at_most_containers_times_lease_size_for_at_most_the_lifetime() {
    let hourly = Limit {
        rate: 1.0 / 3600.0,
        burst: 100,
    };
    let mut settings = config(hourly, WIDE, WIDE, 1, FailurePolicy::Open);
    settings.lease_size = 8;
    settings.lease_lifetime = LIFETIME;
    let (_moto, first, clock, client) = limiter(settings.clone()).await;
    let mut holders = containers(&client, &clock, &settings, 2);
    holders.push(first);
    // Each holder spends 8 tokens through leases of 1, 2, 4 and 8: it has taken 15 and holds 7.
    for holder in &holders {
        assert_eq!(sequential(holder, 8, "alice").await, 8);
    }
    let mut exact = settings.clone();
    exact.lease_size = 1;
    let drainer = containers(&client, &clock, &exact, 1).remove(0);
    let drained = sequential(&drainer, 120, "alice").await;
    assert_eq!(
        drained,
        100 - 3 * 15,
        "the held tokens are withheld from other containers"
    );
    let withheld = 100 - 3 * 8 - drained;
    assert_eq!(withheld, 21);
    assert!(withheld <= 3 * 8, "at most containers × lease size");

    // Within its lifetime a lease is spent by its holder, and no token beyond the burst exists.
    clock
        .0
        .fetch_add(LIFETIME.as_millis() as u64, Ordering::SeqCst);
    assert_eq!(sequential(&holders[0], 20, "alice").await, 7);
    // Past it, the other holders' tokens are dropped, never spent: the shortfall is theirs.
    clock.0.fetch_add(1, Ordering::SeqCst);
    for holder in &holders[1..] {
        let decision = holder.check("alice", None).await;
        assert!(
            matches!(
                decision,
                Decision::Limited {
                    policy: LimitKind::User,
                    unavailable: false,
                    ..
                }
            ),
            "{decision:?}"
        );
    }
    let total = 3 * 8 + drained + 7;
    assert!(total <= 100, "never more than the limit: {total}");
    assert!(
        total >= 100 - 3 * 8,
        "under-admits by at most containers × lease size"
    );
}

#[tokio::test]
async fn refused_calls_cost_no_write_until_the_bucket_refills() {
    let seed = Limit {
        rate: 10.0,
        burst: 20,
    };
    let (_moto, limiter, clock, _) =
        limiter(config(seed, WIDE, WIDE, 1, FailurePolicy::Open)).await;
    assert_eq!(sequential(&limiter, 20, "abuser").await, 20);
    let writes = limiter.writes();
    for _ in 0..50 {
        match limiter.check("abuser", None).await {
            Decision::Limited {
                policy: LimitKind::User,
                retry_after: 1,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        limiter.writes(),
        writes + 1,
        "one refused lease, then local refusals"
    );
    clock.0.fetch_add(100, Ordering::SeqCst);
    assert!(limiter.check("abuser", None).await.is_allowed());
}

/// A multi-token charge (the service charges `include_content` calls several tokens, see
/// `PreparedCall::cost`), here 55 of a burst of 60: charged at once, across two containers, it
/// uses up the burst that admits 60 one-token calls, a charge that does not fit is refused whole
/// (nothing taken), and a charge larger than the burst is refused with a typed error instead of
/// waiting forever.
#[tokio::test]
async fn a_charge_takes_its_cost_in_tokens_atomically() {
    let user = Limit {
        rate: 10.0,
        burst: 60,
    };
    let settings = config(user, WIDE, WIDE, 1, FailurePolicy::Open);
    let (_moto, first, clock, client) = limiter(settings.clone()).await;
    let second = containers(&client, &clock, &settings, 1).remove(0);

    // The baseline: sixty one-token calls fit in the burst.
    assert_eq!(sequential(&first, 100, "bob").await, 60);

    // One 55-token call leaves five single calls, on either container.
    let charged = first.charge("alice", None, 55).await.unwrap();
    assert!(charged.is_allowed(), "{charged:?}");
    assert_eq!(sequential(&second, 20, "alice").await, 5);
    // A further 55-token charge does not fit: refused whole, with the wait for all 55.
    clock.0.fetch_add(1000, Ordering::SeqCst); // Ten tokens back.
    let Ok(Decision::Limited {
        policy: LimitKind::User,
        retry_after,
        ..
    }) = second.charge("alice", None, 55).await
    else {
        panic!("55 tokens are not there");
    };
    assert_eq!(retry_after, 5, "45 more tokens at 10/s");
    assert_eq!(
        sequential(&first, 20, "alice").await,
        10,
        "the refused charge took nothing"
    );

    // A charge no burst can hold is refused at once, never retried.
    let err = first.charge("carol", None, 61).await.unwrap_err();
    assert_eq!((err.cost, err.policy, err.burst), (61, LimitKind::User, 60));
    assert!(err.to_string().contains("burst of 60"), "{err}");
    assert_eq!(first.max_cost(), 60);
    assert!(first.fits(None, 60).is_ok() && first.fits(None, 61).is_err());
}
