//! What admission costs a call, with and without leases, against the moto emulator.
//!
//! `cargo run -p workplace-ratelimit --example lease_cost` (needs `make tools`).
//! One container serves a stream of calls from ten users through one OAuth client, 50 calls per
//! second of (injected) clock time, under the production default limits, so every call is
//! admitted. For each lease size it prints DynamoDB writes per call and the time `check` added to
//! each call (wall clock, measured here: printed, never asserted).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)] // A measurement tool.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use moto_harness::Moto;
use workplace_ratelimit::{Clock, FailurePolicy, Limit, RateLimitConfig, RateLimiter};

const CALLS: usize = 500;
const USERS: usize = 10;
const STEP_MS: u64 = 20;

#[derive(Clone)]
struct StepClock(Arc<AtomicU64>);

impl Clock for StepClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

struct Run {
    lease_size: u32,
    admitted: usize,
    writes: u64,
    micros: Vec<u128>,
}

async fn run(moto: &Moto, lease_size: u32) -> Run {
    let table = format!("limits-{lease_size}");
    let client = moto.create_rate_limit_table(&table).await.unwrap();
    let config = RateLimitConfig {
        table,
        user: Limit {
            rate: 10.0,
            burst: 20,
        },
        client: Limit {
            rate: 50.0,
            burst: 100,
        },
        global: Limit {
            rate: 500.0,
            burst: 1000,
        },
        global_shards: 4,
        timeout: Duration::from_secs(30),
        failure_policy: FailurePolicy::Open,
        fail_open_per_minute: 60,
        lease_size,
        lease_lifetime: Duration::from_secs(1),
    };
    let clock = StepClock(Arc::new(AtomicU64::new(1_800_000_000_000)));
    let limiter = RateLimiter::new(client, config, Box::new(clock.clone()));
    limiter.warm().await;
    let users: Vec<String> = (0..USERS).map(|u| format!("user-{u}")).collect();
    let mut micros = Vec::with_capacity(CALLS);
    let mut admitted = 0;
    for call in 0..CALLS {
        let started = Instant::now();
        let decision = limiter.check(&users[call % USERS], Some("cursor")).await;
        micros.push(started.elapsed().as_micros());
        admitted += usize::from(decision.is_allowed());
        clock.0.fetch_add(STEP_MS, Ordering::SeqCst);
    }
    micros.sort_unstable();
    Run {
        lease_size,
        admitted,
        writes: limiter.writes(),
        micros,
    }
}

fn percentile(sorted: &[u128], p: usize) -> f64 {
    let index = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[index] as f64 / 1000.0
}

#[tokio::main]
async fn main() {
    let moto = Moto::start()
        .await
        .expect("the moto emulator must be installed (make tools)");
    println!(
        "{CALLS} calls, {USERS} users, one client, one call every {STEP_MS} ms, default limits"
    );
    println!("| lease size | admitted | writes | writes/call | mean ms | p50 ms | p99 ms |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for lease_size in [1, 10] {
        let run = run(&moto, lease_size).await;
        let mean = run.micros.iter().sum::<u128>() as f64 / run.micros.len() as f64 / 1000.0;
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            run.lease_size,
            run.admitted,
            run.writes,
            run.writes as f64 / CALLS as f64,
            mean,
            percentile(&run.micros, 50),
            percentile(&run.micros, 99),
        );
    }
}
