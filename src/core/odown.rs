//! Objective down and asking peers (§6.8).

use super::instance::flags;
use super::types::{cmd, ms_since, InstanceRef, Level, MasterId, Millis, Reply, ReplyTag};
use super::Sentinel;

impl Sentinel {
    /// `sentinelCheckObjectivelyDown`: our own SDOWN plus enough peers that told us, within
    /// the last 5 s, that they see the master down too.
    pub(crate) fn check_objectively_down(&mut self, id: MasterId, now: Millis) {
        let Some(m) = self.masters.get(&id) else { return };
        let mut votes = 0u32;
        let mut odown = false;
        if m.inst.has(flags::S_DOWN) {
            votes = 1 + m.sentinels.values().filter(|s| s.has(flags::MASTER_DOWN)).count() as u32;
            odown = votes >= m.quorum;
        }
        let quorum = m.quorum;
        let was = m.inst.has(flags::O_DOWN);
        let who = InstanceRef::Master(id);
        if odown && !was {
            let m = self.masters.get_mut(&id).expect("checked");
            m.inst.flags |= flags::O_DOWN;
            m.inst.o_down_since_time = Some(now);
            self.event(Level::Warning, "+odown", &who, Some(&format!("#quorum {}/{}", votes, quorum)));
        } else if !odown && was {
            self.masters.get_mut(&id).expect("checked").inst.flags &= !flags::O_DOWN;
            self.event(Level::Warning, "-odown", &who, None);
        }
    }

    /// `sentinelAskMasterStateToOtherSentinels`: while we see the master SDOWN, ask every
    /// connected peer about it once per `ask_period` (or right now when `forced`), with our run
    /// id as a vote request once a failover of ours has started. Opinions older than 5 ask
    /// periods are forgotten. A COORDINATED failover's election asks too, master up or not
    /// (`wants_peer_votes`).
    pub(crate) fn ask_master_state_to_other_sentinels(&mut self, id: MasterId, now: Millis, forced: bool) {
        let ask_period = self.timings.ask_period;
        let coordinated_election = self.wants_peer_votes(id);
        let Some(m) = self.masters.get_mut(&id) else { return };
        let asking = m.inst.has(flags::S_DOWN) || coordinated_election;
        let mut to_ask = Vec::new();
        for s in m.sentinels.values_mut() {
            let elapsed = now.saturating_sub(s.last_master_down_reply_time);
            if elapsed > 5 * ask_period {
                s.flags &= !flags::MASTER_DOWN;
                s.leader = None;
            }
            if !asking {
                continue;
            }
            // Redis only looks at the last *reply*, so a silent peer is re-asked on every tick;
            // we also wait an ask period after the last question.
            let since_ask = ms_since(now, s.last_master_down_ask_time);
            if !forced && (elapsed < ask_period || since_ask < ask_period) {
                continue;
            }
            to_ask.push((s.name.clone(), s.link));
        }
        if to_ask.is_empty() {
            return;
        }
        let m = &self.masters[&id];
        let ip = self.announce_host(&m.inst.addr);
        let port = m.inst.addr.port.to_string();
        let epoch = self.current_epoch.to_string();
        let runid = if m.failover_in_progress() { self.myid.clone() } else { "*".to_string() };
        for (name, link) in to_ask {
            if self.links.get(&link).is_none_or(|l| l.disconnected()) {
                continue;
            }
            let mut c = cmd([self.map_command(id, "SENTINEL")]);
            c.extend(cmd(["is-master-down-by-addr", &ip, &port, &epoch, &runid]));
            let who = InstanceRef::Sentinel(id, name.clone());
            if self.send_to(&who, c, ReplyTag::IsMasterDown { master: id, sentinel: name }) {
                if let Some(s) = self.instance_mut(&who) {
                    s.last_master_down_ask_time = Some(now);
                }
            }
        }
    }

    /// `sentinelReceiveIsMasterDownReply`: only a well-formed `[int, string, int]` counts.
    pub(crate) fn on_is_master_down_reply(
        &mut self,
        id: MasterId,
        sentinel: &str,
        reply: &Reply,
        now: Millis,
    ) {
        let Reply::Array(items) = reply else { return };
        let [Reply::Integer(down), leader, Reply::Integer(epoch)] = items.as_slice() else { return };
        let leader = match leader {
            Reply::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
            Reply::Status(s) => s.clone(),
            _ => return,
        };
        let Some(s) = self.masters.get_mut(&id).and_then(|m| m.sentinels.get_mut(sentinel)) else { return };
        s.last_master_down_reply_time = now;
        if *down == 1 {
            s.flags |= flags::MASTER_DOWN;
        } else {
            s.flags &= !flags::MASTER_DOWN;
        }
        if leader != "*" {
            let epoch = (*epoch).max(0) as u64;
            let changed = s.leader_epoch != epoch;
            let name = s.name.clone();
            s.leader = Some(leader.clone());
            s.leader_epoch = epoch;
            if changed {
                self.log(Level::Warning, format!("{} voted for {} {}", name, leader, epoch));
            }
        }
    }
}
