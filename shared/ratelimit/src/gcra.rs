//! GCRA arithmetic, in milliseconds since the epoch.

use crate::Limit;

/// The parameters of one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gcra {
    /// Emission interval: milliseconds one call "costs" (1000 / rate).
    pub interval_ms: u64,
    /// Burst tolerance: how far the TAT may run ahead of now ((burst - 1) * interval).
    pub tolerance_ms: u64,
    /// The burst, for headers.
    pub burst: u32,
}

impl Gcra {
    /// Parameters of `limit`.
    pub fn new(limit: Limit) -> Self {
        let interval_ms = (1000.0 / limit.rate).round().max(1.0) as u64;
        let burst = limit.burst.max(1);
        Self {
            interval_ms,
            tolerance_ms: interval_ms * u64::from(burst - 1),
            burst,
        }
    }

    /// Whether a call at `now` is admitted given the stored `tat`.
    pub fn admits(&self, tat: u64, now: u64) -> bool {
        tat <= now + self.tolerance_ms
    }

    /// The TAT after admitting a call at `now`.
    pub fn next_tat(&self, tat: u64, now: u64) -> u64 {
        tat.max(now) + self.interval_ms
    }

    /// Calls still admissible right after one that set the TAT to `tat`.
    pub fn remaining(&self, tat: u64, now: u64) -> u32 {
        let headroom = (now + self.tolerance_ms + self.interval_ms).saturating_sub(tat);
        (headroom / self.interval_ms).min(u64::from(self.burst)) as u32
    }

    /// Calls the limit would admit right now given the stored `tat`: how many tokens one lease
    /// may take at most (0 when the next call must wait).
    pub fn available(&self, tat: u64, now: u64) -> u32 {
        let room = (now + self.tolerance_ms + self.interval_ms).saturating_sub(tat.max(now));
        (room / self.interval_ms).min(u64::from(self.burst)) as u32
    }

    /// Milliseconds until a call is admitted, given the stored `tat`.
    pub fn wait_ms(&self, tat: u64, now: u64) -> u64 {
        tat.saturating_sub(now + self.tolerance_ms)
    }

    /// Milliseconds until `cost` tokens can be taken at once, given the stored `tat`.
    pub fn wait_ms_for(&self, tat: u64, now: u64, cost: u32) -> u64 {
        let extra = self.interval_ms * u64::from(cost.saturating_sub(1));
        tat.saturating_add(extra)
            .saturating_sub(now + self.tolerance_ms)
    }

    /// Seconds for a full burst to refill: the window in the `RateLimit-Policy` header.
    pub fn window_seconds(&self) -> u64 {
        (u64::from(self.burst) * self.interval_ms)
            .div_ceil(1000)
            .max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_policy_admits_a_burst_of_twenty_then_ten_per_second() {
        let gcra = Gcra::new(Limit {
            rate: 10.0,
            burst: 20,
        });
        assert_eq!((gcra.interval_ms, gcra.tolerance_ms), (100, 1900));
        let now = 1_000_000;
        let mut tat = 0;
        let mut admitted = 0;
        for _ in 0..50 {
            if gcra.admits(tat, now) {
                tat = gcra.next_tat(tat, now);
                admitted += 1;
            }
        }
        assert_eq!(admitted, 20);
        assert_eq!(gcra.remaining(tat, now), 0);
        assert_eq!(gcra.wait_ms(tat, now), 100);
        // One second later, ten more.
        let later = now + 1000;
        let mut more = 0;
        while gcra.admits(tat, later) {
            tat = gcra.next_tat(tat, later);
            more += 1;
        }
        assert_eq!(more, 10);
        assert_eq!(gcra.window_seconds(), 2);
    }

    #[test]
    fn remaining_counts_down_from_the_burst() {
        let gcra = Gcra::new(Limit {
            rate: 1.0,
            burst: 3,
        });
        let now = 50_000;
        let tat = gcra.next_tat(0, now);
        assert_eq!(gcra.remaining(tat, now), 2);
        assert_eq!(gcra.available(tat, now), 2);
        assert_eq!(
            gcra.available(0, now),
            3,
            "an idle limit offers its whole burst"
        );
        assert_eq!(gcra.available(now + 3000, now), 0);
    }
}
