//! resolve-hostnames / announce-hostnames with a real name (`localhost`), on both kinds.

mod common;

use std::time::Duration;

use common::redis::RedisServer;
use common::sentinel::{Kind, SentinelOptions, SentinelProc};
use common::{unique_name, wait_until};

fn monitor_by_name(kind: Kind, announce_hostnames: bool) {
    let master = RedisServer::start();
    let name = unique_name("host");
    let conf = format!(
        "sentinel resolve-hostnames yes\nsentinel announce-hostnames {}\nsentinel monitor {} localhost {} 1\n",
        if announce_hostnames { "yes" } else { "no" },
        name,
        master.port()
    );
    let s = SentinelProc::start(kind, &conf);
    let shown = if announce_hostnames { "localhost" } else { "127.0.0.1" };
    assert_eq!(s.master_addr(&name), Some((shown.to_string(), master.port())), "{kind}");
    let m = s.client().cmd(&["SENTINEL", "MASTER", &name]);
    assert_eq!(m.field("ip").as_deref(), Some(shown), "{kind}: {m}");
    // The master is really monitored: it answers our PINGs and INFO.
    wait_until(Duration::from_secs(15), "master INFO refreshed", || {
        let m = s.client().cmd(&["SENTINEL", "MASTER", &name]);
        m.field("flags").as_deref() == Some("master") && m.field_int("info-refresh").is_some_and(|v| v < 5000)
    });
    let _ = s.client().cmd(&["SENTINEL", "FLUSHCONFIG"]);
    let line = format!("sentinel monitor {} {} {} 1", name, shown, master.port());
    assert!(s.config_text().contains(&line), "{kind}: {}", s.config_text());
}

#[test]
fn hostname_resolved_and_shown_as_ip() {
    for kind in Kind::from_env() {
        monitor_by_name(kind, false);
    }
}

#[test]
fn hostname_announced_as_is() {
    for kind in Kind::from_env() {
        monitor_by_name(kind, true);
    }
}

/// A DNS lookup that takes 5 s (a slow resolver) stalls only the command that needs it:
/// monitoring of other masters keeps its pace (no missed PING, no TILT), and other clients are
/// answered meanwhile.
#[test]
fn slow_dns_stalls_nothing_but_the_lookup() {
    let master = RedisServer::start();
    let other = RedisServer::start();
    let name = unique_name("fast");
    let conf = format!(
        "sentinel resolve-hostnames yes\nsentinel monitor {name} 127.0.0.1 {} 1\n\
         sentinel down-after-milliseconds {name} 1000\n",
        master.port()
    );
    let options = SentinelOptions {
        env: vec![("RSENTINEL_TEST_DNS_DELAY_MS".into(), "5000".into())],
        ..Default::default()
    };
    let s = SentinelProc::start_with(Kind::Rsentinel, &conf, options);
    wait_until(Duration::from_secs(10), "the master answers PINGs", || {
        s.client().cmd(&["SENTINEL", "MASTER", &name]).field("flags").as_deref() == Some("master")
    });
    let port = other.port().to_string();
    let slow = unique_name("slow");
    let mut c = s.client();
    c.send_raw(&common::resp::encode_command(&["SENTINEL", "MONITOR", &slow, "localhost", &port, "1"]))
        .unwrap();
    let started = std::time::Instant::now();
    let mut checks = 0;
    while started.elapsed() < Duration::from_secs(4) {
        let m = s.client().cmd(&["SENTINEL", "MASTER", &name]);
        assert_eq!(m.field("flags").as_deref(), Some("master"), "no false SDOWN: {m}");
        let last_ok = m.field_int("last-ok-ping-reply").expect("last-ok-ping-reply");
        // PINGs go out every second here: a reply at most one period (and scheduling slack)
        // old means no PING was missed.
        assert!(last_ok < 1500, "PINGs kept their pace during the lookup: {m}");
        let tilt = s.client().info_field("sentinel", "sentinel_tilt");
        assert_eq!(tilt.as_deref(), Some("0"), "no TILT during the lookup");
        checks += 1;
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(checks >= 10, "other clients were answered during the lookup ({checks} checks)");
    assert_eq!(c.read_reply().unwrap().to_string(), "+OK", "the slow MONITOR completes");
    assert_eq!(s.master_addr(&slow), Some(("127.0.0.1".to_string(), other.port())));
}
