//! The core's one entry point: every event the outside world has for the Sentinel state machine
//! is an [`Input`], handed to [`Sentinel::handle`] with the time it happened; time passing is
//! [`Sentinel::handle_timeout`], called at (or after) [`Sentinel::next_deadline`]. What the core
//! wants done comes out as the [`Action`](super::Action) queue, in order (quinn-proto's
//! `handle_event` / `poll_timeout` shape). The daemon and the simulator feed the core the same
//! way.
//!
//! Each master has its own tick deadline, kept in one ordered schedule, so a timeout only
//! touches the masters that are due. The deadlines share one phase, as Sentinel's single timer
//! (a random 10–19 Hz) handles every master in one pass: the masters ticked together are
//! rescheduled together, at the global timer's next deadline (see
//! [`Sentinel::handle_timeout`]).

use std::collections::BTreeSet;

use super::commands::{
    ConfigSetError, DebugError, MonitorError, SetError, SimulateFailure, SimulateFailureError,
};
use super::failover::ManualFailoverError;
use super::types::{Action, Conn, LinkId, MasterId, Millis, Reply, ReplyTag};
use super::vote::MasterDownReply;
use super::Sentinel;

/// Identifies a client request whose outcome the shell waits for ([`Action::Reply`]).
pub type RequestId = u64;

/// Something that happened outside the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A connection of a link is up; `local_ip` is our side's address (used in hellos).
    LinkUp { link: LinkId, conn: Conn, local_ip: String },
    /// A connection of a link failed or dropped.
    LinkClosed { link: LinkId, conn: Conn },
    /// The reply to a command sent with `tag`.
    Reply { link: LinkId, tag: ReplyTag, reply: Reply },
    /// A pub/sub `message` on a link's pub/sub connection.
    PubSubMessage { link: LinkId, channel: Vec<u8>, payload: Vec<u8> },
    /// Any other traffic on a pub/sub connection (subscribe confirmations).
    PubSubActivity { link: LinkId },
    /// A client command that reads or changes state; its outcome comes back as
    /// [`Action::Reply`] with the same `req`.
    Command { req: RequestId, cmd: ClientCommand },
    /// A script process started (`pid`) or could not be started (`pid` is None).
    ScriptStarted { job: u64, pid: Option<u32> },
    /// A script process ended.
    ScriptExited { job: u64, code: Option<i32>, signal: Option<i32> },
    /// The answer to [`Action::Resolve`]: the address `host` resolves to, if any.
    Resolved { host: String, ip: Option<String> },
    /// A peer PUBLISHed a hello to our own port (`sentinelPublishCommand`). Its reply is `:1`
    /// whatever the hello holds, so the server answers without waiting for the core; the
    /// hello still reaches the core in the order the connection sent it.
    HelloPublished { payload: Vec<u8> },
}

/// The client commands that go through the core (everything else is answered from the
/// published read model). Arguments are parsed by the server; checks that need the outside
/// world (does a hostname resolve, is a script executable) are made by the shell first and
/// handed in as data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientCommand {
    /// SENTINEL MONITOR; `host_ip` is the shell's DNS answer for a non-IP host.
    Monitor { name: String, host: String, port: i64, quorum: i64, host_ip: Option<String> },
    /// SENTINEL REMOVE.
    Remove { name: Vec<u8> },
    /// SENTINEL SET; `executable` lists the script paths among the values that passed
    /// `access(path, X_OK)`.
    Set { name: Vec<u8>, options: Vec<String>, executable: Vec<String> },
    /// SENTINEL RESET.
    Reset { pattern: Vec<u8> },
    /// SENTINEL FAILOVER, with Valkey 9.0's `COORDINATED` when `coordinated`.
    Failover { name: Vec<u8>, coordinated: bool },
    /// SENTINEL CONFIG SET of sentinel parameters (all checked, then all applied).
    ConfigSet { pairs: Vec<(String, String)> },
    /// SENTINEL DEBUG with parameters.
    DebugSet { pairs: Vec<String> },
    /// SENTINEL SIMULATE-FAILURE.
    SimulateFailure { flags: Vec<String> },
    /// SENTINEL IS-MASTER-DOWN-BY-ADDR from a peer.
    IsMasterDownByAddr { ip: String, port: u16, epoch: u64, runid: String },
    /// SENTINEL FLUSHCONFIG (and any change made outside the core that must be persisted).
    FlushConfig,
}

/// What a [`ClientCommand`] did, for the server to turn into Redis's reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandOutcome {
    NoSuchMaster,
    Monitor(Result<(), MonitorError>),
    Removed,
    /// SENTINEL SET: the first error, if any, and whether any option was applied before it.
    Set {
        result: Result<(), SetError>,
        changed: bool,
    },
    Reset(usize),
    Failover(Result<(), ManualFailoverError>),
    ConfigSet(Result<(), ConfigSetError>),
    DebugSet(Result<(), DebugError>),
    SimulateFailure(Result<SimulateFailure, SimulateFailureError>),
    MasterDown(MasterDownReply),
    Flushed,
}

/// Per-master tick deadlines, ordered by time: the earliest is the core's next deadline.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    due: BTreeSet<(Millis, MasterId)>,
    /// The global timer (TILT check, script queue).
    global: Millis,
}

/// Ticks are coalesced on this grid (ms): a sentinel with a thousand masters wakes up at most a
/// hundred times a second, each time for the masters that are due.
pub const TICK_GRID: Millis = 10;

impl Schedule {
    pub(crate) fn insert(&mut self, at: Millis, id: MasterId) {
        self.due.insert((at, id));
    }

    pub(crate) fn remove(&mut self, at: Millis, id: MasterId) {
        self.due.remove(&(at, id));
    }

    /// The masters due at `now`, taken out of the schedule.
    fn take_due(&mut self, now: Millis) -> Vec<MasterId> {
        let mut out = Vec::new();
        while let Some(&(at, id)) = self.due.first() {
            if at > now {
                break;
            }
            self.due.pop_first();
            out.push(id);
        }
        out
    }

    fn next(&self) -> Millis {
        self.due.first().map_or(self.global, |&(at, _)| at.min(self.global))
    }
}

impl Sentinel {
    /// Feed one input at `now`. What the core wants done is queued as actions.
    pub fn handle(&mut self, input: Input, now: Millis) {
        match input {
            Input::LinkUp { link, conn, local_ip } => self.on_link_up(link, conn, local_ip),
            Input::LinkClosed { link, conn } => self.on_conn_closed(link, conn),
            Input::Reply { link, tag, reply } => self.on_reply(link, tag, reply, now),
            Input::PubSubMessage { link, channel, payload } => {
                self.on_pubsub_message(link, &channel, &payload, now)
            }
            Input::PubSubActivity { link } => self.on_pubsub_activity(link, now),
            Input::Command { req, cmd } => {
                let flushes_before = self.flush_count;
                let outcome = self.run_command(cmd, now);
                let flushed = self.flush_count != flushes_before;
                self.out.push(Action::Reply { req, outcome, flushed });
                self.after_reply();
            }
            Input::ScriptStarted { job, pid: Some(pid) } => self.on_script_started(job, pid, now),
            Input::ScriptStarted { job, pid: None } => self.on_script_spawn_failed(job, now),
            Input::ScriptExited { job, code, signal } => self.on_script_exit(job, code, signal, now),
            Input::HelloPublished { payload } => self.process_hello(&payload, now),
            Input::Resolved { host, ip } => {
                self.on_resolved(&host, ip.clone());
                self.resolve_pending_switches(&host, ip, now);
            }
        }
    }

    /// When the core next needs [`Sentinel::handle_timeout`].
    pub fn next_deadline(&self) -> Millis {
        self.schedule.next()
    }

    /// Run every timer that is due at `now`: the TILT check, the ticks of the masters that are
    /// due, and the global timer. Everything ticked here is rescheduled at one deadline, the
    /// global timer's next one (a random 10–19 Hz step when the global timer runs now), so
    /// every master ends up ticking in the same pass, as in Sentinel's `sentinelTimer`.
    ///
    /// That matters when several master names fail over together: every name a sentinel leads
    /// then takes each failover step in the same pass, and the commands of one pass leave
    /// together, before any reply or connection drop of theirs comes back. Each promotion
    /// transaction ends with `CLIENT KILL TYPE normal`/`pubsub`, cutting every link to the
    /// promoted server; with a phase of their own per master, one name's promotion cut the
    /// links of the names whose selection or promotion came a few milliseconds later.
    pub fn handle_timeout(&mut self, now: Millis) {
        self.check_tilt(now);
        let at = if self.schedule.global > now { self.schedule.global } else { self.next_tick_time(now) };
        for id in self.schedule.take_due(now) {
            if let Some(m) = self.masters.get_mut(&id) {
                m.next_tick = None;
            }
            if self.tick_master(id, now) {
                if let Some(m) = self.masters.get_mut(&id) {
                    m.next_tick = Some(at);
                    self.schedule.insert(at, id);
                }
            }
        }
        if self.schedule.global <= now {
            self.tick_global(now);
            self.schedule.global = at;
        }
    }

    /// A tick time 50–100 ms after `now` (Sentinel's random 10–19 Hz, so that sentinels do not
    /// stay in lock-step and keep splitting elections), rounded up to the tick grid.
    fn next_tick_time(&mut self, now: Millis) -> Millis {
        let hz = 10 + self.random_delay(10);
        let at = now + 1000 / hz;
        at.div_ceil(TICK_GRID) * TICK_GRID
    }

    /// Put a new master on the schedule: it ticks right away, then with the others.
    pub(crate) fn schedule_master(&mut self, id: MasterId, now: Millis) {
        if let Some(m) = self.masters.get_mut(&id) {
            m.next_tick = Some(now);
            self.schedule.insert(now, id);
        }
    }

    /// Take a removed master off the schedule.
    pub(crate) fn unschedule_master(&mut self, id: MasterId, at: Millis) {
        self.schedule.remove(at, id);
    }

    /// Carry out one client command.
    fn run_command(&mut self, cmd: ClientCommand, now: Millis) -> CommandOutcome {
        let lookup = |s: &Sentinel, name: &[u8]| std::str::from_utf8(name).ok().and_then(|n| s.master_id(n));
        match cmd {
            ClientCommand::Monitor { name, host, port, quorum, host_ip } => {
                match self.monitor(&name, &host, port, quorum, host_ip.is_some(), now) {
                    Ok(id) => {
                        if let Some(ip) = host_ip {
                            // Resolved already: no need to wait for the shell to do it again.
                            self.out.retain(|a| !matches!(a, Action::Resolve { host: h } if *h == host));
                            self.on_resolved(&host, Some(ip));
                        }
                        // Flushed before the reply, and `+monitor` after it, as Redis does.
                        self.flush_config();
                        self.deferred_monitor_event = Some(id);
                        CommandOutcome::Monitor(Ok(()))
                    }
                    Err(e) => CommandOutcome::Monitor(Err(e)),
                }
            }
            ClientCommand::Remove { name } => match lookup(self, &name) {
                Some(id) if self.remove_monitored(id) => {
                    self.flush_config();
                    CommandOutcome::Removed
                }
                _ => CommandOutcome::NoSuchMaster,
            },
            ClientCommand::Set { name, options, executable } => {
                let Some(id) = lookup(self, &name) else { return CommandOutcome::NoSuchMaster };
                let outcome = self.set_master_options(id, &options, &|p| executable.iter().any(|e| e == p));
                if outcome.changes > 0 || outcome.result.is_ok() {
                    self.flush_config();
                }
                CommandOutcome::Set { result: outcome.result, changed: outcome.changes > 0 }
            }
            ClientCommand::Reset { pattern } => {
                CommandOutcome::Reset(self.reset_masters_matching(&pattern, now))
            }
            ClientCommand::Failover { name, coordinated } => match lookup(self, &name) {
                Some(id) if coordinated => CommandOutcome::Failover(self.coordinated_failover(id, now)),
                Some(id) => CommandOutcome::Failover(self.manual_failover(id, now)),
                None => CommandOutcome::NoSuchMaster,
            },
            ClientCommand::ConfigSet { pairs } => match self.config_set_all(&pairs) {
                Ok(effect) => {
                    self.flush_config();
                    self.deferred_drop_sentinel_links = effect.drop_sentinel_connections;
                    CommandOutcome::ConfigSet(Ok(()))
                }
                Err(e) => CommandOutcome::ConfigSet(Err(e)),
            },
            ClientCommand::DebugSet { pairs } => CommandOutcome::DebugSet(self.debug_set(&pairs)),
            ClientCommand::SimulateFailure { flags } => {
                CommandOutcome::SimulateFailure(self.simulate_failure(&flags))
            }
            ClientCommand::IsMasterDownByAddr { ip, port, epoch, runid } => {
                CommandOutcome::MasterDown(self.is_master_down_by_addr(&ip, port, epoch, &runid, now))
            }
            ClientCommand::FlushConfig => {
                self.flush_config();
                CommandOutcome::Flushed
            }
        }
    }

    /// What follows a command's reply: `+monitor` after SENTINEL MONITOR's reply, and the
    /// sentinel links dropped after CONFIG SET of sentinel-user/pass, as Redis orders them.
    pub(crate) fn after_reply(&mut self) {
        if let Some(id) = self.deferred_monitor_event.take() {
            self.announce_monitor(id);
        }
        if std::mem::take(&mut self.deferred_drop_sentinel_links) {
            self.drop_sentinel_connections();
        }
    }

    /// A hostname resolved (or not): fill in the ip of every address given by that name that
    /// has none yet, and keep the master address index in step.
    pub(crate) fn on_resolved(&mut self, host: &str, ip: Option<String>) {
        let Some(ip) = ip else { return };
        let ids: Vec<MasterId> = self.masters.keys().copied().collect();
        for id in ids {
            let master_hit = self.masters.get(&id).is_some_and(|m| Self::unresolved(&m.inst.addr, host));
            if master_hit {
                self.index_master_addr(id, false);
            }
            let Some(m) = self.masters.get_mut(&id) else { continue };
            for inst in m.instances_mut() {
                if Self::unresolved(&inst.addr, host) {
                    inst.addr.ip = ip.clone();
                }
            }
            if master_hit {
                self.index_master_addr(id, true);
            }
        }
    }

    fn unresolved(a: &super::Addr, host: &str) -> bool {
        a.ip.is_empty() && a.hostname.eq_ignore_ascii_case(host)
    }

    /// Take the queued hostname look-ups (what the daemon resolves before it starts serving, so
    /// that addresses from the config file are never shown unresolved, as with Redis's
    /// blocking resolver at load time).
    pub fn take_resolves(&mut self) -> Vec<String> {
        let mut hosts = Vec::new();
        self.out.retain(|a| match a {
            Action::Resolve { host } => {
                hosts.push(host.clone());
                false
            }
            _ => true,
        });
        hosts.sort();
        hosts.dedup();
        hosts
    }

    /// Queue a config rewrite (`sentinelFlushConfig`).
    pub(crate) fn flush_config(&mut self) {
        self.flush_count += 1;
        self.out.push(Action::FlushConfig);
    }
}

#[cfg(test)]
mod clone_cost {
    use super::*;
    use crate::config::SentinelConfig;

    /// How long publishing the read model costs with 1,000 masters (run with --ignored
    /// --nocapture in release; informational).
    #[test]
    #[ignore]
    fn read_model_clone_cost() {
        let mut s = Sentinel::new(&SentinelConfig::default(), Default::default(), 1000, 1).unwrap();
        for i in 0..1000u32 {
            let id =
                s.create_master(&format!("m{i}"), "127.0.0.1", 10000 + (i % 60000) as u16, 2, 1000).unwrap();
            s.create_replica(id, "127.0.0.2", 20000 + (i % 40000) as u16, 1000).unwrap();
            for p in 0..2u16 {
                s.create_sentinel(id, "127.0.0.3", 26379 + p, &format!("{:040x}", p), 1000).unwrap();
            }
            let m = s.masters.get_mut(&id).unwrap();
            m.inst.info = Some("x".repeat(3000).into());
        }
        let start = std::time::Instant::now();
        let n = 100;
        for _ in 0..n {
            std::hint::black_box(s.clone());
        }
        eprintln!("clone of 1,000 masters: {:?} each", start.elapsed() / n);
    }
}
