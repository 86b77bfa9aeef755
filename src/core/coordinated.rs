//! Valkey 9.0's coordinated failover, `SENTINEL FAILOVER <name> COORDINATED` (valkey PR #1292):
//! the old master hands over to the chosen replica itself with redis-server's `FAILOVER TO`
//! (6.2+), which pauses writes, waits until the replica has every acknowledged write, and only
//! then swaps roles, so no acknowledged write is lost.
//!
//! The rest of the failover is the ordinary state machine (`core::failover`); this module holds
//! what differs, each rule in one function:
//! - the command's checks and start ([`Sentinel::coordinated_failover`]): a real election,
//!   majority and quorum, instead of the forced start of a plain SENTINEL FAILOVER;
//! - SEND_SLAVEOF_NOONE sends `MULTI; CLIENT PAUSE <t> WRITE; FAILOVER TO <ip> <port> TIMEOUT
//!   <t>; EXEC` to the old master, never SLAVEOF NO ONE to the replica
//!   ([`Sentinel::failover_send_failover`]);
//! - once the promotion shows in INFO, `MULTI; CONFIG REWRITE; CLIENT KILL TYPE normal; CLIENT
//!   KILL TYPE pubsub; CLIENT UNPAUSE; EXEC` to both nodes
//!   ([`Sentinel::coordinated_promotion_cleanup`]);
//! - no hello PUBLISH to a node that may be paused ([`Sentinel::hello_would_block`]), since
//!   PUBLISH blocks under `CLIENT PAUSE WRITE` and everything behind it on the link with it;
//! - a node stuck in a FAILOVER of its own is repaired (`FAILOVER ABORT` first in the SLAVEOF
//!   transaction, see `send_slaveof`; [`Sentinel::replica_stuck_in_failover`]).
//!
//! Deliberate differences from Valkey 9.0 (none changes what peers see on the wire):
//! - The master is not marked SDOWN to get the vote requests out: peers are asked for their
//!   vote while the coordinated election runs ([`Sentinel::wants_peer_votes`]), so no spurious
//!   `+sdown`/`-sdown` and no `s_down` flag on a master that answers.
//! - The `CLIENT UNPAUSE` transaction is owed until its EXEC is answered: a node whose command
//!   link is down when the promotion is confirmed, or whose connection drops before the
//!   transaction ran, gets it again on its next connection (Valkey sends it once and skips a
//!   node without a link, leaving it paused until the pause runs out, with every hello PUBLISH
//!   stuck behind it); see [`Sentinel::send_owed_unpause`].
//! - An abort after the `FAILOVER` was sent also sends `MULTI; FAILOVER ABORT; CLIENT UNPAUSE;
//!   EXEC` to the old master ([`Sentinel::coordinated_abort_cleanup`]), so the nodes give up too.
//! - The old master counts as reachable only while both its connections are established and
//!   it is not SDOWN, so the pause is never queued on a connection still being opened to a
//!   dead master, nor to a hung master that would run it whenever it wakes up.

use super::failover::ManualFailoverError;
use super::instance::{flags, FailoverKind, FailoverState, OwedUnpause, UnpauseOwed};
use super::types::{Addr, InstanceRef, Kind, Level, MasterId, Millis, ReplyTag};
use super::Sentinel;

/// Valkey's `-failover-abort-master-timeout` fires when less than this is left of the
/// failover-timeout while the old master cannot be reached.
pub const MIN_FAILOVER_TIME_LEFT: Millis = 1000;

impl Sentinel {
    /// `SENTINEL FAILOVER <name> COORDINATED` (Valkey 9.0's `sentinelCommand` "failover"): checks
    /// in Valkey's order (the master never reported `master_failover_state`, so it has no
    /// FAILOVER command; a failover running; no replica to promote), then the failover starts
    /// like an automatic one, in a new epoch and with a vote request to every peer right away.
    /// Unlike a plain SENTINEL FAILOVER it must win the election (majority and quorum), or it
    /// ends with `-failover-abort-not-elected`.
    pub fn coordinated_failover(&mut self, id: MasterId, now: Millis) -> Result<(), ManualFailoverError> {
        let Some(m) = self.masters.get(&id) else { return Err(ManualFailoverError::NoGoodSlave) };
        if m.inst.node_failover_state.is_none() {
            return Err(ManualFailoverError::NoGoodPrimary);
        }
        if m.failover_in_progress() {
            return Err(ManualFailoverError::InProgress);
        }
        if self.select_slave(id, now).is_none() {
            return Err(ManualFailoverError::NoGoodSlave);
        }
        let name = m.inst.name.clone();
        self.log(Level::Warning, format!("Executing user requested COORDINATED FAILOVER of '{}'", name));
        if !self.start_failover(id, FailoverKind::Coordinated, now) {
            return Err(ManualFailoverError::EpochExhausted);
        }
        self.ask_master_state_to_other_sentinels(id, now, true);
        Ok(())
    }

    /// Whether master `id` is in a COORDINATED failover that has not seen its promotion yet
    /// (states up to WAIT_PROMOTION): the old master may be under our `CLIENT PAUSE`.
    pub fn coordinated_before_promotion(&self, id: MasterId) -> bool {
        self.running_failover(id)
            .is_some_and(|f| f.kind == FailoverKind::Coordinated && !f.state.promotion_seen())
    }

    /// Whether to ask the peers about the master this tick even though we do not see it SDOWN:
    /// a COORDINATED failover is waiting for its election (the master answers, so the SDOWN
    /// condition of `sentinelAskMasterStateToOtherSentinels` never holds). Valkey sets the
    /// SDOWN flag for this; we ask instead, with the same request.
    pub(crate) fn wants_peer_votes(&self, id: MasterId) -> bool {
        self.running_failover(id)
            .is_some_and(|f| f.kind == FailoverKind::Coordinated && f.state == FailoverState::WaitStart)
    }

    /// SEND_SLAVEOF_NOONE of a COORDINATED failover (Valkey 9.0's
    /// `sentinelFailoverSendFailover`): ask the old master to hand over to the promoted replica,
    /// pausing its writes for `t` = failover-timeout minus the time spent in this state, with
    /// `MULTI; CLIENT PAUSE <t> WRITE; FAILOVER TO <ip> <port> TIMEOUT <t>; EXEC` (replies
    /// discarded: INFO shows the outcome). While the old master is unreachable (a connection not
    /// established, or SDOWN), retry on every
    /// tick; with less than [`MIN_FAILOVER_TIME_LEFT`] left, give up with
    /// `-failover-abort-master-timeout`. There is no fallback to SLAVEOF NO ONE: that would
    /// lose the writes the handover exists to keep.
    pub(crate) fn failover_send_failover(&mut self, id: MasterId, now: Millis) {
        let Some(promoted) = self.promoted_ref(id) else {
            self.abort_if_promotion_timed_out(id, now);
            return;
        };
        let m = &self.masters[&id];
        let left = m.failover_timeout.saturating_sub(self.time_in_state(id, now));
        let master = InstanceRef::Master(id);
        let established = self.links.get(&m.inst.link).is_some_and(|l| !l.shown_disconnected());
        if !established || m.inst.has(flags::S_DOWN) {
            if left < MIN_FAILOVER_TIME_LEFT {
                self.event(Level::Warning, "-failover-abort-master-timeout", &master, None);
                self.abort_failover(id);
            }
            return;
        }
        let Some(target) = self.instance(&promoted).map(|r| r.addr.clone()) else { return };
        let t = left.max(1).to_string();
        let port = target.port.to_string();
        let commands = vec![
            self.mcmd(id, "CLIENT", &["PAUSE", &t, "WRITE"]),
            self.mcmd(id, "FAILOVER", &["TO", &target.hostname, &port, "TIMEOUT", &t]),
        ];
        if !self.send_transaction(&master, commands) {
            return;
        }
        self.enter_wait_promotion(id, &promoted, Some(now + left.max(1)), now);
    }

    /// After the promotion of a COORDINATED failover is confirmed (Valkey 9.0's
    /// `sentinelKillClients`, called from the promotion step): persist both nodes' new roles,
    /// disconnect their clients so they ask a sentinel where the master is now, and lift the
    /// write pause, on the old master and on the promoted replica, with `MULTI; CONFIG REWRITE;
    /// CLIENT KILL TYPE normal; CLIENT KILL TYPE pubsub; CLIENT UNPAUSE; EXEC`. Each node owes
    /// us the answer to that EXEC ([`Sentinel::send_owed_unpause`]) until the pause runs out by
    /// itself at `pause_until`.
    pub(crate) fn coordinated_promotion_cleanup(
        &mut self,
        id: MasterId,
        promoted: &InstanceRef,
        pause_until: Millis,
    ) {
        for who in [InstanceRef::Master(id), promoted.clone()] {
            let Some(addr) = self.instance(&who).map(|i| i.addr.clone()) else { continue };
            let m = self.masters.get_mut(&id).expect("caller checked");
            let owed = m.unpause_owed.get_or_insert_with(|| OwedUnpause { pause_until, nodes: Vec::new() });
            owed.pause_until = owed.pause_until.max(pause_until);
            if !owed.nodes.iter().any(|o| o.addr.same_as(&addr)) {
                owed.nodes.push(UnpauseOwed { addr, sent_on: None });
            }
            self.send_owed_unpause(&who);
        }
    }

    /// Send the end-of-failover transaction of [`Sentinel::coordinated_promotion_cleanup`] to a
    /// node that owes us its answer, unless it is on its way on the current connection. Valkey
    /// sends it once and skips a node without a command link (leaving it paused until the
    /// pause runs out); here it goes out again on the node's next connection, whatever became
    /// of the first one, until the EXEC is answered or the pause has run out by itself. Called
    /// on every tick of the node's instance (the old master is a replica instance after the
    /// switch: the address is what identifies it).
    pub(crate) fn send_owed_unpause(&mut self, r: &InstanceRef) {
        let id = r.master();
        let Some(owed) = self.masters.get(&id).and_then(|m| m.unpause_owed.as_ref()) else { return };
        let Some(inst) = self.instance(r).filter(|i| i.kind != Kind::Sentinel) else { return };
        let Some(link) = self.links.get(&inst.link).filter(|l| l.cc) else { return };
        let conn = (link.id, link.cc_conn_time);
        let Some(k) = owed.nodes.iter().position(|o| o.addr.same_as(&inst.addr)) else { return };
        if owed.nodes[k].sent_on == Some(conn) {
            return;
        }
        let addr = owed.nodes[k].addr.clone();
        let mut commands = self.rewrite_and_kill_clients(id);
        commands.push(self.mcmd(id, "CLIENT", &["UNPAUSE"]));
        if self.send_transaction_tagged(r, commands, ReplyTag::Unpaused { master: id, addr }) {
            if let Some(owed) = self.masters.get_mut(&id).and_then(|m| m.unpause_owed.as_mut()) {
                owed.nodes[k].sent_on = Some(conn);
            }
        }
    }

    /// The EXEC of a node's end-of-failover transaction was answered: it owes nothing more.
    pub(crate) fn on_unpaused(&mut self, id: MasterId, addr: &Addr) {
        if let Some(m) = self.masters.get_mut(&id) {
            if let Some(owed) = m.unpause_owed.as_mut() {
                owed.nodes.retain(|o| !o.addr.same_as(addr));
                if owed.nodes.is_empty() {
                    m.unpause_owed = None;
                }
            }
        }
    }

    /// Forget the owed transactions once the pause has run out by itself (at the master's
    /// tick).
    pub(crate) fn expire_owed_unpause(&mut self, id: MasterId, now: Millis) {
        if let Some(m) = self.masters.get_mut(&id) {
            if m.unpause_owed.as_ref().is_some_and(|o| now >= o.pause_until) {
                m.unpause_owed = None;
            }
        }
    }

    /// A COORDINATED failover is aborted after its `FAILOVER` went out (rsentinel addition):
    /// tell the old master to give up too and lift our pause, with `MULTI; FAILOVER ABORT;
    /// CLIENT UNPAUSE; EXEC`. By then the pause and the node's own FAILOVER timeout have run
    /// out, so this only matters for a node stuck mid-handover; `FAILOVER ABORT` without a
    /// failover running is an error inside the transaction and changes nothing.
    pub(crate) fn coordinated_abort_cleanup(&mut self, id: MasterId) {
        let commands = vec![self.mcmd(id, "FAILOVER", &["ABORT"]), self.mcmd(id, "CLIENT", &["UNPAUSE"])];
        self.send_transaction(&InstanceRef::Master(id), commands);
    }

    /// Whether a hello PUBLISH to this data node could block (Valkey 9.0 skips the hello then):
    /// PUBLISH waits under `CLIENT PAUSE WRITE`, and every command behind it on our link with
    /// it, PINGs included. That is the case while a COORDINATED failover of its master has not
    /// seen the promotion, while the node reports a FAILOVER of its own, and (rsentinel) while
    /// it still owes us the answer to its `CLIENT UNPAUSE`. Peer sentinels are never paused.
    pub(crate) fn hello_would_block(&self, r: &InstanceRef) -> bool {
        let Some(inst) = self.instance(r) else { return false };
        if inst.kind == Kind::Sentinel {
            return false;
        }
        inst.node_failover_running()
            || self.coordinated_before_promotion(r.master())
            || self.masters[&r.master()]
                .unpause_owed
                .as_ref()
                .is_some_and(|o| o.nodes.iter().any(|n| n.addr.same_as(&inst.addr)))
    }

    /// Valkey 9.0's repair of a replica stuck in a FAILOVER of its own (a `FAILOVER TO` whose
    /// target never answered, valkey test `18-stuck-failover`): its INFO has shown a
    /// `master_failover_state` other than `no-failover` for longer than failover-timeout while
    /// the master looks sane. The caller sends it SLAVEOF (with `FAILOVER ABORT` first) and
    /// emits `+fix-slave-config`.
    pub(crate) fn replica_stuck_in_failover(&self, r: &InstanceRef, now: Millis) -> bool {
        let id = r.master();
        let Some(i) = self.instance(r) else { return false };
        i.node_failover_running()
            && now.saturating_sub(i.node_failover_state_time) > self.masters[&id].failover_timeout
            && self.master_looks_sane(id, now)
    }

    /// Record the `master_failover_state` an INFO reported, and when it changed.
    pub(crate) fn note_node_failover_state(&mut self, r: &InstanceRef, state: Option<String>, now: Millis) {
        let Some(state) = state else { return };
        let Some(i) = self.instance_mut(r) else { return };
        if i.node_failover_state.as_deref() != Some(state.as_str()) {
            i.node_failover_state = Some(state);
            i.node_failover_state_time = now;
        }
    }
}
