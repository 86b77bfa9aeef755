//! The Prometheus endpoint against real processes: scraped with a real HTTP client and parsed
//! by the Prometheus client library's parsers (see `common::scrape`), in both formats; during
//! a failover; a metrics port already in use; and why no failover (NOGOODSLAVE) in the log and
//! in the metrics.

mod common;

use std::time::Duration;

use common::deployment::Deployment;
use common::sentinel::{Kind, SentinelOptions, SentinelProc};
use common::{free_port, wait_for, wait_until, Resp, Scrape, ScrapeFormat};

const DISCOVERY: Duration = Duration::from_secs(40);
const FAILOVER: Duration = Duration::from_secs(40);

/// redis_exporter's sentinel metrics, every one a gauge.
const EXPORTER_GAUGES: [&str; 16] = [
    "redis_sentinel_masters",
    "redis_sentinel_tilt",
    "redis_sentinel_running_scripts",
    "redis_sentinel_scripts_queue_length",
    "redis_sentinel_simulate_failure_flags",
    "redis_sentinel_master_status",
    "redis_sentinel_master_slaves",
    "redis_sentinel_master_sentinels",
    "redis_sentinel_master_ok_slaves",
    "redis_sentinel_master_ok_sentinels",
    "redis_sentinel_master_ckquorum_status",
    "redis_sentinel_master_setting_ckquorum",
    "redis_sentinel_master_setting_failover_timeout",
    "redis_sentinel_master_setting_parallel_syncs",
    "redis_sentinel_master_setting_down_after_milliseconds",
    "redis_sentinel_master_config_epoch",
];

fn with_metrics() -> SentinelOptions {
    SentinelOptions { metrics: true, ..SentinelOptions::default() }
}

/// The labels redis_exporter gives per-master gauges.
fn at<'a>(name: &'a str, address: &'a str) -> [(&'a str, &'a str); 2] {
    [("master_name", name), ("master_address", address)]
}

#[test]
fn scrapes_show_redis_exporter_metrics_and_ours_also_during_a_failover() {
    let mut d = Deployment::builder()
        .replicas(2)
        .sentinels(3, Kind::Rsentinel)
        .quorum(2)
        .down_after_ms(3000)
        .failover_timeout_ms(30000)
        .sentinel_options(with_metrics())
        .start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let old = d.master.port();
    let address = format!("127.0.0.1:{old}");
    let s0 = &d.sentinels[0];

    let text = s0.scrape(ScrapeFormat::Text);
    assert_eq!(text.content_type, "text/plain; version=0.0.4; charset=utf-8");
    let om = s0.scrape(ScrapeFormat::OpenMetrics);
    assert_eq!(om.content_type, "application/openmetrics-text; version=1.0.0; charset=utf-8");
    for scrape in [&text, &om] {
        for family in EXPORTER_GAUGES.iter().chain(&["redis_sentinel_master_last_ok_ping_reply_seconds"]) {
            assert_eq!(scrape.kind_of(family), Some("gauge"), "{family}");
        }
        for family in ["rsentinel_events", "rsentinel_config_writes", "rsentinel_tilt_entries"] {
            assert_eq!(scrape.kind_of(family), Some("counter"), "{family}");
        }
    }
    let v = |name: &str, labels: &[(&str, &str)]| {
        om.value(name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in {:?}", om.samples))
    };
    assert_eq!(v("redis_sentinel_masters", &[]), 1.0);
    assert_eq!(v("redis_sentinel_tilt", &[]), 0.0);
    assert_eq!(v("redis_sentinel_running_scripts", &[]), 0.0);
    assert_eq!(v("redis_sentinel_scripts_queue_length", &[]), 0.0);
    assert_eq!(v("redis_sentinel_simulate_failure_flags", &[]), 0.0);
    let ok = [("master_name", name.as_str()), ("master_address", address.as_str()), ("master_status", "ok")];
    assert_eq!(v("redis_sentinel_master_status", &ok), 1.0);
    let m = at(&name, &address);
    assert_eq!(v("redis_sentinel_master_slaves", &m), 2.0);
    assert_eq!(v("redis_sentinel_master_sentinels", &m), 3.0);
    assert_eq!(v("redis_sentinel_master_ok_slaves", &m), 2.0);
    assert_eq!(v("redis_sentinel_master_ok_sentinels", &m), 3.0);
    assert_eq!(v("redis_sentinel_master_setting_ckquorum", &m), 2.0);
    assert_eq!(v("redis_sentinel_master_setting_failover_timeout", &m), 30000.0);
    assert_eq!(v("redis_sentinel_master_setting_parallel_syncs", &m), 1.0);
    assert_eq!(v("redis_sentinel_master_setting_down_after_milliseconds", &m), 3000.0);
    assert_eq!(v("redis_sentinel_master_config_epoch", &m), 0.0);
    assert!(v("redis_sentinel_master_last_ok_ping_reply_seconds", &m) < 2.0);
    // The message is CKQUORUM's reply, as redis_exporter labels it.
    let ckquorum = s0.client().cmd(&["SENTINEL", "CKQUORUM", &name]).as_str().unwrap();
    assert_eq!(ckquorum, "OK 3 usable Sentinels. Quorum and failover authorization can be reached");
    assert_eq!(
        v("redis_sentinel_master_ckquorum_status", &[("master_name", &name), ("message", &ckquorum)]),
        1.0
    );
    for r in &d.replicas {
        let replica = r.addr();
        let labels = [("master_name", name.as_str()), ("replica", replica.as_str()), ("reason", "ok")];
        assert_eq!(v("rsentinel_replica_promotable", &labels), 1.0);
    }
    assert_eq!(v("rsentinel_events_total", &[("type", "+monitor")]), 1.0);
    assert!(v("rsentinel_events_total", &[("type", "+sentinel")]) >= 2.0);
    assert!(om.find("rsentinel_failover_blocked", &[]).is_empty(), "nothing is down");
    // Both formats say the same.
    assert_eq!(text.value("redis_sentinel_master_slaves", &m), Some(2.0));

    // Scrape all three, round after round, while the master dies and is replaced: every scrape
    // parses and is consistent.
    d.master.kill();
    let mut statuses = std::collections::BTreeSet::new();
    let mut rounds = 0;
    let new = wait_for(FAILOVER, "the new master on every sentinel, scraping meanwhile", || {
        rounds += 1;
        for s in &d.sentinels {
            let scrape = s.scrape(ScrapeFormat::OpenMetrics);
            assert_eq!(scrape.value("redis_sentinel_masters", &[]), Some(1.0), "{:?}", scrape.samples);
            let status = scrape.find("redis_sentinel_master_status", &[("master_name", &name)]);
            assert_eq!(status.len(), 1, "{status:?}");
            statuses.insert(status[0].labels["master_status"].clone());
        }
        let addrs = d.master_addrs();
        let first = addrs[0].clone()?;
        (first.1 != old && addrs.iter().all(|a| a.as_ref() == Some(&first))).then_some(first.1)
    });
    assert!(rounds > 1 && statuses.contains("odown"), "scraped during the failover: {statuses:?}");

    let new_address = format!("127.0.0.1:{new}");
    let scrapes: Vec<Scrape> = d
        .sentinels
        .iter()
        .map(|s| {
            wait_for(FAILOVER, "the switch in the metrics", || {
                let scrape = s.scrape(ScrapeFormat::Text);
                let switched = scrape.value("redis_sentinel_master_config_epoch", &at(&name, &new_address));
                switched.filter(|e| *e >= 1.0).map(|_| scrape)
            })
        })
        .collect();
    let succeeded: f64 = scrapes.iter().map(|s| s.sum("rsentinel_failovers_succeeded_total", &[])).sum();
    assert_eq!(succeeded, 1.0, "one leader");
    let leader = scrapes.iter().find(|s| s.sum("rsentinel_failovers_succeeded_total", &[]) == 1.0).unwrap();
    assert!(leader.sum("rsentinel_failovers_started_total", &[("master_name", &name)]) >= 1.0);
    assert_eq!(leader.value("rsentinel_failover_duration_seconds_count", &[]), Some(1.0));
    let took = leader.value("rsentinel_failover_duration_seconds_sum", &[]).unwrap();
    assert!(took > 0.0 && took < 30.0, "{took}");
    assert!(leader.value("rsentinel_time_to_odown_seconds_count", &[]).unwrap() >= 1.0);
    for s in &scrapes {
        assert!(s.value("rsentinel_events_total", &[("type", "+switch-master")]).unwrap() >= 1.0);
        assert!(s.value("rsentinel_config_writes_total", &[]).unwrap() >= 1.0);
        assert_eq!(s.value("rsentinel_config_write_failures_total", &[]), Some(0.0));
        let ok = [
            ("master_name", name.as_str()),
            ("master_address", new_address.as_str()),
            ("master_status", "ok"),
        ];
        assert_eq!(s.value("redis_sentinel_master_status", &ok), Some(1.0));
    }
}

#[test]
fn a_metrics_port_in_use_stops_the_start_with_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let config = format!(
        "port {}\nbind 127.0.0.1\nmetrics-port {port}\nmetrics-bind 127.0.0.1\nsentinel monitor m 127.0.0.1 {} 1\n",
        free_port(),
        free_port()
    );
    let out = SentinelProc::run_to_exit(Kind::Rsentinel, Some(&config), &[], Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1), "{}", out.output);
    let expected = format!(
        "Failed listening on port {port} (metrics), aborting: Could not create server TCP listening socket 127.0.0.1:{port}: Address already in use"
    );
    assert!(out.output.contains(&expected), "{}", out.output);
    // The sentinel's own port is in use too, of course.
    let own = free_port();
    let config = format!(
        "port {own}\nbind 127.0.0.1\nmetrics-port {own}\nsentinel monitor m 127.0.0.1 {} 1\n",
        free_port()
    );
    let out = SentinelProc::run_to_exit(Kind::Rsentinel, Some(&config), &[], Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(1), "{}", out.output);
    assert!(out.output.contains(&format!("Failed listening on port {own} (metrics)")), "{}", out.output);
}

#[test]
fn no_good_slave_names_each_replica_rule_in_the_log_and_the_metrics() {
    let mut d = Deployment::builder()
        .replicas(1)
        .sentinels(1, Kind::Rsentinel)
        .quorum(1)
        .down_after_ms(1000)
        .redis_args(&["--replica-priority", "0"])
        .sentinel_debug(&[("info-period", "1000")])
        .sentinel_options(with_metrics())
        .start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let replica = d.replicas[0].addr();
    let s = &d.sentinels[0];
    let rejected =
        [("master_name", name.as_str()), ("replica", replica.as_str()), ("reason", "priority_zero")];
    wait_until(DISCOVERY, "the replica seen with priority 0", || {
        s.scrape(ScrapeFormat::Text).value("rsentinel_replica_promotable", &rejected) == Some(0.0)
    });
    let prefix = format!("No failover of master {name} 127.0.0.1 {}: ", d.master.port());
    let rules = format!("Replicas: {replica} replica-priority 0");

    // SENTINEL FAILOVER: NOGOODSLAVE, and the log says why.
    assert_eq!(
        s.client().cmd(&["SENTINEL", "FAILOVER", &name]),
        Resp::Error("NOGOODSLAVE No suitable replica to promote".into())
    );
    let manual = format!("{prefix}SENTINEL FAILOVER refused, no replica can be promoted. {rules}");
    wait_until(Duration::from_secs(10), "the NOGOODSLAVE reasons in the log", || {
        s.log_text().contains(&manual)
    });

    // The master dies: the failover aborts for no good replica, said once, with the rule.
    d.master.kill();
    let aborted = format!("{prefix}no replica can be promoted. {rules}");
    wait_until(FAILOVER, "-failover-abort-no-good-slave explained in the log", || {
        s.log_text().contains(&aborted)
    });
    let scrape = s.scrape(ScrapeFormat::OpenMetrics);
    let blocked = [("master_name", name.as_str()), ("reason", "no_good_replica")];
    assert_eq!(scrape.value("rsentinel_failover_blocked", &blocked), Some(1.0), "{:?}", scrape.samples);
    assert_eq!(
        scrape.value(
            "rsentinel_failovers_aborted_total",
            &[("master_name", &name), ("reason", "no-good-slave")]
        ),
        Some(1.0)
    );
    assert_eq!(scrape.value("rsentinel_failovers_started_total", &[("master_name", &name)]), Some(1.0));
    assert_eq!(scrape.value("rsentinel_replica_promotable", &rejected), Some(0.0));
    let status = [("master_name", name.as_str()), ("master_status", "odown")];
    assert_eq!(scrape.value("redis_sentinel_master_status", &status), Some(0.0));
    assert_eq!(s.log_text().matches(&aborted).count(), 1, "logged once:\n{}", s.log_text());
}

#[test]
fn idle_connections_cannot_crowd_out_the_sentinel() {
    use std::io::Read;
    let config = format!("sentinel monitor m 127.0.0.1 {} 1\n", free_port());
    let s = SentinelProc::start_with(Kind::Rsentinel, &config, with_metrics());
    // 64 idle connections are kept (until the 10 s header timeout); the ones beyond are
    // closed by the endpoint at once.
    let idle: Vec<std::net::TcpStream> =
        (0..80).map(|_| std::net::TcpStream::connect(("127.0.0.1", s.metrics_port())).unwrap()).collect();
    let mut closed = vec![false; idle.len()];
    let started = std::time::Instant::now();
    wait_until(Duration::from_secs(5), "16 connections closed by the endpoint", || {
        for (c, done) in idle.iter().zip(closed.iter_mut()).filter(|(_, d)| !**d) {
            c.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
            *done = matches!((&*c).read(&mut [0u8; 1]), Ok(0));
        }
        closed.iter().filter(|d| **d).count() >= 16
    });
    assert!(started.elapsed() < Duration::from_secs(9), "before any header timeout");
    assert_eq!(closed.iter().filter(|d| **d).count(), 16, "only the connections beyond the 64th");
    // The sentinel itself does not notice.
    assert!(s.client().ping_ok());
    drop(idle);
    wait_until(Duration::from_secs(10), "a scrape once the idle connections are gone", || {
        Scrape::try_get(s.metrics_port(), ScrapeFormat::Text).is_ok()
    });
}
