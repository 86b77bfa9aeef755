//! Plain value types shared by the core and the shell.

use std::fmt;

/// Milliseconds on the shell's monotonic clock. The core never reads a clock; every entry point
/// takes `now`.
pub type Millis = u64;

/// Milliseconds from `t` to `now`; a time that never came (`None`) is infinitely long ago.
pub fn ms_since(now: Millis, t: Option<Millis>) -> Millis {
    t.map_or(Millis::MAX, |t| now.saturating_sub(t))
}

/// Stable identity of a monitored master for the lifetime of the process. Names can be removed
/// and re-added, ids never repeat, so a late reply can never reach the wrong master.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct MasterId(pub u64);

/// Identity of an outgoing link (one command connection plus, for masters and replicas, one
/// pub/sub connection). Links to peer sentinels are shared between masters, as in Redis.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct LinkId(pub u64);

/// The two connections a link may have.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Conn {
    Command,
    PubSub,
}

/// The kind of a monitored instance.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Kind {
    Master,
    Replica,
    Sentinel,
}

impl Kind {
    /// The word Redis uses in event messages and replies (`master`, `slave`, `sentinel`).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Master => "master",
            Kind::Replica => "slave",
            Kind::Sentinel => "sentinel",
        }
    }
}

/// The role an instance reports in its INFO output.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    Master,
    Slave,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Master => "master",
            Role::Slave => "slave",
        }
    }
}

/// Points at one instance inside the core.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum InstanceRef {
    Master(MasterId),
    /// A replica of the master, by its key (`ip:port` in announced form).
    Replica(MasterId, String),
    /// A peer sentinel watching the master, by run id.
    Sentinel(MasterId, String),
}

impl InstanceRef {
    pub fn master(&self) -> MasterId {
        match self {
            InstanceRef::Master(m) | InstanceRef::Replica(m, _) | InstanceRef::Sentinel(m, _) => *m,
        }
    }
}

/// A reply from a monitored instance, independent of the wire codec.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Reply {
    Status(String),
    Error(String),
    Integer(i64),
    Bulk(Vec<u8>),
    Null,
    Array(Vec<Reply>),
}

impl Reply {
    /// The text of a status or error reply (what Redis's `reply->str` holds for both).
    pub fn status_or_error_text(&self) -> Option<&str> {
        match self {
            Reply::Status(s) | Reply::Error(s) => Some(s),
            _ => None,
        }
    }
}

/// What the core wants done with the reply to a command it asked the shell to send.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ReplyTag {
    /// AUTH, CLIENT SETNAME, SLAVEOF transactions, SCRIPT KILL: Redis discards these replies.
    Discard,
    /// A PING to an instance (the link may be shared; the instance decides BUSY handling).
    Ping(InstanceRef),
    /// INFO to a master or replica.
    Info(InstanceRef),
    /// PUBLISH of a hello message to this instance.
    Hello(InstanceRef),
    /// SENTINEL is-master-down-by-addr asked of this peer about this master.
    IsMasterDown { master: MasterId, sentinel: String },
    /// The EXEC of a COORDINATED failover's `CLIENT UNPAUSE` transaction to the node at `addr`.
    Unpaused { master: MasterId, addr: Addr },
}

/// A command to send: the arguments, first one the (possibly renamed) command name.
pub type Command = Vec<Vec<u8>>;

/// Build a [`Command`] from string-like parts.
pub fn cmd<I, S>(parts: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<[u8]>,
{
    parts.into_iter().map(|p| p.as_ref().to_vec()).collect()
}

/// Log levels, as Redis's LL_* constants; events carry one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Level {
    Debug,
    Verbose,
    Notice,
    Warning,
}

impl Level {
    /// The character Redis prints in log lines for this level.
    pub fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning => '#',
        }
    }
}

/// An action the core asks the shell to carry out, in order.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Action {
    /// Open one connection of a link and pipeline `init` on it right away (AUTH, CLIENT
    /// SETNAME, then PING on a command connection or SUBSCRIBE on a pub/sub one). Each
    /// init command's reply comes back with its tag, like [`Action::Send`]. Messages arriving on
    /// a pub/sub connection are delivered with `Sentinel::on_pubsub_message`.
    Connect { link: LinkId, conn: Conn, ip: String, port: u16, init: Vec<(Command, ReplyTag)> },
    /// Send a command on the link's command connection; deliver the reply with its tag.
    Send { link: LinkId, cmd: Command, tag: ReplyTag },
    /// Close one connection of a link (the link itself stays; it reconnects later).
    Close { link: LinkId, conn: Conn },
    /// The link is gone for good (its last user was removed): close both connections.
    DropLink { link: LinkId },
    /// An event: log it at `level` (as `<kind> <msg>`) and, unless it is a debug event,
    /// publish `msg` on the local pub/sub channel named `kind`.
    Event { level: Level, kind: String, msg: String },
    /// A plain log line (not an event).
    Log { level: Level, msg: String },
    /// Rewrite the config file now (before carrying out the actions after this one).
    FlushConfig,
    /// Start a script process; report its start and end with `Input::ScriptStarted` and
    /// `Input::ScriptExited`.
    SpawnScript { job: u64, path: String, args: Vec<String> },
    /// Kill a running script (SIGKILL), unless it has already been reaped.
    KillScript { job: u64, pid: u32 },
    /// The outcome of a client command ([`crate::core::input::Input::Command`]). `flushed` says
    /// whether the command queued a config rewrite of its own: the shell releases the reply
    /// only once that rewrite is durable, and tells the client when it failed.
    Reply { req: crate::core::input::RequestId, outcome: crate::core::input::CommandOutcome, flushed: bool },
    /// Resolve `host` (resolve-hostnames) and hand the answer back as `Input::Resolved`.
    Resolve { host: String },
    /// Exit the process with this code (SENTINEL SIMULATE-FAILURE).
    Exit { code: i32 },
}

/// An `ip:port` pair plus the hostname it was given as; see Sentinel's `sentinelAddr`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Addr {
    pub hostname: String,
    pub ip: String,
    pub port: u16,
}

impl Addr {
    pub fn new(hostname: impl Into<String>, ip: impl Into<String>, port: u16) -> Addr {
        Addr { hostname: hostname.into(), ip: ip.into(), port }
    }

    /// An address given as an IP literal (hostname and ip are the same text).
    pub fn ip(ip: impl Into<String>, port: u16) -> Addr {
        let ip = ip.into();
        Addr { hostname: ip.clone(), ip, port }
    }

    /// Mirrors `sentinelAddrOrHostnameEqual`: same port, and same ip or same hostname
    /// (case-insensitive). An ip not known yet (a name still being resolved, or that does not
    /// resolve, is kept with an empty ip) equals nothing: with resolve-hostnames, every
    /// unresolved address on the same port would otherwise be "the same", and the config
    /// rewrite would write one replica per such address at the master's address, a
    /// `Duplicate hostname and port for replica.` that stops the next start.
    pub fn same_as(&self, other: &Addr) -> bool {
        self.port == other.port
            && ((!self.ip.is_empty() && self.ip == other.ip)
                || self.hostname.eq_ignore_ascii_case(&other.hostname))
    }
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ip.contains(':') {
            write!(f, "[{}]:{}", self.ip, self.port)
        } else {
            write!(f, "{}:{}", self.ip, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Addr;

    #[test]
    fn unresolved_addresses_are_equal_only_by_name() {
        let a = Addr::new("redis-replica-1", "", 6379);
        let b = Addr::new("redis-replica-2", "", 6379);
        assert!(!a.same_as(&b));
        assert!(a.same_as(&Addr::new("REDIS-REPLICA-1", "", 6379)));
        assert!(Addr::new("x", "10.0.0.1", 6379).same_as(&Addr::new("y", "10.0.0.1", 6379)));
        assert!(!Addr::new("x", "10.0.0.1", 6379).same_as(&Addr::new("x", "10.0.0.1", 6380)));
    }

    /// A sentinel with resolve-hostnames whose names are not resolved yet (or no longer
    /// resolve: a dead container) writes each replica once, at its own address.
    #[test]
    fn unresolved_replicas_are_written_each_at_its_own_address() {
        use crate::config::{KnownReplica, MasterConfig, SentinelConfig};
        let replica = |h: &str| KnownReplica { host: h.into(), port: 6379 };
        let cfg = SentinelConfig {
            myid: Some("a".repeat(40)),
            resolve_hostnames: true,
            announce_hostnames: true,
            masters: vec![MasterConfig {
                name: "mymaster".into(),
                host: "redis-master".into(),
                port: 6379,
                quorum: 2,
                known_replicas: vec![replica("redis-replica-1"), replica("redis-replica-2")],
                ..MasterConfig::default()
            }],
            ..SentinelConfig::default()
        };
        let s =
            crate::core::Sentinel::new(&cfg, crate::core::Settings::default(), 1_000_000, 1).expect("valid");
        let mut written: Vec<String> =
            s.to_config().masters[0].known_replicas.iter().map(|r| r.host.clone()).collect();
        written.sort();
        assert_eq!(written, ["redis-replica-1", "redis-replica-2"]);
    }
}
