//! Property tests of the GCRA arithmetic: whatever the rate, burst and call times, the limiter
//! admits a full burst from idle, never more than `burst + elapsed / interval` calls over any run,
//! tells the truth in `remaining` and `wait_ms`, and never overflows on realistic clocks.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use workplace_ratelimit::{Gcra, Limit};

/// Milliseconds since the epoch, from 2020 to 2100.
fn clock() -> impl Strategy<Value = u64> {
    1_577_836_800_000_u64..4_102_444_800_000
}

fn limit() -> impl Strategy<Value = Limit> {
    (0.01_f64..1000.0, 1_u32..500).prop_map(|(rate, burst)| Limit { rate, burst })
}

proptest! {
    #[test]
    fn a_full_burst_is_admitted_from_idle_and_no_more(limit in limit(), now in clock()) {
        let gcra = Gcra::new(limit);
        let mut tat = 0;
        for k in 0..gcra.burst {
            prop_assert!(gcra.admits(tat, now), "call {} of a burst of {} refused", k + 1, gcra.burst);
            tat = gcra.next_tat(tat, now);
            prop_assert_eq!(gcra.remaining(tat, now), gcra.burst - k - 1);
            prop_assert_eq!(gcra.available(tat, now), gcra.burst - k - 1);
        }
        prop_assert!(!gcra.admits(tat, now));
        prop_assert!(gcra.wait_ms(tat, now) > 0);
    }

    #[test]
    fn waiting_as_told_is_enough_and_no_shorter_wait_is(limit in limit(), now in clock(), extra in 0_u32..50) {
        let gcra = Gcra::new(limit);
        let mut tat = 0;
        for _ in 0..gcra.burst + extra {
            if gcra.admits(tat, now) {
                tat = gcra.next_tat(tat, now);
            }
        }
        let wait = gcra.wait_ms(tat, now);
        prop_assert!(gcra.admits(tat, now + wait));
        if wait > 0 {
            prop_assert!(!gcra.admits(tat, now + wait - 1));
        }
    }

    #[test]
    fn admitted_calls_never_exceed_burst_plus_refill(
        limit in limit(),
        start in clock(),
        gaps in proptest::collection::vec(0_u64..5_000, 1..300),
    ) {
        let gcra = Gcra::new(limit);
        let (mut tat, mut now, mut admitted) = (0_u64, start, 0_u64);
        for gap in gaps {
            now += gap;
            if gcra.admits(tat, now) {
                let next = gcra.next_tat(tat, now);
                prop_assert!(next > tat, "the TAT must move forward");
                tat = next;
                admitted += 1;
            }
        }
        let elapsed = now - start;
        let bound = u64::from(gcra.burst) + elapsed / gcra.interval_ms + 1;
        prop_assert!(admitted <= bound, "{admitted} admitted, bound {bound}");
        prop_assert!(gcra.remaining(tat, now) <= gcra.burst);
        prop_assert!(gcra.window_seconds() >= 1);
    }

    #[test]
    fn a_lease_of_what_is_available_is_what_calls_one_by_one_would_get(
        limit in limit(),
        now in clock(),
        ahead in 0_u64..10_000_000,
    ) {
        let gcra = Gcra::new(limit);
        let stored = now.saturating_sub(5_000) + ahead;
        let available = gcra.available(stored, now);
        let mut tat = stored;
        let mut one_by_one = 0;
        while gcra.admits(tat, now) {
            tat = gcra.next_tat(tat, now);
            one_by_one += 1;
        }
        prop_assert_eq!(available, one_by_one);
        if available > 0 {
            // Taking them in one write ends where taking them one by one does.
            prop_assert_eq!(stored.max(now) + u64::from(available) * gcra.interval_ms, tat);
        }
    }
}
