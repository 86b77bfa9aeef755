//! The integration-test harness: real `redis-server` / `redis-sentinel` / `rsentinel`
//! processes on 127.0.0.1, free ports picked at run time, blocking RESP clients.
//!
//! Every integration test pulls it in with `mod common;`. Rules it enforces for everyone:
//! - loopback only; ports are picked at run time and never handed out twice in one process;
//! - every process started is killed (SIGKILL) and reaped when its handle drops, also when the
//!   test panics; children also die with the thread that spawned them (PR_SET_PDEATHSIG), so a
//!   killed test binary leaves nothing behind: start processes from the test's own thread;
//! - waiting is done by polling with a deadline ([`wait_until`]), never with bare sleeps.
//!
//! A test that runs against both implementations:
//! ```ignore
//! mod common;
//! use common::*;
//!
//! #[test]
//! fn unknown_master_address_is_a_null_array() {
//!     let master = RedisServer::start();
//!     let name = unique_name("addr");
//!     for kind in Kind::from_env() {
//!         let s = SentinelProc::start(kind, &format!("sentinel monitor {name} 127.0.0.1 {} 1\n", master.port()));
//!         assert_eq!(s.client().cmd_bytes(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "x"]), b"*-1\r\n", "{kind}");
//!     }
//! }
//! ```
//! Byte-for-byte comparisons: [`SentinelPair`]. Whole deployments (any mix of kinds):
//! [`Deployment::builder`]. Environment: `RSENTINEL_TEST_KINDS=redis|rsentinel|redis,rsentinel`,
//! `RSENTINEL_KEEP_TMP=1` (keep every temp dir), `RSENTINEL_REDIS_SERVER` /
//! `RSENTINEL_REDIS_SENTINEL` (binaries; default `/usr/bin/...`), `RSENTINEL_VALKEY_DIR` (the Valkey
//! 8.1.8 oracle that `scripts/lib.sh`'s `ensure_valkey` installs; see [`valkey_path`]).
#![allow(dead_code, unused_imports)]

pub mod client;
pub mod deployment;
pub mod differential;
pub mod fake_redis;
pub mod incr_writer;
pub mod process;
pub mod redis;
pub mod resp;
pub mod scenario;
pub mod scrape;
pub mod sentinel;
pub mod tls_certs;

pub use client::{info_field, Client, Message, Subscriber};
pub use deployment::{Deployment, DeploymentBuilder};
pub use differential::SentinelPair;
pub use fake_redis::FakeRedis;
pub use incr_writer::{IncrWriter, WriterReport};
pub use redis::{RedisServer, ServerKind};
pub use resp::{encode_command, parse, Resp};
pub use scrape::{Scrape, ScrapeFormat};
pub use sentinel::{Kind, PortVia, SentinelOptions, SentinelProc};
pub use tls_certs::TestCerts;

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often [`wait_until`] re-checks its condition.
pub const POLL_INTERVAL: Duration = Duration::from_millis(25);

static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A port on 127.0.0.1 that nothing listens on right now and that this process has not
/// handed out before.
///
/// Ports come from below the kernel's ephemeral range (`ip_local_port_range`), so the
/// outgoing connections of the servers under test cannot take a port between the moment it is
/// picked and the moment a server binds it. Callers that start a server still handle
/// "address already in use" (another test binary may race for the same port) by retrying with
/// a new port; [`RedisServer`] and [`SentinelProc`] do.
pub fn free_port() -> u16 {
    let (low, high) = candidate_range();
    let mut handed = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let handed = handed.get_or_insert_with(HashSet::new);
    for _ in 0..10_000 {
        let port = low + (rand::random::<u16>() % (high - low));
        if handed.contains(&port) {
            continue;
        }
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed.insert(port);
            return port;
        }
    }
    panic!("no free port found in 127.0.0.1:{low}..{high}");
}

/// Ports 20000..(start of the ephemeral range), or 20000..30000 if the range is unreadable.
fn candidate_range() -> (u16, u16) {
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(30000);
    if ephemeral_start > 21000 {
        (20000, ephemeral_start)
    } else {
        // Unusual kernel setting: fall back to the whole unprivileged range.
        (1024, 65535)
    }
}

/// Poll `cond` every [`POLL_INTERVAL`] until it returns true; panic after `timeout` with
/// `what` in the message ("timed out after 10s waiting for: <what>").
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    loop {
        if cond() {
            return;
        }
        if start.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// Like [`wait_until`], for conditions that produce a value: poll until `f` returns `Some`.
pub fn wait_for<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

static NAME_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A master name unique on this machine for the lifetime of the process: `<prefix>-<pid>-<n>`.
///
/// Sentinels adopt any instance answering on a configured address and accept hellos for any
/// master they know by name, so two suites running side by side must never share a name.
pub fn unique_name(prefix: &str) -> String {
    let n = NAME_COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// Path of a binary: `$<env_var>` if set, else `/usr/bin/<name>` if it exists, else `<name>`
/// (found through `$PATH`).
pub fn tool_path(env_var: &str, name: &str) -> std::path::PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return p.into();
    }
    let usr = std::path::Path::new("/usr/bin").join(name);
    if usr.exists() {
        usr
    } else {
        name.into()
    }
}

/// The Valkey version of the oracle binaries.
pub const VALKEY_VERSION: &str = "8.1.8";

/// Path of a Valkey oracle binary (`valkey-server`, `valkey-sentinel`, `valkey-cli`):
/// `$RSENTINEL_VALKEY_DIR/bin/<name>`, by default `~/.cache/rsentinel/valkey-8.1.8/bin/<name>`,
/// where `ensure_valkey` (scripts/lib.sh, run by scripts/test.sh) installs them. Panics with
/// the way to install them when they are missing, so a test never silently skips Valkey.
pub fn valkey_path(name: &str) -> std::path::PathBuf {
    let dir = match std::env::var_os("RSENTINEL_VALKEY_DIR") {
        Some(d) => std::path::PathBuf::from(d),
        None => {
            let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
            std::path::Path::new(&home).join(format!(".cache/rsentinel/valkey-{VALKEY_VERSION}"))
        }
    };
    let path = dir.join("bin").join(name);
    assert!(
        path.exists(),
        "{} is missing: install the Valkey {VALKEY_VERSION} oracle with `scripts/test.sh` or \
         `bash -c '. scripts/lib.sh && ensure_valkey'` (or set RSENTINEL_VALKEY_DIR)",
        path.display()
    );
    path
}
