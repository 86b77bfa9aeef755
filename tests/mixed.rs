//! Mixed deployments: rsentinels, real redis-sentinels (7.0.15) and real valkey-sentinels
//! (8.1.8) watching the same master must talk to each other (hellos, `is-master-down-by-addr`,
//! votes; spec §6.6, §7.3) as if they were all the same implementation.
//!
//! With `RSENTINEL_TEST_KINDS` set to a single kind, every sentinel of a mix is of that kind
//! (`redis` checks the scenarios themselves against the reference).

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::scenario::{
    format_events, master_ref, mix_for_env, sole_leader, switch_payload, wait_event_on_all, Payload,
    DOWN_AFTER_MS,
};
use common::{unique_name, Deployment, Kind, RedisServer, SentinelProc, ServerKind, Subscriber};
use Kind::{Redis as R, Rsentinel as RS, Valkey as V};

const DISCOVERY: Duration = Duration::from_secs(30);
const EVENT: Duration = Duration::from_secs(30);
const FAILOVER: Duration = Duration::from_secs(90);

fn kinds_of(d: &Deployment) -> Vec<Kind> {
    d.sentinels.iter().map(SentinelProc::kind).collect()
}

/// Every sentinel lists exactly the other two, by runid and port, whatever their kind.
fn assert_peers_by_id(d: &Deployment) {
    let ids: Vec<String> = d.sentinels.iter().map(SentinelProc::myid).collect();
    for (i, s) in d.sentinels.iter().enumerate() {
        let got: BTreeSet<(Option<String>, Option<i64>)> = s
            .instances("SENTINELS", &d.name)
            .iter()
            .map(|p| (p.field("runid"), p.field_int("port")))
            .collect();
        let want: BTreeSet<(Option<String>, Option<i64>)> = d
            .sentinels
            .iter()
            .zip(&ids)
            .filter(|(o, _)| o.port() != s.port())
            .map(|(o, id)| (Some(id.clone()), Some(i64::from(o.port()))))
            .collect();
        assert_eq!(got, want, "{} sentinel {i} of {:?}: peers", s.kind(), kinds_of(d));
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery and ODOWN agreement across kinds

fn mixed_discovery_and_odown(mix: &[Kind]) {
    mixed_discovery_and_odown_on(mix, ServerKind::Redis);
}

fn mixed_discovery_and_odown_on(mix: &[Kind], data: ServerKind) {
    let mix = mix_for_env(mix);
    eprintln!("=== mix {mix:?}");
    // As in discovery.rs: no replica may be promoted, so the ODOWN window is not cut short.
    let mut d = Deployment::builder()
        .master_name(&unique_name("mixodown"))
        .replicas(1)
        .sentinel_kinds(&mix)
        .quorum(2)
        .down_after_ms(DOWN_AFTER_MS)
        .failover_timeout_ms(120_000)
        .redis_args(&["--replica-priority", "0"])
        .data_nodes(data)
        .start();
    d.wait_for_discovery(DISCOVERY);
    assert_peers_by_id(&d);

    let mut subs = d.subscribe_all(&["*"]);
    let master = master_ref(&d.name, d.master.port());
    d.master.stop();
    // ODOWN needs the peers' answers to is-master-down-by-addr: each kind must understand the
    // other's questions and answers.
    wait_event_on_all(&mut subs, "+odown", &Payload::StartsWith(format!("{master} #quorum ")), EVENT);
    d.master.cont();
    wait_event_on_all(&mut subs, "-odown", &Payload::Is(master.clone()), EVENT);
    for (i, sub) in subs.iter().enumerate() {
        assert!(
            sub.seen().iter().all(|m| m.channel != "+switch-master" && m.channel != "+promoted-slave"),
            "{mix:?} sentinel {i}: nothing promoted:\n{}",
            format_events(sub.seen())
        );
    }
}

#[test]
fn two_rsentinels_and_a_redis_sentinel_discover_each_other_and_agree_on_odown() {
    mixed_discovery_and_odown(&[RS, RS, R]);
}

#[test]
fn one_rsentinel_and_two_redis_sentinels_discover_each_other_and_agree_on_odown() {
    mixed_discovery_and_odown(&[R, RS, R]);
}

// ---------------------------------------------------------------------------------------------
// A failover decided by a mixed electorate

fn mixed_failover(mix: &[Kind]) {
    let mix = mix_for_env(mix);
    eprintln!("=== mix {mix:?}");
    let mut d = Deployment::builder()
        .master_name(&unique_name("mixfo"))
        .replicas(2)
        .sentinel_kinds(&mix)
        .quorum(2)
        .down_after_ms(DOWN_AFTER_MS)
        .failover_timeout_ms(10_000)
        .redis_args(&["--repl-diskless-sync-delay", "0"])
        .start();
    d.wait_for_discovery(DISCOVERY);
    assert_peers_by_id(&d);
    let leader = kill_master_and_check_the_failover(&mut d, &mix);
    eprintln!("=== mix {mix:?}: sentinel {leader} ({}) led the failover", mix[leader]);
}

/// Kill the master of a discovered deployment and check that the sentinels, whatever their
/// kinds, agree: one replica is the new master everywhere, exactly one sentinel was elected,
/// the leader's configuration (its failover epoch) reached every sentinel through hellos, and
/// the promotion is visible on the servers (the new master says so, the other replica follows
/// it). Returns the index of the leader.
fn kill_master_and_check_the_failover(d: &mut Deployment, mix: &[Kind]) -> usize {
    let mut subs: Vec<Subscriber> = d.subscribe_all(&["*"]);
    let old = d.master.port();
    d.master.kill();

    let new = d.wait_for_new_master(old, FAILOVER);
    let replicas: Vec<u16> = d.replicas.iter().map(RedisServer::port).collect();
    assert!(replicas.contains(&new), "{mix:?}: new master :{new} is one of {replicas:?}");
    wait_event_on_all(&mut subs, "+switch-master", &Payload::Is(switch_payload(&d.name, old, new)), EVENT);
    let leader = sole_leader(&mut subs, &format!("{mix:?}"));
    let epochs: Vec<Option<i64>> =
        (0..mix.len()).map(|i| d.master_info(i).field_int("config-epoch")).collect();
    assert!(
        epochs.iter().all(|e| *e == epochs[0] && e.unwrap_or(0) >= 1),
        "{mix:?}: one config-epoch everywhere: {epochs:?}"
    );
    assert_eq!(d.server(new).expect("new master").role(), "master");
    let other = d.replicas.iter().find(|r| r.port() != new).expect("other replica");
    other.wait_replicating_from(new, FAILOVER, "the other replica follows the new master");
    leader
}

// Two orders per mix: which sentinel reaches ODOWN first (and so usually leads) depends on
// timing, so over the suite both kinds get to lead and to follow.
#[test]
fn two_rsentinels_and_a_redis_sentinel_agree_on_the_new_master() {
    mixed_failover(&[RS, RS, R]);
}

#[test]
fn a_redis_sentinel_and_two_rsentinels_agree_on_the_new_master() {
    mixed_failover(&[R, RS, RS]);
}

#[test]
fn one_rsentinel_and_two_redis_sentinels_agree_on_the_new_master() {
    mixed_failover(&[RS, R, R]);
}

#[test]
fn two_redis_sentinels_and_an_rsentinel_agree_on_the_new_master() {
    mixed_failover(&[R, R, RS]);
}

// ---------------------------------------------------------------------------------------------
// Valkey 8.1.8 sentinels in the group

#[test]
fn rsentinels_and_a_valkey_sentinel_discover_each_other_and_agree_on_odown() {
    mixed_discovery_and_odown(&[RS, RS, V]);
}

#[test]
fn an_rsentinel_and_two_valkey_sentinels_on_valkey_servers_agree_on_odown() {
    mixed_discovery_and_odown_on(&[V, RS, V], ServerKind::Valkey);
}

#[test]
fn all_three_kinds_discover_each_other_and_agree_on_odown() {
    mixed_discovery_and_odown(&[R, V, RS]);
}

/// A failover whose leader is chosen by the test: sentinel `leader` alone gets quorum 1 and a
/// 1 s down-after (through SENTINEL SET), the others keep a 10 s down-after, so `leader` reaches
/// ODOWN alone and asks for votes long before anyone else could. Peers vote for the first
/// candidate of an epoch whatever they think of the master, so `leader` wins unless a peer
/// does not understand its request or its votes. Then everyone must agree on the new master
/// and on the failover epoch.
fn mixed_failover_led_by(mix: &[Kind], leader: usize, data: ServerKind) {
    let mix = mix_for_env(mix);
    eprintln!("=== mix {mix:?}, sentinel {leader} leads, {} data nodes", data.name());
    let mut d = Deployment::builder()
        .master_name(&unique_name("mixlead"))
        .replicas(2)
        .sentinel_kinds(&mix)
        .quorum(2)
        .down_after_ms(10_000)
        .failover_timeout_ms(10_000)
        .redis_args(&["--repl-diskless-sync-delay", "0"])
        .data_nodes(data)
        .start();
    d.wait_for_discovery(DISCOVERY);
    assert_peers_by_id(&d);
    let set = d.sentinel_client(leader).cmd(&[
        "SENTINEL",
        "SET",
        &d.name,
        "quorum",
        "1",
        "down-after-milliseconds",
        "1000",
    ]);
    assert_eq!(set.as_str().as_deref(), Some("OK"), "{set}");
    let elected = kill_master_and_check_the_failover(&mut d, &mix);
    assert_eq!(elected, leader, "{mix:?}: the chosen sentinel ({}) led the failover", mix[leader]);
}

#[test]
fn a_valkey_sentinel_leads_a_failover_voted_by_rsentinels() {
    mixed_failover_led_by(&[V, RS, RS], 0, ServerKind::Redis);
}

#[test]
fn an_rsentinel_leads_a_failover_voted_by_valkey_sentinels() {
    mixed_failover_led_by(&[RS, V, V], 0, ServerKind::Redis);
}

#[test]
fn an_rsentinel_leads_valkey_and_redis_sentinels_over_valkey_servers() {
    mixed_failover_led_by(&[V, R, RS], 2, ServerKind::Valkey);
}

#[test]
fn a_valkey_sentinel_leads_redis_and_rsentinels_over_valkey_servers() {
    mixed_failover_led_by(&[RS, V, R], 1, ServerKind::Valkey);
}
