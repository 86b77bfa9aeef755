//! The field/value map describing one instance in SENTINEL MASTERS, MASTER, REPLICAS and
//! SENTINELS (`addReplySentinelRedisInstance`).
//!
//! Field order is fixed and some fields are conditional; every value, numbers included, is a
//! bulk string. Times are milliseconds elapsed since the recorded moment. The map is written
//! straight into the output buffer, its length filled in at the end (`addReplyDeferredLen`).

use crate::core::instance::flags;
use crate::core::{Instance, Kind, Link, Master, Millis, Sentinel};
use crate::server::reply::RespWriter;

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

/// The comma-joined `flags` value of an instance of `kind` with these flag bits (for a master,
/// [`Master::shown_flags`]), written into `out`.
fn write_flags(out: &mut impl std::fmt::Write, bits: u32, kind: Kind, disconnected: bool) {
    let mut names = [""; 16];
    let mut n = 0;
    let mut add = |name: &'static str| {
        names[n] = name;
        n += 1;
    };
    let has = |bit: u32| bits & bit != 0;
    if has(flags::S_DOWN) {
        add("s_down");
    }
    if has(flags::O_DOWN) {
        add("o_down");
    }
    add(kind.as_str());
    if disconnected {
        add("disconnected");
    }
    FLAG_NAMES.iter().filter(|(bit, _)| has(*bit)).for_each(|(_, name)| add(name));
    for (i, name) in names[..n].iter().enumerate() {
        let _ = out.write_str(if i == 0 { "" } else { "," });
        let _ = out.write_str(name);
    }
}

/// The comma-joined `flags` value.
#[cfg(test)]
pub(super) fn flags_string(inst: &Instance, disconnected: bool) -> String {
    let mut s = String::new();
    write_flags(&mut s, inst.flags, inst.kind, disconnected);
    s
}

/// Milliseconds from `t` to `now`, signed like Redis's `mstime() - t`.
fn since(now: Millis, t: Millis) -> i64 {
    now as i64 - t as i64
}

/// Counts the fields of a map written with a deferred header.
struct Fields<'w, 'b> {
    w: &'w mut RespWriter<'b>,
    n: usize,
}

impl Fields<'_, '_> {
    fn bulk(&mut self, name: &str, value: impl AsRef<[u8]>) {
        self.w.bulk(name);
        self.w.bulk(value);
        self.n += 1;
    }

    /// A number as a bulk string (`addReplyBulkLongLong`).
    fn num(&mut self, name: &str, value: i64) {
        self.w.bulk(name);
        self.w.bulk_int(value);
        self.n += 1;
    }

    fn unum(&mut self, name: &str, value: u64) {
        self.w.bulk(name);
        self.w.bulk_uint(value);
        self.n += 1;
    }
}

/// The map for `inst`, which is `master.inst` itself or one of its replicas or sentinels,
/// written into `w`.
pub(super) fn write_instance(
    w: &mut RespWriter,
    core: &Sentinel,
    master: &Master,
    inst: &Instance,
    now: Millis,
) {
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
    let at = w.deferred();
    let mut f = Fields { w, n: 0 };
    f.bulk("name", &inst.name);
    f.bulk("ip", core.announced(&inst.addr));
    f.unum("port", u64::from(inst.addr.port));
    f.bulk("runid", inst.runid.as_deref().unwrap_or(""));
    f.w.bulk("flags");
    let flags_at = f.w.deferred();
    let inst_flags = if inst.kind == Kind::Master { master.shown_flags() } else { inst.flags };
    write_flags(f.w, inst_flags, inst.kind, link.shown_disconnected());
    f.w.end_bulk(flags_at);
    f.n += 1;
    f.unum("link-pending-commands", u64::from(link.pending_commands));
    f.unum("link-refcount", u64::from(link.refcount));
    if let Some(state) = master.failover_state().filter(|_| inst.kind == Kind::Master) {
        f.bulk("failover-state", state.as_str());
    }
    let ping_sent = link.act_ping_time.map_or(0, |t| since(now, t));
    f.num("last-ping-sent", ping_sent);
    f.num("last-ok-ping-reply", since(now, link.last_avail_time));
    f.num("last-ping-reply", since(now, link.last_pong_time));
    if let Some(t) = inst.s_down_since_time.filter(|_| inst.has(flags::S_DOWN)) {
        f.num("s-down-time", since(now, t));
    }
    if let Some(t) = inst.o_down_since_time.filter(|_| inst.has(flags::O_DOWN)) {
        f.num("o-down-time", since(now, t));
    }
    f.unum("down-after-milliseconds", inst.down_after);
    if inst.kind != Kind::Sentinel {
        let refresh = inst.info_refresh.map_or(0, |t| since(now, t));
        f.num("info-refresh", refresh);
        f.bulk("role-reported", inst.role_reported.as_str());
        f.num("role-reported-time", since(now, inst.role_reported_time));
    }
    match inst.kind {
        Kind::Master => {
            f.unum("config-epoch", master.config_epoch);
            f.unum("num-slaves", master.replicas.len() as u64);
            f.unum("num-other-sentinels", master.sentinels.len() as u64);
            f.unum("quorum", u64::from(master.quorum));
            f.unum("failover-timeout", master.failover_timeout);
            f.num("parallel-syncs", master.parallel_syncs);
            if let Some(s) = &master.notification_script {
                f.bulk("notification-script", s);
            }
            if let Some(s) = &master.client_reconfig_script {
                f.bulk("client-reconfig-script", s);
            }
        }
        Kind::Replica => {
            f.num("master-link-down-time", inst.master_link_down_time);
            f.bulk("master-link-status", if inst.slave_master_link_up { "ok" } else { "err" });
            f.bulk("master-host", inst.slave_master_host.as_deref().unwrap_or("?"));
            f.num("master-port", i64::from(inst.slave_master_port));
            f.num("slave-priority", inst.slave_priority);
            f.unum("slave-repl-offset", inst.slave_repl_offset);
            f.unum("replica-announced", u64::from(inst.replica_announced));
        }
        Kind::Sentinel => {
            f.num("last-hello-message", since(now, inst.last_hello_time));
            f.bulk("voted-leader", inst.leader.as_deref().unwrap_or("?"));
            f.unum("voted-leader-epoch", inst.leader_epoch);
        }
    }
    let n = f.n;
    w.end_map(at, n);
}
