//! The core task: the one owner of the Sentinel core. It waits on a `select!` over the link
//! events, the input queue (client commands, script and resolver results), the config
//! writer's reports and one `sleep_until(next_deadline)`, feeds what arrives into the core, and
//! carries out the core's actions in the order the core emitted them.
//!
//! Ordering and durability (raft-rs's `Ready`/`advance`): a `FlushConfig` action becomes a
//! numbered snapshot for the config writer thread, and every action after it waits until that
//! snapshot is reported on disk. So a vote reply, a hello with a new epoch or a
//! `+switch-master` never leaves before the state that decided it is durable, and link
//! commands of two batches never interleave. If the write fails, the failure is logged and
//! counted, replies that needed it say so (the server turns that into Redis's error, and a
//! vote is not announced), and the vote requests and hellos that would have announced the
//! unsaved state are dropped.
//!
//! After a batch the core task publishes the read model (a clone of the core) when a command
//! was answered, or when somebody read the model since it was last published and either an
//! event or a rewrite was queued or a link connected or closed since then, or
//! [`READ_MODEL_PERIOD`] has passed (only timestamps moved). A change nobody has read yet only
//! marks the model behind ([`Handle::mark_behind`]); a reader then asks for a new one and waits
//! for it ([`Handle::ensure_current`]). Either happens before any of the batch's actions leave:
//! no client sees state older than a reply or event it received, and a sentinel nobody asks
//! clones nothing.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::config_writer::{ConfigWriter, Snapshot, WriteReport};
use super::scripts::ScriptRunner;
use crate::core::input::{Input, RequestId};
use crate::core::{Action, Level, Millis, ReplyTag, Sentinel};
use crate::handle::{CommandReply, CoreMsg, Durability, Handle, READ_MODEL_PERIOD};
use crate::metrics::recorder::Observer;
use crate::monitor::link::{LinkEvent, LinkEvents};
use crate::monitor::LinkRegistry;
use crate::server::pubsub::Broker;

/// How many link events are fed to the core per wakeup.
const EVENT_BATCH: usize = 256;
/// How many queued client commands and inputs are fed per wakeup.
const INPUT_BATCH: usize = 64;

/// An action waiting for the snapshot `wait` to be durable.
struct Gated {
    wait: u64,
    action: Action,
}

/// The core and everything the core task needs to carry out its actions.
pub struct CoreTask {
    core: Sentinel,
    h: Handle,
    links: LinkRegistry,
    broker: Arc<Broker>,
    writer: ConfigWriter,
    scripts: ScriptRunner,
    /// The last snapshot handed to the writer, and the last one reported written.
    last_seq: u64,
    durable_seq: u64,
    gated: VecDeque<Gated>,
    replies: HashMap<RequestId, oneshot::Sender<CommandReply>>,
    /// Inputs produced while carrying out actions (script starts), fed before anything else.
    local_inputs: VecDeque<Input>,
    last_publish: Millis,
    /// Publish after this batch whoever reads: a command was answered (its client reads next,
    /// and commands are rare), or nothing was published yet.
    publish_now: bool,
    /// Something a client could see changed since the last publish (see
    /// [`Handle::mark_behind`]); published once somebody reads.
    changed: bool,
    /// Counts, for the metrics endpoint, what the actions and link events show (failovers,
    /// events, reconnections); it only reads them.
    metrics: Observer,
}

impl CoreTask {
    pub fn new(
        core: Sentinel,
        h: Handle,
        links: LinkRegistry,
        broker: Arc<Broker>,
        writer: ConfigWriter,
    ) -> CoreTask {
        let scripts = ScriptRunner::new(h.clone());
        let metrics = Observer::new(h.0.metrics.clone());
        CoreTask {
            core,
            h,
            links,
            broker,
            writer,
            scripts,
            last_seq: 0,
            durable_seq: 0,
            gated: VecDeque::new(),
            replies: HashMap::new(),
            local_inputs: VecDeque::new(),
            last_publish: 0,
            publish_now: true,
            changed: false,
            metrics,
        }
    }

    /// Run until shutdown; returns the core for the final save.
    pub async fn run(
        mut self,
        mut link_events: LinkEvents,
        mut inputs: mpsc::Receiver<CoreMsg>,
        mut reports: mpsc::UnboundedReceiver<WriteReport>,
    ) -> Sentinel {
        let mut shutdown = self.h.0.shutdown.subscribe();
        let shared = self.h.clone();
        let mut events = Vec::with_capacity(EVENT_BATCH);
        let mut msgs = Vec::with_capacity(INPUT_BATCH);
        // The core's start-up actions (connections, the first ticks, `+monitor` events).
        let now = self.h.now();
        self.core.handle_timeout(now);
        self.after_batch(now);
        loop {
            while let Some(input) = self.local_inputs.pop_front() {
                let now = self.h.now();
                self.core.handle(input, now);
                self.after_batch(now);
            }
            let deadline = self.h.instant_at(self.core.next_deadline());
            tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                Some(report) = reports.recv() => self.on_write_report(report),
                n = link_events.recv_many(&mut events, EVENT_BATCH) => {
                    if n == 0 {
                        break;
                    }
                    let now = self.h.now();
                    for ev in events.drain(..) {
                        if matches!(ev, LinkEvent::Connected { .. } | LinkEvent::Closed { .. }) {
                            // Link state shows in replies (the `disconnected` flag), as Redis's
                            // replies would show it at once.
                            self.changed = true;
                        }
                        self.metrics.link_event(&ev);
                        self.core.handle(link_input(ev), now);
                    }
                }
                n = inputs.recv_many(&mut msgs, INPUT_BATCH) => {
                    if n == 0 {
                        break;
                    }
                    let now = self.h.now();
                    for msg in msgs.drain(..) {
                        self.on_msg(msg, now);
                    }
                }
                _ = shared.0.fresh_wanted.notified() => {}
                _ = tokio::time::sleep_until(deadline) => {
                    crate::handle::fail_stop::test_panic_point("core");
                    let now = self.h.now();
                    self.core.handle_timeout(now);
                }
            }
            let now = self.h.now();
            self.after_batch(now);
        }
        self.core
    }

    fn on_msg(&mut self, msg: CoreMsg, now: Millis) {
        match msg {
            CoreMsg::Input(input) => self.core.handle(input, now),
            CoreMsg::Command { req, cmd, reply } => {
                self.replies.insert(req, reply);
                self.core.handle(Input::Command { req, cmd }, now);
            }
        }
    }

    /// Publish the read model if due, then carry out the batch's actions.
    fn after_batch(&mut self, now: Millis) {
        let actions = self.core.drain_actions();
        // Counted when emitted (with the batch's clock), not when carried out: durations
        // then do not include the wait for a config write.
        self.metrics.actions(&self.core, &actions, now);
        // A connection being opened is not a change: what clients would see is a link
        // "connecting" for the few milliseconds until the link reports in (and that report is
        // one). A peer's hello PUBLISHed to us is an input, not a command: it shows only
        // through what it changes (a new peer, a new epoch or a switch emit an event; a newer
        // `last-hello-message` is a time, republished while someone reads).
        let answers_client = |a: &Action| matches!(a, Action::Reply { .. });
        let changes = |a: &Action| matches!(a, Action::Event { .. } | Action::FlushConfig);
        if actions.iter().any(answers_client) {
            self.publish_now = true;
        }
        if actions.iter().any(changes) {
            self.changed = true;
        }
        // Events and link changes are published when somebody reads, not at once: a sentinel
        // nobody asks clones nothing, however many events it emits (+fix-slave-config every
        // failover-timeout for hundreds of names, CLIENT KILL cutting links). Readers learn
        // that the model is behind before any action of this batch reaches them.
        let was_read = self.h.read_model_was_read();
        let stale = now.saturating_sub(self.last_publish) >= READ_MODEL_PERIOD && was_read;
        if self.publish_now || (self.changed && was_read) || stale {
            self.h.publish_read_model(self.core.clone());
            self.last_publish = now;
            self.publish_now = false;
            self.changed = false;
        } else if self.changed {
            self.h.mark_behind();
        }
        for action in actions {
            if let Action::FlushConfig = action {
                self.submit_snapshot();
                continue;
            }
            if self.last_seq > self.durable_seq || !self.gated.is_empty() {
                self.gated.push_back(Gated { wait: self.last_seq, action });
            } else {
                self.execute(action, true);
            }
        }
    }

    /// Hand the writer a snapshot of the state as it is now (which includes everything decided
    /// so far in this batch).
    fn submit_snapshot(&mut self) {
        self.last_seq += 1;
        let snap =
            Snapshot { seq: self.last_seq, server: self.h.server_config(), state: self.core.to_config() };
        if !self.writer.submit(snap) {
            // The writer thread only ends with the process; treat it as a failed write.
            self.on_write_report(WriteReport { seq: self.last_seq, ok: false });
        }
    }

    /// The writer finished a snapshot: release what waited for it, in order.
    fn on_write_report(&mut self, report: WriteReport) {
        if report.ok {
            self.h.0.config_writes.fetch_add(1, Ordering::Relaxed);
        } else {
            self.h.0.config_write_failures.fetch_add(1, Ordering::Relaxed);
        }
        self.durable_seq = self.durable_seq.max(report.seq);
        while self.gated.front().is_some_and(|g| g.wait <= report.seq) {
            let g = self.gated.pop_front().expect("front exists");
            self.execute(g.action, report.ok);
        }
    }

    /// Carry out one action. `durable` is false when the snapshot it waited for failed.
    fn execute(&mut self, action: Action, durable: bool) {
        match action {
            Action::Connect { link, conn, ip, port, init } => self.links.connect(link, conn, &ip, port, init),
            Action::Send { link, cmd, tag } => {
                let announces = matches!(tag, ReplyTag::Hello(_) | ReplyTag::IsMasterDown { .. });
                if durable || !announces {
                    self.links.send(link, cmd, tag);
                }
            }
            Action::Close { link, conn } => self.links.close(link, conn),
            Action::DropLink { link } => self.links.drop_link(link),
            Action::Event { level, kind, msg } => {
                crate::handle::logging::log_event(level, &kind, &msg);
                if level != Level::Debug {
                    self.broker.publish(kind.as_bytes(), msg.as_bytes());
                }
            }
            Action::Log { level, msg } => log_line(level, &msg),
            Action::FlushConfig => self.submit_snapshot(),
            Action::Reply { req, outcome, flushed } => {
                let durability = match (flushed, durable) {
                    (false, _) => Durability::NotNeeded,
                    (true, true) => Durability::Durable,
                    (true, false) => Durability::WriteFailed,
                };
                if let Some(tx) = self.replies.remove(&req) {
                    let _ = tx.send(CommandReply { outcome, durability });
                }
            }
            Action::Resolve { host } => {
                let h = self.h.clone();
                tokio::spawn(async move {
                    let ip = crate::handle::resolve(&host).await;
                    h.input(Input::Resolved { host, ip }).await;
                });
            }
            Action::SpawnScript { job, path, args } => {
                let pid = self.scripts.spawn(job, &path, &args);
                self.local_inputs.push_back(Input::ScriptStarted { job, pid });
            }
            Action::KillScript { job, .. } => self.scripts.kill(job),
            Action::Exit { code } => std::process::exit(code),
        }
    }
}

/// A link event as a core input.
fn link_input(ev: LinkEvent) -> Input {
    match ev {
        LinkEvent::Connected { link, conn, local_ip } => Input::LinkUp { link, conn, local_ip },
        LinkEvent::Reply { link, tag, reply, .. } => Input::Reply { link, tag, reply },
        LinkEvent::Message { link, channel, payload } => Input::PubSubMessage { link, channel, payload },
        LinkEvent::PubSubActivity { link } => Input::PubSubActivity { link },
        LinkEvent::Closed { link, conn, error } => {
            tracing::debug!("link {:?} {:?} closed: {}", link, conn, error);
            Input::LinkClosed { link, conn }
        }
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

/// A running core task: the handle clients use, the pub/sub broker it publishes events into,
/// and the task, which hands the core back when the process shuts down.
pub struct Running {
    pub h: Handle,
    pub broker: Arc<Broker>,
    pub done: tokio::task::JoinHandle<Sentinel>,
}

/// Start the core task and the config writer for `core` (inside a tokio runtime). This is what
/// the daemon runs; tests run it too, with a [`ConfigStore`](super::config_writer::ConfigStore)
/// of their own.
pub fn start(
    core: Sentinel,
    server: crate::config::model::ServerConfig,
    process: crate::handle::ProcessInfo,
    store: impl super::config_writer::ConfigStore,
    links: (LinkRegistry, LinkEvents),
) -> Running {
    let (h, inputs) = Handle::new(&core, server, process);
    let broker = Arc::new(Broker::default());
    let (writer, reports) = ConfigWriter::start(store);
    let task = CoreTask::new(core, h.clone(), links.0, broker.clone(), writer);
    let done = tokio::spawn(task.run(links.1, inputs, reports));
    Running { h, broker, done }
}

#[cfg(test)]
mod tests {
    use std::sync::{Condvar, Mutex};
    use std::time::Duration;

    use super::*;
    use crate::config::model::ServerConfig;
    use crate::config::{MasterConfig, SentinelConfig};
    use crate::core::input::{ClientCommand, CommandOutcome};
    use crate::daemon::config_writer::ConfigStore;
    use crate::handle::ProcessInfo;

    const PEER: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    /// What the fake disk saw, and a gate that holds writes back while closed.
    #[derive(Default)]
    struct Disk {
        /// (current-epoch, leader-epoch of m) of every snapshot written, in write order.
        written: Mutex<Vec<(u64, u64)>>,
        open: Mutex<bool>,
        opened: Condvar,
        fail: Mutex<bool>,
    }

    struct FakeStore(Arc<Disk>);

    impl ConfigStore for FakeStore {
        fn write(&mut self, _: &ServerConfig, state: &SentinelConfig) -> Result<(), String> {
            let mut open = self.0.open.lock().unwrap();
            while !*open {
                open = self.0.opened.wait(open).unwrap();
            }
            if *self.0.fail.lock().unwrap() {
                return Err("disk full".into());
            }
            let leader_epoch = state.masters.first().map_or(0, |m| m.leader_epoch);
            self.0.written.lock().unwrap().push((state.current_epoch, leader_epoch));
            Ok(())
        }
    }

    impl Disk {
        fn set_open(&self, open: bool) {
            *self.open.lock().unwrap() = open;
            self.opened.notify_all();
        }
    }

    fn start_with(disk: &Arc<Disk>) -> Running {
        let cfg = SentinelConfig {
            myid: Some("a".repeat(40)),
            masters: vec![MasterConfig {
                name: "m".into(),
                host: "127.0.0.1".into(),
                port: 1,
                quorum: 2,
                down_after_ms: 600_000,
                ..MasterConfig::default()
            }],
            ..SentinelConfig::default()
        };
        let core = Sentinel::new(&cfg, Default::default(), 0, 7).unwrap();
        let process = ProcessInfo {
            run_id: "0".repeat(40),
            executable: "rsentinel".into(),
            config_file: "/nonexistent".into(),
            tcp_port: 0,
        };
        start(core, ServerConfig::default(), process, FakeStore(disk.clone()), LinkRegistry::new())
    }

    fn vote(epoch: u64) -> ClientCommand {
        ClientCommand::IsMasterDownByAddr { ip: "127.0.0.1".into(), port: 1, epoch, runid: PEER.into() }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_vote_reply_waits_until_its_snapshot_is_on_disk() {
        let disk = Arc::new(Disk::default());
        let running = start_with(&disk);
        let h = running.h.clone();
        let pending = tokio::spawn(async move { h.command(vote(5)).await });
        // The disk is stuck: no reply, however long we wait.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!pending.is_finished(), "the vote was announced before it was saved");
        assert!(disk.written.lock().unwrap().is_empty());
        disk.set_open(true);
        let reply = tokio::time::timeout(Duration::from_secs(5), pending).await.unwrap().unwrap().unwrap();
        match reply.outcome {
            CommandOutcome::MasterDown(r) => assert_eq!((r.leader.as_str(), r.leader_epoch), (PEER, 5)),
            other => panic!("{:?}", other),
        }
        assert_eq!(reply.durability, Durability::Durable);
        let written = disk.written.lock().unwrap().clone();
        assert_eq!(written.last(), Some(&(5, 5)), "the vote and its epoch were on disk first: {:?}", written);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_vote_whose_snapshot_fails_is_not_announced_as_saved() {
        let disk = Arc::new(Disk::default());
        *disk.fail.lock().unwrap() = true;
        disk.set_open(true);
        let running = start_with(&disk);
        let reply = running.h.command(vote(3)).await.unwrap();
        assert_eq!(reply.durability, Durability::WriteFailed);
        // The vote queues two rewrites (the new epoch, then the vote); the writer may take them
        // together or one by one, so one or two failures are counted.
        let failures = running.h.0.config_write_failures.load(Ordering::Relaxed);
        assert!((1..=2).contains(&failures), "{failures} failed writes counted");
        // The disk heals: the next decision is saved and announced.
        *disk.fail.lock().unwrap() = false;
        let reply = running.h.command(vote(4)).await.unwrap();
        assert_eq!(reply.durability, Durability::Durable);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn snapshots_land_in_order_under_concurrent_commands() {
        let disk = Arc::new(Disk::default());
        disk.set_open(true);
        let running = start_with(&disk);
        let mut tasks = Vec::new();
        for epoch in 1..=50u64 {
            let h = running.h.clone();
            tasks.push(tokio::spawn(async move {
                let cmd = if epoch % 3 == 0 { ClientCommand::FlushConfig } else { vote(epoch) };
                h.command(cmd).await.unwrap()
            }));
        }
        for t in tasks {
            let reply = t.await.unwrap();
            assert_ne!(reply.durability, Durability::WriteFailed);
        }
        let written = disk.written.lock().unwrap().clone();
        assert!(!written.is_empty());
        assert!(
            written.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1),
            "an older snapshot overwrote a newer one: {:?}",
            written
        );
        let max = written.iter().map(|w| w.0).max().unwrap();
        assert_eq!(written.last().unwrap().0, max, "the last write holds the newest epoch");
    }

    /// Link changes (here: connections to a master that refuses them, every second) do not
    /// republish the read model while nobody reads it; a reader finds it behind, asks, and
    /// gets a model that shows them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn unread_changes_are_published_when_a_reader_asks() {
        let disk = Arc::new(Disk::default());
        disk.set_open(true);
        let running = start_with(&disk);
        let h = running.h.clone();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !h.read_model_is_behind(false) {
            assert!(tokio::time::Instant::now() < deadline, "no change was left unpublished");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Nobody reads: failed reconnections (one per second) publish nothing.
        let version = h.read_model_version();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(h.read_model_version(), version, "changes nobody read were published");
        assert!(h.read_model_is_behind(false));
        tokio::time::timeout(Duration::from_secs(5), h.ensure_current(false)).await.unwrap();
        assert!(h.read_model_version() > version, "the reader got no new model");
        let reconnections = h.read_core(|c, _| c.links.values().map(|l| l.last_reconn_time).max().flatten());
        assert!(reconnections.is_some(), "the new model shows the reconnections");
    }
}
