//! Discovery, SDOWN/ODOWN, TILT, RESET, restart and CKQUORUM with real processes: a
//! redis-server master with replicas and three sentinels on 127.0.0.1 (spec §5, §6.5-§6.9).
//!
//! Each scenario is a function of the sentinel kind; the tests run it for both kinds (or for
//! those of `RSENTINEL_TEST_KINDS`), so the same assertions hold the real redis-sentinel to
//! them and prove the test logic against it.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::scenario::{
    master_ref, replica_ref, run_for_kinds, sentinel_ref, wait_event_on_all, wait_until_shows, Payload,
    DOWN_AFTER_MS,
};
use common::{unique_name, wait_until, Deployment, Kind, RedisServer, Resp, SentinelProc, Subscriber};

/// Discovery of replicas (first master INFO) and peers (hellos every 2 s) on a loaded machine.
const DISCOVERY: Duration = Duration::from_secs(30);
/// Any single event we wait for (SDOWN after down-after, ODOWN a few asks later, ...).
const EVENT: Duration = Duration::from_secs(30);

/// The `sentinel <option> ...` lines of a config file, with runs of blanks collapsed.
fn sentinel_lines(config: &str, option: &str) -> Vec<String> {
    config
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|t| t.len() >= 2 && t[0] == "sentinel" && t[1] == option)
        .map(|t| t.join(" "))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Discovery from `sentinel monitor` alone

fn discovers_replicas_and_peers_and_persists_them(kind: Kind) {
    let mut d =
        Deployment::builder().master_name(&unique_name("disc")).replicas(2).sentinels(3, kind).start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let master_port = d.master.port();
    let ids: Vec<String> = d.sentinels.iter().map(SentinelProc::myid).collect();
    let replica_ports: BTreeSet<u16> = d.replicas.iter().map(RedisServer::port).collect();

    for (i, s) in d.sentinels.iter().enumerate() {
        let who = format!("{kind} sentinel {i} :{}", s.port());
        // master-link-status comes from the replica's own INFO, which may lag its discovery.
        wait_until(DISCOVERY, &format!("{who}: both replicas flagged `slave` with link ok"), || {
            let replicas = s.instances("REPLICAS", &name);
            replicas.len() == 2
                && replicas.iter().all(|r| {
                    r.field("flags").as_deref() == Some("slave")
                        && r.field("master-link-status").as_deref() == Some("ok")
                        && r.field("master-host").as_deref() == Some("127.0.0.1")
                        && r.field_int("master-port") == Some(i64::from(master_port))
                })
        });
        let replicas = s.instances("REPLICAS", &name);
        let seen: BTreeSet<u16> =
            replicas.iter().filter_map(|r| r.field_int("port")).map(|p| p as u16).collect();
        assert_eq!(seen, replica_ports, "{who}: replica ports");
        for r in &replicas {
            let port = r.field_int("port").unwrap_or_default();
            assert_eq!(r.field("name"), Some(format!("127.0.0.1:{port}")), "{who}: {r}");
            assert_eq!(r.field("ip").as_deref(), Some("127.0.0.1"), "{who}: {r}");
        }

        let peers = s.instances("SENTINELS", &name);
        let got: BTreeSet<(String, i64)> = peers
            .iter()
            .map(|p| (p.field("runid").unwrap_or_default(), p.field_int("port").unwrap_or_default()))
            .collect();
        let want: BTreeSet<(String, i64)> = d
            .sentinels
            .iter()
            .zip(&ids)
            .filter(|(o, _)| o.port() != s.port())
            .map(|(o, id)| (id.clone(), i64::from(o.port())))
            .collect();
        assert_eq!(got, want, "{who}: peers (runid, port)");
        for p in &peers {
            assert_eq!(p.field("flags").as_deref(), Some("sentinel"), "{who}: {p}");
            assert_eq!(p.field("ip").as_deref(), Some("127.0.0.1"), "{who}: {p}");
            assert_eq!(p.field("name"), p.field("runid"), "{who}: a sentinel is named by its runid: {p}");
        }
        let m = d.master_info(i);
        assert_eq!(m.field_int("num-slaves"), Some(2), "{who}: {m}");
        assert_eq!(m.field_int("num-other-sentinels"), Some(2), "{who}: {m}");

        // Everything discovered is in the rewritten config file.
        let want_replicas: BTreeSet<String> =
            replica_ports.iter().map(|p| format!("sentinel known-replica {name} 127.0.0.1 {p}")).collect();
        let want_sentinels: BTreeSet<String> = want
            .iter()
            .map(|(id, port)| format!("sentinel known-sentinel {name} 127.0.0.1 {port} {id}"))
            .collect();
        let want_myid = vec![format!("sentinel myid {}", ids[i])];
        let want_epoch = vec!["sentinel current-epoch 0".to_string()];
        wait_until_shows(
            DISCOVERY,
            &format!("{who}: known-replica x2, known-sentinel x2, myid, current-epoch in the config"),
            || {
                let text = s.config_text();
                let replicas = sentinel_lines(&text, "known-replica");
                let sentinels = sentinel_lines(&text, "known-sentinel");
                let ok = replicas.len() == 2
                    && replicas.iter().cloned().collect::<BTreeSet<_>>() == want_replicas
                    && sentinels.len() == 2
                    && sentinels.iter().cloned().collect::<BTreeSet<_>>() == want_sentinels
                    && sentinel_lines(&text, "myid") == want_myid
                    && sentinel_lines(&text, "current-epoch") == want_epoch;
                (ok, text)
            },
        );
    }
}

#[test]
fn discovers_replicas_and_peers_and_persists_them_in_the_config() {
    run_for_kinds(&Kind::ALL, discovers_replicas_and_peers_and_persists_them);
}

// ---------------------------------------------------------------------------------------------
// 2. A replica killed and restarted: +sdown / -sdown slave

fn replica_down_and_back(kind: Kind) {
    let mut d = Deployment::builder()
        .master_name(&unique_name("rdown"))
        .replicas(2)
        .sentinels(3, kind)
        .down_after_ms(DOWN_AFTER_MS)
        .start();
    d.wait_for_discovery(DISCOVERY);
    // Each way of listening: plain SUBSCRIBE, PSUBSCRIBE *, PSUBSCRIBE on a pattern.
    let mut subs = vec![
        Subscriber::subscribe(d.sentinels[0].port(), &["+sdown", "-sdown"]),
        d.sentinels[1].psubscribe(&["*"]),
        d.sentinels[2].psubscribe(&["?sdown"]),
    ];
    let replica = replica_ref(d.replicas[0].port(), &d.name, d.master.port());
    d.replicas[0].kill();
    wait_event_on_all(&mut subs, "+sdown", &Payload::Is(replica.clone()), EVENT);
    for (i, s) in d.sentinels.iter().enumerate() {
        let addr = d.replicas[0].addr();
        let flags = s
            .instances("REPLICAS", &d.name)
            .iter()
            .find(|r| r.field("name").as_deref() == Some(addr.as_str()))
            .and_then(|r| r.field("flags"))
            .unwrap_or_default();
        assert!(flags.split(',').any(|f| f == "s_down"), "{kind} sentinel {i}: flags of {addr}: {flags:?}");
    }
    let m = d.master_info(0);
    assert!(!m.field("flags").unwrap_or_default().contains("s_down"), "the master stays up: {m}");

    d.replicas[0].restart();
    wait_event_on_all(&mut subs, "-sdown", &Payload::Is(replica.clone()), EVENT);
    for sub in &subs {
        let pos = |ch: &str| sub.seen().iter().position(|m| m.channel == ch && m.payload == replica);
        assert!(pos("+sdown") < pos("-sdown"), "{kind}: +sdown before -sdown: {:?}", sub.seen());
        assert!(
            sub.seen().iter().all(|m| m.channel != "+sdown" || m.payload == replica),
            "{kind}: nothing but the killed replica went down: {:?}",
            sub.seen()
        );
    }
    assert_eq!(subs[2].seen()[0].pattern.as_deref(), Some("?sdown"), "pmessage carries the pattern");
    assert_eq!(subs[0].seen()[0].pattern, None, "message (not pmessage) on SUBSCRIBE");
}

#[test]
fn killed_replica_is_sdown_on_every_sentinel_and_back_after_restart() {
    run_for_kinds(&Kind::ALL, replica_down_and_back);
}

// ---------------------------------------------------------------------------------------------
// 3. A hung master (SIGSTOP): +sdown, +odown on all three, then -odown/-sdown on SIGCONT

fn hung_master_is_odown(kind: Kind) {
    // replica-priority 0: no replica can be promoted, so the failover that ODOWN starts ends
    // at replica selection (-failover-abort-no-good-slave) or in a split vote, and the master
    // stays the master whatever the election does. The long failover-timeout keeps a second
    // attempt out of the test.
    let mut d = Deployment::builder()
        .master_name(&unique_name("odown"))
        .replicas(1)
        .sentinels(3, kind)
        .quorum(2)
        .down_after_ms(DOWN_AFTER_MS)
        .failover_timeout_ms(120_000)
        .redis_args(&["--replica-priority", "0"])
        .start();
    d.wait_for_discovery(DISCOVERY);
    let mut subs = d.subscribe_all(&["*"]);
    let master = master_ref(&d.name, d.master.port());
    d.master.stop();
    wait_event_on_all(&mut subs, "+sdown", &Payload::Is(master.clone()), EVENT);
    let odown = Payload::StartsWith(format!("{master} #quorum "));
    wait_event_on_all(&mut subs, "+odown", &odown, EVENT);
    for (i, sub) in subs.iter().enumerate() {
        let m = sub.seen().iter().find(|m| m.channel == "+odown").expect("seen");
        let count = m.payload.rsplit(' ').next().unwrap_or_default();
        assert!(matches!(count, "2/2" | "3/2"), "{kind} sentinel {i}: +odown count/quorum: {:?}", m.payload);
        let sdown_at = sub.seen().iter().position(|m| m.channel == "+sdown" && m.payload == master);
        let odown_at = sub.seen().iter().position(|m| m.channel == "+odown");
        assert!(sdown_at < odown_at, "{kind} sentinel {i}: +sdown before +odown:\n{:?}", sub.seen());
    }
    for (i, s) in d.sentinels.iter().enumerate() {
        let status = s.client().info_field("sentinel", "master0").unwrap_or_default();
        assert!(status.contains(",status=odown,"), "{kind} sentinel {i}: INFO sentinel master0: {status}");
        let flags = d.master_info(i).field("flags").unwrap_or_default();
        assert!(flags.contains("s_down") && flags.contains("o_down"), "{kind} sentinel {i}: flags {flags}");
    }

    d.master.cont();
    wait_event_on_all(&mut subs, "-odown", &Payload::Is(master.clone()), EVENT);
    wait_event_on_all(&mut subs, "-sdown", &Payload::Is(master.clone()), EVENT);
    for (i, sub) in subs.iter().enumerate() {
        for forbidden in ["+selected-slave", "+promoted-slave", "+switch-master"] {
            assert!(
                sub.seen().iter().all(|m| m.channel != forbidden),
                "{kind} sentinel {i}: no replica may be promoted:\n{:?}",
                sub.seen()
            );
        }
    }
    let want = Some(("127.0.0.1".to_string(), d.master.port()));
    assert!(d.master_addrs().iter().all(|a| *a == want), "master unchanged: {:?}", d.master_addrs());
}

#[test]
fn stopped_master_is_sdown_then_odown_on_all_three_and_recovers_on_sigcont() {
    run_for_kinds(&Kind::ALL, hung_master_is_odown);
}

// ---------------------------------------------------------------------------------------------
// 4. TILT: the sentinel itself stopped for longer than the tilt trigger (2 s)

/// When the sentinel gets frozen.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stall {
    /// Within milliseconds of its first PONG, before (or about when) its timer first runs.
    /// redis-sentinel starts its TILT clock at start-up (`initSentinel` sets `previous_time`),
    /// so this stall is detected too.
    RightAfterStart,
    /// Once it monitors the master (its INFO was read).
    WhileMonitoring,
}

fn tilt_after_a_stop(kind: Kind, stall: Stall) {
    let master = RedisServer::start();
    let name = unique_name("tilt");
    let mut s =
        SentinelProc::start(kind, &format!("sentinel monitor {name} 127.0.0.1 {} 1\n", master.port()));
    if stall == Stall::WhileMonitoring {
        // The runid comes from the master's INFO, which a timer tick asked for.
        wait_until(EVENT, "the master's runid known", || {
            s.client().cmd(&["SENTINEL", "MASTER", &name]).field("runid").is_some_and(|id| id.len() == 40)
        });
    }
    // The subscription outlives the stop: the socket stays open while the process is frozen.
    let mut sub = Subscriber::subscribe(s.port(), &["+tilt", "-tilt"]);
    let tilt = |s: &SentinelProc| s.client().info_field("sentinel", "sentinel_tilt");
    assert_eq!(tilt(&s).as_deref(), Some("0"), "{kind}: not in TILT at start");

    s.stop();
    // The fault itself, not a synchronisation: the timer must see a gap beyond tilt-trigger.
    std::thread::sleep(Duration::from_secs(3));
    s.cont();
    let m = sub.wait_for_event("+tilt", |_| true, EVENT);
    assert_eq!(m.payload, "#tilt mode entered", "{kind}");
    // The default tilt period (30 s) keeps it in TILT while we look.
    assert_eq!(tilt(&s).as_deref(), Some("1"), "{kind}: INFO sentinel_tilt in TILT");
    let since: i64 = s
        .client()
        .info_field("sentinel", "sentinel_tilt_since_seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    assert!(since >= 0, "{kind}: sentinel_tilt_since_seconds in TILT: {since}");
    // Redis 8's count of TILT entries (7.0.15 has no such field): one per `+tilt`.
    let total = |s: &SentinelProc| s.client().info_field("sentinel", "sentinel_total_tilt");
    let entered = sub.seen().iter().filter(|m| m.channel == "+tilt").count().to_string();
    if kind == Kind::Rsentinel {
        assert_eq!(total(&s), Some(entered.clone()), "{kind}: sentinel_total_tilt");
    }
    if stall == Stall::RightAfterStart {
        return;
    }

    // A shorter tilt period ends it (the exit check runs on every tick).
    s.debug_set(&[("tilt-period", "1000")]);
    let m = sub.wait_for_event("-tilt", |_| true, EVENT);
    assert_eq!(m.payload, "#tilt mode exited", "{kind}");
    assert_eq!(tilt(&s).as_deref(), Some("0"), "{kind}: INFO sentinel_tilt after -tilt");
    assert_eq!(
        s.client().info_field("sentinel", "sentinel_tilt_since_seconds").as_deref(),
        Some("-1"),
        "{kind}"
    );
    let channels: Vec<&str> = sub.seen().iter().map(|m| m.channel.as_str()).collect();
    assert_eq!(channels, ["+tilt", "-tilt"], "{kind}: one TILT period");
    if kind == Kind::Rsentinel {
        assert_eq!(total(&s).as_deref(), Some("1"), "{kind}: sentinel_total_tilt stays after -tilt");
    }
}

#[test]
fn a_stopped_sentinel_enters_tilt_and_leaves_it() {
    run_for_kinds(&Kind::ALL, |kind| tilt_after_a_stop(kind, Stall::WhileMonitoring));
}

#[test]
fn a_sentinel_stalled_right_after_start_enters_tilt() {
    run_for_kinds(&Kind::ALL, |kind| tilt_after_a_stop(kind, Stall::RightAfterStart));
}

// ---------------------------------------------------------------------------------------------
// 5. SENTINEL RESET forgets replicas and peers, which are then discovered again

fn reset_and_rediscover(kind: Kind) {
    let mut d =
        Deployment::builder().master_name(&unique_name("reset")).replicas(2).sentinels(3, kind).start();
    d.wait_for_discovery(DISCOVERY);
    let ids: Vec<String> = d.sentinels.iter().map(SentinelProc::myid).collect();
    let mut sub = d.sentinels[0].psubscribe(&["*"]);
    let mut c = d.sentinel_client(0);
    assert_eq!(c.cmd(&["SENTINEL", "RESET", "no-such-*"]), Resp::Integer(0), "{kind}");
    assert_eq!(c.cmd(&["SENTINEL", "RESET", &d.name]), Resp::Integer(1), "{kind}");
    let master = master_ref(&d.name, d.master.port());
    sub.wait_for_event("+reset-master", |p| p == master, EVENT);
    // +slave and +sentinel are emitted only for instances not known: seeing them after the
    // reset proves both lists were emptied, and refilled.
    for r in &d.replicas {
        let want = replica_ref(r.port(), &d.name, d.master.port());
        sub.wait_for_event("+slave", |p| p == want, DISCOVERY);
    }
    for (s, id) in d.sentinels.iter().zip(&ids).skip(1) {
        let want = sentinel_ref(id, s.port(), &d.name, d.master.port());
        sub.wait_for_event("+sentinel", |p| p == want, DISCOVERY);
    }
    let reset_at = sub.seen().iter().position(|m| m.channel == "+reset-master").expect("seen");
    let first_add = sub.seen().iter().position(|m| m.channel == "+slave" || m.channel == "+sentinel");
    assert!(first_add > Some(reset_at), "{kind}: rediscovery after the reset: {:?}", sub.seen());
    d.wait_for_discovery(DISCOVERY);
}

#[test]
fn reset_forgets_replicas_and_peers_and_rediscovers_them() {
    run_for_kinds(&Kind::ALL, reset_and_rediscover);
}

// ---------------------------------------------------------------------------------------------
// 6. A restarted sentinel knows its peers and replicas from its config at once

fn restart_from_rewritten_config(kind: Kind) {
    let mut d =
        Deployment::builder().master_name(&unique_name("restart")).replicas(2).sentinels(3, kind).start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let myid = d.sentinels[0].myid();
    wait_until_shows(DISCOVERY, "known-* lines in sentinel 0's config", || {
        let text = d.sentinels[0].config_text();
        let ok = sentinel_lines(&text, "known-replica").len() == 2
            && sentinel_lines(&text, "known-sentinel").len() == 2;
        (ok, text)
    });
    let peers_before: BTreeSet<Option<String>> =
        d.sentinels[0].instances("SENTINELS", &name).iter().map(|p| p.field("runid")).collect();

    // Freeze the master and the peers: the restarted sentinel can then learn nothing from the
    // network (no master INFO, no hellos), so what it lists comes from its config file.
    d.master.stop();
    d.sentinels[1].stop();
    d.sentinels[2].stop();
    d.sentinels[0].restart();
    let s = &d.sentinels[0];
    let peers_after: BTreeSet<Option<String>> =
        s.instances("SENTINELS", &name).iter().map(|p| p.field("runid")).collect();
    let replicas: BTreeSet<Option<String>> =
        s.instances("REPLICAS", &name).iter().map(|r| r.field("name")).collect();
    d.master.cont();
    d.sentinels[1].cont();
    d.sentinels[2].cont();
    let s = &d.sentinels[0];
    assert_eq!(peers_after, peers_before, "{kind}: peers right after restart");
    let want: BTreeSet<Option<String>> = d.replicas.iter().map(|r| Some(r.addr())).collect();
    assert_eq!(replicas, want, "{kind}: replicas right after restart");
    assert_eq!(s.myid(), myid, "{kind}: the id survives the restart");
    d.wait_for_discovery(DISCOVERY);
    // The peers still count it once (same runid, same address).
    for (i, o) in d.sentinels.iter().enumerate().skip(1) {
        let ids: Vec<String> =
            o.instances("SENTINELS", &name).iter().filter_map(|p| p.field("runid")).collect();
        assert_eq!(ids.iter().filter(|id| **id == myid).count(), 1, "{kind} sentinel {i} peers: {ids:?}");
    }
}

#[test]
fn a_restarted_sentinel_knows_its_peers_and_replicas_from_its_config() {
    run_for_kinds(&Kind::ALL, restart_from_rewritten_config);
}

// ---------------------------------------------------------------------------------------------
// 7. CKQUORUM with 3, 2 and 1 reachable sentinels

fn ckquorum_as_sentinels_die(kind: Kind) {
    let mut d = Deployment::builder()
        .master_name(&unique_name("ckq"))
        .replicas(0)
        .sentinels(3, kind)
        .quorum(2)
        .start();
    d.wait_for_discovery(DISCOVERY);
    let ids: Vec<String> = d.sentinels.iter().map(SentinelProc::myid).collect();
    let mut sub = Subscriber::subscribe(d.sentinels[0].port(), &["+sdown"]);
    let ckquorum = |d: &Deployment| d.sentinel_client(0).cmd(&["SENTINEL", "CKQUORUM", &d.name]);
    assert_eq!(
        ckquorum(&d),
        Resp::Simple("OK 3 usable Sentinels. Quorum and failover authorization can be reached".into()),
        "{kind}"
    );
    assert_eq!(
        d.sentinel_client(0).cmd(&["SENTINEL", "CKQUORUM", "no-such-master"]),
        Resp::Error("ERR No such master with that name".into()),
        "{kind}"
    );

    for i in [1, 2] {
        let peer = sentinel_ref(&ids[i], d.sentinels[i].port(), &d.name, d.master.port());
        d.sentinels[i].kill();
        sub.wait_for_event("+sdown", |p| p == peer, EVENT);
        let reply = ckquorum(&d);
        let want = if i == 1 {
            // 2 usable: quorum 2 and majority 3/2+1 = 2 still reachable.
            Resp::Simple("OK 2 usable Sentinels. Quorum and failover authorization can be reached".into())
        } else {
            Resp::Error(
                "NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum \
                 for this master. Not enough available Sentinels to reach the majority and authorize a \
                 failover"
                    .into(),
            )
        };
        assert_eq!(reply, want, "{kind} after killing {i} sentinel(s)");
    }
}

#[test]
fn ckquorum_reports_usable_sentinels_and_noquorum_after_two_die() {
    run_for_kinds(&Kind::ALL, ckquorum_as_sentinels_die);
}
