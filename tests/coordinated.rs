//! Valkey 9.0's `SENTINEL FAILOVER <name> COORDINATED` against real data nodes (redis-server
//! 7.0.15 and valkey-server 8.1.8, which both have `FAILOVER TO`), with redis-py's
//! sentinel-aware client INCRing a counter as fast as it can throughout: every acknowledged
//! increment must be on the new master afterwards. The same run with a plain SENTINEL
//! FAILOVER prints how many it lost. Then the bad inputs: no replica, a master that is down, a
//! replica that refuses the handover (ACL denies PSYNC) with a second call meanwhile, the
//! command link killed during WAIT_PROMOTION, and a node stuck in a FAILOVER of its own; and a
//! mixed group whose redis-sentinels vote for it.

mod common;

use std::time::{Duration, Instant};

use common::deployment::Deployment;
use common::incr_writer::{IncrWriter, WriterReport};
use common::redis::{RedisServer, ServerKind};
use common::resp::Resp;
use common::sentinel::Kind;
use common::{wait_for, wait_until, Client, Subscriber};

/// 3 rsentinels (quorum 2) watching a master and 2 replicas of `data`, INFO every second, once
/// every sentinel has discovered everything.
fn deployment(data: ServerKind, failover_timeout_ms: u64) -> Deployment {
    let mut d = Deployment::builder()
        .sentinels(3, Kind::Rsentinel)
        .data_nodes(data)
        .failover_timeout_ms(failover_timeout_ms)
        .sentinel_debug(&[("info-period", "1000")])
        .start();
    d.wait_for_discovery(Duration::from_secs(60));
    d
}

fn failover_args(name: &str, coordinated: bool) -> Vec<&str> {
    let mut args = vec!["SENTINEL", "FAILOVER", name];
    if coordinated {
        args.push("COORDINATED");
    }
    args
}

/// `SENTINEL FAILOVER <name> [COORDINATED]` on sentinel `i` until it answers +OK: right after
/// discovery a replica may not qualify yet (NOGOODSLAVE).
fn start_failover(d: &Deployment, i: usize, coordinated: bool) {
    let args = failover_args(&d.name, coordinated);
    wait_for(Duration::from_secs(30), "SENTINEL FAILOVER to be accepted", || {
        match d.sentinel_client(i).cmd(&args) {
            Resp::Simple(s) if s == "OK" => Some(()),
            Resp::Error(e) if e.starts_with("NOGOODSLAVE") => None,
            other => panic!("{args:?}: {other}"),
        }
    });
}

/// The master's `flags` as sentinel `i` reports them.
fn flags(d: &Deployment, i: usize) -> String {
    d.master_info(i).field("flags").unwrap_or_default()
}

/// `GET counter` on a server (0 before the first INCR); `None` when the connection fails.
fn counter(port: u16) -> Option<i64> {
    let reply = Client::try_connect(port).ok()?.try_cmd(&["GET", "counter"]).ok()?;
    if reply.is_null() {
        return Some(0);
    }
    reply.as_str()?.parse().ok()
}

/// `INFO replication` of a server as `field:value` lines; `None` when the connection fails
/// (a sentinel's `CLIENT KILL TYPE normal` may cut it at any time).
fn replication(port: u16) -> Option<String> {
    Client::try_connect(port).ok()?.try_cmd(&["INFO", "replication"]).ok()?.as_str()
}

/// One field of [`replication`].
fn replication_field(port: u16, field: &str) -> Option<String> {
    common::info_field(&replication(port)?, field)
}

/// The server on `port` replicates from `master` over a working link.
fn follows(port: u16, master: u16) -> bool {
    let Some(info) = replication(port) else { return false };
    let field = |f: &str| common::info_field(&info, f);
    field("role").as_deref() == Some("slave")
        && field("master_port").as_deref() == Some(master.to_string().as_str())
        && field("master_link_status").as_deref() == Some("up")
}

/// No write pause on the server: PUBLISH (blocked by CLIENT PAUSE WRITE, allowed on replicas)
/// answers at once.
fn not_paused(port: u16) -> bool {
    let mut c = Client::connect(port);
    c.set_read_timeout(Some(Duration::from_millis(300)));
    c.try_cmd(&["PUBLISH", "coordinated-test", "x"]).is_ok_and(|r| r.as_int().is_some())
}

/// Write through a failover of `d` started on sentinel 0 and return the writer's report, the
/// new master and the events of sentinel 0, once the old master replicates from the new one
/// and the writer's INCRs reach the new master.
fn writes_across_failover(d: &Deployment, coordinated: bool) -> (WriterReport, u16, Subscriber) {
    let old = d.master.port();
    let ports: Vec<u16> = d.sentinels.iter().map(|s| s.port()).collect();
    let mut events = d.sentinels[0].psubscribe(&["*"]);
    let writer = IncrWriter::start(&d.name, &ports);
    wait_until(Duration::from_secs(30), "the writer to INCR on the master", || counter(old) >= Some(200));
    let started = Instant::now();
    start_failover(d, 0, coordinated);
    if coordinated {
        let f = flags(d, 0);
        assert!(f.contains("coordinated_failover") && f.contains("failover_in_progress"), "{f}");
    }
    let new = d.wait_for_new_master(old, Duration::from_secs(60));
    let switched = started.elapsed();
    wait_until(Duration::from_secs(60), "the old master to replicate from the new one", || follows(old, new));
    let reached = wait_for(Duration::from_secs(10), "the new master's counter", || counter(new));
    wait_until(Duration::from_secs(30), "the writer's INCRs to reach the new master", || {
        counter(new).is_some_and(|c| c > reached + 200)
    });
    let report = writer.stop(Duration::from_secs(60));
    assert_eq!(
        Some(report.final_value),
        counter(new),
        "the writer read the new master's counter: {report:?}"
    );
    assert!(report.acked > 400, "{report:?}");
    let mode = if coordinated { "COORDINATED" } else { "plain" };
    eprintln!(
        "{mode} SENTINEL FAILOVER ({}): lost {} of {} acknowledged INCRs ({} errors), switch after {:?}",
        d.master.kind().name(),
        report.lost,
        report.acked,
        report.errors,
        switched
    );
    events.wait_for_event("+switch-master", |_| true, Duration::from_secs(5));
    let seen: Vec<&str> = events.seen().iter().map(|m| m.channel.as_str()).collect();
    assert!(!seen.iter().any(|c| c.starts_with("-failover-abort")), "{seen:?}");
    (report, new, events)
}

fn coordinated_loses_nothing(data: ServerKind) {
    let d = deployment(data, 30_000);
    let old = d.master.port();
    let (report, new, mut events) = writes_across_failover(&d, true);
    assert_eq!(report.lost, 0, "COORDINATED lost acknowledged writes: {report:?}");
    assert_eq!(report.distinct, report.acked, "{report:?}");
    // The leader went through Valkey's steps, and the handover needed no SLAVEOF NO ONE.
    for kind in ["+elected-leader", "+failover-state-wait-promotion", "+promoted-slave", "+switch-master"] {
        events.wait_for_event(kind, |_| true, Duration::from_secs(5));
    }
    // Every sentinel follows, the other replica too; nothing is left paused or blocked.
    let other = d.replicas.iter().map(RedisServer::port).find(|p| *p != new).expect("two replicas");
    wait_until(Duration::from_secs(60), "the other replica to follow the new master", || follows(other, new));
    for port in [old, new, other] {
        wait_until(Duration::from_secs(10), &format!(":{port} not write-paused"), || not_paused(port));
    }
    let blocked = Client::connect(old).info_field("clients", "blocked_clients");
    assert_eq!(blocked.as_deref(), Some("0"), "no hello PUBLISH stuck on the paused old master");
    assert!(!flags(&d, 0).contains("coordinated_failover"), "{}", flags(&d, 0));
    assert_eq!(replication_field(old, "master_failover_state").as_deref(), Some("no-failover"));
}

#[test]
fn coordinated_failover_loses_no_acknowledged_write_redis_7() {
    coordinated_loses_nothing(ServerKind::Redis);
}

#[test]
fn coordinated_failover_loses_no_acknowledged_write_valkey_8() {
    coordinated_loses_nothing(ServerKind::Valkey);
}

/// The same run with a plain SENTINEL FAILOVER: the old master keeps acknowledging writes
/// after the replica's promotion until it is turned into a replica, and those are lost. How
/// many depends on timing, so it is printed, not asserted (bench/coordinated.sh measures it).
#[test]
fn plain_failover_reports_how_many_writes_it_lost() {
    let d = deployment(ServerKind::Redis, 30_000);
    let (report, _, _) = writes_across_failover(&d, false);
    // The old master acknowledged writes for seconds after the promotion: without losses here
    // the COORDINATED test above would prove nothing.
    assert!(
        report.lost > 0,
        "a plain failover under writes lost nothing, so the test cannot tell: {report:?}"
    );
}

#[test]
fn refusals_no_replica_and_arity() {
    let mut d = Deployment::builder().replicas(0).sentinels(1, Kind::Rsentinel).quorum(1).start();
    d.wait_for_discovery(Duration::from_secs(30));
    let mut c = d.sentinel_client(0);
    // Once the master's INFO is in (it shows master_failover_state), a master without
    // replicas has nothing to hand over to.
    wait_until(Duration::from_secs(20), "NOGOODSLAVE for a master without replicas", || {
        c.cmd(&["SENTINEL", "FAILOVER", &d.name, "coordinated"]).error_text()
            == Some("NOGOODSLAVE No suitable replica to promote")
    });
    let arity = "ERR wrong number of arguments for 'sentinel|failover' command";
    assert_eq!(c.cmd(&["SENTINEL", "FAILOVER", &d.name, "force"]).error_text(), Some(arity));
    assert_eq!(c.cmd(&["SENTINEL", "FAILOVER", &d.name, "COORDINATED", "x"]).error_text(), Some(arity));
    assert!(!flags(&d, 0).contains("failover_in_progress"));
}

/// The old master is killed: the handover can never be sent, so the failover ends with
/// `-failover-abort-master-timeout` (no fallback to SLAVEOF NO ONE), and the automatic
/// failover takes over afterwards.
#[test]
fn a_master_that_is_down_ends_with_master_timeout() {
    let mut d = Deployment::builder()
        .replicas(1)
        .sentinels(1, Kind::Rsentinel)
        .quorum(1)
        .failover_timeout_ms(4000)
        .sentinel_debug(&[("info-period", "1000")])
        .start();
    d.wait_for_discovery(Duration::from_secs(30));
    let old = d.master.port();
    let mut events = d.sentinels[0].psubscribe(&["*"]);
    wait_until(Duration::from_secs(20), "the master's INFO", || {
        !d.sentinel_client(0).cmd(&["SENTINEL", "INFO-CACHE", &d.name]).as_array().unwrap_or(&[]).is_empty()
    });
    d.master.kill();
    start_failover(&d, 0, true);
    let abort = events.wait_for_event("-failover-abort-master-timeout", |_| true, Duration::from_secs(20));
    assert!(abort.payload.starts_with(&format!("master {} 127.0.0.1 {old}", d.name)), "{abort:?}");
    let before: Vec<&str> = events.seen().iter().map(|m| m.channel.as_str()).collect();
    assert!(!before.contains(&"+promoted-slave"), "{before:?}");
    assert!(!flags(&d, 0).contains("coordinated_failover"), "{}", flags(&d, 0));
    let replica = d.replicas[0].port();
    assert_eq!(d.replicas[0].role(), "slave", "no SLAVEOF NO ONE was sent");
    // The ordinary failover of a dead master follows once its retry delay has passed.
    assert_eq!(d.wait_for_new_master(old, Duration::from_secs(60)), replica);
}

/// Valkey's "Failover fails and times out": every replica refuses the old master's PSYNC
/// FAILOVER, so the handover fails on the nodes; a second call meanwhile gets INPROG; the
/// failover times out (`-failover-abort-slave-timeout`), nothing changes, and nothing is left
/// paused.
#[test]
fn a_replica_that_cannot_sync_times_out_cleanly() {
    let d = deployment(ServerKind::Redis, 5000);
    let old = d.master.port();
    for r in &d.replicas {
        assert_eq!(r.client().cmd(&["ACL", "SETUSER", "default", "-psync"]), Resp::Simple("OK".into()));
    }
    let mut events = d.sentinels[0].psubscribe(&["*"]);
    start_failover(&d, 0, true);
    let again = d.sentinel_client(0).cmd(&failover_args(&d.name, true));
    assert_eq!(again.error_text(), Some("INPROG Failover already in progress"));
    events.wait_for_event("+failover-state-wait-promotion", |_| true, Duration::from_secs(20));
    events.wait_for_event("-failover-abort-slave-timeout", |_| true, Duration::from_secs(30));
    wait_until(Duration::from_secs(10), "failover_in_progress to clear", || {
        !flags(&d, 0).contains("failover_in_progress")
    });
    assert_eq!(d.master.role(), "master");
    for r in &d.replicas {
        wait_until(Duration::from_secs(30), "replicas still follow the master", || follows(r.port(), old));
    }
    for (i, s) in d.sentinels.iter().enumerate() {
        assert_eq!(s.master_addr(&d.name).map(|a| a.1), Some(old), "sentinel {i}");
    }
    assert!(not_paused(old), "the old master was left paused");
    let mut c = d.master.client();
    c.set_read_timeout(Some(Duration::from_secs(1)));
    assert_eq!(c.try_cmd(&["SET", "k", "v"]).ok(), Some(Resp::Simple("OK".into())));
}

/// Valkey's `19-coordinated-failover-killed-link`: the sentinel's command link to the old
/// master is killed during WAIT_PROMOTION; the sentinel stays up, the failover completes, and
/// the old master is not left paused.
#[test]
fn a_killed_command_link_during_wait_promotion() {
    let d = deployment(ServerKind::Redis, 30_000);
    let old = d.master.port();
    let cmd_name = format!("sentinel-{}-cmd", &d.sentinels[0].myid()[..8]);
    wait_until(Duration::from_secs(10), "the sentinel's command link on the master", || {
        d.master.client().cmd(&["CLIENT", "LIST"]).as_str().is_some_and(|l| l.contains(&cmd_name))
    });
    start_failover(&d, 0, true);
    wait_until(Duration::from_secs(20), "WAIT_PROMOTION", || {
        let state = d.master_info(0).field("failover-state").unwrap_or_default();
        state == "wait_promotion" || state == "reconf_slaves" || state == "none"
    });
    let killed = d.master.client().cmd(&["CLIENT", "KILL", "NAME", &cmd_name]);
    assert!(matches!(killed, Resp::Simple(_) | Resp::Error(_)), "{killed}");
    assert_eq!(d.sentinel_client(0).cmd(&["PING"]), Resp::Simple("PONG".into()));
    let new = d.wait_for_new_master(old, Duration::from_secs(60));
    wait_until(Duration::from_secs(60), "the old master to follow the new one", || follows(old, new));
    wait_until(Duration::from_secs(20), "the old master unpaused", || not_paused(old));
}

/// Valkey's `18-stuck-failover`: the master is told to hand over to a replica that is stopped
/// (`FAILOVER TO <stopped replica> TIMEOUT 10 FORCE`), so it demotes itself and stays stuck in
/// `failover-in-progress`, where redis-server refuses SLAVEOF. The sentinels fail over to the
/// other replica, and the stuck node is repaired with `FAILOVER ABORT` first in its SLAVEOF
/// transaction.
#[test]
fn a_node_stuck_in_a_failover_of_its_own_is_repaired() {
    let mut d = deployment(ServerKind::Redis, 6000);
    let old = d.master.port();
    let stuck_target = d.replicas[0].port();
    let other = d.replicas[1].port();
    d.server_mut(stuck_target).expect("replica").stop();
    let reply = d.master.client().cmd(&[
        "FAILOVER",
        "TO",
        "127.0.0.1",
        &stuck_target.to_string(),
        "TIMEOUT",
        "10",
        "FORCE",
    ]);
    assert_eq!(reply, Resp::Simple("OK".into()));
    wait_until(Duration::from_secs(10), "the master to be stuck mid-handover", || {
        replication_field(old, "master_failover_state").as_deref() == Some("failover-in-progress")
    });
    assert_eq!(d.wait_for_new_master(old, Duration::from_secs(90)), other);
    wait_until(
        Duration::from_secs(60),
        "the stuck node to give up its FAILOVER and follow the new master",
        || {
            replication_field(old, "master_failover_state").as_deref() == Some("no-failover")
                && follows(old, other)
        },
    );
    d.server_mut(stuck_target).expect("replica").cont();
    wait_until(Duration::from_secs(60), "the stopped replica to follow the new master", || {
        follows(stuck_target, other)
    });
}

/// In a mixed group the election is the ordinary one: redis-sentinel 7.0.15 peers vote for the
/// rsentinel that runs the COORDINATED failover and follow the new master from its hellos.
#[test]
fn redis_sentinels_vote_for_a_coordinated_failover() {
    let mut d = Deployment::builder()
        .sentinel_kinds(&[Kind::Rsentinel, Kind::Redis, Kind::Redis])
        .sentinel_debug(&[("info-period", "1000")])
        .start();
    d.wait_for_discovery(Duration::from_secs(60));
    let old = d.master.port();
    let mut events = d.sentinels[0].psubscribe(&["*"]);
    start_failover(&d, 0, true);
    events.wait_for_event("+elected-leader", |_| true, Duration::from_secs(20));
    let new = d.wait_for_new_master(old, Duration::from_secs(60));
    wait_until(Duration::from_secs(60), "the old master to follow the new one", || follows(old, new));
    events.wait_for_event("+switch-master", |_| true, Duration::from_secs(10));
    let seen: Vec<&str> = events.seen().iter().map(|m| m.channel.as_str()).collect();
    assert!(seen.contains(&"+failover-state-wait-promotion"), "{seen:?}");
    assert!(!seen.iter().any(|c| c.starts_with("-failover-abort")), "{seen:?}");
}
