//! The script queue (`sentinelScheduleScriptExecution` and friends).

use super::types::Millis;
use super::Sentinel;

/// One queued or running script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptJob {
    pub id: u64,
    pub path: String,
    pub args: Vec<String>,
    /// Attempts made so far.
    pub retry_num: u32,
    /// Running: the child's pid and when it started.
    pub pid: Option<u32>,
    pub start_time: Millis,
}

/// FIFO of script jobs.
#[derive(Clone, Debug, Default)]
pub struct ScriptQueue {
    pub jobs: Vec<ScriptJob>,
    pub next_id: u64,
}

impl ScriptQueue {
    pub fn running(&self) -> usize {
        self.jobs.iter().filter(|j| j.pid.is_some()).count()
    }
}

impl Sentinel {
    /// Queue a script run (`sentinelScheduleScriptExecution`).
    pub(crate) fn schedule_script(&mut self, path: String, args: Vec<String>) {
        self.scripts.next_id += 1;
        let id = self.scripts.next_id;
        self.scripts.jobs.push(ScriptJob { id, path, args, retry_num: 0, pid: None, start_time: 0 });
    }
}
