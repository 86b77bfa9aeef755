//! The field/value map describing one instance in SENTINEL MASTERS, MASTER, REPLICAS and
//! SENTINELS (`addReplySentinelRedisInstance`).
//!
//! Field order is fixed and some fields are conditional; every value, numbers included, is a
//! bulk string. Times are milliseconds elapsed since the recorded moment.

use crate::core::instance::flags;
use crate::core::{Instance, Kind, Link, Master, Millis, Sentinel};
use crate::server::Frame;

/// Flag names in the order Redis prints them; `disconnected` comes from the link and the kind
/// (`master`/`slave`/`sentinel`) from the instance type, not from flag bits. Redis 7.0 never
/// prints MASTER_REBOOT. Valkey 9.0's `coordinated_failover` (only ever set by `SENTINEL
/// FAILOVER <name> COORDINATED`) comes last.
const FLAG_NAMES: [(u32, &str); 9] = [
    (flags::MASTER_DOWN, "master_down"),
    (flags::FAILOVER_IN_PROGRESS, "failover_in_progress"),
    (flags::PROMOTED, "promoted"),
    (flags::RECONF_SENT, "reconf_sent"),
    (flags::RECONF_INPROG, "reconf_inprog"),
    (flags::RECONF_DONE, "reconf_done"),
    (flags::FORCE_FAILOVER, "force_failover"),
    (flags::SCRIPT_KILL_SENT, "script_kill_sent"),
    (flags::COORD_FAILOVER, "coordinated_failover"),
];

/// The comma-joined `flags` value.
pub(super) fn flags_string(inst: &Instance, disconnected: bool) -> String {
    let mut names: Vec<&str> = Vec::with_capacity(6);
    if inst.has(flags::S_DOWN) {
        names.push("s_down");
    }
    if inst.has(flags::O_DOWN) {
        names.push("o_down");
    }
    names.push(inst.kind.as_str());
    if disconnected {
        names.push("disconnected");
    }
    names.extend(FLAG_NAMES.iter().filter(|(bit, _)| inst.has(*bit)).map(|(_, n)| *n));
    names.join(",")
}

/// A number as a bulk string (`addReplyBulkLongLong`).
fn num(n: impl std::fmt::Display) -> Frame {
    Frame::bulk_num(n)
}

/// Milliseconds from `t` to `now`, signed like Redis's `mstime() - t`.
fn since(now: Millis, t: Millis) -> i64 {
    now as i64 - t as i64
}

/// The map for `inst`, which is `master.inst` itself or one of its replicas or sentinels.
pub(super) fn instance_map(core: &Sentinel, master: &Master, inst: &Instance, now: Millis) -> Frame {
    // A missing link cannot happen while the instance exists; read it as a fresh, unconnected
    // one rather than failing the reply.
    let fallback;
    let link = match core.links.get(&inst.link) {
        Some(l) => l,
        None => {
            fallback = Link::new(inst.link, inst.kind != Kind::Sentinel, now);
            &fallback
        }
    };
    let mut f: Vec<(&str, Frame)> = Vec::with_capacity(24);
    f.push(("name", Frame::bulk(&inst.name)));
    f.push(("ip", Frame::bulk(core.announce_host(&inst.addr))));
    f.push(("port", num(inst.addr.port)));
    f.push(("runid", Frame::bulk(inst.runid.as_deref().unwrap_or(""))));
    f.push(("flags", Frame::bulk(flags_string(inst, link.shown_disconnected()))));
    f.push(("link-pending-commands", num(link.pending_commands)));
    f.push(("link-refcount", num(link.refcount)));
    if inst.has(flags::FAILOVER_IN_PROGRESS) {
        f.push(("failover-state", Frame::bulk(master.failover_state.as_str())));
    }
    let ping_sent = if link.act_ping_time != 0 { since(now, link.act_ping_time) } else { 0 };
    f.push(("last-ping-sent", num(ping_sent)));
    f.push(("last-ok-ping-reply", num(since(now, link.last_avail_time))));
    f.push(("last-ping-reply", num(since(now, link.last_pong_time))));
    if inst.has(flags::S_DOWN) {
        f.push(("s-down-time", num(since(now, inst.s_down_since_time))));
    }
    if inst.has(flags::O_DOWN) {
        f.push(("o-down-time", num(since(now, inst.o_down_since_time))));
    }
    f.push(("down-after-milliseconds", num(inst.down_after)));
    if inst.kind != Kind::Sentinel {
        let refresh = if inst.info_refresh != 0 { since(now, inst.info_refresh) } else { 0 };
        f.push(("info-refresh", num(refresh)));
        f.push(("role-reported", Frame::bulk(inst.role_reported.as_str())));
        f.push(("role-reported-time", num(since(now, inst.role_reported_time))));
    }
    match inst.kind {
        Kind::Master => {
            f.push(("config-epoch", num(master.config_epoch)));
            f.push(("num-slaves", num(master.replicas.len())));
            f.push(("num-other-sentinels", num(master.sentinels.len())));
            f.push(("quorum", num(master.quorum)));
            f.push(("failover-timeout", num(master.failover_timeout)));
            f.push(("parallel-syncs", num(master.parallel_syncs)));
            if let Some(s) = &master.notification_script {
                f.push(("notification-script", Frame::bulk(s)));
            }
            if let Some(s) = &master.client_reconfig_script {
                f.push(("client-reconfig-script", Frame::bulk(s)));
            }
        }
        Kind::Replica => {
            f.push(("master-link-down-time", num(inst.master_link_down_time)));
            f.push(("master-link-status", Frame::bulk(if inst.slave_master_link_up { "ok" } else { "err" })));
            f.push(("master-host", Frame::bulk(inst.slave_master_host.as_deref().unwrap_or("?"))));
            f.push(("master-port", num(inst.slave_master_port)));
            f.push(("slave-priority", num(inst.slave_priority)));
            f.push(("slave-repl-offset", num(inst.slave_repl_offset)));
            f.push(("replica-announced", num(inst.replica_announced as u8)));
        }
        Kind::Sentinel => {
            f.push(("last-hello-message", num(since(now, inst.last_hello_time))));
            f.push(("voted-leader", Frame::bulk(inst.leader.as_deref().unwrap_or("?"))));
            f.push(("voted-leader-epoch", num(inst.leader_epoch)));
        }
    }
    Frame::map(f)
}
