//! The sans-IO Sentinel state machine.
//!
//! [`Sentinel`] holds every monitored instance and all of Sentinel's global state. The shell
//! feeds it events (`tick_master`, `on_reply`, `on_pubsub_message`, `on_conn_closed`, client
//! commands) together with the current time, and carries out the [`Action`]s it queues
//! (collected with [`Sentinel::drain_actions`]). Nothing in here does I/O or reads a clock,
//! which is what lets tests drive whole failovers deterministically.

pub mod commands;
pub mod coordinated;
pub mod events;
pub mod failover;
pub mod hello;
pub mod info;
pub mod input;
pub mod instance;
pub mod monitoring;
pub mod no_failover;
pub mod odown;
pub mod reset;
pub mod scripts;
pub mod select;
pub mod tilt;
pub mod timings;
pub mod types;
pub mod vote;
pub mod wire;

#[cfg(test)]
mod hello_bounds_tests;
#[cfg(test)]
mod monitoring_tests;
#[cfg(test)]
pub(crate) mod sim;
#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod testkit;

use std::collections::{BTreeMap, HashMap};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::config::{KnownReplica, KnownSentinel, MasterConfig, RenameCommand, SentinelConfig};
pub use instance::{flags, Failover, FailoverKind, FailoverState, Instance, Link, Master};
pub use timings::Timings;
pub use types::*;

/// Global settings that are not per master (`sentinel announce-ip`, ...).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub announce_ip: Option<String>,
    pub announce_port: u16,
    pub resolve_hostnames: bool,
    pub announce_hostnames: bool,
    pub deny_scripts_reconfig: bool,
    pub sentinel_user: Option<String>,
    pub sentinel_pass: Option<String>,
    /// The server's `requirepass`: used as the password for links to peer sentinels when
    /// sentinel-pass is unset (Redis's compatibility behaviour).
    pub requirepass: Option<String>,
    /// Our own listening port, announced in hellos when announce-port is 0.
    pub port: u16,
}

/// Errors from creating instances, worded as Redis words them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateError {
    #[error("Duplicate master name.")]
    DuplicateMaster,
    #[error("Duplicate hostname and port for replica.")]
    DuplicateReplica,
    #[error("Duplicate runid for sentinel.")]
    DuplicateSentinel,
    #[error("Can't resolve instance hostname.")]
    Unresolvable,
    #[error("Invalid port number.")]
    InvalidPort,
    #[error("Malformed Sentinel id in myid option.")]
    MalformedMyid,
    #[error("No such master with specified name.")]
    NoSuchMaster,
}

/// The whole Sentinel state. Cloning it is how the shell publishes the read model that
/// read-only client commands answer from.
#[derive(Clone)]
pub struct Sentinel {
    pub myid: String,
    pub current_epoch: u64,
    pub settings: Settings,
    pub timings: Timings,
    pub masters: BTreeMap<MasterId, Master>,
    /// Master names to ids (master names are case-sensitive, as in Redis).
    pub names: BTreeMap<String, MasterId>,
    pub links: HashMap<LinkId, Link>,
    /// Masters by address (ip and hostname forms), so a peer's is-master-down-by-addr does not
    /// scan every master.
    addr_index: HashMap<(String, u16), Vec<MasterId>>,
    pub tilt: bool,
    pub tilt_start_time: Millis,
    /// How many times TILT was entered since start (INFO's `sentinel_total_tilt`, Redis 8).
    pub total_tilt: u64,
    /// The time of the previous TILT check (starts at creation, as Redis sets it in
    /// `initSentinel`, so a stall before the first tick is caught too).
    pub previous_time: Option<Millis>,
    /// `SENTINEL SIMULATE-FAILURE` bits: 1 crash-after-election, 2 crash-after-promotion.
    pub simulate_failure_flags: u32,
    /// Hello messages dropped because they could not be parsed (a metric; Redis keeps no
    /// count).
    pub hellos_malformed: u64,
    pub scripts: scripts::ScriptQueue,
    pub(crate) rng: StdRng,
    pub(crate) out: Vec<Action>,
    next_master_id: u64,
    next_link_id: u64,
    /// When each master ticks next.
    pub(crate) schedule: input::Schedule,
    /// Config rewrites queued so far (tells a command whether it queued one).
    pub(crate) flush_count: u64,
    /// `+monitor` waits for SENTINEL MONITOR's reply.
    pub(crate) deferred_monitor_event: Option<MasterId>,
    /// Dropping the sentinel links waits for SENTINEL CONFIG SET's reply.
    pub(crate) deferred_drop_sentinel_links: bool,
    /// Newer configurations from hellos that move a master to a hostname, waiting for the
    /// shell to resolve it (at most one per master: the newest).
    pub(crate) pending_switches: BTreeMap<MasterId, wire::hello_message::Hello>,
}

/// Mirrors `sentinelCheckCreateInstanceErrors`' address check without a resolver: the core only
/// accepts IP literals unless resolve-hostnames is on, in which case the shell has resolved the
/// name already (or left the ip empty when it could not, as Redis's accept_unresolved does).
pub fn is_ip_literal(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

impl Sentinel {
    /// Build the state from the loaded config. `now` is the shell's clock; `seed` seeds the
    /// random delays (tests pass a fixed one). A missing myid is generated here; the caller
    /// must then flush the config, as Redis does on first start.
    pub fn new(
        cfg: &SentinelConfig,
        settings: Settings,
        now: Millis,
        seed: u64,
    ) -> Result<Sentinel, CreateError> {
        let mut rng = StdRng::seed_from_u64(seed);
        let myid = match &cfg.myid {
            Some(id) if id.len() == 40 => id.clone(),
            Some(_) => return Err(CreateError::MalformedMyid),
            None => (0..40).map(|_| format!("{:x}", rng.gen_range(0..16u8))).collect(),
        };
        let mut s = Sentinel {
            myid,
            current_epoch: cfg.current_epoch,
            settings: Settings {
                announce_ip: cfg.announce_ip.clone().filter(|s| !s.is_empty()),
                announce_port: cfg.announce_port,
                resolve_hostnames: cfg.resolve_hostnames,
                announce_hostnames: cfg.announce_hostnames,
                deny_scripts_reconfig: cfg.deny_scripts_reconfig,
                sentinel_user: cfg.sentinel_user.clone().filter(|s| !s.is_empty()),
                sentinel_pass: cfg.sentinel_pass.clone().filter(|s| !s.is_empty()),
                ..settings
            },
            timings: Timings::default(),
            masters: BTreeMap::new(),
            names: BTreeMap::new(),
            links: HashMap::new(),
            addr_index: HashMap::new(),
            tilt: false,
            tilt_start_time: 0,
            total_tilt: 0,
            previous_time: Some(now),
            simulate_failure_flags: 0,
            hellos_malformed: 0,
            scripts: scripts::ScriptQueue::default(),
            rng,
            out: Vec::new(),
            next_master_id: 1,
            next_link_id: 1,
            schedule: input::Schedule::default(),
            flush_count: 0,
            deferred_monitor_event: None,
            deferred_drop_sentinel_links: false,
            pending_switches: BTreeMap::new(),
        };
        for m in &cfg.masters {
            s.load_master(m, now)?;
        }
        if !wire::numbers::is_run_id(&s.myid) {
            // Redis only checks the length; peers that check the format (rsentinels) drop
            // hellos carrying this id.
            s.log(
                Level::Warning,
                format!(
                    "sentinel myid {} is not 40 hex digits: rsentinel peers will ignore our hellos",
                    s.myid
                ),
            );
        }
        Ok(s)
    }

    fn load_master(&mut self, m: &MasterConfig, now: Millis) -> Result<(), CreateError> {
        let id = self.create_master(&m.name, &m.host, m.port, m.quorum, now)?;
        // config-epoch raises the current epoch too (sentinelHandleConfiguration).
        self.current_epoch = self.current_epoch.max(m.config_epoch);
        let master = self.masters.get_mut(&id).expect("just created");
        master.inst.down_after = m.down_after_ms;
        master.failover_timeout = m.failover_timeout_ms;
        master.parallel_syncs = m.parallel_syncs;
        master.notification_script = m.notification_script.clone();
        master.client_reconfig_script = m.client_reconfig_script.clone();
        master.auth_pass = m.auth_pass.clone();
        master.auth_user = m.auth_user.clone();
        master.reboot_down_after_period = m.master_reboot_down_after_period_ms;
        master.config_epoch = m.config_epoch;
        master.leader_epoch = m.leader_epoch;
        master.renamed_commands =
            m.rename_commands.iter().map(|r| (r.from.to_ascii_uppercase(), r.to.clone())).collect();
        for r in &m.known_replicas {
            self.create_replica(id, &r.host, r.port, now)?;
        }
        for k in &m.known_sentinels {
            self.create_sentinel(id, &k.host, k.port, &k.runid, now)?;
        }
        Ok(())
    }

    /// The state to persist, in the shape the config writer takes.
    pub fn to_config(&self) -> SentinelConfig {
        let masters = self
            .masters
            .values()
            .map(|m| {
                let cur = self.current_master_addr(m);
                MasterConfig {
                    name: m.inst.name.clone(),
                    host: self.announce_host(cur),
                    port: cur.port,
                    quorum: m.quorum,
                    down_after_ms: m.inst.down_after,
                    failover_timeout_ms: m.failover_timeout,
                    parallel_syncs: m.parallel_syncs,
                    notification_script: m.notification_script.clone(),
                    client_reconfig_script: m.client_reconfig_script.clone(),
                    auth_pass: m.auth_pass.clone(),
                    auth_user: m.auth_user.clone(),
                    master_reboot_down_after_period_ms: m.reboot_down_after_period,
                    config_epoch: m.config_epoch,
                    leader_epoch: m.leader_epoch,
                    known_replicas: m
                        .replicas
                        .values()
                        .map(|r| {
                            // A replica at the current master address is written with the old
                            // master address instead (rewriteConfigSentinelOption).
                            let a = if r.addr.same_as(cur) { &m.inst.addr } else { &r.addr };
                            KnownReplica { host: self.announce_host(a), port: a.port }
                        })
                        .collect(),
                    known_sentinels: m
                        .sentinels
                        .values()
                        .filter_map(|s| {
                            s.runid.as_ref().map(|id| KnownSentinel {
                                host: self.announce_host(&s.addr),
                                port: s.addr.port,
                                runid: id.clone(),
                            })
                        })
                        .collect(),
                    rename_commands: m
                        .renamed_commands
                        .iter()
                        .map(|(f, t)| RenameCommand { from: f.clone(), to: t.clone() })
                        .collect(),
                }
            })
            .collect();
        SentinelConfig {
            myid: Some(self.myid.clone()),
            current_epoch: self.current_epoch,
            deny_scripts_reconfig: self.settings.deny_scripts_reconfig,
            resolve_hostnames: self.settings.resolve_hostnames,
            announce_hostnames: self.settings.announce_hostnames,
            announce_ip: self.settings.announce_ip.clone(),
            announce_port: self.settings.announce_port,
            sentinel_user: self.settings.sentinel_user.clone(),
            sentinel_pass: self.settings.sentinel_pass.clone(),
            masters,
        }
    }

    /// Take the actions queued since the last call.
    pub fn drain_actions(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    /// Announced form of an address (`announceSentinelAddr`): the hostname with
    /// announce-hostnames, the ip otherwise.
    pub fn announce_host(&self, a: &Addr) -> String {
        self.announced(a).to_string()
    }

    /// [`Sentinel::announce_host`] without a copy (replies are encoded straight from it).
    pub fn announced<'a>(&self, a: &'a Addr) -> &'a str {
        if self.settings.announce_hostnames {
            &a.hostname
        } else {
            &a.ip
        }
    }

    /// `sentinelGetCurrentMasterAddress`: the promoted replica's address once the failover has
    /// reached RECONF_SLAVES, the master's address otherwise.
    pub fn current_master_addr<'a>(&self, m: &'a Master) -> &'a Addr {
        if let Some(state) = m.failover_state().filter(|s| s.promotion_seen()) {
            if let Some(p) = state.promoted().and_then(|k| m.replicas.get(k)) {
                return &p.addr;
            }
        }
        &m.inst.addr
    }

    pub fn master_by_name(&self, name: &str) -> Option<&Master> {
        self.names.get(name).and_then(|id| self.masters.get(id))
    }

    pub fn master_id(&self, name: &str) -> Option<MasterId> {
        self.names.get(name).copied()
    }

    /// Look an instance up by reference.
    pub fn instance(&self, r: &InstanceRef) -> Option<&Instance> {
        let m = self.masters.get(&r.master())?;
        match r {
            InstanceRef::Master(_) => Some(&m.inst),
            InstanceRef::Replica(_, k) => m.replicas.get(k).map(|b| &**b),
            InstanceRef::Sentinel(_, k) => m.sentinels.get(k).map(|b| &**b),
        }
    }

    pub fn instance_mut(&mut self, r: &InstanceRef) -> Option<&mut Instance> {
        let m = self.masters.get_mut(&r.master())?;
        match r {
            InstanceRef::Master(_) => Some(&mut m.inst),
            InstanceRef::Replica(_, k) => m.replicas.get_mut(k).map(|b| &mut **b),
            InstanceRef::Sentinel(_, k) => m.sentinels.get_mut(k).map(|b| &mut **b),
        }
    }

    /// Turn a configured host into an address: IP literals always; hostnames only with
    /// resolve-hostnames (the shell resolves them; the core keeps the name and an empty ip).
    pub(crate) fn make_addr(&mut self, host: &str, port: u16) -> Result<Addr, CreateError> {
        if is_ip_literal(host) {
            Ok(Addr::ip(host, port))
        } else if self.settings.resolve_hostnames {
            // Like anetResolve with accept_unresolved: keep the name with an empty ip, and ask
            // the shell to resolve it (the answer comes back as `Input::Resolved`; links
            // connect by name meanwhile).
            self.out.push(Action::Resolve { host: host.to_string() });
            Ok(Addr::new(host, "", port))
        } else {
            Err(CreateError::Unresolvable)
        }
    }

    fn new_link(&mut self, needs_pc: bool, now: Millis) -> LinkId {
        let id = LinkId(self.next_link_id);
        self.next_link_id += 1;
        self.links.insert(id, Link::new(id, needs_pc, now));
        id
    }

    /// Drop one reference to a link; the last one closes it.
    pub(crate) fn release_link(&mut self, id: LinkId) {
        if let Some(l) = self.links.get_mut(&id) {
            l.refcount = l.refcount.saturating_sub(1);
            if l.refcount == 0 {
                self.links.remove(&id);
                self.out.push(Action::DropLink { link: id });
            }
        }
    }

    /// Create a master (`createSentinelRedisInstance` with SRI_MASTER).
    pub fn create_master(
        &mut self,
        name: &str,
        host: &str,
        port: u16,
        quorum: u32,
        now: Millis,
    ) -> Result<MasterId, CreateError> {
        if self.names.contains_key(name) {
            return Err(CreateError::DuplicateMaster);
        }
        let addr = self.make_addr(host, port)?;
        let id = MasterId(self.next_master_id);
        self.next_master_id += 1;
        let link = self.new_link(true, now);
        let inst =
            Instance::new(Kind::Master, name.to_string(), addr, link, self.timings.default_down_after, now);
        let master = Master {
            id,
            inst,
            quorum,
            parallel_syncs: crate::config::model::DEFAULT_PARALLEL_SYNCS,
            failover_timeout: self.timings.default_failover_timeout,
            reboot_down_after_period: 0,
            master_reboot_since_time: 0,
            auth_pass: None,
            auth_user: None,
            notification_script: None,
            client_reconfig_script: None,
            renamed_commands: Vec::new(),
            config_epoch: 0,
            leader: None,
            leader_epoch: 0,
            failover: None,
            failover_start_time: None,
            failover_delay_logged: None,
            next_tick: None,
            no_failover: None,
            unpause_owed: None,
            replicas: BTreeMap::new(),
            sentinels: BTreeMap::new(),
            refused_sentinels: Default::default(),
            refused_switches: Default::default(),
            tick_refs: Vec::new(),
        };
        self.masters.insert(id, master);
        self.names.insert(name.to_string(), id);
        self.index_master_addr(id, true);
        self.schedule_master(id, now);
        Ok(id)
    }

    /// Create a replica under a master, keyed by its announced `ip:port`. Returns the key.
    pub fn create_replica(
        &mut self,
        master: MasterId,
        host: &str,
        port: u16,
        now: Millis,
    ) -> Result<String, CreateError> {
        let addr = self.make_addr(host, port)?;
        let key = self.replica_key(&addr);
        let m = self.masters.get(&master).ok_or(CreateError::NoSuchMaster)?;
        if m.replicas.contains_key(&key) {
            return Err(CreateError::DuplicateReplica);
        }
        let down_after = m.inst.down_after;
        let link = self.new_link(true, now);
        let inst = Instance::new(Kind::Replica, key.clone(), addr, link, down_after, now);
        self.masters.get_mut(&master).expect("checked").replicas.insert(key.clone(), Box::new(inst));
        Ok(key)
    }

    /// The key Redis files a replica under (`announceSentinelAddrAndPort`).
    pub fn replica_key(&self, a: &Addr) -> String {
        let host = self.announce_host(a);
        if host.contains(':') {
            format!("[{}]:{}", host, a.port)
        } else {
            format!("{}:{}", host, a.port)
        }
    }

    /// Create a peer sentinel under a master and share its link with the same peer under other
    /// masters (`sentinelTryConnectionSharing`), so one peer gets one connection.
    pub fn create_sentinel(
        &mut self,
        master: MasterId,
        host: &str,
        port: u16,
        runid: &str,
        now: Millis,
    ) -> Result<(), CreateError> {
        let addr = self.make_addr(host, port)?;
        let m = self.masters.get(&master).ok_or(CreateError::NoSuchMaster)?;
        if m.sentinels.contains_key(runid) {
            return Err(CreateError::DuplicateSentinel);
        }
        let down_after = m.inst.down_after;
        let shared = self
            .masters
            .values()
            .filter(|o| o.id != master)
            .find_map(|o| o.sentinels.get(runid).filter(|s| s.addr.same_as(&addr)).map(|s| s.link));
        let link = match shared {
            Some(l) => {
                self.links.get_mut(&l).expect("instance links exist").refcount += 1;
                l
            }
            None => self.new_link(false, now),
        };
        let mut inst = Instance::new(Kind::Sentinel, runid.to_string(), addr, link, down_after, now);
        inst.runid = Some(runid.to_string());
        self.masters.get_mut(&master).expect("checked").sentinels.insert(runid.to_string(), Box::new(inst));
        Ok(())
    }

    /// Add (or remove) a master's current address to the address index.
    pub(crate) fn index_master_addr(&mut self, id: MasterId, add: bool) {
        let Some(a) = self.masters.get(&id).map(|m| m.inst.addr.clone()) else { return };
        let mut keys = vec![(a.ip.clone(), a.port)];
        if a.hostname != a.ip {
            keys.push((a.hostname.clone(), a.port));
        }
        for k in keys {
            let ids = self.addr_index.entry(k.clone()).or_default();
            ids.retain(|x| *x != id);
            if add {
                ids.push(id);
                ids.sort();
            } else if ids.is_empty() {
                self.addr_index.remove(&k);
            }
        }
    }

    /// The first master (in id order, like Redis's dict order) whose announced address is
    /// `host:port`.
    pub fn master_by_addr(&self, host: &str, port: u16) -> Option<MasterId> {
        self.addr_index.get(&(host.to_string(), port))?.iter().copied().find(|id| {
            self.masters
                .get(id)
                .is_some_and(|m| m.inst.addr.port == port && self.announce_host(&m.inst.addr) == host)
        })
    }

    /// A random delay in `0..bound` ms (Redis's `rand() % bound`).
    pub(crate) fn random_delay(&mut self, bound: Millis) -> Millis {
        self.rng.gen_range(0..bound.max(1))
    }
}
