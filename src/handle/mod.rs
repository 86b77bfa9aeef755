//! What the server and the daemon share (mini-redis's `Db` idea), below both: the clock, the
//! read model, the way into the core task, the process facts and the shutdown signal.
//!
//! Nothing here locks the core: the core is owned by one task (`daemon::core_task`). Client
//! commands that only read state read the **read model**, a snapshot of the core that the core
//! task publishes after its batches ([`Handle::read_core`]); commands that change state (and
//! peers' vote requests) travel to the core task as [`ClientCommand`]s and wait for their
//! outcome ([`Handle::command`]), which the core task releases only once whatever the command
//! persisted is on disk.

pub mod fail_stop;
pub mod logging;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::model::ServerConfig;
use crate::core::input::{ClientCommand, CommandOutcome, Input, RequestId};
use crate::core::{Millis, Sentinel};

/// The longest the read model lags behind the core while clients read it (only timestamps can
/// be older: anything else a client could see is published before a client reads it).
pub const READ_MODEL_PERIOD: Millis = 100;

/// How long a reader waits for a fresh read model before answering from the one it has.
const FRESH_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// How many inputs from clients, scripts and the resolver may wait for the core task. A
/// sender waits when it is full (back-pressure), it never buffers without bound.
pub const INPUT_QUEUE: usize = 1024;

/// Static facts about this process, for INFO server.
#[derive(Clone, Debug)]
pub struct ProcessInfo {
    /// The 40-hex run id of this process (INFO's run_id; distinct from the sentinel myid).
    pub run_id: String,
    pub executable: String,
    pub config_file: PathBuf,
    pub tcp_port: u16,
}

/// Whether what a command persisted reached the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// The command persisted nothing of its own.
    NotNeeded,
    /// Its config rewrite is on disk.
    Durable,
    /// Its config rewrite failed (logged and counted): the client gets Redis's error, and a
    /// vote is not announced.
    WriteFailed,
}

/// A command's outcome, once it may be told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandReply {
    pub outcome: CommandOutcome,
    pub durability: Durability,
}

/// A message for the core task.
#[derive(Debug)]
pub enum CoreMsg {
    Input(Input),
    /// A client command: its reply goes to `reply` (keyed in the core by `req`).
    Command {
        req: RequestId,
        cmd: ClientCommand,
        reply: oneshot::Sender<CommandReply>,
    },
}

/// State shared by all tasks.
pub struct Shared {
    start: Instant,
    read_model: ArcSwap<Sentinel>,
    /// Set by readers: the read model was read since it was last published.
    read_since_publish: std::sync::atomic::AtomicBool,
    /// Set by the core task: something a client could see changed since the read model was
    /// published (an event, a link up or down, a config change), and the new model is not
    /// published yet. Readers then ask for it and wait (see [`Handle::ensure_current`]).
    behind: std::sync::atomic::AtomicBool,
    /// When the read model was published (core clock), and a version that readers waiting for
    /// a fresh one watch.
    published_at: AtomicU64,
    published: watch::Sender<u64>,
    /// Wakes the core task when a reader wants a fresh read model.
    pub fresh_wanted: tokio::sync::Notify,
    inputs: mpsc::Sender<CoreMsg>,
    next_req: AtomicU64,
    /// The generic settings as loaded; the rewrite writes them back.
    pub server_config: Mutex<ServerConfig>,
    pub process: ProcessInfo,
    /// Set to true to ask the whole process to shut down (SHUTDOWN, SIGTERM).
    pub shutdown: watch::Sender<bool>,
    /// Config rewrites that failed, and those that reached the disk (the metrics show them).
    pub config_write_failures: AtomicU64,
    pub config_writes: AtomicU64,
    /// The counters and histograms the core task keeps for the metrics endpoint.
    pub metrics: Arc<crate::metrics::recorder::Recorder>,
}

/// Cheap to clone; every task holds one.
#[derive(Clone)]
pub struct Handle(pub Arc<Shared>);

/// Why a command got no reply: the core task is gone (the process is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the sentinel is shutting down")]
pub struct CoreGone;

impl Handle {
    /// Build the handle around the first read model (the core as loaded); the receiver is the
    /// core task's input.
    pub fn new(
        core: &Sentinel,
        server_config: ServerConfig,
        process: ProcessInfo,
    ) -> (Handle, mpsc::Receiver<CoreMsg>) {
        Self::with_clock_start(core, server_config, process, Instant::now())
    }

    /// [`Handle::new`] with a clock that reads 0 at `start` (tests start it in the past, to
    /// show times that are seconds old).
    pub(crate) fn with_clock_start(
        core: &Sentinel,
        server_config: ServerConfig,
        process: ProcessInfo,
        start: Instant,
    ) -> (Handle, mpsc::Receiver<CoreMsg>) {
        let (shutdown, _) = watch::channel(false);
        let (inputs, rx) = mpsc::channel(INPUT_QUEUE);
        let h = Handle(Arc::new(Shared {
            start,
            read_model: ArcSwap::from_pointee(core.clone()),
            read_since_publish: std::sync::atomic::AtomicBool::new(false),
            behind: std::sync::atomic::AtomicBool::new(false),
            published_at: AtomicU64::new(0),
            published: watch::channel(0).0,
            fresh_wanted: tokio::sync::Notify::new(),
            inputs,
            next_req: AtomicU64::new(1),
            server_config: Mutex::new(server_config),
            process,
            shutdown,
            config_write_failures: AtomicU64::new(0),
            config_writes: AtomicU64::new(0),
            metrics: Arc::default(),
        }));
        (h, rx)
    }

    /// Milliseconds on the process's monotonic clock, which reads 0 when the handle is built
    /// (build the core with `now` = 0, right before the handle).
    pub fn now(&self) -> Millis {
        self.0.start.elapsed().as_millis() as Millis
    }

    /// Answer from the read model: the core as of the end of the core task's latest batch.
    /// Never waits for monitoring.
    pub fn read_core<R>(&self, f: impl FnOnce(&Sentinel, Millis) -> R) -> R {
        let snapshot = self.read_model();
        f(&snapshot, self.now())
    }

    /// The read model itself, for replies encoded while reading it (see [`Handle::read_core`];
    /// take the clock with [`Handle::now`] after loading it).
    pub fn read_model(&self) -> arc_swap::Guard<Arc<Sentinel>> {
        let snapshot = self.0.read_model.load();
        if !self.0.read_since_publish.load(Ordering::Relaxed) {
            self.0.read_since_publish.store(true, Ordering::Relaxed);
        }
        snapshot
    }

    /// Publish a new read model (the core task does this after its batches).
    pub fn publish_read_model(&self, core: Sentinel) {
        self.0.read_since_publish.store(false, Ordering::Relaxed);
        self.0.read_model.store(Arc::new(core));
        // After the store: a reader that finds `behind` clear loads this model or a newer one.
        self.0.behind.store(false, Ordering::SeqCst);
        self.0.published_at.store(self.now(), Ordering::Relaxed);
        self.0.published.send_modify(|v| *v += 1);
    }

    /// The core task changed something a client could see and has not published it yet (it
    /// publishes when somebody reads: see [`Handle::ensure_current`]). Called before the
    /// batch's actions are carried out, so a client that received an event of the batch
    /// finds the flag set.
    pub fn mark_behind(&self) {
        self.0.behind.store(true, Ordering::SeqCst);
    }

    /// Whether a reader must wait for a newer read model: something visible changed since
    /// it was published, or, for replies that show times (`times`), it is older than
    /// [`READ_MODEL_PERIOD`]. One or two atomic loads: the connection checks it before every
    /// request.
    pub fn read_model_is_behind(&self, times: bool) -> bool {
        self.0.behind.load(Ordering::SeqCst) || (times && self.read_model_is_stale())
    }

    /// Whether the read model is older than [`READ_MODEL_PERIOD`] (one atomic load: the
    /// connection checks it before every reply that shows times).
    pub fn read_model_is_stale(&self) -> bool {
        self.now().saturating_sub(self.0.published_at.load(Ordering::Relaxed)) > READ_MODEL_PERIOD
    }

    /// Before a reply from the read model: when it is behind ([`Handle::read_model_is_behind`]:
    /// a visible change not yet published, or, for replies that show times relative to now
    /// (SENTINEL MASTERS, REPLICAS, ...; their command specs say so), older than
    /// [`READ_MODEL_PERIOD`] because nobody read it lately), ask the core task for a new one
    /// and wait for it (briefly; the core task publishes after its next batch). Then read with
    /// [`Handle::read_core`] or [`Handle::read_model`].
    pub async fn ensure_current(&self, times: bool) {
        if !self.read_model_is_behind(times) {
            return;
        }
        let mut version = self.0.published.subscribe();
        // Checked again once subscribed: a publish from now on wakes us, and one that happened
        // before cleared the flag.
        if !self.read_model_is_behind(times) {
            return;
        }
        self.0.read_since_publish.store(true, Ordering::SeqCst);
        self.0.fresh_wanted.notify_one();
        let _ = tokio::time::timeout(FRESH_WAIT, version.changed()).await;
    }

    /// How many read models were published so far.
    pub fn read_model_version(&self) -> u64 {
        *self.0.published.borrow()
    }

    /// Whether anyone read the read model since it was last published (when nobody reads,
    /// no change is worth publishing).
    pub fn read_model_was_read(&self) -> bool {
        self.0.read_since_publish.load(Ordering::Relaxed)
    }

    /// Run a client command in the core task and wait for its outcome, which arrives after
    /// everything the core did before it and once what it persisted is durable.
    pub async fn command(&self, cmd: ClientCommand) -> Result<CommandReply, CoreGone> {
        let (reply, rx) = oneshot::channel();
        let req = self.0.next_req.fetch_add(1, Ordering::Relaxed);
        self.0.inputs.send(CoreMsg::Command { req, cmd, reply }).await.map_err(|_| CoreGone)?;
        rx.await.map_err(|_| CoreGone)
    }

    /// Hand the core task an input (script and resolver results); waits while the queue is
    /// full.
    pub async fn input(&self, input: Input) {
        let _ = self.0.inputs.send(CoreMsg::Input(input)).await;
    }

    /// A copy of the generic settings.
    pub fn server_config(&self) -> ServerConfig {
        self.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Ask the process to shut down (saves the config first, as Redis's sentinel does on
    /// SIGTERM).
    pub fn request_shutdown(&self) {
        let _ = self.0.shutdown.send(true);
    }
}

impl Handle {
    /// The tokio instant of a core time (for `sleep_until(next_deadline)`).
    pub fn instant_at(&self, at: Millis) -> tokio::time::Instant {
        let offset = std::time::Duration::from_millis(at);
        tokio::time::Instant::from_std(self.0.start + offset)
    }
}

/// A test hook: every lookup first waits this many milliseconds, to prove that a slow DNS
/// server stalls nothing but the lookup itself.
pub const TEST_DNS_DELAY_VAR: &str = "RSENTINEL_TEST_DNS_DELAY_MS";

/// How long a DNS lookup may take before the name counts as unresolved for now.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Resolve a hostname without blocking a runtime worker (tokio's resolver runs getaddrinfo on
/// its blocking pool); IPv4 addresses are preferred, as a sentinel on an IPv4 network expects.
pub async fn resolve(host: &str) -> Option<String> {
    if let Some(ms) = std::env::var(TEST_DNS_DELAY_VAR).ok().and_then(|v| v.parse().ok()) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let lookup = tokio::net::lookup_host((host, 0u16));
    let addrs: Vec<std::net::SocketAddr> =
        tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await.ok()?.ok()?.collect();
    addrs.iter().find(|a| a.is_ipv4()).or_else(|| addrs.first()).map(|a| a.ip().to_string())
}
