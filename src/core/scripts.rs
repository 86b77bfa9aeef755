//! The script queue (`sentinelScheduleScriptExecution`, `sentinelRunPendingScripts`,
//! `sentinelCollectTerminatedScripts`, `sentinelKillTimedoutScripts`, §8).
//!
//! The core only keeps the queue and its rules; the shell starts processes when asked with
//! [`Action::SpawnScript`], kills them on [`Action::KillScript`], and reports back with
//! `on_script_started` / `on_script_spawn_failed` / `on_script_exit`. Rules, as in Redis:
//! at most 256 queued jobs (the oldest waiting one is dropped), at most 16 running, each job
//! tried at most 10 times, exit code 1 or death by signal means "retry later" (30 s, 60 s,
//! 2 min, ...), and a script running over 60 s is killed (which counts as a signal death).

use super::types::{Action, Level, Millis};
use super::Sentinel;

/// `SENTINEL_SCRIPT_MAX_QUEUE`.
pub const SCRIPT_MAX_QUEUE: usize = 256;
/// `SENTINEL_SCRIPT_MAX_RUNNING`.
pub const SCRIPT_MAX_RUNNING: usize = 16;
/// `SENTINEL_SCRIPT_MAX_RETRY`: attempts in total, the first included.
pub const SCRIPT_MAX_RETRY: u32 = 10;

/// One queued or running script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptJob {
    pub id: u64,
    pub path: String,
    pub args: Vec<String>,
    /// Attempts made so far.
    pub retry_num: u32,
    pub state: ScriptState,
}

/// Where a script job is (Redis's `SENTINEL_SCRIPT_RUNNING` flag, `pid` and `start_time`,
/// whose meaning depends on the flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptState {
    /// Never run yet: it runs as soon as a slot is free.
    Queued,
    /// `SpawnScript` was emitted at `since` and the shell has not reported the outcome yet.
    /// Counts as running (for the 16-process cap, and so the queue never drops it).
    Starting { since: Millis },
    /// The process `pid` runs since `started`; `kill_sent` once the runtime limit was hit and
    /// `KillScript` emitted (so the timeout is reported once).
    Running { pid: u32, started: Millis, kill_sent: bool },
    /// The last attempt failed with exit 1 or a signal: the next one is not before `at`.
    RetryPending { at: Millis },
}

impl ScriptJob {
    /// Running or being started: the slot is taken.
    pub fn is_running(&self) -> bool {
        matches!(self.state, ScriptState::Starting { .. } | ScriptState::Running { .. })
    }

    /// The running process, once the shell reported it started.
    pub fn pid(&self) -> Option<u32> {
        match self.state {
            ScriptState::Running { pid, .. } => Some(pid),
            _ => None,
        }
    }

    /// Whether the job may start at `now`: not running, and not waiting for a retry.
    fn may_start(&self, now: Millis) -> bool {
        match self.state {
            ScriptState::Queued => true,
            ScriptState::RetryPending { at } => at <= now,
            ScriptState::Starting { .. } | ScriptState::Running { .. } => false,
        }
    }
}

/// FIFO of script jobs, oldest first.
#[derive(Clone, Debug, Default)]
pub struct ScriptQueue {
    pub jobs: Vec<ScriptJob>,
    pub next_id: u64,
}

impl ScriptQueue {
    /// Jobs holding a running slot (started or being started).
    pub fn running(&self) -> usize {
        self.jobs.iter().filter(|j| j.is_running()).count()
    }

    fn position(&self, job: u64) -> Option<usize> {
        self.jobs.iter().position(|j| j.id == job)
    }
}

/// `sentinelScriptRetryDelay`: the base delay doubled for every attempt after the first.
fn retry_delay(base: Millis, retry_num: u32) -> Millis {
    let doublings = retry_num.saturating_sub(1).min(40);
    base.saturating_mul(1u64 << doublings)
}

/// The path to give the process spawner for a configured script path. Redis starts scripts
/// with `execve(path, ...)`, which never searches `$PATH`: a path without `/` names a file in
/// the working directory, which is `dir`, where the config check (`access(path, X_OK)`) looked
/// too. Spawners that search `$PATH` for a bare name (`posix_spawnp`, Rust's `Command`) get
/// `./name`, so the file that was checked is the file that runs.
pub fn exec_path(path: &str) -> String {
    if path.contains('/') {
        path.to_string()
    } else {
        format!("./{}", path)
    }
}

impl Sentinel {
    /// Queue a script run (`sentinelScheduleScriptExecution`). Past 256 jobs, the oldest job
    /// that is not running is dropped to make room.
    pub(crate) fn schedule_script(&mut self, path: String, args: Vec<String>) {
        self.scripts.next_id += 1;
        let id = self.scripts.next_id;
        self.scripts.jobs.push(ScriptJob { id, path, args, retry_num: 0, state: ScriptState::Queued });
        if self.scripts.jobs.len() > SCRIPT_MAX_QUEUE {
            if let Some(pos) = self.scripts.jobs.iter().position(|j| !j.is_running()) {
                self.scripts.jobs.remove(pos);
            }
        }
    }

    /// Start waiting jobs, oldest first, while fewer than 16 run: each gets an attempt and a
    /// `SpawnScript` action. Jobs waiting for a retry are skipped until their time.
    pub fn run_pending_scripts(&mut self, now: Millis) {
        let mut running = self.scripts.running();
        let mut spawn = Vec::new();
        for job in self.scripts.jobs.iter_mut() {
            if running >= SCRIPT_MAX_RUNNING {
                break;
            }
            if !job.may_start(now) {
                continue;
            }
            job.state = ScriptState::Starting { since: now };
            job.retry_num += 1;
            running += 1;
            spawn.push(Action::SpawnScript {
                job: job.id,
                path: exec_path(&job.path),
                args: job.args.clone(),
            });
        }
        self.out.extend(spawn);
    }

    /// The shell started the process of `job`.
    pub fn on_script_started(&mut self, job: u64, pid: u32, now: Millis) {
        let Some(pos) = self.scripts.position(job) else {
            self.log(Level::Warning, format!("Started script job {} which is not in our scripts queue", job));
            return;
        };
        self.scripts.jobs[pos].state = ScriptState::Running { pid, started: now, kill_sent: false };
        self.event_raw(Level::Debug, "+script-child", pid.to_string());
    }

    /// The shell could not start the process of `job`: reported as Redis reports a fork
    /// failure (`-script-error <path> 99 0`). Unlike Redis, which retries a failed fork on the
    /// next tick forever, the job is dropped: a spawn here fails mostly because the path can't
    /// be executed, which Redis (an execve failure, exit 2) doesn't retry either.
    pub fn on_script_spawn_failed(&mut self, job: u64, _now: Millis) {
        let Some(pos) = self.scripts.position(job) else { return };
        let j = self.scripts.jobs.remove(pos);
        self.event_raw(Level::Warning, "-script-error", format!("{} 99 0", j.path));
    }

    /// The process of `job` ended with `exit_code`, or was killed by `signal`. Exit 1 or a
    /// signal is retried (if attempts remain) after 30 s * 2^(attempts-1); any other failure
    /// emits `-script-error <path> <signal> <exit>` and drops the job, as does success.
    pub fn on_script_exit(&mut self, job: u64, exit_code: Option<i32>, signal: Option<i32>, now: Millis) {
        let exit = exit_code.unwrap_or(0);
        let sig = signal.unwrap_or(0);
        let Some(pos) = self.scripts.position(job) else {
            self.log(
                Level::Warning,
                format!("Script job {} ended but we can't find it in our scripts execution queue!", job),
            );
            return;
        };
        let pid = self.scripts.jobs[pos].pid().unwrap_or(0);
        self.event_raw(Level::Debug, "-script-child", format!("{} {} {}", pid, exit, sig));
        let base = self.timings.script_retry_delay;
        let j = &mut self.scripts.jobs[pos];
        if (sig != 0 || exit == 1) && j.retry_num < SCRIPT_MAX_RETRY {
            j.state = ScriptState::RetryPending { at: now + retry_delay(base, j.retry_num) };
        } else {
            let j = self.scripts.jobs.remove(pos);
            if sig != 0 || exit != 0 {
                self.event_raw(Level::Warning, "-script-error", format!("{} {} {}", j.path, sig, exit));
            }
        }
    }

    /// Kill scripts running longer than the limit (`-script-timeout <path> <pid>`). The kill
    /// shows up later as a signal death, so the job is retried.
    pub fn kill_timedout_scripts(&mut self, now: Millis) {
        let limit = self.timings.script_max_runtime;
        let mut events = Vec::new();
        for j in self.scripts.jobs.iter_mut() {
            let ScriptState::Running { pid, started, ref mut kill_sent } = j.state else { continue };
            if !*kill_sent && now.saturating_sub(started) > limit {
                *kill_sent = true;
                events.push((format!("{} {}", j.path, pid), Action::KillScript { job: j.id, pid }));
            }
        }
        for (msg, kill) in events {
            self.event_raw(Level::Warning, "-script-timeout", msg);
            self.out.push(kill);
        }
    }
}
