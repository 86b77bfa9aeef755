//! Votes and the peer protocol's `SENTINEL is-master-down-by-addr` (§7.2, §7.3).

use super::instance::flags;
use super::types::{Level, MasterId, Millis};
use super::Sentinel;

/// The 3-element answer to is-master-down-by-addr.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterDownReply {
    pub down: bool,
    /// The run id of the leader we voted for, or `*`.
    pub leader: String,
    pub leader_epoch: u64,
}

impl Sentinel {
    /// `sentinelVoteLeader`: adopt a higher epoch, then vote for `runid` if we have not voted
    /// in this epoch yet (first asker wins). Returns our current vote for the master, which may
    /// be from an older epoch. The vote is flushed before anything else is sent.
    pub fn vote_leader(
        &mut self,
        master: MasterId,
        req_epoch: u64,
        req_runid: &str,
        now: Millis,
    ) -> (Option<String>, u64) {
        if req_epoch > self.current_epoch {
            self.current_epoch = req_epoch;
            self.flush_config();
            self.event_msg(Level::Warning, "+new-epoch", master, req_epoch.to_string());
        }
        let Some(m) = self.masters.get(&master) else { return (None, 0) };
        if m.leader_epoch < req_epoch && self.current_epoch <= req_epoch {
            let epoch = self.current_epoch;
            let delay = self.random_delay(1000);
            let myid = self.myid.clone();
            let m = self.masters.get_mut(&master).expect("checked");
            m.leader = Some(req_runid.to_string());
            m.leader_epoch = epoch;
            // Voting for someone else holds back our own attempt for 2 x failover-timeout.
            if req_runid != myid {
                m.failover_start_time = Some(now + delay);
            }
            self.flush_config();
            self.event_msg(Level::Warning, "+vote-for-leader", master, format!("{} {}", req_runid, epoch));
        }
        let m = &self.masters[&master];
        (m.leader.clone(), m.leader_epoch)
    }

    /// Answer a peer's (or a client's) `SENTINEL is-master-down-by-addr <ip> <port> <epoch>
    /// <runid>`: look the master up by address, report our SDOWN opinion (never while in TILT),
    /// and vote when `runid` is not `*`.
    pub fn is_master_down_by_addr(
        &mut self,
        ip: &str,
        port: u16,
        epoch: u64,
        runid: &str,
        now: Millis,
    ) -> MasterDownReply {
        let found = self.master_by_addr(ip, port);
        let Some(id) = found else {
            return MasterDownReply { down: false, leader: "*".into(), leader_epoch: 0 };
        };
        let down = !self.tilt && self.masters[&id].inst.has(flags::S_DOWN);
        let (leader, leader_epoch) =
            if runid != "*" { self.vote_leader(id, epoch, runid, now) } else { (None, 0) };
        MasterDownReply { down, leader: leader.unwrap_or_else(|| "*".into()), leader_epoch }
    }
}
