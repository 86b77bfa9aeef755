//! Copies of one hello. A hello published on a server reaches every connection subscribed to
//! the hello channel there: with many master names on one server (or one server reachable at
//! several addresses), that is one copy per pub/sub connection of ours to it, plus one more
//! through each replica, where PUBLISH is propagated. Redis's sentinel processes every copy.
//! Here the first copy goes to the core and later identical copies, arriving within
//! [`REPEAT_WINDOW`], are dropped by the link tasks before they cost an event.
//!
//! Processing a copy again right after the first changes nothing: the sender is known by then,
//! its epochs were adopted or refused, and the copy names the same master, so only the peer's
//! `last-hello-message` time would move, by the few milliseconds between copies. A peer sends
//! its hello for a master every 2 s, so the window, well below that, never hides a hello that
//! was sent again. A link that only receives dropped copies still reports its activity (see
//! `task::OWN_HELLO_ACTIVITY_PERIOD`), so its pub/sub connection is never judged idle.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long after the first copy of a hello identical copies are dropped.
pub const REPEAT_WINDOW: Duration = Duration::from_millis(500);

/// The most hellos remembered at once. Real deployments see a few thousand distinct hellos per
/// window at most; a peer forging distinct ones only makes the filter forget (every hello is
/// then passed on, as without the filter), never grow without bound.
const MAX_REMEMBERED: usize = 64 * 1024;

/// The hellos seen lately, shared by every link task.
#[derive(Default)]
pub struct RepeatedHellos {
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    first_copy_at: HashMap<Box<[u8]>, Instant>,
    /// Expired entries are swept when the map reaches this size.
    sweep_at: usize,
}

impl RepeatedHellos {
    /// Whether `payload` copies a hello first seen less than [`REPEAT_WINDOW`] before `now`.
    /// If not, it is remembered as first seen `now`.
    pub fn is_repeat(&self, payload: &[u8], now: Instant) -> bool {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match seen.first_copy_at.get_mut(payload) {
            Some(at) if now.saturating_duration_since(*at) < REPEAT_WINDOW => return true,
            Some(at) => *at = now,
            None => {
                seen.first_copy_at.insert(payload.into(), now);
                if seen.first_copy_at.len() >= seen.sweep_at.max(1024) {
                    seen.first_copy_at.retain(|_, at| now.saturating_duration_since(*at) < REPEAT_WINDOW);
                    if seen.first_copy_at.len() >= MAX_REMEMBERED / 2 {
                        seen.first_copy_at.clear();
                    }
                    seen.sweep_at = (2 * seen.first_copy_at.len()).min(MAX_REMEMBERED);
                }
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_within_the_window_are_repeats_and_a_later_one_is_not() {
        let f = RepeatedHellos::default();
        let t0 = Instant::now();
        assert!(!f.is_repeat(b"a,1", t0));
        assert!(f.is_repeat(b"a,1", t0 + Duration::from_millis(10)));
        assert!(!f.is_repeat(b"b,1", t0 + Duration::from_millis(10)));
        assert!(f.is_repeat(b"a,1", t0 + REPEAT_WINDOW - Duration::from_millis(1)));
        // The same hello sent again by its peer 2 s later is news again.
        let later = t0 + Duration::from_secs(2);
        assert!(!f.is_repeat(b"a,1", later));
        assert!(f.is_repeat(b"a,1", later + Duration::from_millis(1)));
    }

    #[test]
    fn a_flood_of_distinct_hellos_stays_bounded() {
        let f = RepeatedHellos::default();
        let t0 = Instant::now();
        let size = || f.seen.lock().expect("lock").first_copy_at.len();
        for i in 0..(3 * MAX_REMEMBERED) {
            f.is_repeat(format!("forged,{}", i).as_bytes(), t0);
            assert!(size() <= MAX_REMEMBERED, "{} remembered after {}", size(), i);
        }
    }
}
