//! The handle every task shares (mini-redis's `Db` idea): the core behind a mutex, the clock,
//! the local pub/sub broker, the outgoing links, and the config file.
//!
//! All work on the core goes through [`Handle::with_core`], which runs a closure on the core and
//! then carries out the actions it queued, in order. A config flush is done synchronously before
//! any later action, so a vote is on disk before the reply that announces it leaves.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use crate::config::model::ServerConfig;
use crate::config::SentinelConfig;
use crate::core::{Action, Level, MasterId, Millis, Sentinel};
use crate::monitor::LinkRegistry;
use crate::server::pubsub::Broker;

/// The handle's clock reading at the moment it is built; build the core with this `now`.
/// Not 0, because 0 means "never" in the core's timestamps.
pub const CLOCK_START: Millis = 1_000_000;

/// Why a config flush failed (logged; clients get `-ERR Failed to save config file...`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FlushError(pub String);

/// Static facts about this process, for INFO server.
#[derive(Clone, Debug)]
pub struct ProcessInfo {
    /// The 40-hex run id of this process (INFO's run_id; distinct from the sentinel myid).
    pub run_id: String,
    pub executable: String,
    pub config_file: PathBuf,
    pub tcp_port: u16,
}

/// State shared by all tasks.
pub struct Shared {
    pub core: Mutex<Sentinel>,
    start: Instant,
    pub broker: Broker,
    pub links: LinkRegistry,
    /// The generic settings as loaded; the rewrite writes them back.
    pub server_config: Mutex<ServerConfig>,
    pub process: ProcessInfo,
    /// Set to true to ask the whole process to shut down (SHUTDOWN, SIGTERM).
    pub shutdown: watch::Sender<bool>,
    /// Work only the daemon's supervisor can do (start tasks, spawn processes).
    requests: mpsc::UnboundedSender<DaemonRequest>,
}

/// Requests from action execution to the daemon's supervisor loop.
#[derive(Debug)]
pub enum DaemonRequest {
    /// Start the monitor task of a master.
    StartMonitor(MasterId),
    /// Spawn a script process and report its end to the core.
    SpawnScript { job: u64, path: String, args: Vec<String> },
}

/// Cheap to clone; every task holds one.
#[derive(Clone)]
pub struct Handle(pub Arc<Shared>);

impl Handle {
    /// Build the handle; the receiver gets the requests the daemon's supervisor must serve
    /// (tests that run no supervisor may drop it).
    pub fn new(
        core: Sentinel,
        links: LinkRegistry,
        server_config: ServerConfig,
        process: ProcessInfo,
    ) -> (Handle, mpsc::UnboundedReceiver<DaemonRequest>) {
        let (shutdown, _) = watch::channel(false);
        let (requests, rx) = mpsc::unbounded_channel();
        let h = Handle(Arc::new(Shared {
            core: Mutex::new(core),
            start: Instant::now(),
            broker: Broker::default(),
            links,
            server_config: Mutex::new(server_config),
            process,
            shutdown,
            requests,
        }));
        (h, rx)
    }

    /// Milliseconds on the process's monotonic clock.
    pub fn now(&self) -> Millis {
        CLOCK_START + self.0.start.elapsed().as_millis() as Millis
    }

    pub fn broker(&self) -> &Broker {
        &self.0.broker
    }

    /// Run `f` on the core with the current time, then carry out the actions it queued.
    ///
    /// The clock is read after the lock is taken: read before, a task that waited for the lock
    /// would hand the core an older time than the task that held it, and the core's TILT check
    /// (Redis's `sentinelCheckTiltCondition`) would see the clock going backwards.
    pub fn with_core<R>(&self, f: impl FnOnce(&mut Sentinel, Millis) -> R) -> R {
        let (r, actions, snapshot) = {
            let mut core = self.0.core.lock().unwrap_or_else(|e| e.into_inner());
            let now = self.now();
            let r = f(&mut core, now);
            let actions = core.drain_actions();
            let snapshot = actions.iter().any(|a| matches!(a, Action::FlushConfig)).then(|| core.to_config());
            (r, actions, snapshot)
        };
        self.execute(actions, snapshot);
        r
    }

    /// Read the core without running anything.
    pub fn read_core<R>(&self, f: impl FnOnce(&Sentinel, Millis) -> R) -> R {
        let core = self.0.core.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.now();
        f(&core, now)
    }

    /// Rewrite the config file with the current state (SENTINEL FLUSHCONFIG, SET, MONITOR ...).
    pub fn flush_config(&self) -> Result<(), FlushError> {
        let snapshot = self.read_core(|c, _| c.to_config());
        self.write_config(&snapshot)
    }

    fn write_config(&self, state: &SentinelConfig) -> Result<(), FlushError> {
        let server = self.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match crate::config::save(&self.0.process.config_file, &server, state) {
            Ok(()) => {
                tracing::info!("Sentinel new configuration saved on disk");
                Ok(())
            }
            Err(e) => {
                tracing::warn!(
                    "WARNING: Sentinel was not able to save the new configuration on disk!!!: {}",
                    e
                );
                Err(FlushError(e.to_string()))
            }
        }
    }

    /// Carry out the core's actions in order.
    fn execute(&self, actions: Vec<Action>, mut snapshot: Option<SentinelConfig>) {
        for a in actions {
            match a {
                Action::Connect { link, conn, ip, port, init } => {
                    self.0.links.connect(link, conn, &ip, port, init)
                }
                Action::Send { link, cmd, tag } => self.0.links.send(link, cmd, tag),
                Action::Close { link, conn } => self.0.links.close(link, conn),
                Action::DropLink { link } => self.0.links.drop_link(link),
                Action::Event { level, kind, msg } => {
                    super::logging::log_event(level, &kind, &msg);
                    if level != Level::Debug {
                        self.0.broker.publish(kind.as_bytes(), msg.as_bytes());
                    }
                }
                Action::Log { level, msg } => log_line(level, &msg),
                // The snapshot is the state after the whole closure, so the first flush covers
                // every later one of the same batch: write it once.
                Action::FlushConfig => {
                    if let Some(s) = snapshot.take() {
                        let _ = self.write_config(&s);
                    }
                }
                Action::SpawnScript { job, path, args } => {
                    let _ = self.0.requests.send(DaemonRequest::SpawnScript { job, path, args });
                }
                Action::KillScript { pid, .. } => {
                    // SAFETY: kill(2) on a pid we spawned; no memory is touched.
                    unsafe {
                        libc::kill(pid as libc::pid_t, libc::SIGKILL);
                    }
                }
                Action::StartMonitor { master } => {
                    let _ = self.0.requests.send(DaemonRequest::StartMonitor(master));
                }
                Action::Exit { code } => std::process::exit(code),
            }
        }
    }

    /// Ask the process to shut down (saves the config first, as Redis's sentinel does on
    /// SIGTERM).
    pub fn request_shutdown(&self) {
        let _ = self.0.shutdown.send(true);
    }
}

/// Log at a core level through tracing.
pub fn log_line(level: Level, msg: &str) {
    match level {
        Level::Debug => tracing::debug!("{}", msg),
        Level::Verbose => tracing::debug!("{}", msg),
        Level::Notice => tracing::info!("{}", msg),
        Level::Warning => tracing::warn!("{}", msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SentinelConfig;

    fn handle() -> Handle {
        let process = ProcessInfo {
            run_id: "0".repeat(40),
            executable: "rsentinel".into(),
            config_file: "/nonexistent/rsentinel.conf".into(),
            tcp_port: 26379,
        };
        let core = Sentinel::new(&SentinelConfig::default(), Default::default(), CLOCK_START, 3)
            .expect("empty config");
        let (links, _events) = LinkRegistry::new();
        Handle::new(core, links, ServerConfig::default(), process).0
    }

    /// Every monitor task, the link dispatcher and every client go through `with_core`; the
    /// times they hand the core must never go backwards, or the TILT check fires with no stall.
    #[test]
    fn concurrent_callers_never_hand_the_core_an_older_time() {
        let h = handle();
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let h = h.clone();
                std::thread::spawn(move || {
                    let start = std::time::Instant::now();
                    while start.elapsed() < std::time::Duration::from_millis(300) {
                        h.with_core(|c, now| {
                            assert!(now >= c.previous_time, "time went back: {now} < {}", c.previous_time);
                            c.check_tilt(now);
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("no thread saw the time go back");
        }
        assert!(!h.read_core(|c, _| c.tilt), "TILT entered without any stall");
    }
}
