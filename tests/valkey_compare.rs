//! Valkey's words get Valkey's replies: the same config and the same requests go to a real
//! `valkey-sentinel` 8.1.8 and to rsentinel, and the replies must match (byte for byte where
//! nothing depends on time or ids). Also: a sentinel.conf written for valkey-sentinel starts
//! rsentinel unchanged, and the Valkey spelling of master-reboot-down-after-period is read but
//! written back in Redis's spelling, which redis-sentinel can still read.
//!
//! The Valkey binaries come from `scripts/lib.sh`'s `ensure_valkey` (run by scripts/test.sh).

mod common;

use std::time::Duration;

use common::{free_port, Kind, SentinelPair, SentinelProc};

/// Never SDOWN during a test: the monitored master does not exist.
const DOWN_AFTER: u64 = 600_000;
const EXIT: Duration = Duration::from_secs(20);

/// Instance-map fields whose values depend on timing or on the process.
const VOLATILE: &[&str] = &[
    "link-pending-commands",
    "last-ping-sent",
    "last-ok-ping-reply",
    "last-ping-reply",
    "info-refresh",
    "role-reported-time",
];

/// One master on a port nobody listens on, so neither sentinel sees the other.
fn lone_master_config() -> (String, u16) {
    let port = free_port();
    (
        format!(
            "sentinel monitor mymaster 127.0.0.1 {port} 2\n\
             sentinel down-after-milliseconds mymaster {DOWN_AFTER}\n"
        ),
        port,
    )
}

#[test]
fn valkey_words_get_valkey_sentinels_replies() {
    let (config, port) = lone_master_config();
    let pair = SentinelPair::valkey(&config);
    let p = port.to_string();
    let exact: Vec<Vec<&str>> = vec![
        vec!["SENTINEL", "PRIMARY"],
        vec!["SENTINEL", "primary", "a", "b"],
        vec!["SENTINEL", "PRIMARY", "nosuch"],
        vec!["SENTINEL", "PRIMARIES", "x"],
        vec!["SENTINEL", "GET-PRIMARY-ADDR-BY-NAME"],
        vec!["SENTINEL", "GET-PRIMARY-ADDR-BY-NAME", "nosuch"],
        vec!["SENTINEL", "get-primary-addr-by-name", "mymaster"],
        vec!["SENTINEL", "IS-PRIMARY-DOWN-BY-ADDR", "127.0.0.1", "1", "2"],
        vec!["SENTINEL", "IS-PRIMARY-DOWN-BY-ADDR", "127.0.0.1", "x", "0", "*"],
        vec!["SENTINEL", "IS-PRIMARY-DOWN-BY-ADDR", "127.0.0.1", "1", "y", "*"],
        vec!["SENTINEL", "is-primary-down-by-addr", "127.0.0.1", &p, "0", "*"],
        vec!["SENTINEL", "IS-PRIMARY-DOWN-BY-ADDR", "10.0.0.1", &p, "0", "*"],
        // A vote through Valkey's name: granted (and remembered) like through Redis's.
        vec![
            "SENTINEL",
            "IS-PRIMARY-DOWN-BY-ADDR",
            "127.0.0.1",
            &p,
            "5",
            "0123456789abcdef0123456789abcdef01234567",
        ],
        vec![
            "SENTINEL",
            "IS-PRIMARY-DOWN-BY-ADDR",
            "127.0.0.1",
            &p,
            "5",
            "ffffffffffffffffffffffffffffffffffffffff",
        ],
        vec!["SENTINEL", "REPLICAS", "mymaster"],
        vec!["SENTINEL", "SLAVES", "mymaster"],
        vec!["SENTINEL", "SENTINELS", "mymaster"],
        vec!["SENTINEL", "foo"],
        vec![
            "COMMAND",
            "INFO",
            "sentinel|primary",
            "sentinel|primaries",
            "SENTINEL|GET-PRIMARY-ADDR-BY-NAME",
            "sentinel|is-primary-down-by-addr",
            "sentinel|nosuch",
        ],
        vec!["COMMAND", "DOCS", "sentinel|primary"],
        vec!["COMMAND", "DOCS", "sentinel|primaries"],
        vec!["COMMAND", "DOCS", "sentinel|get-primary-addr-by-name"],
        vec!["COMMAND", "DOCS", "sentinel|is-primary-down-by-addr"],
        vec!["SENTINEL", "SET", "mymaster", "primary-reboot-down-after-period", "-1"],
        vec!["SENTINEL", "SET", "mymaster", "primary-reboot-down-after-period", "x"],
        vec!["SENTINEL", "SET", "mymaster", "primary-reboot-down-after-period"],
        vec!["SENTINEL", "SET", "mymaster", "primary-reboot-down-after-period", "1500"],
        // Redis 7.2's CONFIG SET / GET with several parameters, which Valkey 8 shares.
        vec!["SENTINEL", "CONFIG", "SET", "announce-port", "1", "foo", "2"],
        vec!["SENTINEL", "CONFIG", "SET", "RESOLVE-hostnames", "yes", "resolve-hostnames", "no"],
        vec!["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes", "announce-hostnames"],
        vec!["SENTINEL", "CONFIG", "SET", "announce-port", "1", "loglevel", "loud"],
        vec!["SENTINEL", "CONFIG", "SET", "announce-port", "70000", "resolve-hostnames", "no"],
        vec!["SENTINEL", "CONFIG", "GET", "announce-*", "*level", "announce-port"],
        vec![
            "SENTINEL",
            "CONFIG",
            "SET",
            "announce-port",
            "4000",
            "Announce-Hostnames",
            "no",
            "loglevel",
            "nothing",
        ],
        vec!["SENTINEL", "CONFIG", "GET", "announce-*", "*level", "announce-port"],
        vec!["SENTINEL", "CONFIG", "GET", "LOGLEVEL", "x"],
        vec!["SENTINEL", "CONFIG", "GET", "loglevel"],
        vec!["SENTINEL", "CONFIG", "SET", "loglevel", "notice"],
        vec!["SENTINEL", "CONFIG", "GET", "loglevel"],
    ];
    for args in &exact {
        pair.assert_same_bytes(args);
    }
    // Instance maps: same fields, order and values except timings.
    pair.assert_same_masked(&["SENTINEL", "PRIMARY", "mymaster"], VOLATILE);
    pair.assert_same_masked(&["SENTINEL", "PRIMARIES"], VOLATILE);
    let ours = pair.candidate.config_text();
    assert!(ours.contains("\nsentinel master-reboot-down-after-period mymaster 1500\n"), "{ours}");
}

#[test]
fn primary_reboot_setting_is_persisted_in_the_spelling_redis_reads() {
    let (config, _) = lone_master_config();
    let config = format!("{config}sentinel primary-reboot-down-after-period mymaster 700\n");
    let pair = SentinelPair::valkey(&config);
    for s in pair.both() {
        let reply =
            s.client().cmd(&["SENTINEL", "SET", "mymaster", "primary-reboot-down-after-period", "1500"]);
        assert_eq!(reply.as_str().as_deref(), Some("OK"), "{}: {reply}", s.kind());
    }
    let ours = pair.candidate.config_text();
    assert!(ours.contains("\nsentinel master-reboot-down-after-period mymaster 1500\n"), "{ours}");
    assert!(!ours.contains("primary-reboot"), "{ours}");
    // Valkey's own rewrite switches to its spelling...
    let theirs = pair.reference.config_text();
    assert!(theirs.contains("sentinel primary-reboot-down-after-period mymaster 1500"), "{theirs}");
    // ...which redis-sentinel 7.0 refuses, while it reads ours.
    let strip = |t: &str| -> String {
        t.lines()
            .filter(|l| !l.starts_with("port ") && !l.starts_with("bind ") && !l.starts_with("sentinel myid"))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    // (The setting is not in SENTINEL MASTER's map in 7.0: redis-sentinel's own rewrite shows
    // what it read.)
    let redis = SentinelProc::start(Kind::Redis, &strip(&ours));
    let reply = redis.client().cmd(&["SENTINEL", "FLUSHCONFIG"]);
    assert_eq!(reply.as_str().as_deref(), Some("OK"), "{reply}");
    let rewritten = redis.config_text();
    assert!(rewritten.contains("\nsentinel master-reboot-down-after-period mymaster 1500\n"), "{rewritten}");
    let refused = SentinelProc::run_to_exit(Kind::Redis, Some(&strip(&theirs)), &[], EXIT);
    assert!(!refused.status.success(), "{}", refused.output);
    assert!(refused.output.contains("Unrecognized sentinel configuration statement"), "{}", refused.output);
}

/// valkey-server 8.1's stock sentinel.conf (pidfile left out: the processes would share it,
/// and port/bind come from the harness), plus directives only valkey-server 8.1 knows.
fn valkey_style_config(master_port: u16) -> String {
    format!(
        "protected-mode no\n\
         daemonize no\n\
         loglevel notice\n\
         logfile \"\"\n\
         sentinel monitor mymaster 127.0.0.1 {master_port} 2\n\
         sentinel down-after-milliseconds mymaster {DOWN_AFTER}\n\
         acllog-max-len 128\n\
         sentinel parallel-syncs mymaster 1\n\
         sentinel failover-timeout mymaster 180000\n\
         sentinel deny-scripts-reconfig yes\n\
         SENTINEL resolve-hostnames no\n\
         SENTINEL announce-hostnames no\n\
         SENTINEL primary-reboot-down-after-period mymaster 0\n\
         enable-debug-assert yes\n\
         io-threads 200\n\
         io-threads-do-reads yes\n\
         dynamic-hz yes\n\
         primaryauth secret\n\
         primaryuser someone\n\
         repl-diskless-load flush-before-load\n\
         dual-channel-replication-enabled yes\n\
         hide-user-data-from-log yes\n\
         extended-redis-compatibility no\n\
         log-format legacy\n\
         log-timestamp-format milliseconds\n\
         availability-zone \"zone a\"\n\
         cluster-announce-client-ipv4 10.0.0.1\n\
         cluster-announce-client-ipv6 ::1\n\
         max-new-connections-per-cycle 10\n\
         prefetch-batch-max-size 16\n\
         commandlog-execution-slower-than 10000\n\
         set-max-listpack-entries 128\n\
         rdb-version-check relaxed\n\
         unixsocketgroup nobody\n\
         server-cpulist 0\n\
         rdma-bind 127.0.0.1\n\
         rdma-port 0\n"
    )
}

#[test]
fn a_valkey_sentinel_conf_starts_rsentinel_unchanged() {
    let master_port = free_port();
    let config = valkey_style_config(master_port);
    for kind in [Kind::Valkey, Kind::Rsentinel] {
        let s = SentinelProc::start(kind, &config);
        let reply = s.client().cmd(&["SENTINEL", "PRIMARY", "mymaster"]);
        assert_eq!(reply.field_int("port"), Some(i64::from(master_port)), "{kind}: {reply}");
    }
}

/// The line and the reason of a refusal (the fatal block's header names the product).
fn refusal_reason(output: &str) -> Option<(String, String)> {
    let mut lines = output.lines();
    lines.find(|l| l.starts_with(">>> "))?;
    let reason = lines.next()?.to_string();
    let at = output.lines().find(|l| l.starts_with("Reading the configuration file, at line "))?;
    Some((at.to_string(), reason))
}

#[test]
fn valkey_only_directives_are_refused_like_valkey_refuses_them() {
    let bad = [
        "enable-debug-assert maybe",
        "enable-debug-assert",
        "io-threads 257",
        // (`log-format json` is rsentinel's own value, accepted: see README's Logs.)
        "log-format bogus",
        "cluster-announce-client-ipv4 01.2.3.4",
        "cluster-announce-client-ipv6 1.2.3.4",
        "max-new-connections-per-cycle 0",
        "rdma-rx-size 1",
        "active-defrag-cycle-us -1",
        "availability-zone a b",
        "sentinel primary-reboot-down-after-period mymaster -1",
    ];
    for line in bad {
        let config = format!("sentinel monitor mymaster 127.0.0.1 {} 2\n{line}\n", free_port());
        let reasons: Vec<Option<(String, String)>> = [Kind::Valkey, Kind::Rsentinel]
            .into_iter()
            .map(|kind| {
                let out = SentinelProc::run_to_exit(kind, Some(&config), &[], EXIT);
                assert!(!out.status.success(), "{kind} accepted {line:?}:\n{}", out.output);
                refusal_reason(&out.output)
            })
            .collect();
        assert!(reasons[0].is_some(), "valkey-sentinel's refusal of {line:?} has no reason");
        // io-threads 257: both refuse, rsentinel with Redis 7.0.15's bound (the Redis error is
        // kept for directives Redis knows).
        if line == "io-threads 257" {
            let ours = reasons[1].as_ref().map(|(_, r)| r.as_str());
            assert_eq!(ours, Some("argument must be between 1 and 128 inclusive"));
            continue;
        }
        assert_eq!(reasons[1], reasons[0], "refusal of {line:?}");
    }
}
