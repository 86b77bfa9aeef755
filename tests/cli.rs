//! The process as a user meets it: command line, refusals at start, shutdown, and a config
//! file that survives restarts unchanged.

mod common;

use std::time::Duration;

use common::redis::RedisServer;
use common::sentinel::{Kind, SentinelProc};
use common::{unique_name, wait_until};

const EXIT: Duration = Duration::from_secs(20);

#[test]
fn no_config_file_is_refused_like_redis() {
    for kind in Kind::from_env() {
        let out = SentinelProc::run_to_exit(kind, None, &["--port", "1"], EXIT);
        assert_eq!(out.status.code(), Some(1), "{kind}: {}", out.output);
        assert!(
            out.output.contains("Sentinel needs config file on disk to save state. Exiting..."),
            "{kind}: {}",
            out.output
        );
    }
}

#[test]
fn bad_config_line_names_file_and_line_and_refuses_to_start() {
    let conf = "port 26999\nsentinel monitor m 127.0.0.1 6379 0\n";
    for kind in Kind::from_env() {
        let out = SentinelProc::run_to_exit(kind, Some(conf), &[], EXIT);
        assert_eq!(out.status.code(), Some(1), "{kind}: {}", out.output);
        assert!(
            out.output.contains("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***"),
            "{kind}: {}",
            out.output
        );
        assert!(out.output.contains("Reading the configuration file, at line 2"), "{kind}: {}", out.output);
        assert!(out.output.contains("Quorum must be 1 or greater."), "{kind}: {}", out.output);
    }
    let out = SentinelProc::run_to_exit(Kind::Rsentinel, Some(conf), &[], EXIT);
    assert!(out.output.contains("sentinel.conf:2: Quorum must be 1 or greater."), "{}", out.output);
}

#[test]
fn check_config_and_version() {
    let good = "sentinel monitor m 127.0.0.1 6379 2\n";
    let out = SentinelProc::run_to_exit(Kind::Rsentinel, Some(good), &["--check-config"], EXIT);
    assert_eq!(out.status.code(), Some(0), "{}", out.output);
    let bad = "sentinel monitor m 127.0.0.1 6379 2\nsentinel bogus-directive m 1\n";
    let out = SentinelProc::run_to_exit(Kind::Rsentinel, Some(bad), &["--check-config"], EXIT);
    assert_eq!(out.status.code(), Some(1), "{}", out.output);
    assert!(
        out.output.contains("sentinel.conf:2: Unrecognized sentinel configuration statement."),
        "{}",
        out.output
    );
    let out = SentinelProc::run_to_exit(Kind::Rsentinel, None, &["--version"], EXIT);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.output.contains("rsentinel") && out.output.contains("7.0.15"), "{}", out.output);
    let out = SentinelProc::run_to_exit(Kind::Rsentinel, None, &["--help"], EXIT);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.output.contains("--check-config"), "{}", out.output);
}

/// SHUTDOWN and SIGTERM both save the config and exit 0; a restart from that file changes
/// nothing in it (myid, epochs, known replicas are all there already).
#[test]
fn config_survives_restart_unchanged() {
    let master = RedisServer::start();
    let replica = RedisServer::replica_of(&master);
    let name = unique_name("cli");
    let conf = format!(
        "sentinel monitor {} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {} 5000\n",
        name,
        master.port(),
        name
    );
    let mut s = SentinelProc::start(Kind::Rsentinel, &conf);
    let replica_known = |s: &SentinelProc| {
        s.instances("REPLICAS", &name).iter().any(|r| r.field("port") == Some(replica.port().to_string()))
    };
    wait_until(Duration::from_secs(20), "replica discovered", || replica_known(&s));
    let myid = s.myid();

    let _ = s.client().try_cmd(&["SHUTDOWN"]);
    let status = s.wait_exit(EXIT).expect("exits after SHUTDOWN");
    assert_eq!(status.code(), Some(0));
    let first = s.config_text();
    assert!(first.contains(&format!("sentinel myid {}", myid)), "{}", first);
    assert!(first.contains("sentinel current-epoch 0"), "{}", first);
    assert!(
        first.contains(&format!("sentinel known-replica {} 127.0.0.1 {}", name, replica.port())),
        "{}",
        first
    );

    s.restart();
    assert_eq!(s.myid(), myid, "same identity after restart");
    assert!(replica_known(&s), "known-replica is loaded at start");
    // SIGTERM this time.
    let pid = s.pid().expect("running") as i32;
    // SAFETY: signalling a child process this test started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let status = s.wait_exit(EXIT).expect("exits after SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert_eq!(s.config_text(), first, "a restart without changes leaves the file as it was");
}
