//! The cap on fail-open admissions.

use std::sync::{Mutex, PoisonError};

/// At most `per_minute` fail-open admissions per container in any one-minute window.
pub(crate) struct FailOpenBudget {
    per_minute: u32,
    window: Mutex<(u64, u32)>,
}

impl FailOpenBudget {
    pub(crate) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            window: Mutex::new((0, 0)),
        }
    }

    /// Spends one admission at `now` (ms); false when this minute's budget is gone.
    pub(crate) fn spend(&self, now: u64) -> bool {
        let mut window = self.window.lock().unwrap_or_else(PoisonError::into_inner);
        let minute = now / 60_000;
        if window.0 != minute {
            *window = (minute, 0);
        }
        if window.1 >= self.per_minute {
            return false;
        }
        window.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fail_open_budget_resets_each_minute() {
        let budget = FailOpenBudget::new(2);
        assert!(budget.spend(60_000));
        assert!(budget.spend(60_500));
        assert!(!budget.spend(119_999));
        assert!(budget.spend(120_000));
        assert!(!FailOpenBudget::new(0).spend(0));
    }
}
