//! resolve-hostnames / announce-hostnames with a real name (`localhost`), on both kinds.

mod common;

use std::time::Duration;

use common::redis::RedisServer;
use common::sentinel::{Kind, SentinelProc};
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
