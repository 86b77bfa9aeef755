//! CLIENT PAUSE / UNPAUSE: while a pause is in effect, commands from clients wait before
//! running (`blockPostponeClient`). `ALL` holds every command; `WRITE` holds only the
//! commands that may replicate, which in sentinel mode is PUBLISH.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseKind {
    Write,
    All,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    end: Instant,
    kind: PauseKind,
}

pub struct Pause {
    state: watch::Sender<Option<State>>,
    /// Whether a pause was set and not lifted: every request checks this before anything else.
    active: AtomicBool,
}

impl Default for Pause {
    fn default() -> Self {
        Pause { state: watch::channel(None).0, active: AtomicBool::new(false) }
    }
}

impl Pause {
    /// Start or extend a pause: the later end and the stronger kind win (`pauseClients`).
    pub fn pause(&self, end: Instant, kind: PauseKind) {
        self.state.send_modify(|s| {
            *s = Some(match *s {
                Some(cur) => State { end: cur.end.max(end), kind: cur.kind.max(kind) },
                None => State { end, kind },
            });
            self.active.store(true, Ordering::SeqCst);
        });
    }

    pub fn unpause(&self) {
        self.state.send_modify(|s| {
            *s = None;
            self.active.store(false, Ordering::SeqCst);
        });
    }

    /// Whether a command must wait now; `publish` tells if it is PUBLISH.
    pub fn holds(&self, publish: bool) -> bool {
        if !self.active.load(Ordering::Relaxed) {
            return false;
        }
        match *self.state.borrow() {
            Some(s) if s.end > Instant::now() => s.kind == PauseKind::All || publish,
            _ => false,
        }
    }

    /// Wait until the command may run.
    pub async fn wait(&self, publish: bool) {
        let mut rx = self.state.subscribe();
        loop {
            let state = *rx.borrow_and_update();
            let Some(s) = state.filter(|s| s.end > Instant::now() && (s.kind == PauseKind::All || publish))
            else {
                return;
            };
            tokio::select! {
                _ = tokio::time::sleep_until(s.end.into()) => {}
                r = rx.changed() => if r.is_err() { return },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn kinds_and_extension() {
        let p = Pause::default();
        assert!(!p.holds(true));
        p.pause(Instant::now() + Duration::from_secs(60), PauseKind::Write);
        assert!(p.holds(true));
        assert!(!p.holds(false));
        p.pause(Instant::now() + Duration::from_millis(1), PauseKind::All);
        assert!(p.holds(false), "ALL wins and the later end is kept");
        p.unpause();
        assert!(!p.holds(true));
    }

    #[tokio::test]
    async fn unpause_wakes_waiters() {
        let p = std::sync::Arc::new(Pause::default());
        p.pause(Instant::now() + Duration::from_secs(600), PauseKind::All);
        let p2 = p.clone();
        let waiter = tokio::spawn(async move { p2.wait(false).await });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        p.unpause();
        tokio::time::timeout(Duration::from_secs(10), waiter).await.unwrap().unwrap();
    }
}
