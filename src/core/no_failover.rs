//! Why no failover (an rsentinel addition; Redis has no counterpart). When a master is down
//! but no failover of ours is under way, the operator wants to know why, and Redis says
//! little: a bare `-failover-abort-no-good-slave` event, or nothing at all.
//!
//! Each master carries the current reason ([`Master::no_failover`], in the read model, so the
//! metrics endpoint shows it as `rsentinel_failover_blocked`), and each new reason is logged
//! once, as one warning that names it and, for every replica, the selection rule that rejects
//! it ([`Sentinel::replica_verdicts`], the rules of `sentinelSelectSlave`). The reasons:
//!
//! - standing ones, found on each master tick ([`Sentinel::explain_no_failover`]): too few
//!   sentinels agree that the master is down (no ODOWN), TILT, or the back-off of
//!   2 x failover-timeout after the previous attempt;
//! - the end of an attempt of ours ([`Sentinel::explain_aborted_failover`]): not elected (no
//!   candidate had a majority of the sentinels, or the quorum of votes), no replica could be
//!   promoted, or the promotion timed out. Such a reason stays through the back-off that
//!   follows it, so the log says it once.
//!
//! Being outvoted by a sentinel that performs the failover itself is not a failure: it is
//! recorded (`other_leader`) and logged at notice level only.
//!
//! Nothing here changes what Sentinel does; it only explains it.

use std::fmt;

use super::events::instance_prefix;
use super::instance::{flags, Instance, Master};
use super::select::Ineligible;
use super::types::{ms_since, Level, MasterId, Millis};
use super::Sentinel;

/// Why a master that is down has no failover of ours under way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoFailover {
    /// SDOWN for a while, but fewer sentinels than the quorum agree (so no ODOWN).
    NoQuorum { agree: u32, quorum: u32 },
    /// TILT: no action is taken until it ends.
    Tilt { remaining_ms: Millis },
    /// Our attempt was not elected: no candidate had a majority of all known sentinels.
    NoMajority { epoch: u64, best: u64, majority: u64, voters: u64 },
    /// Our attempt was not elected: the most voted candidate had a majority but fewer votes
    /// than the quorum.
    VotesBelowQuorum { epoch: u64, best: u64, quorum: u64 },
    /// Another sentinel won the election (or got our vote) and performs the failover.
    OtherLeader { leader: String, epoch: u64 },
    /// Our attempt found no replica to promote (`-failover-abort-no-good-slave`).
    NoGoodReplica,
    /// The replica we chose did not become a master in time (`-failover-abort-slave-timeout`).
    PromotionTimeout,
    /// ODOWN, but the previous attempt started less than 2 x failover-timeout ago.
    Backoff { remaining_ms: Millis },
}

impl NoFailover {
    /// The `reason` label of `rsentinel_failover_blocked`.
    pub fn label(&self) -> &'static str {
        match self {
            NoFailover::NoQuorum { .. } => "no_quorum",
            NoFailover::Tilt { .. } => "tilt",
            NoFailover::NoMajority { .. } => "no_majority",
            NoFailover::VotesBelowQuorum { .. } => "votes_below_quorum",
            NoFailover::OtherLeader { .. } => "other_leader",
            NoFailover::NoGoodReplica => "no_good_replica",
            NoFailover::PromotionTimeout => "promotion_timeout",
            NoFailover::Backoff { .. } => "backoff",
        }
    }

    /// Whether this reason ended an attempt of ours (and so outlasts the back-off after it).
    fn ends_attempt(&self) -> bool {
        matches!(
            self,
            NoFailover::NoMajority { .. }
                | NoFailover::VotesBelowQuorum { .. }
                | NoFailover::OtherLeader { .. }
                | NoFailover::NoGoodReplica
                | NoFailover::PromotionTimeout
        )
    }

    /// The level it is logged at: everything is a warning but a failover done by another.
    fn level(&self) -> Level {
        match self {
            NoFailover::OtherLeader { .. } => Level::Notice,
            _ => Level::Warning,
        }
    }
}

impl fmt::Display for NoFailover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoFailover::NoQuorum { agree, quorum } => write!(
                f,
                "no quorum: {} of the {} sentinels needed agree that it is down (no ODOWN)",
                agree, quorum
            ),
            NoFailover::Tilt { remaining_ms } => {
                write!(f, "TILT mode: no action for {} more seconds", remaining_ms.div_ceil(1000))
            }
            NoFailover::NoMajority { epoch, best, majority, voters } => write!(
                f,
                "not elected in epoch {}: no majority, the most voted sentinel had {} of the {} votes needed ({} sentinels known)",
                epoch, best, majority, voters
            ),
            NoFailover::VotesBelowQuorum { epoch, best, quorum } => write!(
                f,
                "not elected in epoch {}: the most voted sentinel had {} votes, fewer than the quorum of {}",
                epoch, best, quorum
            ),
            NoFailover::OtherLeader { leader, epoch } => {
                write!(f, "sentinel {} leads the failover of epoch {}", leader, epoch)
            }
            NoFailover::NoGoodReplica => write!(f, "no replica can be promoted"),
            NoFailover::PromotionTimeout => {
                write!(f, "the selected replica did not turn into a master within failover-timeout")
            }
            NoFailover::Backoff { remaining_ms } => write!(
                f,
                "failover-timeout back-off: the previous attempt started less than 2 x failover-timeout ago, the next may start in {} seconds",
                remaining_ms.div_ceil(1000)
            ),
        }
    }
}

impl Ineligible {
    /// The `reason` label of `rsentinel_replica_promotable` (`ok` is the promotable one).
    pub fn label(self) -> &'static str {
        match self {
            Ineligible::Down => "down",
            Ineligible::Disconnected => "disconnected",
            Ineligible::NotAvailable => "no_ping_reply",
            Ineligible::PriorityZero => "priority_zero",
            Ineligible::StaleInfo => "stale_info",
            Ineligible::LinkDownTooLong => "link_down_too_long",
        }
    }

    /// The rule in words, for the log.
    pub fn describe(self) -> &'static str {
        match self {
            Ineligible::Down => "down (SDOWN or ODOWN)",
            Ineligible::Disconnected => "disconnected",
            Ineligible::NotAvailable => "no PING reply for more than 5 ping periods",
            Ineligible::PriorityZero => "replica-priority 0",
            Ineligible::StaleInfo => "INFO too old",
            Ineligible::LinkDownTooLong => "link to the master down for too long",
        }
    }
}

/// The `reason` label of a promotable replica.
pub const PROMOTABLE: &str = "ok";

/// The label of a replica verdict.
pub fn verdict_label(v: Result<(), Ineligible>) -> &'static str {
    match v {
        Ok(()) => PROMOTABLE,
        Err(rule) => rule.label(),
    }
}

impl Sentinel {
    /// Every replica of `master` with the first selection rule it breaks, or `Ok` if it could
    /// be promoted now, in key order.
    pub fn replica_verdicts<'a>(
        &self,
        master: &'a Master,
        now: Millis,
    ) -> Vec<(&'a Instance, Result<(), Ineligible>)> {
        master.replicas.values().map(|r| (&**r, self.check_promotable(master, r, now))).collect()
    }

    /// The replicas part of a log line: `Replicas: <name> <rule>; ...`.
    fn describe_replicas(&self, master: &Master, now: Millis) -> String {
        let verdicts = self.replica_verdicts(master, now);
        if verdicts.is_empty() {
            return "Replicas: none known".to_string();
        }
        let parts: Vec<String> = verdicts
            .iter()
            .map(|(r, v)| match v {
                Ok(()) => format!("{} promotable", r.name),
                Err(rule) => format!("{} {}", r.name, rule.describe()),
            })
            .collect();
        format!("Replicas: {}", parts.join("; "))
    }

    /// Log why `id` cannot fail over (`what` names the reason), with every replica's verdict.
    pub(crate) fn log_no_failover(&mut self, id: MasterId, level: Level, what: &str, now: Millis) {
        let Some(m) = self.masters.get(&id) else { return };
        let line = format!(
            "No failover of {}: {}. {}",
            instance_prefix(&m.inst, m, self.settings.announce_hostnames),
            what,
            self.describe_replicas(m, now)
        );
        self.log(level, line);
    }

    /// Record a new reason and log it, unless it is the one already recorded (compared by
    /// kind: a changing vote count or countdown is the same reason).
    fn set_no_failover(&mut self, id: MasterId, reason: Option<NoFailover>, now: Millis) {
        let Some(m) = self.masters.get_mut(&id) else { return };
        let same = m.no_failover.as_ref().map(NoFailover::label) == reason.as_ref().map(NoFailover::label);
        m.no_failover = reason.clone();
        if let Some(r) = reason.filter(|_| !same) {
            self.log_no_failover(id, r.level(), &r.to_string(), now);
        }
    }

    /// Find the standing reason why master `id` is down without a failover of ours, once per
    /// master tick (after the failover steps, so a failover that starts now clears it).
    pub fn explain_no_failover(&mut self, id: MasterId, now: Millis) {
        let Some(m) = self.masters.get(&id) else { return };
        let reason = if !m.inst.has(flags::S_DOWN) || m.failover_in_progress() {
            None
        } else if self.tilt {
            let end = self.tilt_start_time.saturating_add(self.timings.tilt_period);
            Some(NoFailover::Tilt { remaining_ms: end.saturating_sub(now) })
        } else if !m.inst.has(flags::O_DOWN) {
            // Peers are asked once per ask period and their answers last 5 of them: give them
            // that long before calling it a missing quorum.
            let grace = self.timings.ask_period.saturating_mul(5);
            if ms_since(now, m.inst.s_down_since_time) <= grace {
                None
            } else {
                let agree = 1 + m.sentinels.values().filter(|s| s.has(flags::MASTER_DOWN)).count() as u32;
                Some(NoFailover::NoQuorum { agree, quorum: m.quorum })
            }
        } else {
            let retry_delay = m.failover_timeout.saturating_mul(2);
            let retry_at = m.failover_start_time.map(|t| t.saturating_add(retry_delay));
            let backing_off = retry_at.is_some_and(|t| now < t);
            let retry_at = retry_at.unwrap_or(now);
            match (&m.no_failover, &m.leader) {
                (_, _) if !backing_off => None,
                (Some(r), _) if r.ends_attempt() => Some(r.clone()),
                (_, Some(leader)) if m.leader_epoch == self.current_epoch && *leader != self.myid => {
                    Some(NoFailover::OtherLeader { leader: leader.clone(), epoch: m.leader_epoch })
                }
                _ => Some(NoFailover::Backoff { remaining_ms: retry_at - now }),
            }
        };
        self.set_no_failover(id, reason, now);
    }

    /// An attempt of ours for master `id` ended without a failover (`reason`): record and log
    /// it. Called where the `-failover-abort-*` event is emitted.
    pub(crate) fn explain_aborted_failover(&mut self, id: MasterId, reason: NoFailover, now: Millis) {
        // Logged even when the previous attempt ended the same way: each attempt is news.
        if let Some(m) = self.masters.get_mut(&id) {
            m.no_failover = None;
        }
        self.set_no_failover(id, Some(reason), now);
    }

    /// Why the election tallied in `epoch` for master `id` was not won by us: the votes the
    /// peers reported for that epoch plus our own, counted as `get_leader` counts them.
    pub(crate) fn election_outcome(&self, id: MasterId, epoch: u64) -> Option<NoFailover> {
        let m = self.masters.get(&id)?;
        let own = (m.leader.clone(), m.leader_epoch);
        let (best_id, best) = self.tally_votes(id, epoch, Some(&own))?;
        let best_id = best_id.unwrap_or_default();
        let voters = m.sentinels.len() as u64 + 1;
        let majority = voters / 2 + 1;
        let quorum = m.quorum as u64;
        Some(if best < majority {
            NoFailover::NoMajority { epoch, best, majority, voters }
        } else if best < quorum {
            NoFailover::VotesBelowQuorum { epoch, best, quorum }
        } else {
            NoFailover::OtherLeader { leader: best_id, epoch }
        })
    }
}
