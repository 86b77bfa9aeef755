//! `sentinel state-config-file` / `--state-file` with real processes: a sentinel whose config
//! file and directory are read-only runs, fails over and restarts with its state; a state file
//! that cannot be written keeps the sentinel running with Redis's error for commands that must
//! persist; a state file equal to the config file is refused before the port is bound. Also
//! `--log-format json`.

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::process::ReadOnly;
use common::{unique_name, wait_until, Deployment, Kind, RedisServer, Resp, SentinelOptions, SentinelProc};

const DISCOVERY: Duration = Duration::from_secs(30);
const FAILOVER: Duration = Duration::from_secs(90);
const EXIT: Duration = Duration::from_secs(20);

fn state_options(read_only_config: bool) -> SentinelOptions {
    SentinelOptions { state_file: true, read_only_config, ..SentinelOptions::default() }
}

#[test]
fn read_only_config_runs_fails_over_and_restarts_with_its_state() {
    let mut d = Deployment::builder()
        .master_name(&unique_name("ro"))
        .replicas(2)
        .sentinels(3, Kind::Rsentinel)
        .down_after_ms(2000)
        .failover_timeout_ms(10_000)
        .redis_args(&["--repl-diskless-sync-delay", "0"])
        .sentinel_options(state_options(true))
        .start();
    let configs: Vec<Vec<u8>> =
        d.sentinels.iter().map(|s| std::fs::read(s.config_path()).expect("read config")).collect();
    d.wait_for_discovery(DISCOVERY);
    let ids: Vec<String> = d.sentinels.iter().map(SentinelProc::myid).collect();
    let old = d.master.port();
    d.master.kill();
    let new = d.wait_for_new_master(old, FAILOVER);

    let name = d.name.clone();
    let monitor_line = format!("sentinel monitor {name} 127.0.0.1 {new} 2");
    for s in &d.sentinels {
        wait_until(FAILOVER, "+switch-master on every sentinel", || s.log_text().contains("+switch-master"));
        wait_until(Duration::from_secs(10), "the new master in every state file", || {
            s.state_text().lines().any(|l| l == monitor_line)
        });
    }
    // Restart one sentinel (SIGKILL: nothing is saved on the way out). The dead old master is
    // all its config file knows, so the new master can only come from its state file.
    let s = &mut d.sentinels[1];
    s.restart();
    assert_eq!(s.master_addr(&name), Some(("127.0.0.1".to_string(), new)), "{}", s.state_text());
    assert_eq!(s.myid(), ids[1]);
    let replicas = s.instances("REPLICAS", &name);
    assert_eq!(replicas.len(), 2, "replicas from the state file: {replicas:?}");
    for (s, before) in d.sentinels.iter().zip(&configs) {
        assert_eq!(
            &std::fs::read(s.config_path()).expect("read config"),
            before,
            "the config file was touched"
        );
    }
}

#[test]
fn unwritable_state_file_keeps_running_and_commands_that_persist_fail_like_redis() {
    let master = RedisServer::start();
    let name = unique_name("unwritable");
    let config = format!("sentinel monitor {name} 127.0.0.1 {} 1\n", master.port());
    let s = SentinelProc::start_with(Kind::Rsentinel, &config, state_options(false));
    let state = s.state_path().expect("state file").to_path_buf();
    wait_until(Duration::from_secs(10), "the first state file", || !s.state_text().is_empty());
    let before = s.state_text();
    {
        let _locked = ReadOnly::new(&[&state, state.parent().expect("state dir")]);
        let reply = s.client().cmd(&["SENTINEL", "SET", &name, "down-after-milliseconds", "7000"]);
        assert_eq!(reply, Resp::Error("ERR Failed to save config file. Check server logs.".into()));
        assert!(
            s.log_text().contains("WARNING: Sentinel was not able to save the new configuration on disk!!!"),
            "{}",
            s.log_text()
        );
        assert!(s.client().ping_ok(), "still running");
        assert_eq!(s.state_text(), before, "the old state file is intact");
    }
    let reply = s.client().cmd(&["SENTINEL", "SET", &name, "down-after-milliseconds", "8000"]);
    assert_eq!(reply, Resp::Simple("OK".into()));
    assert!(s.state_text().contains(&format!("sentinel down-after-milliseconds {name} 8000")));
}

#[test]
fn state_file_equal_to_the_config_file_is_refused_before_binding_the_port() {
    // The port is taken: a sentinel that bound first would fail with "Address already in use".
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let conf = format!("port {port}\nbind 127.0.0.1\nsentinel monitor m 127.0.0.1 6379 2\n");
    let out =
        SentinelProc::run_to_exit(Kind::Rsentinel, Some(&conf), &["--state-file", "sentinel.conf"], EXIT);
    assert_eq!(out.status.code(), Some(1), "{}", out.output);
    assert!(out.output.contains("must differ from the main config file"), "{}", out.output);
    assert!(!out.output.contains("Address already in use"), "{}", out.output);
}

#[test]
fn json_log_lines_parse() {
    let master = RedisServer::start();
    let name = unique_name("json");
    let config = format!("sentinel monitor {name} 127.0.0.1 {} 1\n", master.port());
    let options = SentinelOptions {
        extra_args: vec!["--log-format".into(), "json".into()],
        ..SentinelOptions::default()
    };
    let s = SentinelProc::start_with(Kind::Rsentinel, &config, options);
    let reply = s.client().cmd(&["SENTINEL", "SET", &name, "quorum", "1"]);
    assert_eq!(reply, Resp::Simple("OK".into()));
    wait_until(Duration::from_secs(10), "the +set event in the log", || s.log_text().contains("+set"));
    let pid = s.pid().expect("running");
    let mut events = Vec::new();
    for line in s.log_text().lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert_eq!(v["pid"], pid, "{line}");
        assert_eq!(v["role"], "sentinel", "{line}");
        assert!(v["timestamp"].is_string() && v["level"].is_string() && v["message"].is_string(), "{line}");
        if v.get("event").is_some() {
            events.push(v);
        }
    }
    let monitor = events.iter().find(|e| e["event"] == "+monitor").expect("a +monitor event");
    assert_eq!(monitor["master"], name.as_str());
    assert_eq!(monitor["address"], format!("127.0.0.1:{}", master.port()));
    assert_eq!(monitor["message"], format!("+monitor master {name} 127.0.0.1 {} quorum 1", master.port()));
    assert!(events.iter().any(|e| e["event"] == "+set" && e["master"] == name.as_str()), "{events:?}");
}

/// The state file holds only Redis-syntax `sentinel` lines: redis-sentinel 7.0.15 (which has no
/// state-config-file) starts from them alone and finds the same id, master, replicas and epoch.
#[test]
fn state_file_lines_load_in_redis_sentinel() {
    let mut d = Deployment::builder()
        .master_name(&unique_name("portable"))
        .replicas(1)
        .sentinels(1, Kind::Rsentinel)
        .quorum(1)
        .sentinel_options(state_options(false))
        .start();
    d.wait_for_discovery(DISCOVERY);
    let name = d.name.clone();
    let ours = &d.sentinels[0];
    let reply = ours.client().cmd(&["SENTINEL", "SET", &name, "down-after-milliseconds", "4321"]);
    assert_eq!(reply, Resp::Simple("OK".into()));
    let state = ours.state_text();
    assert!(state.contains(&format!("sentinel known-replica {name} ")), "{state}");
    let redis = SentinelProc::start(Kind::Redis, &state);
    assert_eq!(redis.myid(), ours.myid());
    assert_eq!(redis.master_addr(&name), ours.master_addr(&name));
    let master = redis.client().cmd(&["SENTINEL", "MASTER", &name]);
    assert_eq!(master.field("down-after-milliseconds").as_deref(), Some("4321"), "{master}");
    assert_eq!(master.field("num-slaves").as_deref(), Some("1"), "{master}");
}
