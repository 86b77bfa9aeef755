//! Script processes (notification and client-reconfig scripts): spawned when the core asks,
//! their end reported back as `Input::ScriptExited`. A kill goes through the child's own
//! handle, so it can never hit another process that reused the PID after the child was reaped.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;

use tokio::sync::oneshot;

use crate::core::input::Input;
use crate::handle::Handle;

/// Running scripts by job, each with a way to kill it while it runs.
pub struct ScriptRunner {
    h: Handle,
    kills: HashMap<u64, oneshot::Sender<()>>,
}

impl ScriptRunner {
    pub fn new(h: Handle) -> ScriptRunner {
        ScriptRunner { h, kills: HashMap::new() }
    }

    /// Start a script; returns its pid, or None when it could not be started. Its end is
    /// reported to the core through the handle.
    pub fn spawn(&mut self, job: u64, path: &str, args: &[String]) -> Option<u32> {
        self.kills.retain(|_, k| !k.is_closed());
        let mut child = match tokio::process::Command::new(path).args(args).kill_on_drop(false).spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("Could not start script {}: {}", path, e);
                return None;
            }
        };
        let pid = child.id().unwrap_or(0);
        tracing::debug!("+script-child {}", pid);
        let (kill_tx, mut kill_rx) = oneshot::channel::<()>();
        self.kills.insert(job, kill_tx);
        let h = self.h.clone();
        tokio::spawn(async move {
            let status = tokio::select! {
                s = child.wait() => s,
                Ok(()) = &mut kill_rx => {
                    // Still ours: tokio has not reaped it, so the pid cannot have been reused.
                    let _ = child.start_kill();
                    child.wait().await
                }
            };
            let (code, signal) = match status {
                Ok(s) => (s.code(), s.signal()),
                Err(_) => (None, Some(libc::SIGKILL)),
            };
            tracing::debug!("-script-child {} {} {}", pid, code.unwrap_or(-1), signal.unwrap_or(0));
            h.input(Input::ScriptExited { job, code, signal }).await;
        });
        Some(pid)
    }

    /// Kill a running script (SIGKILL); nothing happens if it has already ended.
    pub fn kill(&mut self, job: u64) {
        if let Some(k) = self.kills.remove(&job) {
            let _ = k.send(());
        }
    }
}
