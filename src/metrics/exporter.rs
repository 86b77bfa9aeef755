//! The metrics read from the read model at each scrape: redis_exporter's `redis_sentinel_*`
//! gauges, with its names, labels and values, so that dashboards and alerts built on
//! redis_exporter keep working when they scrape rsentinel directly; and rsentinel's own
//! gauges and counters that the core keeps (TILT entries, malformed hellos, why no failover,
//! which replicas could be promoted).
//!
//! redis_exporter (oliver006/redis_exporter, `exporter/sentinels.go`) derives its values from
//! INFO sentinel, SENTINEL MASTERS, CKQUORUM, SENTINELS and SLAVES; each value here is taken
//! from the state those replies are built from, the same way:
//! - `master_status` is INFO's `status=` (`ok`, `sdown`, `odown`), 1 when `ok`;
//!   `master_address` is INFO's `address=` (`ip:port`, as SENTINEL MASTERS gives them too);
//! - `master_sentinels` counts us too (INFO's `sentinels=`); `master_ok_sentinels` is 1 plus
//!   the peers whose flags have neither `s_down` nor `o_down`, `master_ok_slaves` the
//!   replicas likewise;
//! - `master_ckquorum_status` is 1 with CKQUORUM's `OK ...` text as `message`, or 0 with its
//!   error text (`NOQUORUM ...`);
//! - `master_last_ok_ping_reply_seconds` is SENTINEL MASTERS' `last-ok-ping-reply` / 1000.

use std::fmt;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet};
use prometheus_client::metrics::MetricType;

use crate::core::instance::flags;
use crate::core::no_failover::verdict_label;
use crate::core::{Millis, Sentinel};

/// One master's values.
#[derive(Debug)]
struct MasterView {
    name: String,
    /// `ip:port` (announced form).
    address: String,
    status: &'static str,
    slaves: usize,
    /// Peers plus us.
    sentinels: usize,
    ok_slaves: usize,
    ok_sentinels: usize,
    /// CKQUORUM's outcome and text.
    ckquorum: (bool, String),
    quorum: u32,
    failover_timeout: Millis,
    parallel_syncs: i64,
    down_after: Millis,
    config_epoch: u64,
    last_ok_ping_reply_seconds: f64,
    /// `rsentinel_failover_blocked`'s reason, if the master is down without a failover.
    no_failover: Option<&'static str>,
    /// Each replica's name and verdict label (`ok` or the rule that rejects it).
    replicas: Vec<(String, &'static str)>,
}

/// What one scrape shows of the sentinel, copied out of the read model.
#[derive(Debug)]
pub struct SentinelView {
    tilt: bool,
    running_scripts: usize,
    scripts_queue_length: usize,
    simulate_failure_flags: u32,
    total_tilt: u64,
    hellos_malformed: u64,
    masters: Vec<MasterView>,
}

impl SentinelView {
    /// Copy the values out of the core (the read model) at `now`.
    pub fn read(core: &Sentinel, now: Millis) -> SentinelView {
        let masters = core
            .masters
            .values()
            .map(|m| {
                let not_down = |i: &crate::core::Instance| !i.has(flags::S_DOWN | flags::O_DOWN);
                let ckquorum = match core.check_quorum(m.id).map(|q| q.reply_text()) {
                    Some(Ok(text)) => (true, text),
                    Some(Err(text)) => (false, text),
                    None => (false, String::new()),
                };
                let last_avail = core.links.get(&m.inst.link).map_or(now, |l| l.last_avail_time);
                MasterView {
                    name: m.inst.name.clone(),
                    address: format!("{}:{}", core.announce_host(&m.inst.addr), m.inst.addr.port),
                    status: m.status_word(),
                    slaves: m.replicas.len(),
                    sentinels: m.sentinels.len() + 1,
                    ok_slaves: m.replicas.values().filter(|r| not_down(r)).count(),
                    ok_sentinels: 1 + m.sentinels.values().filter(|s| not_down(s)).count(),
                    ckquorum,
                    quorum: m.quorum,
                    failover_timeout: m.failover_timeout,
                    parallel_syncs: m.parallel_syncs,
                    down_after: m.inst.down_after,
                    config_epoch: m.config_epoch,
                    last_ok_ping_reply_seconds: (now as i64 - last_avail as i64) as f64 / 1000.0,
                    no_failover: m.no_failover.as_ref().map(|r| r.label()),
                    replicas: core
                        .replica_verdicts(m, now)
                        .into_iter()
                        .map(|(r, v)| (r.name.clone(), verdict_label(v)))
                        .collect(),
                }
            })
            .collect();
        SentinelView {
            tilt: core.tilt,
            running_scripts: core.scripts.running(),
            scripts_queue_length: core.scripts.jobs.len(),
            simulate_failure_flags: core.simulate_failure_flags,
            total_tilt: core.total_tilt,
            hellos_malformed: core.hellos_malformed,
            masters,
        }
    }
}

/// A per-master gauge labelled like redis_exporter's: name, help, value.
type PerMaster = (&'static str, &'static str, fn(&MasterView) -> f64);

/// One metric family: its descriptor, then one sample per `(labels, value)`.
fn family<L: EncodeLabelSet, V: prometheus_client::encoding::EncodeGaugeValue>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    rows: impl IntoIterator<Item = (L, V)>,
) -> fmt::Result {
    let mut metric = enc.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in rows {
        metric.encode_family(&labels)?.encode_gauge(&value)?;
    }
    Ok(())
}

/// A gauge without labels.
fn gauge<V: prometheus_client::encoding::EncodeGaugeValue>(
    enc: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: V,
) -> fmt::Result {
    enc.encode_descriptor(name, help, None, MetricType::Gauge)?.encode_gauge(&value)
}

/// A counter without labels (the core's own running totals).
fn counter(enc: &mut DescriptorEncoder, name: &str, help: &str, value: u64) -> fmt::Result {
    let mut metric = enc.encode_descriptor(name, help, None, MetricType::Counter)?;
    metric.encode_counter::<prometheus_client::encoding::NoLabelSet, _, u64>(&value, None)
}

impl Collector for SentinelView {
    fn encode(&self, mut enc: DescriptorEncoder) -> fmt::Result {
        let e = &mut enc;
        gauge(e, "redis_sentinel_masters", "Masters this sentinel monitors", self.masters.len())?;
        gauge(e, "redis_sentinel_tilt", "1 while this sentinel is in TILT mode", self.tilt as u32)?;
        gauge(
            e,
            "redis_sentinel_running_scripts",
            "Notification and reconfiguration scripts running now",
            self.running_scripts,
        )?;
        gauge(e, "redis_sentinel_scripts_queue_length", "Scripts waiting to run", self.scripts_queue_length)?;
        gauge(
            e,
            "redis_sentinel_simulate_failure_flags",
            "The SENTINEL SIMULATE-FAILURE flags set",
            self.simulate_failure_flags,
        )?;

        let ms = &self.masters;
        let by_master =
            |m: &MasterView| [("master_name", m.name.clone()), ("master_address", m.address.clone())];
        family(
            e,
            "redis_sentinel_master_status",
            "1 if the master's status (a label: ok, sdown, odown) is ok, else 0",
            ms.iter().map(|m| {
                let labels = [
                    ("master_name", m.name.clone()),
                    ("master_address", m.address.clone()),
                    ("master_status", m.status.to_string()),
                ];
                (labels, (m.status == "ok") as u32)
            }),
        )?;
        let per_master: [PerMaster; 10] = [
            ("redis_sentinel_master_slaves", "Replicas known for the master", |m| m.slaves as f64),
            ("redis_sentinel_master_sentinels", "Sentinels monitoring the master, this one included", |m| {
                m.sentinels as f64
            }),
            (
                "redis_sentinel_master_ok_slaves",
                "Replicas of the master flagged neither s_down nor o_down",
                |m| m.ok_slaves as f64,
            ),
            (
                "redis_sentinel_master_ok_sentinels",
                "Sentinels of the master flagged neither s_down nor o_down, this one included",
                |m| m.ok_sentinels as f64,
            ),
            ("redis_sentinel_master_setting_ckquorum", "The master's quorum", |m| m.quorum as f64),
            (
                "redis_sentinel_master_setting_failover_timeout",
                "The master's failover-timeout, in milliseconds",
                |m| m.failover_timeout as f64,
            ),
            ("redis_sentinel_master_setting_parallel_syncs", "The master's parallel-syncs", |m| {
                m.parallel_syncs as f64
            }),
            (
                "redis_sentinel_master_setting_down_after_milliseconds",
                "The master's down-after-milliseconds",
                |m| m.down_after as f64,
            ),
            (
                "redis_sentinel_master_config_epoch",
                "The master's configuration epoch (each failover raises it)",
                |m| m.config_epoch as f64,
            ),
            (
                "redis_sentinel_master_last_ok_ping_reply_seconds",
                "Seconds since the master last gave a valid PING reply",
                |m| m.last_ok_ping_reply_seconds,
            ),
        ];
        for (name, help, value) in per_master {
            family(e, name, help, ms.iter().map(|m| (by_master(m), value(m))))?;
        }
        family(
            e,
            "redis_sentinel_master_ckquorum_status",
            "1 if SENTINEL CKQUORUM succeeds, else 0; its reply text is the message label",
            ms.iter().map(|m| {
                ([("master_name", m.name.clone()), ("message", m.ckquorum.1.clone())], m.ckquorum.0 as u32)
            }),
        )?;

        counter(e, "rsentinel_tilt_entries", "Times TILT mode was entered (+tilt)", self.total_tilt)?;
        counter(
            e,
            "rsentinel_hellos_malformed",
            "Hello messages dropped because they could not be parsed",
            self.hellos_malformed,
        )?;
        family(
            e,
            "rsentinel_failover_blocked",
            "1 for a master that is down without a failover of ours, labelled with the reason (see the README)",
            ms.iter().filter_map(|m| {
                m.no_failover.map(|r| ([("master_name", m.name.clone()), ("reason", r.to_string())], 1u32))
            }),
        )?;
        family(
            e,
            "rsentinel_replica_promotable",
            "1 if the replica could be promoted now, else 0 with the selection rule that rejects it as reason",
            ms.iter().flat_map(|m| {
                m.replicas.iter().map(|(replica, reason)| {
                    let labels = [
                        ("master_name", m.name.clone()),
                        ("replica", replica.clone()),
                        ("reason", reason.to_string()),
                    ];
                    (labels, (*reason == crate::core::no_failover::PROMOTABLE) as u32)
                })
            }),
        )?;
        Ok(())
    }
}
