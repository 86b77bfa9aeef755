//! Forged hellos (the probes of the hostile-input audit): a huge epoch, a flood of run ids,
//! and a switch to a hostname that does not resolve change nothing they should not.

use super::hello::MAX_SENTINELS_PER_MASTER;
use super::input::Input;
use super::testkit::*;
use super::types::{Action, Level};
use super::wire::numbers::MAX_EPOCH;
use super::Settings;
use crate::config::SentinelConfig;

fn warnings(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log { level: Level::Warning, msg } => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

fn forged_id(n: usize) -> String {
    format!("{:040x}", 0xf0f0_0000_usize + n)
}

/// The probe: one `PUBLISH __sentinel__:hello` with a new run id and config epoch 2^64 - 1
/// switched the master and stored the epoch; the next failover logged `+new-epoch 0`.
#[test]
fn forged_epoch_near_2_64_is_dropped() {
    let (mut s, id) = sentinel(1, 5000);
    let before = s.to_config();
    let forged = format!(
        "127.0.0.1,26399,{},18446744073709551615,mymaster,127.0.0.1,6390,18446744073709551615",
        forged_id(1)
    );
    s.process_hello(forged.as_bytes(), 2000);
    assert!(events(&s.drain_actions()).is_empty());
    assert_eq!(s.to_config(), before, "nothing learnt from the forged hello");
    // A failover afterwards starts in epoch 1, not 0.
    assert!(s.start_failover(id, crate::core::FailoverKind::Elected, 3000));
    let ev = events(&s.drain_actions());
    assert!(ev.contains(&("+new-epoch".into(), "1".into())), "{:?}", ev);
}

/// The largest accepted epoch is adopted, and then no failover can start (none wraps to 0).
#[test]
fn no_failover_past_the_largest_epoch() {
    let (mut s, id) = sentinel(1, 5000);
    s.process_hello(&hello(PEER1, 26380, MAX_EPOCH, 6379, 0), 2000);
    assert_eq!(s.current_epoch, MAX_EPOCH);
    s.drain_actions();
    assert!(!s.start_failover(id, crate::core::FailoverKind::Elected, 3000));
    let actions = s.drain_actions();
    assert!(events(&actions).is_empty(), "{:?}", actions);
    assert!(warnings(&actions).iter().any(|w| w.contains("largest there is")), "{:?}", actions);
    assert_eq!(s.current_epoch, MAX_EPOCH);
    // Counted as an attempt: not retried (nor logged) before 2 x failover-timeout.
    assert!(!s.start_failover_if_needed(id, 3100));
}

/// The probe: 100 forged run ids gave 102 `known-sentinel` lines and 100 connections. Now the
/// master keeps at most MAX_SENTINELS_PER_MASTER, and the refusals are logged once a minute.
#[test]
fn hello_flood_is_capped_per_master() {
    let (mut s, id) = sentinel(2, 5000);
    let mut refusals = Vec::new();
    for n in 0..100 {
        let forged = format!("127.0.0.1,{},{},0,mymaster,127.0.0.1,6379,0", 30000 + n, forged_id(n));
        s.process_hello(forged.as_bytes(), 2000 + n as u64);
        refusals.extend(warnings(&s.drain_actions()));
    }
    let m = s.master_by_name("mymaster").unwrap();
    assert_eq!(m.sentinels.len(), MAX_SENTINELS_PER_MASTER);
    assert_eq!(s.to_config().masters[0].known_sentinels.len(), MAX_SENTINELS_PER_MASTER);
    assert_eq!(refusals.len(), 1, "{:?}", refusals);
    assert!(refusals[0].contains("already has 64 sentinels"), "{}", refusals[0]);
    // Known peers still move and restart in place; a new one still does not get in.
    let moved = format!("127.0.0.1,40000,{},0,mymaster,127.0.0.1,6379,0", forged_id(0));
    s.process_hello(moved.as_bytes(), 3000);
    assert!(event_kinds(&s.drain_actions()).contains(&"+sentinel-address-switch".to_string()));
    let restarted = format!("127.0.0.1,30001,{},0,mymaster,127.0.0.1,6379,0", PEER1);
    s.process_hello(restarted.as_bytes(), 3100);
    assert_eq!(event_kinds(&s.drain_actions()), ["+sentinel-invalid-addr", "+sentinel"]);
    assert!(s.masters[&id].sentinels.contains_key(PEER1));
    s.process_hello(&hello(PEER2, 26390, 0, 6379, 0), 3200);
    assert!(events(&s.drain_actions()).is_empty());
    assert_eq!(s.masters[&id].sentinels.len(), MAX_SENTINELS_PER_MASTER);
    // The next report, a minute after the first, counts every refusal since.
    s.process_hello(&hello(PEER2, 26390, 0, 6379, 0), 63_000);
    let w = warnings(&s.drain_actions());
    assert!(w.len() == 1 && w[0].contains("(37 hellos"), "{:?}", w);
}

/// With resolve-hostnames, a newer configuration naming a hostname is adopted only once the
/// shell has resolved the name; one that does not resolve is refused (Redis refuses the switch
/// too, after announcing it).
#[test]
fn switch_to_an_unresolvable_hostname_is_refused() {
    let cfg = SentinelConfig { resolve_hostnames: true, ..config(2, 5000) };
    let (mut s, _) = sentinel_from(&cfg, Settings::default());
    s.process_hello(&hello(PEER1, 26380, 0, 6379, 0), 2000);
    s.drain_actions();
    let resolves = |actions: &[Action]| -> Vec<String> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Resolve { host } => Some(host.clone()),
                _ => None,
            })
            .collect()
    };
    let bad = format!("127.0.0.1,26380,{},3,mymaster,nowhere.invalid,6380,3", PEER1);
    s.process_hello(bad.as_bytes(), 2100);
    s.process_hello(bad.as_bytes(), 2200);
    let actions = s.drain_actions();
    assert_eq!(event_kinds(&actions), ["+new-epoch"]);
    assert_eq!(resolves(&actions), ["nowhere.invalid"], "one look-up for both hellos");
    s.handle(Input::Resolved { host: "nowhere.invalid".into(), ip: None }, 2300);
    let actions = s.drain_actions();
    assert!(events(&actions).is_empty(), "{:?}", actions);
    assert!(warnings(&actions).iter().any(|w| w.contains("can't resolve")), "{:?}", actions);
    let m = s.master_by_name("mymaster").unwrap();
    assert_eq!((m.inst.addr.ip.as_str(), m.inst.addr.port, m.config_epoch), ("127.0.0.1", 6379, 0));

    let good = format!("127.0.0.1,26380,{},3,mymaster,good.example,6380,3", PEER1);
    s.process_hello(good.as_bytes(), 2400);
    assert_eq!(resolves(&s.drain_actions()), ["good.example"]);
    s.handle(Input::Resolved { host: "good.example".into(), ip: Some("127.0.0.9".into()) }, 2500);
    let actions = s.drain_actions();
    assert_eq!(event_kinds(&actions)[..2], ["+config-update-from", "+switch-master"]);
    assert!(resolves(&actions).is_empty(), "{:?}", actions);
    let m = s.master_by_name("mymaster").unwrap();
    assert_eq!((m.inst.addr.ip.as_str(), m.inst.addr.port, m.config_epoch), ("127.0.0.9", 6380, 3));
}
