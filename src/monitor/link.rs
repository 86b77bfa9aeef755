//! Outgoing links: one tokio task per connection (command or pub/sub) to a monitored
//! instance. The tasks only move bytes: every reply, pub/sub message and connection drop goes
//! back to the daemon as a [`LinkEvent`] for the core to judge.
//!
//! The core decides everything about a link's life (when to connect, when to give up on a
//! connection, how many commands may be pending: Sentinel's cap is 100 per link user, enforced
//! in the core, which is why the queue into a task can be unbounded). The queue out of the
//! tasks is bounded ([`EVENT_QUEUE`]): a task with an event the daemon has no room for waits
//! and stops reading its socket, so a flood of pub/sub messages (every hello on a server
//! reaches every subscribed link) backs up into the kernel and the server, as it would for
//! Redis's single-threaded sentinel, instead of into this process's memory. The registry only keeps
//! one task per `(link, conn)` and makes sure that, once the core has closed or replaced a
//! connection, nothing that connection says reaches the daemon any more: every task carries a
//! generation number and [`LinkEvents::recv`] drops events from generations that are no longer
//! current.

mod decode;
mod repeated_hellos;
mod task;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::runtime::Handle as Runtime;
use tokio::sync::mpsc::{self, Receiver, Sender, UnboundedSender};
use tokio::task::AbortHandle;

#[cfg(any(test, fuzzing))]
pub use decode::encode_reply;
pub use decode::{encode_command, DecodeError, Limits, ReplyDecoder, MAX_REPLY_BYTES};

use crate::core::{Command, Conn, LinkId, Reply, ReplyTag};
use crate::tls::Tls;

/// How long a TCP connect (and the TLS handshake, with `tls-replication`) may take before the
/// connection is reported closed. The core retries no more often than once per second, so a
/// black-holed address costs one pending task at most.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How many events may wait for the daemon. Enough for every connection of a large sentinel
/// to have a reply in flight without waiting; small enough that a reply never queues behind
/// more than a millisecond or so of the daemon's work.
pub const EVENT_QUEUE: usize = 4096;

/// What a link task reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// The connection is up (TCP, and the TLS handshake when links use TLS); `local_ip` is
    /// our side's address (used in hellos).
    Connected { link: LinkId, conn: Conn, local_ip: String },
    /// A reply to a command sent with `tag`, in send order.
    Reply { link: LinkId, conn: Conn, tag: ReplyTag, reply: Reply },
    /// A `message` on the pub/sub connection.
    Message { link: LinkId, channel: Vec<u8>, payload: Vec<u8> },
    /// Anything else that arrived on the pub/sub connection (subscribe confirmations).
    PubSubActivity { link: LinkId },
    /// The connection failed or dropped; the core decides when to reconnect.
    Closed { link: LinkId, conn: Conn, error: String },
}

/// An event as a task sends it: tagged with the connection and its generation.
#[derive(Debug)]
struct Envelope {
    link: LinkId,
    conn: Conn,
    gen: u64,
    event: LinkEvent,
}

/// One live connection task.
struct Entry {
    gen: u64,
    /// `None` on a pub/sub connection (nothing is sent on it after its init commands).
    commands: Option<UnboundedSender<(Command, ReplyTag)>>,
    /// `None` only when no tokio runtime was available to spawn the task.
    task: Option<AbortHandle>,
}

impl Entry {
    fn stop(self) {
        if let Some(t) = self.task {
            t.abort();
        }
    }
}

/// The connections the registry currently stands behind; shared with [`LinkEvents`].
#[derive(Default)]
struct Table {
    conns: HashMap<(LinkId, Conn), Entry>,
    next_gen: u64,
}

fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|e| e.into_inner())
}

/// The set of live link tasks, addressed by link and connection. All methods are synchronous
/// and never block on the network; they are meant to be called from inside a tokio runtime.
pub struct LinkRegistry {
    table: Arc<Mutex<Table>>,
    events: Sender<Envelope>,
    connect_timeout: Duration,
    /// The runtime `new` was called in, used when `connect` is called from outside one.
    runtime: Option<Runtime>,
    /// With `tls-replication yes`: every connection runs a TLS handshake first.
    tls: Option<Arc<Tls>>,
    /// Our sentinel id: pub/sub messages that contain it are our own hellos echoed back, which
    /// the core drops anyway (`sentinelReceiveHelloMessages`); the link tasks drop them before
    /// they cost an event, reporting only the activity, at most every
    /// [`task::OWN_HELLO_ACTIVITY_PERIOD`].
    own_id: std::sync::OnceLock<Arc<[u8]>>,
    /// Hellos seen lately by any pub/sub connection: later copies are dropped by the tasks.
    repeated_hellos: Arc<repeated_hellos::RepeatedHellos>,
}

/// The receiving end of the registry's events, for the daemon's event loop.
pub struct LinkEvents {
    table: Arc<Mutex<Table>>,
    rx: Receiver<Envelope>,
    /// Envelopes taken from `rx` and not yet filtered (reused between batches).
    received: Vec<Envelope>,
}

impl LinkRegistry {
    /// A registry with the default connect deadline, and the stream of its events.
    pub fn new() -> (LinkRegistry, LinkEvents) {
        LinkRegistry::with_connect_timeout(DEFAULT_CONNECT_TIMEOUT)
    }

    pub fn with_connect_timeout(connect_timeout: Duration) -> (LinkRegistry, LinkEvents) {
        let (events, rx) = mpsc::channel(EVENT_QUEUE);
        let table = Arc::new(Mutex::new(Table::default()));
        let registry = LinkRegistry {
            table: table.clone(),
            events,
            connect_timeout,
            runtime: Runtime::try_current().ok(),
            tls: None,
            own_id: std::sync::OnceLock::new(),
            repeated_hellos: Arc::default(),
        };
        (registry, LinkEvents { table, rx, received: Vec::new() })
    }

    /// Make every connection opened from now on use TLS (`tls-replication yes`).
    pub fn use_tls(&mut self, tls: Arc<Tls>) {
        self.tls = Some(tls);
    }

    /// Open `conn` of `link` to `ip:port` and pipeline `init` on it. A connection already open
    /// for the same `(link, conn)` is replaced and never reports again.
    ///
    /// On a command connection every init reply comes back tagged. On a pub/sub connection the
    /// last init command must be the SUBSCRIBE: the replies before it are tagged, and what
    /// follows (the subscribe confirmation, messages) arrives as `PubSubActivity` / `Message`.
    pub fn connect(&self, link: LinkId, conn: Conn, ip: &str, port: u16, init: Vec<(Command, ReplyTag)>) {
        let (commands, commands_rx) = match conn {
            Conn::Command => {
                let (tx, rx) = mpsc::unbounded_channel();
                (Some(tx), Some(rx))
            }
            Conn::PubSub => (None, None),
        };
        let mut table = lock(&self.table);
        table.next_gen += 1;
        let gen = table.next_gen;
        let task = task::ConnTask {
            link,
            conn,
            gen,
            ip: ip.to_string(),
            port,
            init,
            connect_timeout: self.connect_timeout,
            tls: self.tls.clone(),
            own_id: self.own_id.get().cloned(),
            repeated_hellos: self.repeated_hellos.clone(),
            last_own_activity: None,
            read_at: std::time::Instant::now(),
            events: self.events.clone(),
            commands: commands_rx,
        };
        let spawned = match Runtime::try_current().ok().or_else(|| self.runtime.clone()) {
            Some(rt) => Some(rt.spawn(task.run()).abort_handle()),
            None => {
                // Only reachable from a program without a tokio runtime; report it as a failed
                // connection so the core's reconnection logic stays in charge (without waiting:
                // the caller may be the daemon itself, the queue's only reader).
                let error = "no tokio runtime to run the link".to_string();
                let event = LinkEvent::Closed { link, conn, error };
                let _ = self.events.try_send(Envelope { link, conn, gen, event });
                None
            }
        };
        if let Some(old) = table.conns.insert((link, conn), Entry { gen, commands, task: spawned }) {
            old.stop();
        }
    }

    /// Tell the links our sentinel id (see `own_id`); set once, before the first connection.
    pub fn set_own_id(&self, myid: &str) {
        let _ = self.own_id.set(Arc::from(myid.as_bytes()));
    }

    /// Send on the link's command connection. Dropped silently if the link has no command
    /// connection (never connected, closed, or failed: the core learns that from `Closed`).
    pub fn send(&self, link: LinkId, cmd: Command, tag: ReplyTag) {
        let table = lock(&self.table);
        if let Some(entry) = table.conns.get(&(link, Conn::Command)) {
            // A send error means the task already ended; its `Closed` is on the way.
            if let Some(commands) = &entry.commands {
                let _ = commands.send((cmd, tag));
            }
        }
    }

    /// Close one connection of a link. No event of that connection is delivered afterwards.
    pub fn close(&self, link: LinkId, conn: Conn) {
        let removed = lock(&self.table).conns.remove(&(link, conn));
        if let Some(entry) = removed {
            entry.stop();
        }
    }

    /// Close both connections and forget the link.
    pub fn drop_link(&self, link: LinkId) {
        let mut table = lock(&self.table);
        for conn in [Conn::Command, Conn::PubSub] {
            if let Some(entry) = table.conns.remove(&(link, conn)) {
                entry.stop();
            }
        }
    }

    /// How many connections the registry currently stands behind (open or opening).
    pub fn connection_count(&self) -> usize {
        lock(&self.table).conns.len()
    }
}

impl Drop for LinkRegistry {
    fn drop(&mut self) {
        for (_, entry) in lock(&self.table).conns.drain() {
            entry.stop();
        }
    }
}

impl LinkEvents {
    /// The next event of a connection the registry still stands behind. Events from
    /// connections closed, dropped or replaced since they were produced are skipped, and a
    /// `Closed` event retires its connection (later `send`s to it are dropped).
    ///
    /// Returns `None` once the registry is dropped and every task has ended.
    pub async fn recv(&mut self) -> Option<LinkEvent> {
        loop {
            let envelope = self.rx.recv().await?;
            if let Some(event) = Self::admit(&mut lock(&self.table), envelope) {
                return Some(event);
            }
        }
    }

    /// Like [`LinkEvents::recv`], for up to `limit` events at once: waits for at least one,
    /// appends to `out` what is already queued, and returns how many it appended (0 once the
    /// registry is dropped and every task has ended). One wakeup and one look at the table
    /// per batch is what lets one daemon task keep up with thousands of connections.
    pub async fn recv_many(&mut self, out: &mut Vec<LinkEvent>, limit: usize) -> usize {
        let limit = limit.max(1);
        loop {
            self.received.clear();
            if self.rx.recv_many(&mut self.received, limit).await == 0 {
                return 0;
            }
            let mut table = lock(&self.table);
            let before = out.len();
            for envelope in self.received.drain(..) {
                if let Some(event) = Self::admit(&mut table, envelope) {
                    out.push(event);
                }
            }
            if out.len() > before {
                return out.len() - before;
            }
        }
    }

    /// The event, if its connection is still the registry's current one for its key.
    fn admit(table: &mut Table, envelope: Envelope) -> Option<LinkEvent> {
        let key = (envelope.link, envelope.conn);
        match table.conns.get(&key) {
            Some(entry) if entry.gen == envelope.gen => {}
            _ => return None,
        }
        if matches!(envelope.event, LinkEvent::Closed { .. }) {
            table.conns.remove(&key);
        }
        Some(envelope.event)
    }
}
