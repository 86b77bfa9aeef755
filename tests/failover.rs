//! Failover with real processes (spec §5.2 observed sequences, §7, §8): a redis-server master,
//! its replicas and three sentinels on 127.0.0.1; the master is killed (or a failover is
//! requested) and the tests check who gets promoted, the leader's event sequence, the
//! reconfiguration of every other server, scripts, and a client that keeps writing. The kill
//! scenario also runs with valkey-server 8.1.8 data nodes.
//!
//! Scenarios take the sentinel kind. They run against rsentinel by default (a failover costs
//! several seconds); `RSENTINEL_TEST_KINDS=redis` runs them against redis-sentinel, which is how
//! the assertions themselves are checked.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::scenario::{
    all_events, assert_in_order, count_events, find_event, format_events, kinds_or, master_ref, mix_for_env,
    replica_ref, run_for_kinds, sole_leader, step, switch_payload, wait_any_events, wait_event_on_all,
    wait_until_shows, Payload, Step, DOWN_AFTER_MS,
};
use common::{
    unique_name, wait_until, Client, Deployment, DeploymentBuilder, Kind, Message, RedisServer, Resp,
    SentinelProc, ServerKind,
};

const DISCOVERY: Duration = Duration::from_secs(30);
/// From killing the master to every sentinel agreeing on the new one: SDOWN after 2 s, ODOWN,
/// an election (a split vote retries after the election timeout), promotion, reconfiguration.
const FAILOVER: Duration = Duration::from_secs(90);
const EVENT: Duration = Duration::from_secs(30);
/// A returning old master is converted after 4 publish periods of reporting `role:master`
/// (spec §6.4), seen through INFO every 10 s.
const CONVERT: Duration = Duration::from_secs(60);

/// The deployment the failover scenarios start from: down-after 2 s, failover-timeout 10 s,
/// replicas that resync without waiting for more replicas to join a diskless transfer.
fn failover_deployment(prefix: &str, kind: Kind, replicas: usize) -> DeploymentBuilder {
    Deployment::builder()
        .master_name(&unique_name(prefix))
        .replicas(replicas)
        .sentinels(3, kind)
        .quorum(2)
        .down_after_ms(DOWN_AFTER_MS)
        .failover_timeout_ms(10_000)
        .redis_args(&["--repl-diskless-sync-delay", "0"])
}

// ---------------------------------------------------------------------------------------------
// 8. The master is killed: promotion, the leader's event sequence, the old master comes back
//    as a replica

fn master_killed(kind: Kind, data: ServerKind) {
    let mut d = failover_deployment("kill", kind, 2).data_nodes(data).start();
    d.wait_for_discovery(DISCOVERY);
    let ids: Vec<String> = d.sentinels.iter().map(SentinelProc::myid).collect();
    let mut subs = d.subscribe_all(&["*"]);
    let name = d.name.clone();
    let old = d.master.port();
    d.master.kill();

    let new = d.wait_for_new_master(old, FAILOVER);
    let replica_ports: Vec<u16> = d.replicas.iter().map(RedisServer::port).collect();
    assert!(
        replica_ports.contains(&new),
        "{kind}: new master :{new} is one of the replicas {replica_ports:?}"
    );
    let other = *replica_ports.iter().find(|&&p| p != new).expect("two replicas");
    wait_event_on_all(&mut subs, "+switch-master", &Payload::Is(switch_payload(&name, old, new)), EVENT);
    let leader = sole_leader(&mut subs, &format!("{kind} kill"));

    let master = master_ref(&name, old);
    let promoted = replica_ref(new, &name, old);
    let reconf = replica_ref(other, &name, old);
    let m = |ch: &str, p: &str| step(ch, Payload::Is(p.to_string()));
    let sequence: Vec<Step> = vec![
        m("+sdown", &master),
        step("+odown", Payload::StartsWith(format!("{master} #quorum "))),
        step("+new-epoch", Payload::Any),
        m("+try-failover", &master),
        step("+vote-for-leader", Payload::StartsWith(format!("{} ", ids[leader]))),
        m("+elected-leader", &master),
        m("+failover-state-select-slave", &master),
        m("+selected-slave", &promoted),
        m("+failover-state-send-slaveof-noone", &promoted),
        m("+failover-state-wait-promotion", &promoted),
        m("+promoted-slave", &promoted),
        m("+failover-state-reconf-slaves", &master),
        m("+slave-reconf-sent", &reconf),
        m("+slave-reconf-inprog", &reconf),
        m("+slave-reconf-done", &reconf),
        m("+failover-end", &master),
        m("+switch-master", &switch_payload(&name, old, new)),
    ];
    assert_in_order(subs[leader].seen(), &sequence, &format!("{kind} leader sentinel {leader}"));
    // The others learn it from the leader's hellos.
    for (i, sub) in subs.iter().enumerate().filter(|(i, _)| *i != leader) {
        let switch =
            find_event(sub.seen(), 0, "+switch-master", &Payload::Is(switch_payload(&name, old, new)));
        let update = find_event(sub.seen(), 0, "+config-update-from", &Payload::Any);
        assert!(
            update.is_some() && update < switch,
            "{kind} sentinel {i}: +config-update-from before +switch-master:\n{}",
            format_events(sub.seen())
        );
    }

    let new_server = d.server(new).expect("new master");
    assert_eq!(new_server.role(), "master", "{kind}");
    d.server(other).expect("other").wait_replicating_from(
        new,
        FAILOVER,
        "the other replica follows the new master",
    );

    // The old master returns with its old config (a master): the sentinels demote it.
    d.master.restart();
    wait_any_events(&mut subs, CONVERT, "+convert-to-slave of the old master", |_, events| {
        find_event(events, 0, "+convert-to-slave", &Payload::Is(replica_ref(old, &name, new)))
    });
    d.master.wait_replicating_from(new, CONVERT, "the old master replicates from the new one");
    for (i, s) in d.sentinels.iter().enumerate() {
        let what = format!("{kind} sentinel {i} lists the old master as a replica of the new one");
        wait_until(CONVERT, &what, || {
            s.instances("REPLICAS", &name).iter().any(|r| {
                r.field_int("port") == Some(i64::from(old))
                    && r.field_int("master-port") == Some(i64::from(new))
                    && r.field("flags").as_deref() == Some("slave")
            })
        });
    }
}

#[test]
fn killed_master_fails_over_with_the_full_event_sequence_and_returns_as_a_replica() {
    run_for_kinds(&[Kind::Rsentinel], |kind| master_killed(kind, ServerKind::Redis));
}

/// The same with valkey-server 8.1.8 as master and replicas: INFO parsing, discovery,
/// promotion, reconfiguration and the demotion of the returning master work as with Redis.
#[test]
fn killed_valkey_master_fails_over_like_a_redis_one() {
    run_for_kinds(&[Kind::Rsentinel], |kind| master_killed(kind, ServerKind::Valkey));
}

// ---------------------------------------------------------------------------------------------
// 9. A client keeps writing through the failover (the client protocol of spec §10)

/// Writes acknowledged by a server: `(port, n)` for `SET k:<n> <n>` answered `+OK`.
type Acks = Arc<Mutex<Vec<(u16, u64)>>>;

/// A client as the docs describe it: ask a sentinel for the master (the next sentinel on any
/// failure), check ROLE, write until an error, then ask again. Runs until `stop`.
fn write_through_sentinels(sentinels: Vec<u16>, name: String, stop: Arc<AtomicBool>, acks: Acks) {
    let mut n = 0u64;
    let mut next_sentinel = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let sentinel = sentinels[next_sentinel % sentinels.len()];
        next_sentinel += 1;
        let port = Client::try_connect(sentinel)
            .ok()
            .and_then(|mut c| c.try_cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &name]).ok())
            .and_then(|r| r.as_array()?.get(1)?.as_int())
            .and_then(|p| u16::try_from(p).ok());
        let conn = port.and_then(|p| Client::try_connect(p).ok());
        let (Some(port), Some(mut c)) = (port, conn) else {
            std::thread::sleep(common::POLL_INTERVAL);
            continue;
        };
        c.set_read_timeout(Some(Duration::from_secs(1)));
        let role = c.try_cmd(&["ROLE"]).ok().and_then(|r| r.as_array()?.first()?.as_str());
        if role.as_deref() != Some("master") {
            std::thread::sleep(common::POLL_INTERVAL);
            continue;
        }
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            match c.try_cmd(&["SET", &format!("k:{n}"), &n.to_string()]) {
                Ok(Resp::Simple(ok)) if ok == "OK" => acks.lock().expect("acks").push((port, n)),
                _ => break,
            }
            // Pacing only: a few hundred writes a second are plenty and keep the CPU for the
            // processes under test.
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn client_writes_across_failover(kind: Kind) {
    let mut d = failover_deployment("writer", kind, 2).start();
    d.wait_for_discovery(DISCOVERY);
    let old = d.master.port();
    let stop = Arc::new(AtomicBool::new(false));
    let acks: Acks = Arc::default();
    let writer = {
        let ports: Vec<u16> = d.sentinels.iter().map(SentinelProc::port).collect();
        let (name, stop, acks) = (d.name.clone(), stop.clone(), acks.clone());
        std::thread::spawn(move || write_through_sentinels(ports, name, stop, acks))
    };
    let acked_on = |port: u16| acks.lock().expect("acks").iter().filter(|(p, _)| *p == port).count();
    wait_until(EVENT, "20 writes acknowledged by the first master", || acked_on(old) >= 20);
    d.master.kill();
    let new = d.wait_for_new_master(old, FAILOVER);
    wait_until(FAILOVER, "100 writes acknowledged by the new master", || acked_on(new) >= 100);
    stop.store(true, Ordering::Relaxed);
    writer.join().expect("writer thread");

    let acks = acks.lock().expect("acks").clone();
    assert!(acks.windows(2).all(|w| w[0].1 < w[1].1), "{kind}: one increasing counter");
    let first_on_new = acks.iter().position(|(p, _)| *p == new).expect("acks on the new master");
    assert!(acks[..first_on_new].iter().all(|(p, _)| *p == old), "{kind}: only the old master before");
    assert!(
        acks[first_on_new..].iter().all(|(p, _)| *p == new),
        "{kind}: every write after the switch went to the new master :{new}"
    );
    // Every write the new master acknowledged is there.
    let on_new: Vec<u64> = acks[first_on_new..].iter().map(|(_, n)| *n).collect();
    let mut c = d.server(new).expect("new master").client();
    for chunk in on_new.chunks(200) {
        let keys: Vec<String> = chunk.iter().map(|n| format!("k:{n}")).collect();
        let mut args = vec!["MGET"];
        args.extend(keys.iter().map(String::as_str));
        let values = c.cmd(&args);
        let want: Vec<Resp> = chunk.iter().map(|n| Resp::Bulk(n.to_string().into_bytes())).collect();
        assert_eq!(values.as_array(), Some(want.as_slice()), "{kind}: acknowledged writes on :{new}");
    }
    // ... and reaches the remaining replica through the new topology.
    let last = *on_new.last().expect("writes");
    let other = d.replicas.iter().find(|r| r.port() != new).expect("other replica");
    wait_until(EVENT, "the last write replicated to the other replica", || {
        other.client().cmd(&["GET", &format!("k:{last}")]) == Resp::Bulk(last.to_string().into_bytes())
    });
}

#[test]
fn a_client_following_the_sentinels_keeps_writing_across_a_failover() {
    run_for_kinds(&[Kind::Rsentinel], client_writes_across_failover);
}

// ---------------------------------------------------------------------------------------------
// 10. SENTINEL FAILOVER: a requested failover, INPROG while it runs, NOGOODSLAVE

fn requested_failover(kind: Kind) {
    // INFO every second so that the priority change below is seen quickly (spec §13).
    let mut d = failover_deployment("manual", kind, 2).sentinel_debug(&[("info-period", "1000")]).start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let old = d.master.port();
    // The lowest replica-priority wins (spec §7.5): make the choice predictable.
    let chosen = d.replicas[1].port();
    let reply = d.replicas[1].client().cmd(&["CONFIG", "SET", "replica-priority", "10"]);
    assert_eq!(reply, Resp::Simple("OK".into()));
    for (i, s) in d.sentinels.iter().enumerate() {
        wait_until(EVENT, &format!("{kind} sentinel {i} sees slave-priority 10"), || {
            s.instances("REPLICAS", &name).iter().any(|r| {
                r.field_int("port") == Some(i64::from(chosen)) && r.field_int("slave-priority") == Some(10)
            })
        });
    }
    let mut subs = d.subscribe_all(&["*"]);
    let mut c = d.sentinel_client(0);
    assert_eq!(
        c.cmd(&["SENTINEL", "FAILOVER", "no-such-master"]),
        Resp::Error("ERR No such master with that name".into()),
        "{kind}"
    );
    assert_eq!(c.cmd(&["SENTINEL", "FAILOVER", &name]), Resp::Simple("OK".into()), "{kind}");
    assert_eq!(
        c.cmd(&["SENTINEL", "FAILOVER", &name]),
        Resp::Error("INPROG Failover already in progress".into()),
        "{kind}: a second request while the first runs"
    );

    let new = d.wait_for_new_master(old, FAILOVER);
    assert_eq!(new, chosen, "{kind}: the replica with the lowest priority is promoted");
    wait_event_on_all(&mut subs, "+switch-master", &Payload::Is(switch_payload(&name, old, new)), EVENT);
    assert_eq!(sole_leader(&mut subs, &format!("{kind} manual")), 0, "{kind}: the asked sentinel leads");
    let master = master_ref(&name, old);
    let promoted = replica_ref(new, &name, old);
    let m = |ch: &str, p: &str| step(ch, Payload::Is(p.to_string()));
    assert_in_order(
        subs[0].seen(),
        &[
            step("+new-epoch", Payload::Any),
            m("+try-failover", &master),
            m("+elected-leader", &master),
            m("+selected-slave", &promoted),
            m("+promoted-slave", &promoted),
            m("+failover-end", &master),
            m("+switch-master", &switch_payload(&name, old, new)),
        ],
        &format!("{kind} sentinel 0"),
    );
    assert_eq!(
        count_events(subs[0].seen(), "+odown", &Payload::Any)
            + count_events(subs[0].seen(), "+sdown", &Payload::Is(master.clone())),
        0,
        "{kind}: a requested failover needs no down master:\n{}",
        format_events(subs[0].seen())
    );
    let other = d.replicas[0].port();
    d.server(other).expect("other").wait_replicating_from(new, FAILOVER, "the other replica follows");
    // The old master is alive and still says `role:master`: the sentinels demote it.
    d.master.wait_replicating_from(new, CONVERT, "the old master is converted to a replica");
}

#[test]
fn requested_failover_promotes_the_preferred_replica_and_refuses_a_second_one() {
    run_for_kinds(&[Kind::Rsentinel], requested_failover);
}

fn requested_failover_without_a_promotable_replica(kind: Kind) {
    let mut d = Deployment::builder()
        .master_name(&unique_name("nogood"))
        .replicas(1)
        .sentinels(1, kind)
        .quorum(1)
        .redis_args(&["--replica-priority", "0"])
        .sentinel_debug(&[("info-period", "1000")])
        .start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let replica = d.replicas[0].port();
    let priority_is = |d: &Deployment, want: i64| {
        d.sentinels[0].instances("REPLICAS", &name).iter().any(|r| {
            r.field_int("port") == Some(i64::from(replica)) && r.field_int("slave-priority") == Some(want)
        })
    };
    wait_until(EVENT, "the sentinel sees slave-priority 0", || priority_is(&d, 0));
    let mut c = d.sentinel_client(0);
    assert_eq!(
        c.cmd(&["SENTINEL", "FAILOVER", &name]),
        Resp::Error("NOGOODSLAVE No suitable replica to promote".into()),
        "{kind}"
    );
    assert_eq!(d.master_info(0).field("flags").as_deref(), Some("master"), "{kind}: no failover started");
    // Not a canned answer: once the replica may be promoted, the same request succeeds.
    let reply = d.replicas[0].client().cmd(&["CONFIG", "SET", "replica-priority", "100"]);
    assert_eq!(reply, Resp::Simple("OK".into()));
    wait_until(EVENT, "the sentinel sees slave-priority 100", || priority_is(&d, 100));
    assert_eq!(c.cmd(&["SENTINEL", "FAILOVER", &name]), Resp::Simple("OK".into()), "{kind}");
    assert_eq!(d.wait_for_new_master(d.master.port(), FAILOVER), replica, "{kind}");
}

#[test]
fn requested_failover_without_a_promotable_replica_is_nogoodslave() {
    run_for_kinds(&[Kind::Rsentinel], requested_failover_without_a_promotable_replica);
}

// ---------------------------------------------------------------------------------------------
// 11. notification-script and client-reconfig-script (spec §8)

/// An executable `sh` script that appends its arguments as one line to `out`.
fn recording_script(path: &Path, out: &Path) {
    std::fs::write(path, format!("#!/bin/sh\necho \"$@\" >> '{}'\n", out.display())).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod script");
}

fn lines_of(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect()
}

/// Notice-level events (spec §5.2): they never run the notification script.
const NOTICE_EVENTS: &[&str] = &[
    "+slave",
    "+sentinel",
    "+failover-state-send-slaveof-noone",
    "+failover-state-wait-promotion",
    "+slave-reconf-sent",
    "+slave-reconf-inprog",
    "+slave-reconf-done",
    "+convert-to-slave",
    "+fix-slave-config",
    "+reboot",
];

fn scripts_run_on_failover(kind: Kind) {
    let mut d = failover_deployment("scripts", kind, 2).sentinel_kinds(&[]).start();
    let name = d.name.clone();
    // One pair of scripts per sentinel, each writing its own files, so the lines tell which
    // sentinel ran them.
    let dir = tempfile::Builder::new().prefix("rsentinel-scripts-").tempdir().expect("temp dir");
    let mut outputs: Vec<(PathBuf, PathBuf)> = Vec::new();
    for i in 0..3 {
        let notify_out = dir.path().join(format!("notify-{i}.out"));
        let reconf_out = dir.path().join(format!("reconf-{i}.out"));
        let notify = dir.path().join(format!("notify-{i}.sh"));
        let reconf = dir.path().join(format!("reconf-{i}.sh"));
        recording_script(&notify, &notify_out);
        recording_script(&reconf, &reconf_out);
        let config = format!(
            "{}sentinel notification-script {name} {}\nsentinel client-reconfig-script {name} {}\n",
            d.config,
            notify.display(),
            reconf.display()
        );
        d.sentinels.push(SentinelProc::start(kind, &config));
        outputs.push((notify_out, reconf_out));
    }
    d.wait_for_discovery(DISCOVERY);
    for i in 0..3 {
        let m = d.master_info(i);
        assert_eq!(
            m.field("notification-script"),
            Some(dir.path().join(format!("notify-{i}.sh")).display().to_string()),
            "{kind}: {m}"
        );
        assert_eq!(
            m.field("client-reconfig-script"),
            Some(dir.path().join(format!("reconf-{i}.sh")).display().to_string()),
            "{kind}: {m}"
        );
    }
    let mut subs = d.subscribe_all(&["*"]);
    let old = d.master.port();
    d.master.kill();
    let new = d.wait_for_new_master(old, FAILOVER);
    wait_event_on_all(&mut subs, "+switch-master", &Payload::Is(switch_payload(&name, old, new)), EVENT);
    let leader = sole_leader(&mut subs, &format!("{kind} scripts"));

    for (i, (notify_out, reconf_out)) in outputs.iter().enumerate() {
        let role = if i == leader { "leader" } else { "observer" };
        let want = format!("{name} {role} start 127.0.0.1 {old} 127.0.0.1 {new}");
        wait_until_shows(EVENT, &format!("{kind} sentinel {i}: client-reconfig-script `{want}`"), || {
            let lines = lines_of(reconf_out);
            (lines == [want.clone()], lines.join("\n"))
        });
        let sdown = format!("+sdown {}", master_ref(&name, old));
        let switch = format!("+switch-master {}", switch_payload(&name, old, new));
        wait_until_shows(
            EVENT,
            &format!("{kind} sentinel {i}: notification-script `{sdown}` and `{switch}`"),
            || {
                let lines = lines_of(notify_out);
                (lines.contains(&sdown) && lines.contains(&switch), lines.join("\n"))
            },
        );
        let lines = lines_of(notify_out);
        for l in &lines {
            let event = l.split(' ').next().unwrap_or_default();
            assert!(
                !NOTICE_EVENTS.contains(&event),
                "{kind} sentinel {i}: notice event `{l}` ran the script"
            );
        }
        if i == leader {
            let master = master_ref(&name, old);
            let wanted = [
                format!("+odown {master} #quorum "),
                format!("+try-failover {master}"),
                format!("+elected-leader {master}"),
                format!("+promoted-slave {}", replica_ref(new, &name, old)),
                format!("+failover-end {master}"),
            ];
            for w in &wanted {
                assert!(
                    lines.iter().any(|l| l.starts_with(w.as_str())),
                    "{kind} leader {i}: notification-script `{w}` missing:\n{}",
                    lines.join("\n")
                );
            }
        }
    }
    // Scripts that exit 0 leave nothing queued.
    for (i, s) in d.sentinels.iter().enumerate() {
        wait_until(EVENT, &format!("{kind} sentinel {i}: empty script queue"), || {
            s.client().cmd(&["SENTINEL", "PENDING-SCRIPTS"]) == Resp::Array(vec![])
        });
    }
}

#[test]
fn notification_and_client_reconfig_scripts_run_on_failover() {
    run_for_kinds(&[Kind::Rsentinel], scripts_run_on_failover);
}

// ---------------------------------------------------------------------------------------------
// 12. parallel-syncs 1 with three replicas

fn one_replica_at_a_time(kind: Kind) {
    let mut d = failover_deployment("psync", kind, 3).parallel_syncs(1).failover_timeout_ms(20_000).start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let mut subs = d.subscribe_all(&["*"]);
    let old = d.master.port();
    d.master.kill();
    let new = d.wait_for_new_master(old, FAILOVER);
    wait_event_on_all(&mut subs, "+switch-master", &Payload::Is(switch_payload(&name, old, new)), EVENT);
    let leader = sole_leader(&mut subs, &format!("{kind} parallel-syncs"));
    let events: &[Message] = subs[leader].seen();
    assert_eq!(
        count_events(events, "+failover-end", &Payload::Is(master_ref(&name, old))),
        1,
        "{kind}:\n{}",
        format_events(events)
    );
    assert_eq!(
        count_events(events, "+failover-end-for-timeout", &Payload::Any),
        0,
        "{kind}:\n{}",
        format_events(events)
    );
    // At most one replica between +slave-reconf-sent and its +slave-reconf-done.
    let mut in_flight: BTreeSet<String> = BTreeSet::new();
    let mut sent = BTreeSet::new();
    for m in events {
        match m.channel.as_str() {
            "+slave-reconf-sent" => {
                in_flight.insert(m.payload.clone());
                sent.insert(m.payload.clone());
                assert!(
                    in_flight.len() <= 1,
                    "{kind}: parallel-syncs 1 exceeded:\n{}",
                    format_events(events)
                );
            }
            "+slave-reconf-done" | "-slave-reconf-sent-timeout" => {
                in_flight.remove(&m.payload);
            }
            _ => {}
        }
    }
    let others: BTreeSet<String> =
        d.replicas.iter().filter(|r| r.port() != new).map(|r| replica_ref(r.port(), &name, old)).collect();
    assert_eq!(sent, others, "{kind}: each other replica reconfigured once");
    for r in d.replicas.iter().filter(|r| r.port() != new) {
        r.wait_replicating_from(new, FAILOVER, &format!("{kind}: replica :{} follows :{new}", r.port()));
    }
}

#[test]
fn parallel_syncs_one_reconfigures_three_replicas_one_at_a_time() {
    run_for_kinds(&[Kind::Rsentinel], one_replica_at_a_time);
}

// ---------------------------------------------------------------------------------------------
// 13. Many master names on one server fail over together to its one replica (issue 13)

/// One redis-server watched under 16 names (the k-th at 127.0.0.k), one replica, three
/// sentinels of `mix`. SIGKILL the server: every name must move to the replica on every
/// sentinel. Each promotion transaction ends with `CLIENT KILL TYPE normal` and `pubsub`, which
/// cut every sentinel's links to the replica, those of the names still failing over included;
/// no rsentinel may give up with `-failover-abort-no-good-slave` (which costs a retry 2 x
/// failover-timeout later). redis-sentinel does give up when its selection comes right after
/// such a cut: rarely among redis-sentinels, whose names move in step, more often next to
/// rsentinels, whose promotions come one name at a time; its aborts are only reported.
fn names_sharing_a_server_fail_over_together(mix: &[Kind]) {
    let what = format!("{mix:?}");
    let mut d = failover_deployment("shared", Kind::Rsentinel, 1)
        .sentinel_kinds(mix)
        .master_names(common::deployment::MAX_NAMES_PER_MASTER)
        .start();
    d.wait_for_discovery(DISCOVERY);
    let mut subs = d.subscribe_all(&["*"]);
    let old = d.master.port();
    let replica = d.replicas[0].port();
    d.master.kill();

    let new = d.wait_for_new_master(old, FAILOVER);
    assert_eq!(new, replica, "{what}: every name moved to the replica");
    for (k, name) in d.names.iter().enumerate() {
        let switch = format!("{name} 127.0.0.{} {old} 127.0.0.1 {new}", k + 1);
        wait_event_on_all(&mut subs, "+switch-master", &Payload::Is(switch), EVENT);
    }
    for sub in subs.iter_mut() {
        common::scenario::pump(sub);
    }
    for (kind, sub) in mix.iter().zip(&subs) {
        let aborts = count_events(sub.seen(), "-failover-abort-no-good-slave", &Payload::Any);
        eprintln!("{what}: {kind} :{}: {aborts} -failover-abort-no-good-slave", sub.port());
        if *kind == Kind::Rsentinel {
            assert_eq!(aborts, 0, "{what}: no failover gave up at replica selection\n{}", all_events(&subs));
        }
    }
    assert_eq!(d.replicas[0].role(), "master", "{what}: the replica was promoted");
}

#[test]
fn sixteen_names_on_one_server_fail_over_together_to_its_replica() {
    for kind in kinds_or(&[Kind::Rsentinel]) {
        eprintln!("=== scenario against {kind}");
        names_sharing_a_server_fail_over_together(&[kind; 3]);
    }
}

/// The same with a redis-sentinel among two rsentinels (its promotions cut the rsentinels'
/// links, and theirs its links; either kind may lead any name, and the rsentinels vote for
/// it as it votes for them).
#[test]
fn sixteen_names_on_one_server_fail_over_together_in_a_mixed_group() {
    names_sharing_a_server_fail_over_together(&mix_for_env(&[Kind::Redis, Kind::Rsentinel, Kind::Rsentinel]));
}
