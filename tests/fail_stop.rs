//! Fail-stop: a panic anywhere in the process (the core task, a client's task) ends the process
//! with a non-zero status and a clear log line, instead of leaving a sentinel that answers
//! peers and clients while it no longer processes anything.
//!
//! The panics are requested through `RSENTINEL_TEST_PANIC` (see `handle::fail_stop`).

mod common;

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use common::client::Client;
use common::sentinel::{Kind, SentinelOptions, SentinelProc};

const EXIT: Duration = Duration::from_secs(20);

fn panic_env(place: &str) -> Vec<(String, String)> {
    vec![("RSENTINEL_TEST_PANIC".to_string(), place.to_string())]
}

#[test]
fn a_panic_in_the_core_task_ends_the_process() {
    let conf = format!("port {}\nbind 127.0.0.1\nsentinel monitor m 127.0.0.1 1 2\n", common::free_port());
    let out = SentinelProc::run_to_exit_env(Kind::Rsentinel, Some(&conf), &[], &panic_env("core"), EXIT);
    assert!(!out.status.success(), "{}", out.output);
    assert_eq!(out.status.signal(), Some(libc::SIGABRT), "aborted: {:?}\n{}", out.status, out.output);
    assert!(out.output.contains("rsentinel: fatal: panic in thread"), "{}", out.output);
    assert!(out.output.contains("test panic requested at 'core'"), "{}", out.output);
}

#[test]
fn a_panic_in_a_client_task_ends_the_process() {
    // The accept path panics only once a client connects: start, connect, watch it die.
    let options = SentinelOptions { env: panic_env("server"), ..Default::default() };
    let dir = common::process::temp_dir("fail-stop");
    let conf = dir.path().join("sentinel.conf");
    let port = common::free_port();
    std::fs::write(&conf, format!("port {port}\nbind 127.0.0.1\nsentinel monitor m 127.0.0.1 1 2\n"))
        .unwrap();
    let log = dir.path().join("sentinel.log");
    let mut child = common::process::OwnedChild::spawn_env(
        &Kind::Rsentinel.binary(),
        &[conf.to_string_lossy().into_owned()],
        dir.path(),
        &log,
        &options.env,
    )
    .expect("spawn rsentinel");
    // Its first connection is the one that panics; keep trying until the process is gone.
    let mut status = None;
    common::wait_until(EXIT, "the process ends after the panic", || {
        let _ = Client::try_connect(port);
        status = child.try_exit_status();
        status.is_some()
    });
    let status = status.expect("exited");
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status.signal(), Some(libc::SIGABRT), "{:?}\n{}", status, output);
    assert!(output.contains("test panic requested at 'server'"), "{}", output);
}
