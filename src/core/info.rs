//! Acting on INFO replies (`sentinelRefreshInstanceInfo`, §6.4): discovery of replicas, role
//! changes, reboots, and the corrective actions (demote a returning old master, fix a replica
//! following the wrong master, track reconfiguration progress during a failover).

use super::hello::addr_equals_host;
use super::instance::flags;
use super::types::{InstanceRef, Kind, Level, MasterId, Millis, Role};
use super::{FailoverState, Sentinel};
use crate::core::wire::info_report::parse;

impl Sentinel {
    /// `sentinelMasterLooksSane`: a master we can safely point replicas at.
    pub fn master_looks_sane(&self, id: MasterId, now: Millis) -> bool {
        let Some(m) = self.masters.get(&id) else { return false };
        m.inst.role_reported == Role::Master
            && !m.inst.has(flags::S_DOWN | flags::O_DOWN)
            && m.inst.info_refresh.is_some_and(|t| now.saturating_sub(t) < 2 * self.timings.info_period)
    }

    /// `sentinelRedisInstanceNoDownFor`: the last SDOWN/ODOWN *began* more than `ms` ago (or
    /// never happened).
    pub fn no_down_for(&self, r: &InstanceRef, ms: Millis, now: Millis) -> bool {
        let Some(i) = self.instance(r) else { return false };
        let t = i.s_down_since_time.max(i.o_down_since_time);
        t.is_none_or(|t| now.saturating_sub(t) > ms)
    }

    /// Process an INFO reply from a master or replica.
    pub fn refresh_instance_info(&mut self, r: &InstanceRef, text: String, now: Millis) {
        let report = parse(&text);
        let id = r.master();
        let Some(inst) = self.instance_mut(r) else { return };
        let kind = inst.kind;
        inst.info = Some(text.into());
        inst.master_link_down_time = 0;

        // Run id: a change means the instance restarted.
        if let Some(run_id) = report.run_id {
            match inst.runid.as_deref() {
                None => inst.runid = Some(run_id),
                Some(old) if old != run_id => {
                    inst.runid = Some(run_id);
                    self.event(Level::Notice, "+reboot", r, None);
                    let m = self.masters.get_mut(&id).expect("instance exists");
                    if kind == Kind::Master && m.reboot_down_after_period != 0 {
                        m.inst.flags |= flags::MASTER_REBOOT;
                        m.master_reboot_since_time = now;
                    }
                }
                Some(_) => {}
            }
        }

        // Replicas listed by a master are added as we learn of them.
        if kind == Kind::Master {
            for (ip, port) in &report.replicas {
                let Ok(addr) = self.make_addr(ip, *port) else { continue };
                let key = self.replica_key(&addr);
                if self.masters[&id].replicas.contains_key(&key) {
                    continue;
                }
                if let Ok(key) = self.create_replica(id, ip, *port, now) {
                    self.event(Level::Notice, "+slave", &InstanceRef::Replica(id, key), None);
                    self.flush_config();
                }
            }
        }

        self.note_node_failover_state(r, report.master_failover_state, now);
        let Some(inst) = self.instance_mut(r) else { return };
        if let Some(ms) = report.master_link_down_ms {
            inst.master_link_down_time = ms;
        }
        if report.role == Some(Role::Slave) {
            if let Some(h) = report.master_host {
                if inst.slave_master_host.as_deref() != Some(h.as_str()) {
                    inst.slave_master_host = Some(h);
                    inst.slave_conf_change_time = now;
                }
            }
            if let Some(p) = report.master_port {
                if inst.slave_master_port != p {
                    inst.slave_master_port = p;
                    inst.slave_conf_change_time = now;
                }
            }
            if let Some(up) = report.master_link_up {
                inst.slave_master_link_up = up;
            }
            if let Some(p) = report.slave_priority {
                inst.slave_priority = p;
            }
            if let Some(o) = report.slave_repl_offset {
                inst.slave_repl_offset = o;
            }
            if let Some(a) = report.replica_announced {
                inst.replica_announced = a;
            }
        }
        inst.info_refresh = Some(now);

        let Some(role) = report.role else { return };
        if role != inst.role_reported {
            inst.role_reported = role;
            inst.role_reported_time = now;
            if role == Role::Slave {
                inst.slave_conf_change_time = now;
            }
            let expected = match kind {
                Kind::Master => Role::Master,
                _ => Role::Slave,
            };
            let ev = if role == expected { "+role-change" } else { "-role-change" };
            let extra = format!("new reported role is {}", role.as_str());
            self.event(Level::Verbose, ev, r, Some(&extra));
        }

        // Everything below acts on what INFO said; nothing acts while in TILT.
        if self.tilt || kind != Kind::Replica {
            return;
        }
        if role == Role::Master {
            self.replica_reports_master(r, now);
        } else {
            self.replica_reports_slave(r, now);
        }
    }

    /// A replica says it is a master: either the promotion we are waiting for, or an instance
    /// to turn back into a replica (e.g. an old master that came back).
    fn replica_reports_master(&mut self, r: &InstanceRef, now: Millis) {
        let id = r.master();
        let (promoted, waiting, role_time) = {
            let m = &self.masters[&id];
            let i = self.instance(r).expect("caller checked");
            (
                i.has(flags::PROMOTED),
                matches!(m.failover_state(), Some(FailoverState::WaitPromotion { .. })),
                i.role_reported_time,
            )
        };
        if promoted && waiting {
            self.on_promotion_confirmed(id, now);
            return;
        }
        // Wait a few hello periods first, to hear about a newer configuration if there is one.
        let wait = 4 * self.timings.publish_period;
        if !promoted
            && self.master_looks_sane(id, now)
            && self.no_down_for(r, wait, now)
            && now.saturating_sub(role_time) > wait
        {
            let a = self.masters[&id].inst.addr.clone();
            let host = self.announce_host(&a);
            if self.send_slaveof(r, Some((&host, a.port))) {
                self.event(Level::Notice, "+convert-to-slave", r, None);
            }
        }
    }

    /// A replica says it is a replica: check it follows the right master (or is not stuck in a
    /// FAILOVER of its own, Valkey 9.0), and track its progress if a failover is reconfiguring
    /// it.
    fn replica_reports_slave(&mut self, r: &InstanceRef, now: Millis) {
        let id = r.master();
        let m = &self.masters[&id];
        let i = self.instance(r).expect("caller checked");
        let wrong_master = i.slave_master_port != m.inst.addr.port
            || !i.slave_master_host.as_deref().is_some_and(|h| addr_equals_host(&m.inst.addr, h));
        let wait = m.failover_timeout;
        let misconfigured = wrong_master
            && self.master_looks_sane(id, now)
            && self.no_down_for(r, wait, now)
            && now.saturating_sub(i.slave_conf_change_time) > wait;
        if misconfigured || self.replica_stuck_in_failover(r, now) {
            let a = m.inst.addr.clone();
            let host = self.announce_host(&a);
            if self.send_slaveof(r, Some((&host, a.port))) {
                self.event(Level::Notice, "+fix-slave-config", r, None);
            }
        }

        let m = &self.masters[&id];
        let i = self.instance(r).expect("caller checked");
        if !i.has(flags::RECONF_SENT | flags::RECONF_INPROG) {
            return;
        }
        let promoted_addr = m
            .failover_state()
            .and_then(|s| s.promoted())
            .and_then(|k| m.replicas.get(k))
            .map(|p| p.addr.clone());
        if i.has(flags::RECONF_SENT) {
            let follows_promoted = promoted_addr.as_ref().is_some_and(|pa| {
                i.slave_master_port == pa.port
                    && i.slave_master_host.as_deref().is_some_and(|h| addr_equals_host(pa, h))
            });
            if follows_promoted {
                let i = self.instance_mut(r).expect("caller checked");
                i.flags = (i.flags & !flags::RECONF_SENT) | flags::RECONF_INPROG;
                self.event(Level::Notice, "+slave-reconf-inprog", r, None);
            }
        }
        let i = self.instance(r).expect("caller checked");
        if i.has(flags::RECONF_INPROG) && i.slave_master_link_up {
            let i = self.instance_mut(r).expect("caller checked");
            i.flags = (i.flags & !flags::RECONF_INPROG) | flags::RECONF_DONE;
            self.event(Level::Notice, "+slave-reconf-done", r, None);
        }
    }
}
