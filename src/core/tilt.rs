//! TILT mode (§6.9): when the time between two ticks is negative or larger than
//! `tilt_trigger`, the process was stalled (or the clock jumped) and its view of timeouts
//! cannot be trusted; for `tilt_period` it keeps monitoring but takes no action.

use super::types::{Level, Millis};
use super::Sentinel;

impl Sentinel {
    /// `sentinelCheckTiltCondition`, run at the start of every tick. The shell's clock is
    /// monotonic, so in practice only stalls (SIGSTOP, swap, an overloaded host) trigger it;
    /// tests can feed any `now` to simulate a jump.
    pub fn check_tilt(&mut self, now: Millis) {
        if let Some(previous) = self.previous_time {
            let went_back = now < previous;
            let delta = now.saturating_sub(previous);
            if went_back || delta > self.timings.tilt_trigger {
                self.tilt = true;
                self.tilt_start_time = now;
                // Counted on every `+tilt`, as Redis 8 does (also when already in TILT).
                self.total_tilt += 1;
                self.event_raw(Level::Warning, "+tilt", "#tilt mode entered".into());
            }
        }
        self.previous_time = Some(now);
    }

    /// Seconds spent in TILT so far, or -1 (INFO's `sentinel_tilt_since_seconds`).
    pub fn tilt_since_seconds(&self, now: Millis) -> i64 {
        if self.tilt {
            (now.saturating_sub(self.tilt_start_time) / 1000) as i64
        } else {
            -1
        }
    }
}
