//! Monitored instances (masters, replicas, peer sentinels) and their links, mirroring
//! Sentinel's `sentinelRedisInstance` and `instanceLink`.

use std::collections::BTreeMap;

use super::types::{Addr, InstanceRef, Kind, LinkId, MasterId, Millis, Role};

/// Instance flags, in the order Redis prints them in the `flags` field (§2.3).
pub mod flags {
    pub const S_DOWN: u32 = 1 << 0;
    pub const O_DOWN: u32 = 1 << 1;
    pub const MASTER_DOWN: u32 = 1 << 2;
    /// Shown only: derived from [`Master::failover`](super::Master::failover) by
    /// [`Master::shown_flags`](super::Master::shown_flags), never stored in `Instance::flags`.
    pub const FAILOVER_IN_PROGRESS: u32 = 1 << 3;
    pub const PROMOTED: u32 = 1 << 4;
    pub const RECONF_SENT: u32 = 1 << 5;
    pub const RECONF_INPROG: u32 = 1 << 6;
    pub const RECONF_DONE: u32 = 1 << 7;
    /// Shown only, like [`FAILOVER_IN_PROGRESS`]: a SENTINEL FAILOVER is running.
    pub const FORCE_FAILOVER: u32 = 1 << 8;
    pub const SCRIPT_KILL_SENT: u32 = 1 << 9;
    pub const MASTER_REBOOT: u32 = 1 << 10;
    /// Shown only, like [`FAILOVER_IN_PROGRESS`]: Valkey 9.0's `SRI_COORD_FAILOVER`, the
    /// failover in progress is a `SENTINEL FAILOVER <name> COORDINATED` (see
    /// `core::coordinated`).
    pub const COORD_FAILOVER: u32 = 1 << 11;
    /// The bits derived from the failover state.
    pub const FROM_FAILOVER: u32 = FAILOVER_IN_PROGRESS | FORCE_FAILOVER | COORD_FAILOVER;
}

/// A failover of ours in progress, from `sentinelStartFailover` to the switch
/// (`sentinelFailoverSwitchToPromotedSlave`) or the abort; a master without one has
/// `Master::failover == None` (Redis's `SENTINEL_FAILOVER_STATE_NONE` with
/// `SRI_FAILOVER_IN_PROGRESS` clear).
///
/// What Redis keeps in separate fields of the master, kept consistent by hand (the state, when
/// it was entered, the epoch, the promoted replica, the `SRI_FAILOVER_IN_PROGRESS`,
/// `SRI_FORCE_FAILOVER` and `SRI_COORD_FAILOVER` flags), exists here only while a failover
/// runs, and the promoted replica only in the states that have one. The flags printed by
/// SENTINEL MASTER are derived from it ([`Failover::flag_bits`]).
///
/// Two things outlive a failover and stay on [`Master`]: `failover_start_time`, which the
/// next attempt waits 2 x failover-timeout from (and which a vote for another sentinel sets
/// without any failover of ours), with `failover_delay_logged`; and the nodes still owed the
/// end of a COORDINATED failover's write pause ([`OwedUnpause`]), which must reach the old
/// master after the switch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failover {
    /// `failover_epoch`: the epoch the failover started in, then the one its election was won
    /// in; the promoted master's config epoch.
    pub epoch: u64,
    pub kind: FailoverKind,
    pub state: FailoverState,
    /// `failover_state_change_time`: when `state` was entered.
    pub state_change_time: Millis,
}

impl Failover {
    /// A failover entering WAIT_START at `now`.
    pub fn new(epoch: u64, kind: FailoverKind, now: Millis) -> Failover {
        Failover { epoch, kind, state: FailoverState::WaitStart, state_change_time: now }
    }

    /// Move to `state`, which starts now.
    pub fn enter(&mut self, state: FailoverState, now: Millis) {
        self.state = state;
        self.state_change_time = now;
    }

    /// The failover's bits of the master's `flags` field: `failover_in_progress`, plus
    /// `force_failover` or `coordinated_failover` by kind.
    pub fn flag_bits(&self) -> u32 {
        flags::FAILOVER_IN_PROGRESS
            | match self.kind {
                FailoverKind::Elected => 0,
                FailoverKind::Forced => flags::FORCE_FAILOVER,
                FailoverKind::Coordinated => flags::COORD_FAILOVER,
            }
    }
}

/// How a failover was started.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FailoverKind {
    /// The master is ODOWN: the failover goes on only once we are elected.
    Elected,
    /// SENTINEL FAILOVER (`SRI_FORCE_FAILOVER`): no election needed.
    Forced,
    /// `SENTINEL FAILOVER <name> COORDINATED` (Valkey 9.0's `SRI_COORD_FAILOVER`): elected,
    /// and the old master hands over itself (see `core::coordinated`).
    Coordinated,
}

/// The failover state machine's states (`sentinelFailoverStateStr`), with what each one
/// needs: from SEND_SLAVEOF_NOONE on, the key of the replica being promoted (Redis's
/// `promoted_slave`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FailoverState {
    WaitStart,
    SelectSlave,
    SendSlaveofNoone {
        promoted: String,
    },
    /// `pause_until`: a COORDINATED failover's `CLIENT PAUSE ... WRITE` on the old master ends
    /// by itself at this time (None: no pause was sent, as in any other failover).
    WaitPromotion {
        promoted: String,
        pause_until: Option<Millis>,
    },
    ReconfSlaves {
        promoted: String,
    },
    UpdateConfig {
        promoted: String,
    },
}

impl FailoverState {
    /// The name SENTINEL MASTER's `failover-state` shows.
    pub fn as_str(&self) -> &'static str {
        match self {
            FailoverState::WaitStart => "wait_start",
            FailoverState::SelectSlave => "select_slave",
            FailoverState::SendSlaveofNoone { .. } => "send_slaveof_noone",
            FailoverState::WaitPromotion { .. } => "wait_promotion",
            FailoverState::ReconfSlaves { .. } => "reconf_slaves",
            FailoverState::UpdateConfig { .. } => "update_config",
        }
    }

    /// The key of the replica being promoted, once one is selected.
    pub fn promoted(&self) -> Option<&String> {
        match self {
            FailoverState::WaitStart | FailoverState::SelectSlave => None,
            FailoverState::SendSlaveofNoone { promoted }
            | FailoverState::WaitPromotion { promoted, .. }
            | FailoverState::ReconfSlaves { promoted }
            | FailoverState::UpdateConfig { promoted } => Some(promoted),
        }
    }

    /// Whether the promotion was seen (RECONF_SLAVES or UPDATE_CONFIG): the failover can no
    /// longer be aborted, and the promoted replica is the master's current address.
    pub fn promotion_seen(&self) -> bool {
        matches!(self, FailoverState::ReconfSlaves { .. } | FailoverState::UpdateConfig { .. })
    }
}

/// One outgoing link: a command connection and, for masters and replicas, a pub/sub connection.
/// Links to peer sentinels are shared by every master that peer watches (`refcount`).
#[derive(Clone, Debug)]
pub struct Link {
    pub id: LinkId,
    pub refcount: u32,
    /// Whether the connections exist (set when the core asks to connect, cleared when one drops).
    pub cc: bool,
    pub pc: bool,
    /// Whether the shell reported the connections established (`Input::LinkUp`).
    pub cc_up: bool,
    pub pc_up: bool,
    /// Peer sentinels have no pub/sub connection.
    pub needs_pc: bool,
    pub pending_commands: u32,
    pub cc_conn_time: Millis,
    pub pc_conn_time: Millis,
    pub pc_last_activity: Millis,
    /// When the oldest unanswered PING was sent; None once a valid reply arrived.
    pub act_ping_time: Option<Millis>,
    /// When the last PING was sent (None: none since the link was made or reset).
    pub last_ping_time: Option<Millis>,
    /// Last acceptable PING reply.
    pub last_avail_time: Millis,
    /// Last PING reply of any kind.
    pub last_pong_time: Millis,
    /// The last (re)connection attempt; None: none yet, or the next one may go at once.
    pub last_reconn_time: Option<Millis>,
    /// Whether the link answered a PING since its last (re)connection attempt, i.e. its
    /// connections worked (see `Sentinel::on_conn_closed`).
    pub answered_since_reconnect: bool,
    /// A connection the server had accepted was closed before the link answered: it may be
    /// re-opened without waiting for the ping period, if the last such early retry
    /// (`early_retry_time`) is a ping period old (see `Sentinel::on_conn_closed`).
    pub early_retry: bool,
    pub early_retry_time: Option<Millis>,
    /// Our local address on the command connection, reported by the shell once connected;
    /// used as the hello's sentinel IP when announce-ip is unset.
    pub local_ip: Option<String>,
}

impl Link {
    /// `link->disconnected`: a needed connection is missing (one being opened counts as
    /// present, as in Redis, whose connects are asynchronous too).
    pub fn disconnected(&self) -> bool {
        !(self.cc && (self.pc || !self.needs_pc))
    }

    /// The `disconnected` flag replies show: also while a connection is still being opened.
    /// Redis's window between asking for a connection and learning it was refused is a single
    /// event-loop turn; rsentinel's is a few milliseconds, so replies say what is established.
    pub fn shown_disconnected(&self) -> bool {
        self.disconnected() || !self.cc_up || (self.needs_pc && !self.pc_up)
    }

    /// Mirrors `createInstanceLink`: the timers start at `now`, so an instance that never
    /// accepts a connection still goes SDOWN after down-after.
    pub fn new(id: LinkId, needs_pc: bool, now: Millis) -> Link {
        Link {
            id,
            refcount: 1,
            cc: false,
            pc: false,
            cc_up: false,
            pc_up: false,
            needs_pc,
            pending_commands: 0,
            cc_conn_time: 0,
            pc_conn_time: 0,
            pc_last_activity: 0,
            act_ping_time: Some(now),
            last_ping_time: None,
            last_avail_time: now,
            last_pong_time: now,
            last_reconn_time: None,
            answered_since_reconnect: false,
            early_retry: false,
            early_retry_time: None,
            local_ip: None,
        }
    }
}

/// Fields shared by all three kinds of instance.
#[derive(Clone, Debug)]
pub struct Instance {
    pub kind: Kind,
    /// Master name, replica `ip:port`, or sentinel run id.
    pub name: String,
    pub addr: Addr,
    /// Run id, once known (always known for sentinels).
    pub runid: Option<String>,
    pub flags: u32,
    pub link: LinkId,
    pub down_after: Millis,
    /// When the last SDOWN / ODOWN began (None: never; kept when it ends, Redis's "no down
    /// for" test uses them).
    pub s_down_since_time: Option<Millis>,
    pub o_down_since_time: Option<Millis>,
    /// When a hello was last published to it; None: one is due at once
    /// (`force_hello_update`).
    pub last_pub_time: Option<Millis>,
    pub last_hello_time: Millis,
    pub last_master_down_reply_time: Millis,
    /// When we last asked this peer is-master-down-by-addr (rsentinel addition: Redis re-asks
    /// a silent peer on every tick, §12; we re-ask once per ask period).
    pub last_master_down_ask_time: Option<Millis>,
    /// The last INFO text (for SENTINEL INFO-CACHE) and when it arrived (None = never).
    /// Shared, so that publishing the read model does not copy every INFO text.
    pub info: Option<std::sync::Arc<str>>,
    pub info_refresh: Option<Millis>,
    pub role_reported: Role,
    pub role_reported_time: Millis,
    pub slave_conf_change_time: Millis,
    // Replica fields (from the replica's INFO).
    /// `master_link_down_since_seconds * 1000`; Redis reports -1 s when never connected.
    pub master_link_down_time: i64,
    pub slave_master_host: Option<String>,
    pub slave_master_port: u16,
    pub slave_master_link_up: bool,
    pub slave_priority: i64,
    pub slave_repl_offset: u64,
    pub replica_announced: bool,
    /// When a failover sent it SLAVEOF (None: not timed, as the best-effort SLAVEOF at a
    /// failover's timeout).
    pub slave_reconf_sent_time: Option<Millis>,
    /// The `master_failover_state` of its INFO (`no-failover`, `waiting-for-sync`,
    /// `failover-in-progress`; redis-server 6.2+ and Valkey report it), `None` while it never
    /// reported one; and when it last changed (Valkey 9.0 reads both for COORDINATED failovers).
    pub node_failover_state: Option<String>,
    pub node_failover_state_time: Millis,
    // Sentinel fields: the vote this peer reported to us.
    pub leader: Option<String>,
    pub leader_epoch: u64,
}

impl Instance {
    /// Mirrors the initial values of `createSentinelRedisInstance`.
    pub fn new(
        kind: Kind,
        name: String,
        addr: Addr,
        link: LinkId,
        down_after: Millis,
        now: Millis,
    ) -> Instance {
        Instance {
            kind,
            name,
            addr,
            runid: None,
            flags: 0,
            link,
            down_after,
            s_down_since_time: None,
            o_down_since_time: None,
            last_pub_time: Some(now),
            last_hello_time: now,
            last_master_down_reply_time: now,
            last_master_down_ask_time: None,
            info: None,
            info_refresh: None,
            role_reported: if kind == Kind::Replica { Role::Slave } else { Role::Master },
            role_reported_time: now,
            slave_conf_change_time: now,
            master_link_down_time: 0,
            slave_master_host: None,
            slave_master_port: 0,
            slave_master_link_up: false,
            slave_priority: 100,
            slave_repl_offset: 0,
            replica_announced: true,
            slave_reconf_sent_time: None,
            node_failover_state: None,
            node_failover_state_time: now,
            leader: None,
            leader_epoch: 0,
        }
    }

    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }

    /// The node's INFO shows a FAILOVER of its own under way (a `master_failover_state` other
    /// than `no-failover`).
    pub fn node_failover_running(&self) -> bool {
        self.node_failover_state.as_deref().is_some_and(|s| s != "no-failover")
    }
}

/// The end of a COORDINATED failover's write pause, owed to the nodes it paused until each
/// answers its `CLIENT UNPAUSE` transaction or the pause has run out by itself (see
/// `core::coordinated`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwedUnpause {
    /// When the `CLIENT PAUSE ... WRITE` sent with the `FAILOVER` ends by itself.
    pub pause_until: Millis,
    /// The nodes that have not answered yet.
    pub nodes: Vec<UnpauseOwed>,
}

/// A node that still owes us the answer to its end-of-failover `CLIENT UNPAUSE` transaction
/// (see `core::coordinated`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnpauseOwed {
    pub addr: Addr,
    /// The command connection it was last sent on: the link and that connection's connect
    /// time. A reconnect since means it may never have run, and it is sent again.
    pub sent_on: Option<(LinkId, Millis)>,
}

impl Master {
    /// The master's own instance, then its replicas', then its sentinels'.
    pub fn instances_mut(&mut self) -> impl Iterator<Item = &mut Instance> {
        std::iter::once(&mut self.inst)
            .chain(self.replicas.values_mut().map(|b| &mut **b))
            .chain(self.sentinels.values_mut().map(|b| &mut **b))
    }

    /// The references to the replicas and then the sentinels, in key order, for a tick: the
    /// ones `cached` holds if they still are the members, else new ones.
    pub fn tick_members(&self, mut cached: Vec<InstanceRef>) -> Vec<InstanceRef> {
        let replicas = self.replicas.keys().map(|k| (true, k));
        let sentinels = self.sentinels.keys().map(|k| (false, k));
        let current = cached.len() == self.replicas.len() + self.sentinels.len()
            && cached.iter().zip(replicas.chain(sentinels)).all(|(r, (replica, key))| match r {
                InstanceRef::Replica(m, k) => replica && *m == self.id && k == key,
                InstanceRef::Sentinel(m, k) => !replica && *m == self.id && k == key,
                InstanceRef::Master(_) => false,
            });
        if !current {
            cached.clear();
            cached.extend(self.replicas.keys().map(|k| InstanceRef::Replica(self.id, k.clone())));
            cached.extend(self.sentinels.keys().map(|k| InstanceRef::Sentinel(self.id, k.clone())));
        }
        cached
    }

    /// The master's `flags` as SENTINEL MASTER shows them: its instance flags plus those of the
    /// failover in progress, if any.
    pub fn shown_flags(&self) -> u32 {
        debug_assert_eq!(self.inst.flags & flags::FROM_FAILOVER, 0, "derived bits are never stored");
        self.inst.flags | self.failover.as_ref().map_or(0, Failover::flag_bits)
    }

    /// Whether a failover of ours is in progress (`SRI_FAILOVER_IN_PROGRESS`).
    pub fn failover_in_progress(&self) -> bool {
        self.failover.is_some()
    }

    /// Whether the failover in progress is of this kind.
    pub fn failover_is(&self, kind: FailoverKind) -> bool {
        self.failover.as_ref().is_some_and(|f| f.kind == kind)
    }

    /// The state of the failover in progress, if any.
    pub fn failover_state(&self) -> Option<&FailoverState> {
        self.failover.as_ref().map(|f| &f.state)
    }

    /// `sentinelFailoverStateStr` of the master's state: `none` without a failover.
    pub fn failover_state_str(&self) -> &'static str {
        self.failover_state().map_or("none", FailoverState::as_str)
    }

    /// The key of the replica the failover in progress promotes, once one is selected.
    pub fn promoted_slave(&self) -> Option<&String> {
        self.failover_state()?.promoted()
    }

    /// The master's state as INFO's `masterN:` line shows it (`status=`): `odown`, `sdown` or
    /// `ok`.
    pub fn status_word(&self) -> &'static str {
        if self.inst.has(flags::O_DOWN) {
            "odown"
        } else if self.inst.has(flags::S_DOWN) {
            "sdown"
        } else {
            "ok"
        }
    }
}

/// A monitored master: its own instance fields, its options, failover state, and the replicas
/// and sentinels found under it.
#[derive(Clone, Debug)]
pub struct Master {
    pub id: MasterId,
    pub inst: Instance,
    pub quorum: u32,
    pub parallel_syncs: i64,
    pub failover_timeout: Millis,
    pub reboot_down_after_period: Millis,
    pub master_reboot_since_time: Millis,
    pub auth_pass: Option<String>,
    pub auth_user: Option<String>,
    pub notification_script: Option<String>,
    pub client_reconfig_script: Option<String>,
    /// `sentinel rename-command`: upper-cased original name → new name, in insertion order.
    pub renamed_commands: Vec<(String, String)>,
    pub config_epoch: u64,
    /// Our own vote for this master: the run id we voted for, and in which epoch.
    pub leader: Option<String>,
    pub leader_epoch: u64,
    /// The failover of ours in progress, if any.
    pub failover: Option<Failover>,
    /// When the last failover attempt started (or a vote for another sentinel held ours back;
    /// None: never, or since a reset): the next one waits 2 x failover-timeout from it.
    pub failover_start_time: Option<Millis>,
    /// Which `failover_start_time` the "Next failover delay" line was last logged for.
    pub failover_delay_logged: Option<Millis>,
    /// When this master ticks next (None while it is being ticked).
    pub next_tick: Option<Millis>,
    /// Why the master is down without a failover of ours, if it is (see `no_failover.rs`).
    pub no_failover: Option<super::no_failover::NoFailover>,
    /// What a COORDINATED failover still owes the nodes it paused, once its promotion was
    /// seen (it outlives the failover: the old master is a replica after the switch).
    pub unpause_owed: Option<OwedUnpause>,
    /// Replicas by `ip:port` key.
    pub replicas: BTreeMap<String, Box<Instance>>,
    /// Peer sentinels by run id.
    pub sentinels: BTreeMap<String, Box<Instance>>,
    /// Hellos refused because [`MAX_SENTINELS_PER_MASTER`](super::hello::MAX_SENTINELS_PER_MASTER)
    /// peers are known already, and hellos whose master address could not be resolved.
    pub refused_sentinels: LogThrottle,
    pub refused_switches: LogThrottle,
    /// The replicas and sentinels a tick handles, as built for the last tick: reused while
    /// they are still the members (see [`Master::tick_members`]), so a tick allocates nothing.
    pub tick_refs: Vec<InstanceRef>,
}

/// Counts refusals of one kind so that a flood of them logs one line per
/// [`LogThrottle::PERIOD`], with the number refused, instead of one line each.
#[derive(Clone, Debug, Default)]
pub struct LogThrottle {
    /// When the last line was logged (`None`: never).
    pub logged_at: Option<Millis>,
    /// Refusals since that line.
    pub refused: u64,
}

impl LogThrottle {
    pub const PERIOD: Millis = 60_000;

    /// Count one refusal; returns how many to report if a line is due now.
    pub fn note(&mut self, now: Millis) -> Option<u64> {
        self.refused += 1;
        if self.logged_at.is_some_and(|t| now.saturating_sub(t) < Self::PERIOD) {
            return None;
        }
        self.logged_at = Some(now);
        Some(std::mem::take(&mut self.refused))
    }
}
