//! Logging failed TLS handshakes of the outgoing links without flooding the log.
//!
//! A peer with a wrong certificate fails on every reconnection (each link retries about once
//! a second, two connections per master or replica). The first failure with a peer is logged
//! as a warning with its reason; further failures with the same reason are counted and
//! reported at most once per [`REPEAT_PERIOD`], and a handshake that succeeds again after
//! failures says so once.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most one line per peer and period while its handshakes keep failing the same way.
pub const REPEAT_PERIOD: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Failing {
    reason: String,
    /// When a line about this peer was last written.
    logged: Instant,
    /// Failures since that line.
    unlogged: u64,
}

/// Per-peer failure state (`host:port` → what was last said about it).
#[derive(Debug, Default)]
pub struct HandshakeLog {
    peers: Mutex<HashMap<String, Failing>>,
}

/// What to write for one event, if anything.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Failed { peer: String, reason: String, repeated: u64 },
    Recovered { peer: String },
}

impl std::fmt::Display for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Line::Failed { peer, reason, repeated: 0 } => write!(
                f,
                "TLS handshake with {} failed: {} (repeated failures are logged once every {} s)",
                peer,
                reason,
                REPEAT_PERIOD.as_secs()
            ),
            Line::Failed { peer, reason, repeated } => write!(
                f,
                "TLS handshake with {} failed: {} ({} more failures since the last report)",
                peer, reason, repeated
            ),
            Line::Recovered { peer } => write!(f, "TLS handshake with {} succeeded again", peer),
        }
    }
}

impl HandshakeLog {
    /// Note a failed handshake; logs it when it is due.
    pub fn failed(&self, peer: &str, reason: &str) {
        if let Some(line) = self.on_failure(peer, reason, Instant::now()) {
            tracing::warn!("{}", line);
        }
    }

    /// Note a successful handshake.
    pub fn succeeded(&self, peer: &str) {
        if let Some(line) = self.on_success(peer) {
            tracing::warn!("{}", line);
        }
    }

    fn peers(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failing>> {
        self.peers.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn on_failure(&self, peer: &str, reason: &str, now: Instant) -> Option<Line> {
        let mut peers = self.peers();
        match peers.get_mut(peer) {
            Some(f) if f.reason == reason && now.duration_since(f.logged) < REPEAT_PERIOD => {
                f.unlogged += 1;
                None
            }
            Some(f) if f.reason == reason => {
                let repeated = std::mem::take(&mut f.unlogged);
                f.logged = now;
                Some(Line::Failed { peer: peer.into(), reason: reason.into(), repeated })
            }
            _ => {
                let failing = Failing { reason: reason.into(), logged: now, unlogged: 0 };
                peers.insert(peer.to_string(), failing);
                Some(Line::Failed { peer: peer.into(), reason: reason.into(), repeated: 0 })
            }
        }
    }

    fn on_success(&self, peer: &str) -> Option<Line> {
        self.peers().remove(peer).map(|_| Line::Recovered { peer: peer.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_failures_are_logged_once_per_period_with_a_count() {
        let log = HandshakeLog::default();
        let t0 = Instant::now();
        let first = log.on_failure("127.0.0.1:6379", "UnknownIssuer", t0).expect("first failure is logged");
        assert!(first.to_string().starts_with("TLS handshake with 127.0.0.1:6379 failed: UnknownIssuer"));
        for i in 1..=10 {
            assert_eq!(log.on_failure("127.0.0.1:6379", "UnknownIssuer", t0 + Duration::from_secs(i)), None);
        }
        // Another peer is independent.
        assert!(log.on_failure("127.0.0.1:6380", "UnknownIssuer", t0).is_some());
        let later = log.on_failure("127.0.0.1:6379", "UnknownIssuer", t0 + REPEAT_PERIOD).unwrap();
        assert_eq!(
            later,
            Line::Failed { peer: "127.0.0.1:6379".into(), reason: "UnknownIssuer".into(), repeated: 10 }
        );
        // A new reason is news.
        assert!(log.on_failure("127.0.0.1:6379", "Expired", t0 + REPEAT_PERIOD).is_some());
        assert_eq!(log.on_success("127.0.0.1:6379"), Some(Line::Recovered { peer: "127.0.0.1:6379".into() }));
        assert_eq!(log.on_success("127.0.0.1:6379"), None);
    }
}
