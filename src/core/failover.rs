//! The failover state machine (§7): start, leader election, promotion, reconfiguration of the
//! other replicas, switch, abort; and SENTINEL FAILOVER. What Valkey 9.0's COORDINATED failover
//! does differently (the old master hands over) lives in `core::coordinated`.
//!
//! The lead's per-master tick drives it in Redis's order: `start_failover_if_needed` (then a
//! forced round of vote requests), `failover_state_machine` (one state transition per call),
//! and at the end of the tick `switch_to_promoted_slave_if_needed`. Promotion itself is only
//! detected through INFO, which calls `on_promotion_confirmed`.
//!
//! Differences from Redis 7.0.15, on purpose (§12):
//! - Votes are counted one epoch at a time (the failover epoch, then the current one), ours
//!   included, and a failover won in a later epoch than it started in takes that epoch as its
//!   own (see [`Sentinel::get_leader`]).
//! - The 10 s per-replica `-slave-reconf-sent-timeout` is checked for every replica before the
//!   parallel-syncs pacing loop, so a stuck replica frees its slot even when the loop is full.
//! - A failover that never started (or not since a reset) has no start time at all
//!   (`failover_start_time` is `None`); Redis tests its wall-clock time against 0.
//! - The "Next failover delay" log line gives the remaining delay in seconds, since the core
//!   has no wall clock to print a date with.
//! - SELECT_SLAVE waits up to 5 ping periods for a replica whose link is being re-established
//!   instead of aborting at once (see `failover_select_slave`).

use super::instance::{flags, Failover, FailoverKind, FailoverState};
use super::no_failover::NoFailover;
use super::types::{Action, Addr, InstanceRef, Level, MasterId, Millis};
use super::wire::numbers::next_epoch;
use super::Sentinel;

/// `SENTINEL_SIMFAILURE_CRASH_AFTER_ELECTION`.
pub const SIMFAILURE_CRASH_AFTER_ELECTION: u32 = 1;
/// `SENTINEL_SIMFAILURE_CRASH_AFTER_PROMOTION`.
pub const SIMFAILURE_CRASH_AFTER_PROMOTION: u32 = 2;

/// Why SENTINEL FAILOVER was refused (the texts are sent verbatim, without `ERR`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManualFailoverError {
    #[error("INPROG Failover already in progress")]
    InProgress,
    #[error("NOGOODSLAVE No suitable replica to promote")]
    NoGoodSlave,
    /// COORDINATED, but the master's INFO never showed `master_failover_state` (Valkey 9.0).
    #[error("NOGOODPRIMARY Primary does not support FAILOVER command")]
    NoGoodPrimary,
    /// Not in Redis, whose epoch wraps to 0 instead (see [`MAX_EPOCH`](super::wire::numbers::MAX_EPOCH)).
    #[error("ERR Can't start a failover: the current epoch is the largest there is")]
    EpochExhausted,
}

impl Sentinel {
    /// `sentinelStartFailoverIfNeeded`: start a failover when the master is O_DOWN, none is in
    /// progress, and the last attempt started at least 2 x failover-timeout ago. While waiting,
    /// say so in the log once per attempt. Returns true if a failover was started (the caller
    /// then asks the peers for votes right away).
    pub fn start_failover_if_needed(&mut self, id: MasterId, now: Millis) -> bool {
        let Some(m) = self.masters.get_mut(&id) else { return false };
        if !m.inst.has(flags::O_DOWN) || m.failover_in_progress() {
            return false;
        }
        let retry_delay = m.failover_timeout.saturating_mul(2);
        if let Some(started) = m.failover_start_time.filter(|t| now.saturating_sub(*t) < retry_delay) {
            if m.failover_delay_logged != Some(started) {
                m.failover_delay_logged = Some(started);
                let next = started.saturating_add(retry_delay);
                let secs = next.saturating_sub(now).div_ceil(1000);
                self.log(
                    Level::Warning,
                    format!(
                        "Next failover delay: I will not start a failover before {} seconds from now",
                        secs
                    ),
                );
            }
            return false;
        }
        self.start_failover(id, FailoverKind::Elected, now)
    }

    /// `sentinelStartFailover`: enter WAIT_START in a new epoch. The start time gets a random
    /// 0-999 ms offset so that sentinels that saw ODOWN together don't retry in lockstep.
    /// Epochs stop at [`MAX_EPOCH`](super::wire::numbers::MAX_EPOCH): past it, no failover starts (Redis's `current_epoch++`
    /// wraps to 0 after 2^64 - 1); the refusal counts as an attempt, so it is retried (and
    /// logged) only after the usual 2 x failover-timeout. Returns whether it started.
    pub fn start_failover(&mut self, id: MasterId, kind: FailoverKind, now: Millis) -> bool {
        if !self.masters.contains_key(&id) {
            return false;
        }
        let Some(epoch) = next_epoch(self.current_epoch) else {
            self.log(
                Level::Warning,
                format!(
                    "Can't start a failover: the current epoch {} is the largest there is",
                    self.current_epoch
                ),
            );
            if let Some(m) = self.masters.get_mut(&id) {
                m.failover_start_time = Some(now);
            }
            return false;
        };
        self.current_epoch = epoch;
        let delay = self.random_delay(1000);
        let m = self.masters.get_mut(&id).expect("checked");
        m.failover = Some(Failover::new(epoch, kind, now));
        m.failover_start_time = Some(now + delay);
        self.event_msg(Level::Warning, "+new-epoch", id, epoch.to_string());
        self.event(Level::Warning, "+try-failover", &InstanceRef::Master(id), None);
        true
    }

    /// `sentinelFailoverStateMachine`: take at most one step of a failover in progress.
    /// (The caller skips it in TILT.) Promotion is not a step here: INFO detects it.
    pub fn failover_state_machine(&mut self, id: MasterId, now: Millis) {
        let Some(f) = self.masters.get(&id).and_then(|m| m.failover.as_ref()) else { return };
        let coordinated = f.kind == FailoverKind::Coordinated;
        match f.state {
            FailoverState::WaitStart => self.failover_wait_start(id, now),
            FailoverState::SelectSlave => self.failover_select_slave(id, now),
            FailoverState::SendSlaveofNoone { .. } if coordinated => self.failover_send_failover(id, now),
            FailoverState::SendSlaveofNoone { .. } => self.failover_send_slaveof_noone(id, now),
            FailoverState::WaitPromotion { .. } => self.failover_wait_promotion(id, now),
            FailoverState::ReconfSlaves { .. } => self.failover_reconf_next_slave(id, now),
            FailoverState::UpdateConfig { .. } => {}
        }
    }

    /// `sentinelGetLeader` for a failover started in `epoch`: return the leader and the epoch
    /// it won in, if someone has, within one epoch, a majority of all sentinels ever seen
    /// (`voters/2 + 1`, us included) and at least `quorum` votes. The failover epoch is
    /// counted first, then the current epoch. Our own vote is cast as Redis casts it, in
    /// `epoch`, for the candidate most voted by the peers there, or for ourselves.
    ///
    /// Redis counts the peers' votes cast in the current epoch together with its own vote
    /// cast in the failover epoch (§12). Once the current epoch has moved past the failover
    /// epoch (another master's failover, a peer's newer attempt), that mixes two elections,
    /// so two sentinels could each act as leader with the same config epoch. Here each tally
    /// counts the votes of one epoch only, ours included, so at most one sentinel wins a given
    /// epoch, and the caller makes the epoch won in the failover's (and so its config epoch).
    /// Counting the current epoch as well keeps what Redis's rule is good for: our vote
    /// requests carry the current epoch, so a candidate whose failover epoch went stale, as
    /// happens when many master names fail over at once, is still elected by the votes its
    /// later requests collect. The wire protocol is unchanged, and while the two epochs are
    /// equal, which is the usual case, the result is Redis's.
    pub fn get_leader(&mut self, id: MasterId, epoch: u64, now: Millis) -> Option<(String, u64)> {
        let (candidate, _) = self.tally_votes(id, epoch, None)?;
        let candidate = candidate.unwrap_or_else(|| self.myid.clone());
        let my_vote = self.vote_leader(id, epoch, &candidate, now);
        let m = self.masters.get(&id)?;
        let voters = m.sentinels.len() as u64 + 1;
        let needed = (voters / 2 + 1).max(m.quorum as u64);
        let mut epochs = vec![epoch];
        if self.current_epoch != epoch {
            epochs.push(self.current_epoch);
        }
        epochs.into_iter().find_map(|e| match self.tally_votes(id, e, Some(&my_vote)) {
            Some((Some(winner), votes)) if votes >= needed => Some((winner, e)),
            _ => None,
        })
    }

    /// The most voted candidate among the votes cast in `epoch` for master `id` (the peers'
    /// as they reported them, plus `ours` when cast in `epoch`) and its vote count; ties go to
    /// the first seen, in sentinel order. `None` for an unknown master.
    pub(crate) fn tally_votes(
        &self,
        id: MasterId,
        epoch: u64,
        ours: Option<&(Option<String>, u64)>,
    ) -> Option<(Option<String>, u64)> {
        let m = self.masters.get(&id)?;
        let peers =
            m.sentinels.values().filter(|p| p.leader_epoch == epoch).filter_map(|p| p.leader.as_ref());
        let mine = ours.filter(|(_, e)| *e == epoch).and_then(|(leader, _)| leader.as_ref());
        // A Vec keeps "first seen wins ties" deterministic.
        let mut counters: Vec<(&String, u64)> = Vec::new();
        for leader in peers.chain(mine) {
            match counters.iter_mut().find(|(r, _)| *r == leader) {
                Some((_, n)) => *n += 1,
                None => counters.push((leader, 1)),
            }
        }
        let mut best: Option<(&String, u64)> = None;
        for (runid, n) in counters {
            if best.is_none_or(|(_, max)| n > max) {
                best = Some((runid, n));
            }
        }
        Some(best.map_or((None, 0), |(r, n)| (Some(r.clone()), n)))
    }

    /// WAIT_START (`sentinelFailoverWaitStart`): go on once elected (or when forced by
    /// SENTINEL FAILOVER); give up after min(election timeout, failover timeout). The epoch
    /// the election was won in becomes the failover epoch (see [`Sentinel::get_leader`]).
    fn failover_wait_start(&mut self, id: MasterId, now: Millis) {
        let Some(epoch) = self.running_failover(id).map(|f| f.epoch) else { return };
        let won = self.get_leader(id, epoch, now).filter(|(l, _)| l.eq_ignore_ascii_case(&self.myid));
        let is_leader = won.is_some();
        if let Some((_, won_epoch)) = won {
            if let Some(f) = self.running_failover_mut(id) {
                f.epoch = won_epoch;
            }
        }
        let m = &self.masters[&id];
        if !is_leader && !m.failover_is(FailoverKind::Forced) {
            let election_timeout = self.timings.election_timeout.min(m.failover_timeout);
            let started = m.failover_start_time.unwrap_or(now);
            if now.saturating_sub(started) > election_timeout {
                self.event(Level::Warning, "-failover-abort-not-elected", &InstanceRef::Master(id), None);
                self.abort_failover(id);
                if let Some(why) = self.election_outcome(id, self.current_epoch) {
                    self.explain_aborted_failover(id, why, now);
                }
            }
            return;
        }
        self.event(Level::Warning, "+elected-leader", &InstanceRef::Master(id), None);
        if self.simulate_failure_flags & SIMFAILURE_CRASH_AFTER_ELECTION != 0 {
            self.simulated_crash();
            return;
        }
        if let Some(f) = self.running_failover_mut(id) {
            f.enter(FailoverState::SelectSlave, now);
        }
        self.event(Level::Warning, "+failover-state-select-slave", &InstanceRef::Master(id), None);
    }

    /// SELECT_SLAVE (`sentinelFailoverSelectSlave`): pick the replica to promote, or abort.
    ///
    /// Unlike Redis, a failover does not abort at once when the only replicas it could promote
    /// are waiting for their link to come back ([`Sentinel::replica_link_being_restored`]):
    /// it waits in this state for up to 5 ping periods. The promotion transaction of another
    /// master name on the same server (`CLIENT KILL TYPE normal`) cuts every sentinel's link
    /// to that server, so when several names fail over together, Redis's immediate
    /// `-failover-abort-no-good-slave` (and retry 2 x failover-timeout later) would hit
    /// every name whose selection comes right after another name's promotion.
    fn failover_select_slave(&mut self, id: MasterId, now: Millis) {
        let Some(key) = self.select_slave(id, now) else {
            let waited = self.time_in_state(id, now);
            let grace = self.timings.ping_period.saturating_mul(5);
            if waited <= grace && self.replica_link_being_restored(id, now) {
                return;
            }
            self.event(Level::Warning, "-failover-abort-no-good-slave", &InstanceRef::Master(id), None);
            self.abort_failover(id);
            self.explain_aborted_failover(id, NoFailover::NoGoodReplica, now);
            return;
        };
        let who = InstanceRef::Replica(id, key.clone());
        self.event(Level::Warning, "+selected-slave", &who, None);
        let m = self.masters.get_mut(&id).expect("checked");
        if let Some(r) = m.replicas.get_mut(&key) {
            r.flags |= flags::PROMOTED;
        }
        if let Some(f) = m.failover.as_mut() {
            f.enter(FailoverState::SendSlaveofNoone { promoted: key }, now);
        }
        self.event(Level::Notice, "+failover-state-send-slaveof-noone", &who, None);
    }

    /// The promoted replica, if one is selected and it still exists.
    pub(crate) fn promoted_ref(&self, id: MasterId) -> Option<InstanceRef> {
        let m = self.masters.get(&id)?;
        let key = m.failover_state()?.promoted().filter(|k| m.replicas.contains_key(*k))?;
        Some(InstanceRef::Replica(id, key.clone()))
    }

    /// The failover of master `id` in progress, if any.
    pub(crate) fn running_failover(&self, id: MasterId) -> Option<&Failover> {
        self.masters.get(&id)?.failover.as_ref()
    }

    pub(crate) fn running_failover_mut(&mut self, id: MasterId) -> Option<&mut Failover> {
        self.masters.get_mut(&id)?.failover.as_mut()
    }

    /// How long the failover of master `id` has been in its current state (0 without one).
    pub(crate) fn time_in_state(&self, id: MasterId, now: Millis) -> Millis {
        self.running_failover(id).map_or(0, |f| now.saturating_sub(f.state_change_time))
    }

    pub(crate) fn link_disconnected(&self, who: &InstanceRef) -> bool {
        self.instance(who).and_then(|i| self.links.get(&i.link)).is_none_or(|l| l.disconnected())
    }

    /// Abort with `-failover-abort-slave-timeout` once failover-timeout has passed in the state.
    pub(crate) fn abort_if_promotion_timed_out(&mut self, id: MasterId, now: Millis) {
        if self.time_in_state(id, now) > self.masters[&id].failover_timeout {
            self.event(Level::Warning, "-failover-abort-slave-timeout", &InstanceRef::Master(id), None);
            self.abort_failover(id);
            self.explain_aborted_failover(id, NoFailover::PromotionTimeout, now);
        }
    }

    /// SEND_SLAVEOF_NOONE (`sentinelFailoverSendSlaveOfNoOne`): send the promotion
    /// transaction; while the replica is unreachable keep trying until failover-timeout.
    fn failover_send_slaveof_noone(&mut self, id: MasterId, now: Millis) {
        let Some(promoted) = self.promoted_ref(id) else {
            // The promoted replica was forgotten under us: nothing to wait for.
            self.abort_if_promotion_timed_out(id, now);
            return;
        };
        if self.link_disconnected(&promoted) {
            self.abort_if_promotion_timed_out(id, now);
            return;
        }
        if !self.send_slaveof(&promoted, None) {
            return;
        }
        self.enter_wait_promotion(id, &promoted, None, now);
    }

    /// The promotion was asked for (of `promoted`, or of the old master in a COORDINATED
    /// failover, which paused its writes until `pause_until`): announce it and wait for INFO
    /// to show it.
    pub(crate) fn enter_wait_promotion(
        &mut self,
        id: MasterId,
        promoted: &InstanceRef,
        pause_until: Option<Millis>,
        now: Millis,
    ) {
        self.event(Level::Notice, "+failover-state-wait-promotion", promoted, None);
        let Some(f) = self.running_failover_mut(id) else { return };
        if let Some(key) = f.state.promoted().cloned() {
            f.enter(FailoverState::WaitPromotion { promoted: key, pause_until }, now);
        }
    }

    /// WAIT_PROMOTION (`sentinelFailoverWaitPromotion`): only the timeout lives here; INFO
    /// from the promoted replica moves the state on (`on_promotion_confirmed`).
    fn failover_wait_promotion(&mut self, id: MasterId, now: Millis) {
        self.abort_if_promotion_timed_out(id, now);
    }

    /// The promoted replica reported `role:master` while we wait for it (§7.6): the failover
    /// is now committed. Its config epoch becomes ours, the new address is persisted and
    /// announced (hellos forced out on the next tick), and the client-reconfig script runs.
    /// Called by INFO processing (not in TILT); ignored unless the master is in WAIT_PROMOTION.
    pub fn on_promotion_confirmed(&mut self, id: MasterId, now: Millis) {
        let Some(FailoverState::WaitPromotion { pause_until, .. }) =
            self.masters.get(&id).and_then(|m| m.failover_state())
        else {
            return;
        };
        let pause_until = *pause_until;
        let Some(promoted) = self.promoted_ref(id) else { return };
        let m = self.masters.get_mut(&id).expect("checked");
        let f = m.failover.as_mut().expect("checked");
        m.config_epoch = f.epoch;
        let key = f.state.promoted().cloned().expect("checked");
        f.enter(FailoverState::ReconfSlaves { promoted: key }, now);
        self.flush_config();
        self.event(Level::Warning, "+promoted-slave", &promoted, None);
        if self.simulate_failure_flags & SIMFAILURE_CRASH_AFTER_PROMOTION != 0 {
            self.simulated_crash();
            return;
        }
        if let Some(pause_until) = pause_until {
            self.coordinated_promotion_cleanup(id, &promoted, pause_until);
        }
        self.event(Level::Warning, "+failover-state-reconf-slaves", &InstanceRef::Master(id), None);
        let from = self.masters[&id].inst.addr.clone();
        if let Some(to) = self.instance(&promoted).map(|i| i.addr.clone()) {
            self.schedule_client_reconfig(id, "leader", &from, &to);
        }
        self.force_hello_update(id);
    }

    /// `sentinelForceHelloUpdateForMaster`: make a hello due to the master, its replicas and
    /// its sentinels, so they go out on the next tick (Redis moves their last hello time a
    /// publish period back; here it is forgotten, which also works the first 2 s after start).
    pub fn force_hello_update(&mut self, id: MasterId) {
        let Some(m) = self.masters.get_mut(&id) else { return };
        for i in m.instances_mut() {
            i.last_pub_time = None;
        }
    }

    /// RECONF_SLAVES (`sentinelFailoverReconfNextSlave`): point the other replicas at the
    /// promoted one, at most parallel-syncs at a time, then check whether we are done.
    fn failover_reconf_next_slave(&mut self, id: MasterId, now: Millis) {
        let reconf_timeout = self.timings.slave_reconf_timeout;
        let m = &self.masters[&id];
        // A replica that got SLAVEOF but never started syncing within 10 s is considered done
        // (the fix-slave-config path repairs it later). Redis checks this inside the pacing
        // loop, which never runs when every slot is taken (§12); checking every replica first
        // lets a stuck replica free its slot.
        let timed_out: Vec<String> = m
            .replicas
            .iter()
            .filter(|(_, r)| {
                !r.has(flags::PROMOTED | flags::RECONF_DONE)
                    && r.has(flags::RECONF_SENT)
                    && r.slave_reconf_sent_time.is_none_or(|t| now.saturating_sub(t) > reconf_timeout)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in timed_out {
            let who = InstanceRef::Replica(id, key);
            self.event(Level::Notice, "-slave-reconf-sent-timeout", &who, None);
            if let Some(r) = self.instance_mut(&who) {
                r.flags = (r.flags & !flags::RECONF_SENT) | flags::RECONF_DONE;
            }
        }

        if let Some(target) = self.promoted_target(id) {
            let m = &self.masters[&id];
            let parallel_syncs = m.parallel_syncs;
            let mut in_progress =
                m.replicas.values().filter(|r| r.has(flags::RECONF_SENT | flags::RECONF_INPROG)).count()
                    as i64;
            let keys: Vec<String> = m.replicas.keys().cloned().collect();
            for key in keys {
                if in_progress >= parallel_syncs {
                    break;
                }
                let who = InstanceRef::Replica(id, key);
                let busy = flags::PROMOTED | flags::RECONF_DONE | flags::RECONF_SENT | flags::RECONF_INPROG;
                if self.instance(&who).is_none_or(|r| r.has(busy)) || self.link_disconnected(&who) {
                    continue;
                }
                if self.send_slaveof(&who, Some((&target.0, target.1))) {
                    if let Some(r) = self.instance_mut(&who) {
                        r.flags |= flags::RECONF_SENT;
                        r.slave_reconf_sent_time = Some(now);
                    }
                    self.event(Level::Notice, "+slave-reconf-sent", &who, None);
                    in_progress += 1;
                }
            }
        }
        self.failover_detect_end(id, now);
    }

    /// The promoted replica's address in the form SLAVEOF takes (announced host, port).
    fn promoted_target(&self, id: MasterId) -> Option<(String, u16)> {
        let p = self.promoted_ref(id)?;
        let addr = &self.instance(&p)?.addr;
        Some((self.announce_host(addr), addr.port))
    }

    /// `sentinelFailoverDetectEnd`: the failover ends when every replica that is not SDOWN is
    /// reconfigured, or when failover-timeout has passed in RECONF_SLAVES; in that case the
    /// replicas not yet told get a best-effort SLAVEOF. Nothing ends while the promoted
    /// replica is unreachable.
    fn failover_detect_end(&mut self, id: MasterId, now: Millis) {
        let Some(promoted) = self.promoted_ref(id) else { return };
        if self.instance(&promoted).is_none_or(|p| p.has(flags::S_DOWN)) {
            return;
        }
        let m = &self.masters[&id];
        let mut not_reconfigured = m
            .replicas
            .values()
            .filter(|r| !r.has(flags::PROMOTED | flags::RECONF_DONE) && !r.has(flags::S_DOWN))
            .count();
        let timeout = self.time_in_state(id, now) > m.failover_timeout;
        if timeout {
            not_reconfigured = 0;
            self.event(Level::Warning, "+failover-end-for-timeout", &InstanceRef::Master(id), None);
        }
        if not_reconfigured == 0 {
            self.event(Level::Warning, "+failover-end", &InstanceRef::Master(id), None);
            let f = self.running_failover_mut(id).expect("checked");
            let key = f.state.promoted().cloned().expect("checked");
            f.enter(FailoverState::UpdateConfig { promoted: key }, now);
        }
        if timeout {
            let Some(target) = self.promoted_target(id) else { return };
            let keys: Vec<String> = self.masters[&id].replicas.keys().cloned().collect();
            for key in keys {
                let who = InstanceRef::Replica(id, key);
                // INPROG replicas are included, as in Redis: they have not confirmed the link.
                let skip = flags::PROMOTED | flags::RECONF_DONE | flags::RECONF_SENT;
                if self.instance(&who).is_none_or(|r| r.has(skip)) || self.link_disconnected(&who) {
                    continue;
                }
                if self.send_slaveof(&who, Some((&target.0, target.1))) {
                    self.event(Level::Notice, "+slave-reconf-sent-be", &who, None);
                    if let Some(r) = self.instance_mut(&who) {
                        r.flags |= flags::RECONF_SENT;
                    }
                }
            }
        }
    }

    /// `sentinelFailoverSwitchToPromotedSlave`, at the end of the master's tick once the
    /// failover reached UPDATE_CONFIG: announce `+switch-master` and move the master to the
    /// promoted replica's address. The reset that does it also ends the failover.
    pub fn switch_to_promoted_slave_if_needed(&mut self, id: MasterId, now: Millis) {
        let Some(m) = self.masters.get(&id) else { return };
        let Some(FailoverState::UpdateConfig { promoted }) = m.failover_state() else { return };
        let old = m.inst.addr.clone();
        let new = m.replicas.get(promoted).map_or(&old, |r| &r.addr).clone();
        let msg = format!(
            "{} {} {} {} {}",
            m.inst.name,
            self.announce_host(&old),
            old.port,
            self.announce_host(&new),
            new.port
        );
        let name = m.inst.name.clone();
        self.event_msg(Level::Warning, "+switch-master", id, msg);
        if let Err(e) = self.reset_master_and_change_address(id, &new.hostname, new.port, now) {
            self.log(Level::Warning, format!("Failed to switch master {} to {}: {}", name, new, e));
        }
    }

    /// `sentinelAbortFailover`: give up a failover that is not committed yet (up to
    /// WAIT_PROMOTION). `failover_start_time` stays, so the next attempt waits 2 x
    /// failover-timeout from this one's start. A COORDINATED failover whose `FAILOVER` went
    /// out also tells the old master to give up (`coordinated_abort_cleanup`).
    pub fn abort_failover(&mut self, id: MasterId) {
        let Some(f) = self.running_failover(id) else { return };
        if f.state.promotion_seen() {
            return;
        }
        if matches!(f.state, FailoverState::WaitPromotion { pause_until: Some(_), .. }) {
            self.coordinated_abort_cleanup(id);
        }
        let m = self.masters.get_mut(&id).expect("checked");
        let f = m.failover.take().expect("checked");
        if let Some(r) = f.state.promoted().and_then(|key| m.replicas.get_mut(key)) {
            r.flags &= !flags::PROMOTED;
        }
    }

    /// SENTINEL FAILOVER: start a failover now, without agreement from other sentinels and
    /// without waiting for the retry delay, provided none is running and a replica qualifies.
    /// (An unknown master has no replica to promote: `NoGoodSlave`.)
    pub fn manual_failover(&mut self, id: MasterId, now: Millis) -> Result<(), ManualFailoverError> {
        if self.masters.get(&id).is_some_and(|m| m.failover_in_progress()) {
            return Err(ManualFailoverError::InProgress);
        }
        if self.select_slave(id, now).is_none() {
            self.log_no_failover(
                id,
                Level::Warning,
                "SENTINEL FAILOVER refused, no replica can be promoted",
                now,
            );
            return Err(ManualFailoverError::NoGoodSlave);
        }
        let name = self.masters[&id].inst.name.clone();
        self.log(Level::Warning, format!("Executing user requested FAILOVER of '{}'", name));
        if !self.start_failover(id, FailoverKind::Forced, now) {
            return Err(ManualFailoverError::EpochExhausted);
        }
        Ok(())
    }

    /// Queue the master's client-reconfig script, if any:
    /// `<master-name> <leader|observer> start <from-ip> <from-port> <to-ip> <to-port>`.
    pub fn schedule_client_reconfig(&mut self, id: MasterId, role: &str, from: &Addr, to: &Addr) {
        let Some(m) = self.masters.get(&id) else { return };
        let Some(script) = m.client_reconfig_script.clone() else { return };
        let args = vec![
            m.inst.name.clone(),
            role.to_string(),
            "start".to_string(),
            self.announce_host(from),
            from.port.to_string(),
            self.announce_host(to),
            to.port.to_string(),
        ];
        self.schedule_script(script, args);
    }

    /// `sentinelSimFailureCrash`: SENTINEL SIMULATE-FAILURE asked us to die here.
    fn simulated_crash(&mut self) {
        self.log(Level::Warning, "Sentinel CRASH because of SENTINEL simulate-failure".to_string());
        self.out.push(Action::Exit { code: 99 });
    }
}

#[cfg(test)]
#[path = "tests/failover_tests/mod.rs"]
mod tests;
