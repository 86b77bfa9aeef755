//! Sending and processing hello messages (§6.6): how sentinels find each other, learn
//! higher epochs, and learn a newer master configuration after someone else's failover.

use super::is_ip_literal;
use super::types::{cmd, Addr, InstanceRef, Level, MasterId, Millis, ReplyTag};
use super::Sentinel;
use crate::core::wire::hello_message::{Hello, HELLO_CHANNEL};

/// The most peer sentinels kept per master. Redis keeps every run id a hello names, so a
/// flood of forged hellos (no password is needed to PUBLISH on a master) makes it remember,
/// persist and connect to each one. Real deployments have 3 to 7 sentinels; a hello that would
/// add a 65th is dropped (a peer that moves or restarts at the same address still replaces its
/// old entry), and the refusals are logged once a minute per master with their count.
pub const MAX_SENTINELS_PER_MASTER: usize = 64;

/// `sentinelAddrEqualsHostname` without a resolver: an IP literal is compared with the
/// address's ip; a name with its hostname (case-insensitively).
pub fn addr_equals_host(a: &Addr, host: &str) -> bool {
    if super::is_ip_literal(host) {
        a.ip == host
    } else {
        a.hostname.eq_ignore_ascii_case(host)
    }
}

impl Sentinel {
    /// The port we announce: announce-port, else our listening port.
    pub fn announced_port(&self) -> u16 {
        if self.settings.announce_port != 0 {
            self.settings.announce_port
        } else {
            self.settings.port
        }
    }

    /// `sentinelSendHello`: PUBLISH our hello on an instance's command connection. Needs
    /// announce-ip or the local address of that connection.
    pub(crate) fn send_hello(&mut self, r: &InstanceRef) -> bool {
        let Some(inst) = self.instance(r) else { return false };
        let Some(link) = self.links.get(&inst.link) else { return false };
        if link.disconnected() {
            return false;
        }
        let ip = match self.settings.announce_ip.clone().or_else(|| link.local_ip.clone()) {
            Some(ip) => ip,
            None => return false,
        };
        let m = &self.masters[&r.master()];
        let maddr = self.current_master_addr(m);
        let hello = Hello {
            ip,
            port: self.announced_port(),
            runid: self.myid.clone(),
            current_epoch: self.current_epoch,
            master_name: m.inst.name.clone(),
            master_ip: self.announce_host(maddr),
            master_port: maddr.port,
            master_config_epoch: m.config_epoch,
        };
        let mut c = cmd([self.map_command(r.master(), "PUBLISH")]);
        c.extend(cmd([HELLO_CHANNEL.to_string(), hello.to_string()]));
        self.send_to(r, c, ReplyTag::Hello(r.clone()))
    }

    /// `sentinelProcessHelloMessage`, with bounds Redis does not have: the hello must parse
    /// strictly ([`Hello::parse`]: 40-hex run id, epochs below 2^63), a new peer is only
    /// added below [`MAX_SENTINELS_PER_MASTER`], and a newer configuration that moves the
    /// master to a hostname is only adopted once the name resolves (see
    /// [`Sentinel::resolve_pending_switches`]; Redis adopts the epoch and announces the switch,
    /// then fails to make it).
    pub fn process_hello(&mut self, payload: &[u8], now: Millis) {
        let h = match Hello::parse(payload) {
            Ok(h) => h,
            Err(e) => {
                self.hellos_malformed += 1;
                self.log(Level::Debug, format!("Ignoring malformed hello: {}", e));
                return;
            }
        };
        // Our own id from any address is either an echo or an impostor: never adopt it.
        if h.runid == self.myid {
            return;
        }
        let Some(id) = self.master_id(&h.master_name) else { return };
        let known = self.masters[&id]
            .sentinels
            .get(&h.runid)
            .is_some_and(|s| s.addr.port == h.port && addr_equals_host(&s.addr, &h.ip));
        if !known && self.sentinel_cap_reached(id, &h, now) {
            return;
        }
        let sender_known = known || self.add_sentinel_from_hello(id, &h, now);
        if h.current_epoch > self.current_epoch {
            self.current_epoch = h.current_epoch;
            self.flush_config();
            self.event_msg(Level::Warning, "+new-epoch", id, h.current_epoch.to_string());
        }
        let m = &self.masters[&id];
        if sender_known && m.config_epoch < h.master_config_epoch {
            let moved = self.newer_config_moves_master(id, &h);
            if !moved {
                self.masters.get_mut(&id).expect("checked").config_epoch = h.master_config_epoch;
            } else if is_ip_literal(&h.master_ip) {
                self.adopt_config_from_hello(id, &h, now);
            } else if self.settings.resolve_hostnames {
                self.wait_for_switch_target(id, &h);
            } else {
                self.refuse_unresolvable_switch(id, &h, now);
            }
        }
        if let Some(s) = self.masters.get_mut(&id).and_then(|m| m.sentinels.get_mut(&h.runid)) {
            s.last_hello_time = now;
        }
    }

    /// Would this hello from an unknown sender add a peer past [`MAX_SENTINELS_PER_MASTER`]?
    /// A known run id at a new address, or a new run id at a known address, replaces an entry
    /// and is always let through. A refusal is counted and logged (throttled).
    fn sentinel_cap_reached(&mut self, id: MasterId, h: &Hello, now: Millis) -> bool {
        let m = &self.masters[&id];
        let replaces = m.sentinels.contains_key(&h.runid)
            || m.sentinels.values().any(|s| s.addr.port == h.port && addr_equals_host(&s.addr, &h.ip));
        if replaces || m.sentinels.len() < MAX_SENTINELS_PER_MASTER {
            return false;
        }
        let name = m.inst.name.clone();
        if let Some(refused) = self.masters.get_mut(&id).and_then(|m| m.refused_sentinels.note(now)) {
            self.log(
                Level::Warning,
                format!(
                    "Master {} already has {} sentinels: ignoring new sentinel {} at {}:{} \
                     ({} hellos from new sentinels refused since the last report)",
                    name, MAX_SENTINELS_PER_MASTER, h.runid, h.ip, h.port, refused
                ),
            );
        }
        true
    }

    /// Adopt a peer's newer configuration for a master at another address (its config epoch,
    /// then the switch).
    fn adopt_config_from_hello(&mut self, id: MasterId, h: &Hello, now: Millis) {
        let Some(m) = self.masters.get(&id) else { return };
        let old = self.current_master_addr(m).clone();
        self.masters.get_mut(&id).expect("checked").config_epoch = h.master_config_epoch;
        self.switch_master_from_hello(id, h, old, now);
    }

    /// Whether a newer configuration (a hello with a higher master config epoch) puts the
    /// master somewhere else than the address we give out (`sentinelGetCurrentMasterAddress`:
    /// the promoted replica's once a failover of ours reached RECONF_SLAVES).
    ///
    /// Redis compares with the master's configured address instead (§12). When a newer
    /// failover, elected while ours was reconfiguring replicas, puts the master back at that
    /// address, Redis takes the newer epoch without moving, then ends its own failover by
    /// switching to its promoted replica under that newer epoch: it keeps announcing a master
    /// its peers left, and no later hello is newer, so it never comes back (found by the
    /// simulator with concurrent COORDINATED failovers). Compared with the address we give out,
    /// the newer configuration moves us back, and the reset ends our failover.
    fn newer_config_moves_master(&self, id: MasterId, h: &Hello) -> bool {
        let current = self.current_master_addr(&self.masters[&id]);
        h.master_port != current.port || !addr_equals_host(current, &h.master_ip)
    }

    /// A newer configuration names a hostname: ask the shell to resolve it and keep the hello
    /// (the newest per master) until the answer comes. One look-up per name at a time.
    fn wait_for_switch_target(&mut self, id: MasterId, h: &Hello) {
        let asked = self.pending_switches.values().any(|p| p.master_ip.eq_ignore_ascii_case(&h.master_ip));
        let newer =
            self.pending_switches.get(&id).is_none_or(|p| p.master_config_epoch < h.master_config_epoch);
        if newer {
            self.pending_switches.insert(id, h.clone());
        }
        if !asked {
            self.out.push(super::Action::Resolve { host: h.master_ip.clone() });
        }
    }

    /// `createSentinelAddr(host, port, 0)` in `sentinelResetMasterAndChangeAddress`: a master
    /// only moves to a hostname that resolves. The answer for `host` came: apply the waiting
    /// configurations that name it (if they are still newer than ours) with its address, or
    /// refuse them.
    pub(crate) fn resolve_pending_switches(&mut self, host: &str, ip: Option<String>, now: Millis) {
        let waiting: Vec<MasterId> = self
            .pending_switches
            .iter()
            .filter(|(_, p)| p.master_ip.eq_ignore_ascii_case(host))
            .map(|(id, _)| *id)
            .collect();
        for id in waiting {
            let Some(h) = self.pending_switches.remove(&id) else { continue };
            let Some(m) = self.masters.get(&id) else { continue };
            if m.config_epoch >= h.master_config_epoch {
                continue;
            }
            match &ip {
                Some(ip) => {
                    self.adopt_config_from_hello(id, &h, now);
                    // The address is known now: no second look-up.
                    self.out.retain(|a| !matches!(a, super::Action::Resolve { host: x } if x == host));
                    self.on_resolved(host, Some(ip.clone()));
                }
                None => self.refuse_unresolvable_switch(id, &h, now),
            }
        }
    }

    /// A peer announced a newer configuration at a hostname we can't resolve: keep ours (and
    /// our config epoch, so the same hello is judged again later).
    fn refuse_unresolvable_switch(&mut self, id: MasterId, h: &Hello, now: Millis) {
        let Some(m) = self.masters.get_mut(&id) else { return };
        let name = m.inst.name.clone();
        if let Some(refused) = m.refused_switches.note(now) {
            self.log(
                Level::Warning,
                format!(
                    "Not switching master {} to {}:{} announced by sentinel {} (config epoch {}): \
                     can't resolve the hostname ({} such hellos since the last report)",
                    name, h.master_ip, h.master_port, h.runid, h.master_config_epoch, refused
                ),
            );
        }
    }

    /// A hello from a sentinel we don't know at that address: a new peer, a known peer at a
    /// new address, or a new peer taking over an address another run id used. Returns false if
    /// the sender could not be added (e.g. an unresolvable host).
    fn add_sentinel_from_hello(&mut self, id: MasterId, h: &Hello, now: Millis) -> bool {
        let who = InstanceRef::Master(id);
        // Same run id, other address: the peer moved.
        let removed = self.masters.get_mut(&id).expect("caller checked").sentinels.remove(&h.runid);
        let address_switch = removed.is_some();
        if let Some(old) = removed {
            self.release_link(old.link);
            self.event(
                Level::Notice,
                "+sentinel-address-switch",
                &who,
                Some(&format!("ip {} port {} for {}", h.ip, h.port, h.runid)),
            );
        } else {
            // Other run id at this address: that one is gone (restarted with a new id).
            let stale = self.masters[&id]
                .sentinels
                .values()
                .find(|s| s.addr.port == h.port && addr_equals_host(&s.addr, &h.ip))
                .map(|s| s.name.clone());
            if let Some(stale) = stale {
                self.event(
                    Level::Notice,
                    "+sentinel-invalid-addr",
                    &InstanceRef::Sentinel(id, stale.clone()),
                    None,
                );
                self.remove_sentinel_everywhere(&stale);
            }
        }
        if self.create_sentinel(id, &h.ip, h.port, &h.runid, now).is_err() {
            return false;
        }
        let me = InstanceRef::Sentinel(id, h.runid.clone());
        if !address_switch {
            self.event(Level::Notice, "+sentinel", &me, None);
        } else {
            self.update_sentinel_address_in_all_masters(id, &h.runid);
        }
        self.flush_config();
        true
    }

    /// Forget a sentinel run id under every master.
    fn remove_sentinel_everywhere(&mut self, runid: &str) {
        let mut links = Vec::new();
        for m in self.masters.values_mut() {
            if let Some(s) = m.sentinels.remove(runid) {
                links.push(s.link);
            }
        }
        for l in links {
            self.release_link(l);
        }
    }

    /// `sentinelUpdateSentinelAddressInAllMasters`: the same peer under other masters moves to
    /// the new address too; their (shared) connections are closed so they reconnect there.
    fn update_sentinel_address_in_all_masters(&mut self, id: MasterId, runid: &str) {
        let Some(addr) = self.masters[&id].sentinels.get(runid).map(|s| s.addr.clone()) else { return };
        let mut links = Vec::new();
        let mut reconfigured = 0;
        for m in self.masters.values_mut() {
            if let Some(s) = m.sentinels.get_mut(runid) {
                links.push(s.link);
                if m.id != id {
                    s.addr = addr.clone();
                    reconfigured += 1;
                }
            }
        }
        links.sort();
        links.dedup();
        for l in links {
            self.close_link_connections(l);
        }
        if reconfigured > 0 {
            let msg = format!("{} additional matching instances", reconfigured);
            self.event(
                Level::Notice,
                "+sentinel-address-update",
                &InstanceRef::Sentinel(id, runid.into()),
                Some(&msg),
            );
        }
    }

    /// A peer announced a newer configuration for this master at another address: switch to
    /// it as an observer (`+config-update-from`, `+switch-master`, client-reconfig script).
    fn switch_master_from_hello(&mut self, id: MasterId, h: &Hello, old: Addr, now: Millis) {
        self.event(Level::Warning, "+config-update-from", &InstanceRef::Sentinel(id, h.runid.clone()), None);
        let msg = format!(
            "{} {} {} {} {}",
            h.master_name,
            self.announce_host(&old),
            old.port,
            h.master_ip,
            h.master_port
        );
        self.event_msg(Level::Warning, "+switch-master", id, msg);
        if self.reset_master_and_change_address(id, &h.master_ip, h.master_port, now).is_ok() {
            let new = self.masters[&id].inst.addr.clone();
            self.schedule_client_reconfig(id, "observer", &old, &new);
        }
    }

    /// `+monitor` for every configured master, as Sentinel emits at startup.
    pub fn generate_initial_monitor_events(&mut self) {
        let all: Vec<(MasterId, u32)> = self.masters.values().map(|m| (m.id, m.quorum)).collect();
        for (id, q) in all {
            self.event(Level::Warning, "+monitor", &InstanceRef::Master(id), Some(&format!("quorum {}", q)));
        }
    }
}
