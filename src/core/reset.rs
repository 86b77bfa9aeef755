//! Resetting a master (`sentinelResetMaster`), moving it to a new address
//! (`sentinelResetMasterAndChangeAddress`) and forgetting it (SENTINEL REMOVE), §7.10.

use super::instance::Instance;
use super::types::{Action, Conn, InstanceRef, Level, MasterId, Millis, Role};
use super::{CreateError, Sentinel};

impl Sentinel {
    /// Close both connections of a link (they are re-opened by the reconnect logic).
    pub(crate) fn close_link_connections(&mut self, link: super::LinkId) {
        if let Some(l) = self.links.get_mut(&link) {
            if l.cc {
                l.cc = false;
                self.out.push(Action::Close { link, conn: Conn::Command });
            }
            if l.pc {
                l.pc = false;
                self.out.push(Action::Close { link, conn: Conn::PubSub });
            }
            l.cc_up = false;
            l.pc_up = false;
            l.local_ip = None;
            l.answered_since_reconnect = false;
        }
    }

    fn release_instances(&mut self, insts: Vec<Instance>) {
        for i in insts {
            self.release_link(i.link);
        }
    }

    /// Forget every replica (and, unless `keep_sentinels`, every sentinel), drop the master's
    /// connections and failover state. `+reset-master` is emitted only when `generate_event`
    /// (SENTINEL RESET); internal resets are silent. Epochs, quorum and options are kept.
    pub fn reset_master(&mut self, id: MasterId, now: Millis, generate_event: bool, keep_sentinels: bool) {
        let Some(m) = self.masters.get_mut(&id) else { return };
        let replicas: Vec<Instance> = std::mem::take(&mut m.replicas).into_values().map(|b| *b).collect();
        let sentinels: Vec<Instance> = if keep_sentinels {
            Vec::new()
        } else {
            std::mem::take(&mut m.sentinels).into_values().map(|b| *b).collect()
        };
        let link = m.inst.link;
        m.inst.flags = 0;
        m.leader = None;
        m.failover = None;
        m.failover_start_time = None;
        m.inst.runid = None;
        m.inst.slave_master_host = None;
        m.inst.role_reported = Role::Master;
        m.inst.role_reported_time = now;
        self.release_instances(replicas);
        self.release_instances(sentinels);
        self.close_link_connections(link);
        if let Some(l) = self.links.get_mut(&link) {
            l.act_ping_time = Some(now);
            l.last_ping_time = None;
            l.last_avail_time = now;
            l.last_pong_time = now;
        }
        if generate_event {
            self.event(Level::Warning, "+reset-master", &InstanceRef::Master(id), None);
        }
    }

    /// Point a master at a new address after a failover (ours, or one learnt from a hello):
    /// the old replicas, minus the one now at the new address, plus the old master, become the
    /// new replica list (each announced with `+slave`); the sentinels are kept. Flushes.
    pub fn reset_master_and_change_address(
        &mut self,
        id: MasterId,
        host: &str,
        port: u16,
        now: Millis,
    ) -> Result<(), CreateError> {
        let new_addr = self.make_addr(host, port)?;
        let Some(m) = self.masters.get(&id) else { return Err(CreateError::NoSuchMaster) };
        let mut keep: Vec<(String, u16)> = m
            .replicas
            .values()
            .filter(|r| !r.addr.same_as(&new_addr))
            .map(|r| (r.addr.hostname.clone(), r.addr.port))
            .collect();
        if !m.inst.addr.same_as(&new_addr) {
            keep.push((m.inst.addr.hostname.clone(), m.inst.addr.port));
        }
        self.reset_master(id, now, false, true);
        self.index_master_addr(id, false);
        let m = self.masters.get_mut(&id).expect("checked");
        m.inst.addr = new_addr;
        m.inst.s_down_since_time = None;
        m.inst.o_down_since_time = None;
        // Redis keeps the link's last reconnection time, so the first connection to the new
        // address may wait up to a ping period behind failed attempts at the old (dead) one,
        // eating into the down-after the new master has to answer within. Those attempts say
        // nothing about the new address: connect at the next tick.
        let link = m.inst.link;
        if let Some(l) = self.links.get_mut(&link) {
            l.last_reconn_time = None;
        }
        self.index_master_addr(id, true);
        for (h, p) in keep {
            if let Ok(key) = self.create_replica(id, &h, p, now) {
                self.event(Level::Notice, "+slave", &InstanceRef::Replica(id, key), None);
            }
        }
        self.flush_config();
        Ok(())
    }

    /// Forget a master and everything under it (SENTINEL REMOVE). The caller emits
    /// `-monitor` first and flushes after. Returns false if there was no such master.
    pub fn remove_master(&mut self, id: MasterId) -> bool {
        self.index_master_addr(id, false);
        let Some(m) = self.masters.remove(&id) else { return false };
        if let Some(at) = m.next_tick {
            self.unschedule_master(id, at);
        }
        self.names.remove(&m.inst.name);
        self.release_link(m.inst.link);
        self.release_instances(m.replicas.into_values().map(|b| *b).collect());
        self.release_instances(m.sentinels.into_values().map(|b| *b).collect());
        true
    }
}
