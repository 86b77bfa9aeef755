//! Replica selection for promotion (`sentinelSelectSlave`, `compareSlavesForPromotion`, §7.5).
//!
//! A replica qualifies when it looks alive and recently in touch with the master; among those,
//! the operator's priority comes first, then the most replicated data, then the run id, so every
//! sentinel facing the same INFO picks the same replica.

use std::cmp::Ordering;

use super::instance::{flags, Instance, Master};
use super::types::{ms_since, MasterId, Millis};
use super::Sentinel;

/// Why a replica cannot be promoted, in the order Redis checks (rules a-f of §7.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ineligible {
    /// (a) S_DOWN or O_DOWN.
    Down,
    /// (b) the link is disconnected.
    Disconnected,
    /// (c) no acceptable PING reply for more than 5 ping periods.
    NotAvailable,
    /// (d) `slave-priority 0`: the operator excluded it.
    PriorityZero,
    /// (e) its INFO is too old (5 ping periods while the master is SDOWN, else 3 info periods).
    StaleInfo,
    /// (f) its link with the master has been down too long: its data may be far behind.
    LinkDownTooLong,
}

impl Ineligible {
    /// Rules a working link repairs by itself: (b) once the shell reconnects it (at most one
    /// ping period later), (e) with the INFO reply that follows.
    pub fn repaired_by_link(self) -> bool {
        matches!(self, Ineligible::Disconnected | Ineligible::StaleInfo)
    }
}

impl Sentinel {
    /// Whether `replica` of `master` may be promoted now (`Ok`), or the first rule it breaks.
    pub fn check_promotable(
        &self,
        master: &Master,
        replica: &Instance,
        now: Millis,
    ) -> Result<(), Ineligible> {
        match self.broken_rules(master, replica, now).first() {
            Some(rule) => Err(*rule),
            None => Ok(()),
        }
    }

    /// Every rule of `sentinelSelectSlave` that `replica` of `master` breaks, in Redis's order.
    pub fn broken_rules(&self, master: &Master, replica: &Instance, now: Millis) -> Vec<Ineligible> {
        let mut broken = Vec::new();
        let master_sdown = master.inst.has(flags::S_DOWN);
        if replica.has(flags::S_DOWN | flags::O_DOWN) {
            broken.push(Ineligible::Down);
        }
        let link = self.links.get(&replica.link);
        if link.is_none_or(|l| l.disconnected()) {
            broken.push(Ineligible::Disconnected);
        }
        // Redis uses the global ping period here, not min(down_after, ping period).
        let ping5 = self.timings.ping_period.saturating_mul(5);
        if link.is_none_or(|l| now.saturating_sub(l.last_avail_time) > ping5) {
            broken.push(Ineligible::NotAvailable);
        }
        if replica.slave_priority == 0 {
            broken.push(Ineligible::PriorityZero);
        }
        // While the master is SDOWN its replicas are INFO'd every second, otherwise only
        // every info period, so allow for that.
        let info_validity = if master_sdown { ping5 } else { self.timings.info_period.saturating_mul(3) };
        if ms_since(now, replica.info_refresh) > info_validity {
            broken.push(Ineligible::StaleInfo);
        }
        // A replica may have lost its master link when the master went down; beyond that,
        // 10 down-after periods of disconnection is too much.
        let mut max_master_down: i64 = 0;
        if master_sdown {
            max_master_down = master.inst.s_down_since_time.map_or(0, |t| now.saturating_sub(t)) as i64;
        }
        max_master_down = max_master_down.saturating_add((master.inst.down_after as i64).saturating_mul(10));
        if replica.master_link_down_time > max_master_down {
            broken.push(Ineligible::LinkDownTooLong);
        }
        broken
    }

    /// Whether some replica of master `id` fails selection only for want of a working link
    /// (rules b and e), while still having answered a PING within 5 ping periods (rule c):
    /// its link was cut, typically by the `CLIENT KILL TYPE normal` of a promotion
    /// transaction sent for another master name on the same server, and is being
    /// re-established.
    pub fn replica_link_being_restored(&self, id: MasterId, now: Millis) -> bool {
        let Some(m) = self.masters.get(&id) else { return false };
        m.replicas.values().any(|r| {
            let broken = self.broken_rules(m, r, now);
            !broken.is_empty() && broken.iter().all(|rule| rule.repaired_by_link())
        })
    }

    /// The key of the best replica to promote, or `None` if no replica qualifies (or there is
    /// no such master).
    pub fn select_slave(&self, id: MasterId, now: Millis) -> Option<String> {
        let m = self.masters.get(&id)?;
        let mut candidates: Vec<(&String, &Instance)> = m
            .replicas
            .iter()
            .map(|(k, r)| (k, &**r))
            .filter(|(_, r)| self.check_promotable(m, r, now).is_ok())
            .collect();
        // Stable sort: full ties keep key order, a deterministic stand-in for qsort's.
        candidates.sort_by(|a, b| compare_for_promotion(a.1, b.1));
        candidates.first().map(|(k, _)| (*k).clone())
    }
}

/// `compareSlavesForPromotion`: lower priority first, then the higher replication offset (it
/// has processed more of the old master's data), then the smaller run id compared
/// case-insensitively, an unknown run id sorting last.
pub fn compare_for_promotion(a: &Instance, b: &Instance) -> Ordering {
    a.slave_priority
        .cmp(&b.slave_priority)
        .then_with(|| b.slave_repl_offset.cmp(&a.slave_repl_offset))
        .then_with(|| match (&a.runid, &b.runid) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => strcasecmp(x, y),
        })
}

/// C's `strcasecmp`: bytewise comparison after ASCII lower-casing.
fn strcasecmp(a: &str, b: &str) -> Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}
