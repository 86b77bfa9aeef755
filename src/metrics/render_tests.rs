//! The exposition as text: redis_exporter's values computed from a known state, rsentinel's
//! counters from a known stream of actions, both formats, and the HTTP routing.

use std::sync::Arc;

use hyper::Method;

use super::endpoint::{refusal, render, Format};
use super::exporter::SentinelView;
use super::recorder::{Observer, Recorder};
use crate::config::{KnownReplica, KnownSentinel, MasterConfig, SentinelConfig};
use crate::core::instance::flags;
use crate::core::no_failover::NoFailover;
use crate::core::{Action, Conn, Level, LinkId, Millis, Sentinel, Settings};
use crate::monitor::link::LinkEvent;

const NOW: Millis = 1_000_000;

/// Master `m` at 127.0.0.1:6379 (quorum 2) with replicas :6380 and :6381 and peers
/// 127.0.0.2 and 127.0.0.3; the master and the replica :6380 are SDOWN, and both peers too.
fn core() -> Sentinel {
    let cfg = SentinelConfig {
        myid: Some("a".repeat(40)),
        masters: vec![MasterConfig {
            name: "m".into(),
            host: "127.0.0.1".into(),
            port: 6379,
            quorum: 2,
            down_after_ms: 5_000,
            config_epoch: 7,
            known_replicas: [6380, 6381].map(|port| KnownReplica { host: "127.0.0.1".into(), port }).to_vec(),
            known_sentinels: [2, 3]
                .map(|i| KnownSentinel {
                    host: format!("127.0.0.{}", i),
                    port: 26379,
                    runid: format!("{}", i).repeat(40),
                })
                .to_vec(),
            ..MasterConfig::default()
        }],
        ..SentinelConfig::default()
    };
    let mut s = Sentinel::new(&cfg, Settings::default(), NOW, 1).unwrap();
    let m = s.masters.values_mut().next().unwrap();
    m.inst.flags |= flags::S_DOWN;
    m.replicas.get_mut("127.0.0.1:6380").unwrap().flags |= flags::S_DOWN;
    for p in m.sentinels.values_mut() {
        p.flags |= flags::S_DOWN;
    }
    m.no_failover = Some(NoFailover::NoGoodReplica);
    s
}

fn text(rec: &Recorder, core: &Sentinel, format: Format) -> String {
    render(rec, SentinelView::read(core, NOW + 1_500), (3, 1), format).unwrap()
}

fn assert_lines(out: &str, lines: &[&str]) {
    for line in lines {
        assert!(out.lines().any(|l| l == *line), "missing {:?} in\n{}", line, out);
    }
}

#[test]
fn redis_exporter_values_follow_its_rules() {
    let out = text(&Recorder::default(), &core(), Format::Text);
    let at = "master_name=\"m\",master_address=\"127.0.0.1:6379\"";
    assert_lines(
        &out,
        &[
            "# TYPE redis_sentinel_masters gauge",
            "redis_sentinel_masters 1",
            "redis_sentinel_tilt 0",
            "redis_sentinel_running_scripts 0",
            "redis_sentinel_scripts_queue_length 0",
            "redis_sentinel_simulate_failure_flags 0",
            &format!("redis_sentinel_master_status{{{at},master_status=\"sdown\"}} 0"),
            &format!("redis_sentinel_master_slaves{{{at}}} 2.0"),
            &format!("redis_sentinel_master_sentinels{{{at}}} 3.0"),
            &format!("redis_sentinel_master_ok_slaves{{{at}}} 1.0"),
            &format!("redis_sentinel_master_ok_sentinels{{{at}}} 1.0"),
            &format!("redis_sentinel_master_setting_ckquorum{{{at}}} 2.0"),
            &format!("redis_sentinel_master_setting_failover_timeout{{{at}}} 180000.0"),
            &format!("redis_sentinel_master_setting_parallel_syncs{{{at}}} 1.0"),
            &format!("redis_sentinel_master_setting_down_after_milliseconds{{{at}}} 5000.0"),
            &format!("redis_sentinel_master_config_epoch{{{at}}} 7.0"),
            // Never answered since the link was created at NOW.
            &format!("redis_sentinel_master_last_ok_ping_reply_seconds{{{at}}} 1.5"),
            "redis_sentinel_master_ckquorum_status{master_name=\"m\",message=\"NOQUORUM 1 usable Sentinels. \
             Not enough available Sentinels to reach the specified quorum for this master. Not enough available \
             Sentinels to reach the majority and authorize a failover\"} 0",
            "rsentinel_failover_blocked{master_name=\"m\",reason=\"no_good_replica\"} 1",
            "rsentinel_replica_promotable{master_name=\"m\",replica=\"127.0.0.1:6380\",reason=\"down\"} 0",
            "rsentinel_replica_promotable{master_name=\"m\",replica=\"127.0.0.1:6381\",reason=\"disconnected\"} 0",
            "rsentinel_config_writes_total 3",
            "rsentinel_config_write_failures_total 1",
            "rsentinel_tilt_entries_total 0",
            "rsentinel_hellos_malformed_total 0",
        ],
    );
    // A healthy master: status ok (1), CKQUORUM's OK text.
    let mut c = core();
    let m = c.masters.values_mut().next().unwrap();
    m.inst.flags = 0;
    m.sentinels.values_mut().for_each(|p| p.flags = 0);
    let out = text(&Recorder::default(), &c, Format::Text);
    assert_lines(
        &out,
        &[
            &format!("redis_sentinel_master_status{{{at},master_status=\"ok\"}} 1"),
            &format!("redis_sentinel_master_ok_sentinels{{{at}}} 3.0"),
            "redis_sentinel_master_ckquorum_status{master_name=\"m\",message=\"OK 3 usable Sentinels. \
             Quorum and failover authorization can be reached\"} 1",
        ],
    );
}

fn event(kind: &str, msg: &str) -> Action {
    Action::Event { level: Level::Warning, kind: kind.into(), msg: msg.into() }
}

#[test]
fn the_observer_counts_failovers_events_and_reconnections() {
    let rec = Arc::new(Recorder::default());
    let mut obs = Observer::new(rec.clone());
    let mut core = core();
    let master = "master m 127.0.0.1 6379";
    obs.actions(&core, &[event("+try-failover", master)], NOW);
    obs.actions(&core, &[event("+failover-end", master)], NOW + 2_500);
    obs.actions(&core, &[event("+try-failover", master)], NOW + 10_000);
    obs.actions(&core, &[event("-failover-abort-no-good-slave", master)], NOW + 10_100);
    // SDOWN at NOW, ODOWN 800 ms later.
    let m = core.masters.values_mut().next().unwrap();
    m.inst.s_down_since_time = Some(NOW);
    m.inst.o_down_since_time = Some(NOW + 800);
    obs.actions(&core, &[event("+odown", &format!("{} #quorum 2/2", master))], NOW + 800);
    obs.actions(&core, &[event("+sdown", "slave 127.0.0.1:6380 127.0.0.1 6380 @ m 127.0.0.1 6379")], NOW);
    let up = |conn| LinkEvent::Connected { link: LinkId(9), conn, local_ip: "127.0.0.1".into() };
    obs.link_event(&up(Conn::Command));
    obs.link_event(&up(Conn::PubSub));
    obs.link_event(&up(Conn::Command));
    // A dropped link starts over: its next connection is a first one.
    obs.actions(&core, &[Action::DropLink { link: LinkId(9) }], NOW);
    obs.link_event(&up(Conn::PubSub));

    let out = text(&rec, &core, Format::Text);
    assert_lines(
        &out,
        &[
            "rsentinel_failovers_started_total{master_name=\"m\"} 2",
            "rsentinel_failovers_succeeded_total{master_name=\"m\"} 1",
            "rsentinel_failovers_aborted_total{master_name=\"m\",reason=\"no-good-slave\"} 1",
            "rsentinel_failover_duration_seconds_sum 2.5",
            "rsentinel_failover_duration_seconds_count 1",
            "rsentinel_failover_duration_seconds_bucket{le=\"3\"} 1",
            "rsentinel_failover_duration_seconds_bucket{le=\"2\"} 0",
            "rsentinel_time_to_odown_seconds_sum 0.8",
            "rsentinel_time_to_odown_seconds_count 1",
            "rsentinel_events_total{type=\"+try-failover\"} 2",
            "rsentinel_events_total{type=\"+sdown\"} 1",
            "rsentinel_link_reconnects_total{connection=\"cmd\"} 1",
        ],
    );
    assert!(!out.contains("connection=\"pubsub\""), "{}", out);

    // OpenMetrics: the counter's family has no _total, the exposition ends with # EOF.
    let om = text(&rec, &core, Format::OpenMetrics);
    assert_lines(
        &om,
        &[
            "# TYPE rsentinel_failovers_started counter",
            "rsentinel_failovers_started_total{master_name=\"m\"} 2",
        ],
    );
    assert!(om.ends_with("# EOF\n"), "{}", om);
}

#[test]
fn only_get_and_head_of_metrics_are_served() {
    assert!(refusal(&Method::GET, "/metrics").is_none());
    assert!(refusal(&Method::HEAD, "/metrics").is_none());
    let refused = refusal(&Method::POST, "/metrics").unwrap();
    assert_eq!(refused.status(), 405);
    assert_eq!(refused.headers()["allow"], "GET, HEAD");
    assert_eq!(refusal(&Method::GET, "/").unwrap().status(), 404);
    assert_eq!(refusal(&Method::GET, "/metrics/x").unwrap().status(), 404);
}
