//! Unit tests of the SENTINEL command semantics: feed arguments, assert on state and actions.

use super::*;
use crate::config::{MasterConfig, SentinelConfig};
use crate::core::failover::SIMFAILURE_CRASH_AFTER_PROMOTION;
use crate::core::wire::numbers::parse_i64;
use crate::core::{Action, Conn, Failover, FailoverKind, Settings};

const NOW: Millis = 1_000_000;
const PEER: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn sentinel(masters: &[(&str, u16)]) -> Sentinel {
    let cfg = SentinelConfig {
        myid: Some("a".repeat(40)),
        masters: masters
            .iter()
            .map(|(name, port)| MasterConfig {
                name: name.to_string(),
                host: "127.0.0.1".into(),
                port: *port,
                quorum: 2,
                ..MasterConfig::default()
            })
            .collect(),
        ..SentinelConfig::default()
    };
    let mut s = Sentinel::new(&cfg, Settings::default(), NOW, 7).expect("valid config");
    s.drain_actions();
    s
}

fn id(s: &Sentinel, name: &str) -> MasterId {
    s.master_id(name).expect("master exists")
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

/// The `(kind, msg)` of every event queued since the last drain.
fn events(s: &mut Sentinel) -> Vec<(String, String)> {
    s.drain_actions()
        .into_iter()
        .filter_map(|a| match a {
            Action::Event { kind, msg, .. } => Some((kind, msg)),
            _ => None,
        })
        .collect()
}

fn never(_: &str) -> bool {
    false
}

fn always(_: &str) -> bool {
    true
}

/// Mark every connection of the link as open, as the shell would after connecting.
fn connect(s: &mut Sentinel, link: crate::core::LinkId) {
    let l = s.links.get_mut(&link).expect("link exists");
    l.cc = true;
    l.pc = l.needs_pc;
}

#[test]
fn parse_i64_follows_string2ll() {
    assert_eq!(parse_i64("0"), Some(0));
    assert_eq!(parse_i64("42"), Some(42));
    assert_eq!(parse_i64("-42"), Some(-42));
    assert_eq!(parse_i64("9223372036854775807"), Some(i64::MAX));
    assert_eq!(parse_i64("-9223372036854775808"), Some(i64::MIN));
    for bad in ["", "-", "-0", "01", "+1", " 1", "1 ", "1a", "9223372036854775808", "1e3", "0x10"] {
        assert_eq!(parse_i64(bad), None, "{:?} must be rejected", bad);
    }
}

#[test]
fn master_names_that_break_hellos_or_the_config_are_invalid() {
    assert!(valid_master_name("mymaster"));
    assert!(valid_master_name("my-master_1.ä"));
    for bad in ["", "my master", "a,b", "a\tb", "a\nb", "a\u{7f}"] {
        assert!(!valid_master_name(bad), "{:?} must be rejected", bad);
    }
}

#[test]
fn monitor_checks_in_redis_order_then_creates() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = |s: &mut Sentinel, name: &str, host: &str, port: i64, q: i64| {
        s.monitor(name, host, port, q, false, NOW)
    };
    assert_eq!(m(&mut s, "x", "localhost", 70000, 0), Err(MonitorError::QuorumTooSmall));
    assert_eq!(m(&mut s, "x", "localhost", 70000, 1 << 40), Err(MonitorError::QuorumOutOfRange));
    assert_eq!(m(&mut s, "a b", "localhost", 70000, 1), Err(MonitorError::InvalidAddress));
    assert_eq!(m(&mut s, "a b", "127.0.0.1", 70000, 1), Err(MonitorError::InvalidName));
    assert_eq!(m(&mut s, "", "127.0.0.1", 6380, 1), Err(MonitorError::InvalidName));
    assert_eq!(m(&mut s, "mymaster", "127.0.0.1", 70000, 1), Err(CreateError::InvalidPort.into()));
    assert_eq!(m(&mut s, "mymaster", "127.0.0.1", -1, 1), Err(CreateError::InvalidPort.into()));
    assert_eq!(m(&mut s, "mymaster", "::1", 6380, 1), Err(CreateError::DuplicateMaster.into()));
    assert!(s.drain_actions().is_empty(), "failed MONITORs change nothing");

    let new = m(&mut s, "other", "::1", 6380, 3).expect("valid");
    assert!(s.drain_actions().is_empty(), "a new master is scheduled, not announced yet");
    assert_eq!(s.masters[&new].next_tick, Some(NOW), "ticks at once");
    let master = s.master_by_name("other").expect("created");
    assert_eq!((master.quorum, master.inst.addr.ip.as_str(), master.inst.addr.port), (3, "::1", 6380));
    s.announce_monitor(new);
    assert_eq!(events(&mut s), vec![("+monitor".into(), "master other ::1 6380 quorum 3".into())]);
}

#[test]
fn monitor_accepts_hostnames_only_with_resolve_hostnames_and_a_resolving_name() {
    let mut s = sentinel(&[]);
    assert_eq!(s.monitor("a", "db.local", 6379, 1, true, NOW), Err(MonitorError::InvalidAddress));
    s.settings.resolve_hostnames = true;
    assert_eq!(s.monitor("a", "db.local", 6379, 1, false, NOW), Err(MonitorError::InvalidAddress));
    let a = s.monitor("a", "db.local", 6379, 1, true, NOW).expect("resolves");
    assert_eq!(s.masters[&a].inst.addr.hostname, "db.local");
    // The core asks the shell for the address and takes the answer as an input.
    assert_eq!(s.drain_actions(), vec![Action::Resolve { host: "db.local".into() }]);
    assert_eq!(s.masters[&a].inst.addr.ip, "");
    s.handle(
        crate::core::input::Input::Resolved { host: "db.local".into(), ip: Some("10.1.2.3".into()) },
        NOW,
    );
    assert_eq!(s.masters[&a].inst.addr.ip, "10.1.2.3");
    assert_eq!(s.master_by_addr("10.1.2.3", 6379), Some(a), "the address index follows");
}

#[test]
fn remove_emits_minus_monitor_before_dropping_links() {
    let mut s = sentinel(&[("mymaster", 6379), ("keep", 6380)]);
    let m = id(&s, "mymaster");
    s.create_replica(m, "127.0.0.1", 6381, NOW).expect("replica");
    s.drain_actions();
    assert!(s.remove_monitored(m));
    let actions = s.drain_actions();
    assert!(matches!(&actions[0], Action::Event { kind, msg, .. }
            if kind == "-monitor" && msg == "master mymaster 127.0.0.1 6379"));
    assert_eq!(actions.iter().filter(|a| matches!(a, Action::DropLink { .. })).count(), 2);
    assert!(s.master_by_name("mymaster").is_none());
    assert!(s.master_by_name("keep").is_some());
    assert!(!s.remove_monitored(m), "a second remove finds nothing");
    assert!(s.drain_actions().is_empty());
}

#[test]
fn reset_matches_names_case_sensitively_and_emits_reset_master() {
    let mut s = sentinel(&[("mymaster", 6379), ("MyMaster2", 6380), ("other", 6381)]);
    let m = id(&s, "mymaster");
    s.create_replica(m, "127.0.0.1", 7000, NOW).expect("replica");
    s.create_sentinel(m, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
    let mm = s.masters.get_mut(&m).expect("exists");
    mm.inst.flags |= flags::S_DOWN;
    mm.failover = Some(Failover::new(1, FailoverKind::Elected, NOW));
    s.drain_actions();

    assert_eq!(s.reset_masters_matching(b"my*", NOW + 5), 1);
    let mm = &s.masters[&m];
    assert!(mm.replicas.is_empty() && mm.sentinels.is_empty());
    assert_eq!((mm.inst.flags, &mm.failover), (0, &None));
    assert_eq!(events(&mut s), vec![("+reset-master".into(), "master mymaster 127.0.0.1 6379".into())]);

    assert_eq!(s.reset_masters_matching(b"*", NOW), 3);
    assert_eq!(events(&mut s).len(), 3);
    assert_eq!(s.reset_masters_matching(b"nomatch", NOW), 0);
    assert!(s.drain_actions().is_empty());
}

#[test]
fn ckquorum_counts_usable_sentinels_against_quorum_and_majority() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    let check = |s: &Sentinel| s.check_quorum(m).expect("exists");
    // Alone with quorum 2: 1 usable, quorum not reachable, majority (1/1) reachable.
    assert_eq!(check(&s), QuorumCheck { usable: 1, quorum_reachable: false, majority_reachable: true });
    for (i, port) in [26380u16, 26381, 26382].iter().enumerate() {
        s.create_sentinel(m, "127.0.0.1", *port, &format!("{:040}", i), NOW).expect("sentinel");
    }
    assert_eq!(check(&s), QuorumCheck { usable: 4, quorum_reachable: true, majority_reachable: true });
    // Two of three peers down: usable 2 of 4 voters; majority needs 3.
    for (i, inst) in s.masters.get_mut(&m).expect("exists").sentinels.values_mut().enumerate() {
        if i < 2 {
            inst.flags |= if i == 0 { flags::S_DOWN } else { flags::O_DOWN };
        }
    }
    assert_eq!(check(&s), QuorumCheck { usable: 2, quorum_reachable: true, majority_reachable: false });
    s.masters.get_mut(&m).expect("exists").quorum = 3;
    assert_eq!(check(&s), QuorumCheck { usable: 2, quorum_reachable: false, majority_reachable: false });
    assert_eq!(s.check_quorum(MasterId(999)), None);
}

#[test]
fn set_applies_left_to_right_with_events_echoing_the_option_as_typed() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    let args = strings(&[
        "QUORUM",
        "5",
        "failover-timeout",
        "1000",
        "Parallel-Syncs",
        "3",
        "master-reboot-down-after-period",
        "0",
        "auth-user",
        "bob",
    ]);
    let out = s.set_master_options(m, &args, &never);
    assert_eq!(out, SetOutcome { changes: 5, result: Ok(()) });
    let mm = &s.masters[&m];
    assert_eq!((mm.quorum, mm.failover_timeout, mm.parallel_syncs), (5, 1000, 3));
    assert_eq!((mm.reboot_down_after_period, mm.auth_user.as_deref()), (0, Some("bob")));
    let p = "master mymaster 127.0.0.1 6379";
    assert_eq!(
        events(&mut s),
        vec![
            ("+set".into(), format!("{} QUORUM 5", p)),
            ("+set".into(), format!("{} failover-timeout 1000", p)),
            ("+set".into(), format!("{} Parallel-Syncs 3", p)),
            ("+set".into(), format!("{} master-reboot-down-after-period 0", p)),
            ("+set".into(), format!("{} auth-user bob", p)),
        ]
    );
}

#[test]
fn set_accepts_valkeys_primary_reboot_spelling() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    let out = s.set_master_options(m, &strings(&["Primary-Reboot-Down-After-Period", "1500"]), &never);
    assert_eq!(out, SetOutcome { changes: 1, result: Ok(()) });
    assert_eq!(s.masters[&m].reboot_down_after_period, 1500);
    assert_eq!(
        events(&mut s),
        vec![("+set".into(), "master mymaster 127.0.0.1 6379 Primary-Reboot-Down-After-Period 1500".into())]
    );
    let bad = s.set_master_options(m, &strings(&["primary-reboot-down-after-period", "-1"]), &never);
    assert_eq!(
        bad.result,
        Err(SetError::InvalidArgument {
            option: "primary-reboot-down-after-period".into(),
            value: "-1".into()
        })
    );
}

#[test]
fn set_keeps_earlier_options_when_a_later_one_fails() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    let out =
        s.set_master_options(m, &strings(&["quorum", "3", "parallel-syncs", "abc", "quorum", "4"]), &never);
    assert_eq!(
        out,
        SetOutcome {
            changes: 1,
            result: Err(SetError::InvalidArgument { option: "parallel-syncs".into(), value: "abc".into() })
        }
    );
    assert_eq!(s.masters[&m].quorum, 3);
    assert_eq!(events(&mut s).len(), 1);
}

#[test]
fn set_rejects_bad_numbers_unknown_options_and_missing_values() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    let err = |s: &mut Sentinel, args: &[&str]| s.set_master_options(m, &strings(args), &never).result;
    let invalid = |o: &str, v: &str| Err(SetError::InvalidArgument { option: o.into(), value: v.into() });
    assert_eq!(err(&mut s, &["quorum", "0"]), invalid("quorum", "0"));
    assert_eq!(err(&mut s, &["quorum", "4294967296"]), invalid("quorum", "4294967296"));
    assert_eq!(err(&mut s, &["down-after-milliseconds", "-5"]), invalid("down-after-milliseconds", "-5"));
    assert_eq!(err(&mut s, &["failover-timeout", "01"]), invalid("failover-timeout", "01"));
    assert_eq!(err(&mut s, &["parallel-syncs", "0"]), invalid("parallel-syncs", "0"));
    assert_eq!(
        err(&mut s, &["master-reboot-down-after-period", "-1"]),
        invalid("master-reboot-down-after-period", "-1")
    );
    assert_eq!(err(&mut s, &["foo", "1"]), Err(SetError::UnknownOption("foo".into())));
    assert_eq!(err(&mut s, &["quorum"]), Err(SetError::UnknownOption("quorum".into())));
    assert_eq!(err(&mut s, &["rename-command", "a"]), Err(SetError::UnknownOption("rename-command".into())));
    assert_eq!(err(&mut s, &["rename-command", "", "b"]), invalid("rename-command", ""));
    assert_eq!(err(&mut s, &["rename-command", "a", ""]), invalid("rename-command", ""));
    assert!(s.drain_actions().is_empty(), "nothing was applied");
    assert_eq!(s.masters[&m].quorum, 2);
}

#[test]
fn set_down_after_propagates_to_replicas_and_sentinels() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    s.create_replica(m, "127.0.0.1", 7000, NOW).expect("replica");
    s.create_sentinel(m, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
    let out = s.set_master_options(m, &strings(&["down-after-milliseconds", "1234"]), &never);
    assert_eq!(out.result, Ok(()));
    let mm = &s.masters[&m];
    assert_eq!(mm.inst.down_after, 1234);
    assert!(mm.replicas.values().chain(mm.sentinels.values()).all(|i| i.down_after == 1234));
}

#[test]
fn set_scripts_obey_deny_scripts_reconfig_and_the_executable_check() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    assert!(s.settings.deny_scripts_reconfig, "the default denies script changes");
    let out = s.set_master_options(m, &strings(&["notification-script", "/bin/true"]), &always);
    assert_eq!(out.result, Err(SetError::ScriptsReconfigDenied));

    s.settings.deny_scripts_reconfig = false;
    let out = s.set_master_options(m, &strings(&["notification-script", "/nope"]), &never);
    assert_eq!(out.result, Err(SetError::NotificationScriptNotExecutable));
    let out = s.set_master_options(m, &strings(&["client-reconfig-script", "/nope"]), &never);
    assert_eq!(out.result, Err(SetError::ClientReconfigScriptNotExecutable));

    let args = strings(&["notification-script", "/n.sh", "client-reconfig-script", "/c.sh"]);
    assert_eq!(s.set_master_options(m, &args, &always).result, Ok(()));
    assert_eq!(s.masters[&m].notification_script.as_deref(), Some("/n.sh"));
    assert_eq!(s.masters[&m].client_reconfig_script.as_deref(), Some("/c.sh"));
    // An empty path unsets, without asking the file system.
    let args = strings(&["notification-script", "", "client-reconfig-script", ""]);
    assert_eq!(s.set_master_options(m, &args, &never).result, Ok(()));
    assert_eq!(s.masters[&m].notification_script, None);
    assert_eq!(s.masters[&m].client_reconfig_script, None);
}

#[test]
fn set_auth_pass_is_redacted_and_drops_master_and_replica_connections() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    s.create_replica(m, "127.0.0.1", 7000, NOW).expect("replica");
    s.create_sentinel(m, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
    let mm = &s.masters[&m];
    let (ml, rl, sl) = (mm.inst.link, mm.replicas["127.0.0.1:7000"].link, mm.sentinels[PEER].link);
    for l in [ml, rl, sl] {
        connect(&mut s, l);
    }
    s.drain_actions();

    let out = s.set_master_options(m, &strings(&["auth-pass", "secret"]), &never);
    assert_eq!(out.result, Ok(()));
    assert_eq!(s.masters[&m].auth_pass.as_deref(), Some("secret"));
    let actions = s.drain_actions();
    let closed: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Close { link, conn } => Some((*link, *conn)),
            _ => None,
        })
        .collect();
    assert_eq!(
        closed,
        vec![(ml, Conn::Command), (ml, Conn::PubSub), (rl, Conn::Command), (rl, Conn::PubSub)]
    );
    assert!(s.links[&sl].cc, "peer sentinel links are not touched");
    assert!(actions.iter().any(|a| matches!(a, Action::Event { kind, msg, .. }
        if kind == "+set" && msg == "master mymaster 127.0.0.1 6379 auth-pass ******")));

    assert_eq!(s.set_master_options(m, &strings(&["auth-pass", ""]), &never).result, Ok(()));
    assert_eq!(s.masters[&m].auth_pass, None);
}

#[test]
fn set_rename_command_replaces_and_same_name_removes() {
    let mut s = sentinel(&[("mymaster", 6379)]);
    let m = id(&s, "mymaster");
    let set = |s: &mut Sentinel, args: &[&str]| s.set_master_options(m, &strings(args), &never).result;
    assert_eq!(set(&mut s, &["rename-command", "config", "cfg1", "rename-command", "slaveof", "so"]), Ok(()));
    assert_eq!(set(&mut s, &["rename-command", "CONFIG", "cfg2"]), Ok(()));
    assert_eq!(
        s.masters[&m].renamed_commands,
        vec![("SLAVEOF".to_string(), "so".to_string()), ("CONFIG".to_string(), "cfg2".to_string())]
    );
    assert_eq!(s.map_command(m, "config"), "cfg2");
    assert_eq!(set(&mut s, &["rename-command", "SlaveOf", "SLAVEOF"]), Ok(()));
    assert_eq!(s.map_command(m, "SLAVEOF"), "SLAVEOF");
    assert_eq!(s.masters[&m].renamed_commands.len(), 1);
    let evs = events(&mut s);
    assert_eq!(evs[0].1, "master mymaster 127.0.0.1 6379 rename-command config cfg1");
    assert_eq!(
        evs.last().map(|e| e.1.as_str()),
        Some("master mymaster 127.0.0.1 6379 rename-command SlaveOf SLAVEOF")
    );
}

#[test]
fn config_set_validates_and_reports_when_peer_connections_must_drop() {
    let mut s = sentinel(&[]);
    let no_drop = Ok(ConfigSetEffect { drop_sentinel_connections: false });
    let drop = Ok(ConfigSetEffect { drop_sentinel_connections: true });
    assert_eq!(s.config_set("RESOLVE-hostnames", "YES"), no_drop);
    assert_eq!(s.config_set("announce-hostnames", "yes"), no_drop);
    assert_eq!(s.config_set("announce-ip", "10.0.0.1"), no_drop);
    assert_eq!(s.config_set("announce-port", "65535"), no_drop);
    assert_eq!(s.config_set("sentinel-user", "u"), drop);
    assert_eq!(s.config_set("sentinel-pass", "p"), drop);
    let st = &s.settings;
    assert!(st.resolve_hostnames && st.announce_hostnames);
    assert_eq!((st.announce_ip.as_deref(), st.announce_port), (Some("10.0.0.1"), 65535));
    assert_eq!((st.sentinel_user.as_deref(), st.sentinel_pass.as_deref()), (Some("u"), Some("p")));

    // Empty strings unset; an empty announce-ip too (§12 fix).
    assert_eq!(s.config_set("announce-ip", ""), no_drop);
    assert_eq!(s.config_set("sentinel-pass", ""), drop);
    assert_eq!((s.settings.announce_ip.as_deref(), s.settings.sentinel_pass.as_deref()), (None, None));

    let bad = |p: &str, v: &str| Err(ConfigSetError::InvalidValue { param: p.into(), value: v.into() });
    assert_eq!(s.config_set("announce-port", "65536"), bad("announce-port", "65536"));
    assert_eq!(s.config_set("announce-port", "-1"), bad("announce-port", "-1"));
    assert_eq!(s.config_set("Resolve-Hostnames", "maybe"), bad("Resolve-Hostnames", "maybe"));
    assert_eq!(s.config_set("loglevel", "debug"), Err(ConfigSetError::InvalidArgument("loglevel".into())));
    assert_eq!(s.settings.announce_port, 65535, "failed sets change nothing");
}

#[test]
fn config_get_lists_matches_in_fixed_order_case_insensitively() {
    let mut s = sentinel(&[]);
    s.settings.announce_port = 1234;
    s.settings.sentinel_pass = Some("pw".into());
    let names = |v: Vec<(&'static str, String)>| v.into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(
        names(s.config_get("*")),
        vec![
            "resolve-hostnames",
            "announce-hostnames",
            "announce-ip",
            "announce-port",
            "sentinel-user",
            "sentinel-pass"
        ]
    );
    assert_eq!(names(s.config_get("ANNOUNCE-*")), vec!["announce-hostnames", "announce-ip", "announce-port"]);
    assert_eq!(s.config_get("*port"), vec![("announce-port", "1234".to_string())]);
    assert_eq!(s.config_get("sentinel-*")[1], ("sentinel-pass", "pw".to_string()));
    assert_eq!(s.config_get("resolve-hostnames"), vec![("resolve-hostnames", "no".to_string())]);
    assert!(s.config_get("nothing").is_empty());
}

#[test]
fn drop_sentinel_connections_closes_each_shared_link_once() {
    let mut s = sentinel(&[("a", 6379), ("b", 6380)]);
    let (a, b) = (id(&s, "a"), id(&s, "b"));
    s.create_sentinel(a, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
    s.create_sentinel(b, "127.0.0.1", 26380, PEER, NOW).expect("shared");
    let link = s.masters[&a].sentinels[PEER].link;
    assert_eq!(s.masters[&b].sentinels[PEER].link, link);
    let master_link = s.masters[&a].inst.link;
    connect(&mut s, link);
    connect(&mut s, master_link);
    s.drain_actions();
    assert_eq!(s.drop_sentinel_connections(), 2);
    assert_eq!(s.drain_actions(), vec![Action::Close { link, conn: Conn::Command }]);
    assert!(s.links[&link].disconnected());
    assert!(s.links[&master_link].cc, "master links are kept");
}

#[test]
fn debug_set_is_case_insensitive_positive_and_partial_on_error() {
    let mut s = sentinel(&[]);
    assert_eq!(s.debug_set(&strings(&["INFO-PERIOD", "5000", "ping-period", "200"])), Ok(()));
    assert_eq!((s.timings.info_period, s.timings.ping_period), (5000, 200));
    assert_eq!(
        s.debug_set(&strings(&["tilt-period", "7", "ask-period", "0"])),
        Err(DebugError::InvalidArgument { option: "ask-period".into(), value: "0".into() })
    );
    assert_eq!((s.timings.tilt_period, s.timings.ask_period), (7, 1000));
    assert_eq!(s.debug_set(&strings(&["foo", "1"])), Err(DebugError::UnknownOption("foo".into())));
    assert_eq!(
        s.debug_set(&strings(&["election-timeout"])),
        Err(DebugError::UnknownOption("election-timeout".into()))
    );
}

#[test]
fn simulate_failure_help_and_errors_leave_the_flags_alone() {
    let mut s = sentinel(&[]);
    let set = |s: &mut Sentinel, args: &[&str]| s.simulate_failure(&strings(args));
    assert_eq!(set(&mut s, &["crash-after-election", "CRASH-AFTER-PROMOTION"]), Ok(SimulateFailure::Set));
    assert_eq!(s.simulate_failure_flags, 3);
    assert_eq!(set(&mut s, &["help"]), Ok(SimulateFailure::Help));
    assert_eq!(set(&mut s, &["crash-after-election", "foo"]), Err(SimulateFailureError::UnknownFlag));
    assert_eq!(set(&mut s, &["foo", "help"]), Err(SimulateFailureError::UnknownFlag));
    assert_eq!(s.simulate_failure_flags, 3, "Redis would have reset them (§12)");
    assert_eq!(set(&mut s, &["crash-after-promotion"]), Ok(SimulateFailure::Set));
    assert_eq!(s.simulate_failure_flags, SIMFAILURE_CRASH_AFTER_PROMOTION);
}
