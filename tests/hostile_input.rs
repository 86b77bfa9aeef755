//! The probes of the hostile-input audit, against the real process: each one used to crash a
//! task, stall the process, or hijack its state, and must now leave it serving correctly.
//! Where Redis behaves the same, the probe runs against both kinds.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::{
    unique_name, wait_for, wait_until, Client, FakeRedis, Kind, RedisServer, Resp, SentinelProc,
    POLL_INTERVAL,
};

/// Poll `check` for `period`; it must hold every time (for "nothing bad happens" probes, where
/// there is no event to wait for).
fn holds_for(period: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let until = Instant::now() + period;
    while Instant::now() < until {
        assert!(check(), "no longer true: {what}");
        std::thread::sleep(POLL_INTERVAL);
    }
}

fn master_field(s: &SentinelProc, name: &str, field: &str) -> Option<Resp> {
    Client::try_connect(s.port()).ok()?.try_cmd(&["SENTINEL", "MASTER", name]).ok()?.map_get(field).cloned()
}

/// The probe: INFO with a `run_id` whose 40th byte falls inside a multi-byte character
/// panicked the reply-processing task; two seconds later the healthy master was
/// `s_down,o_down` and `is-master-down-by-addr` answered 1. Redis copies 40 bytes and carries
/// on, and so must we.
#[test]
fn info_run_id_cut_inside_a_character_keeps_the_master_up() {
    let run_id = format!("{}é{}", "a".repeat(39), "b".repeat(20));
    let fake = FakeRedis::start(&format!("# Server\r\nrun_id:{run_id}\r\n# Replication\r\nrole:master\r\n"));
    for kind in Kind::from_env() {
        let name = unique_name("runid");
        let conf = format!(
            "sentinel monitor {name} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {name} 1000\n",
            fake.port()
        );
        let s = SentinelProc::start(kind, &conf);
        wait_until(
            Duration::from_secs(20),
            "the INFO reply is processed",
            || matches!(master_field(&s, &name, "runid"), Some(Resp::Bulk(b)) if b.starts_with(&[b'a'; 39])),
        );
        holds_for(Duration::from_secs(3), "the master is up", || {
            master_field(&s, &name, "flags") == Some(Resp::Bulk(b"master".to_vec()))
        });
        let reply = s.client().cmd(&[
            "SENTINEL",
            "IS-MASTER-DOWN-BY-ADDR",
            "127.0.0.1",
            &fake.port().to_string(),
            "0",
            "*",
        ]);
        assert_eq!(
            reply,
            Resp::Array(vec![Resp::Integer(0), Resp::Bulk(b"*".to_vec()), Resp::Integer(0)]),
            "{kind}"
        );
        assert!(fake.info_replies() > 0);
    }
}

/// The probe: `SENTINEL RESET` with a `*?*?...` pattern held the core for 0.9 s; with a
/// longer pattern and name the old matcher never finished. Redis 7.0.9+ answers at once.
#[test]
fn sentinel_reset_with_a_pathological_pattern_answers_at_once() {
    let master = RedisServer::start();
    for kind in Kind::from_env() {
        let name = format!("{}-{}", unique_name("glob"), "a".repeat(60));
        let s =
            SentinelProc::start(kind, &format!("sentinel monitor {name} 127.0.0.1 {} 1\n", master.port()));
        let mut c = s.client();
        c.set_read_timeout(Some(Duration::from_secs(20)));
        let pattern = format!("{}Z", "*?".repeat(30));
        assert_eq!(c.cmd(&["SENTINEL", "RESET", &pattern]), Resp::Integer(0), "{kind}");
        assert_eq!(
            c.cmd(&["SENTINEL", "RESET", &format!("{}a", "*?".repeat(30))]),
            Resp::Integer(1),
            "{kind}"
        );
    }
}

fn forged_id(n: usize) -> String {
    format!("{:040x}", 0xbad0_0000_usize + n)
}

fn publish_hello(c: &mut Client, payload: &str) {
    let reply = c.cmd(&["PUBLISH", "__sentinel__:hello", payload]);
    assert!(matches!(reply, Resp::Integer(_)), "PUBLISH: {reply}");
}

/// The probes: one forged hello with config epoch 2^64 - 1 switched the master and stored the
/// epoch (the next failover logged `+new-epoch 0`); 100 forged run ids gave 102
/// `known-sentinel` lines and 100 connections. rsentinel only: Redis accepts both.
#[test]
fn forged_hellos_are_bounded() {
    let master = RedisServer::start();
    let name = unique_name("forged");
    let s = SentinelProc::start(
        Kind::Rsentinel,
        &format!("sentinel monitor {name} 127.0.0.1 {} 2\n", master.port()),
    );
    let mut c = s.client();
    let max = u64::MAX;
    publish_hello(&mut c, &format!("127.0.0.1,40001,{},{max},{name},127.0.0.1,1,{max}", forged_id(0)));
    assert_eq!(s.master_addr(&name), Some(("127.0.0.1".into(), master.port())));
    assert_eq!(master_field(&s, &name, "config-epoch"), Some(Resp::Bulk(b"0".to_vec())));
    for n in 1..=100 {
        publish_hello(
            &mut c,
            &format!("127.0.0.1,{},{},0,{name},127.0.0.1,{},0", 40000 + n, forged_id(n), master.port()),
        );
    }
    assert_eq!(s.instances("SENTINELS", &name).len(), 64);
    assert_eq!(c.cmd(&["SENTINEL", "FLUSHCONFIG"]), Resp::Simple("OK".into()));
    let config = s.config_text();
    assert_eq!(config.matches("sentinel known-sentinel").count(), 64, "{config}");
    assert!(config.contains("sentinel current-epoch 0"), "{config}");
    wait_until(Duration::from_secs(10), "the refusals are logged", || {
        s.log_text().contains(&format!("Master {name} already has 64 sentinels"))
    });
}

/// The probe: a script path without `/` passed the executable check in `dir` but was looked up
/// in `$PATH` when run. Both kinds run `dir/notify.sh` (here for the `+monitor` event at start).
#[test]
fn a_bare_script_name_runs_from_dir() {
    let master = RedisServer::start();
    for kind in Kind::from_env() {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = dir.path().join("notify.sh");
        std::fs::write(&script, "#!/bin/sh\necho \"$1\" >> fired.log\n").expect("write the script");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let name = unique_name("script");
        let conf = format!(
            "dir {}\nsentinel monitor {name} 127.0.0.1 {} 1\nsentinel notification-script {name} notify.sh\n",
            dir.path().display(),
            master.port()
        );
        let s = SentinelProc::start(kind, &conf);
        let fired = dir.path().join("fired.log");
        wait_until(Duration::from_secs(20), &format!("{kind} ran dir/notify.sh"), || {
            std::fs::read_to_string(&fired).is_ok_and(|t| t.contains("+monitor"))
        });
        assert!(!s.log_text().contains("-script-error"), "{kind}: {}", s.log_text());
    }
}

/// The probe: the rewritten config got mode `0644 & ~umask`, so a private config holding
/// passwords became readable by all. rsentinel only: Redis resets the mode.
#[test]
fn the_rewrite_keeps_a_private_config_private() {
    let master = RedisServer::start();
    let name = unique_name("mode");
    let s = SentinelProc::start(
        Kind::Rsentinel,
        &format!("sentinel monitor {name} 127.0.0.1 {} 1\nsentinel auth-pass {name} secret\n", master.port()),
    );
    std::fs::set_permissions(s.config_path(), std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
    assert_eq!(s.client().cmd(&["SENTINEL", "FLUSHCONFIG"]), Resp::Simple("OK".into()));
    let mode = std::fs::metadata(s.config_path()).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

/// `omem` of the client connected from `local_port`, from CLIENT LIST.
fn output_memory(s: &SentinelProc, local_port: u16) -> Option<u64> {
    let list = Client::try_connect(s.port()).ok()?.try_cmd(&["CLIENT", "LIST"]).ok()?.as_str()?;
    let line = list.lines().find(|l| l.contains(&format!(" addr=127.0.0.1:{local_port} ")))?;
    line.split(' ').find_map(|f| f.strip_prefix("omem="))?.parse().ok()
}

/// The probe: output back-pressure was checked once per read, so one 16 KB read of pipelined
/// `SENTINEL MASTERS` with many masters queued hundreds of MB. Now the requests stop running
/// once 16 MB of replies wait, and the rest run as the client reads. rsentinel only: Redis
/// queues everything.
#[test]
fn pipelined_large_replies_stop_at_the_output_limit() {
    let mut conf = String::new();
    let nowhere = common::free_port();
    for i in 0..300 {
        conf.push_str(&format!("sentinel monitor {}-{i} 127.0.0.1 {nowhere} 1\n", unique_name("bp")));
    }
    let s = SentinelProc::start(Kind::Rsentinel, &conf);
    let reply_len = s.client().cmd_bytes(&["SENTINEL", "MASTERS"]).len() as u64;
    assert!(reply_len > 100_000, "{reply_len}");
    let mut stream = TcpStream::connect(("127.0.0.1", s.port())).expect("connect");
    let local_port = stream.local_addr().expect("local addr").port();
    // One read's worth of requests (910 of them), and never read the replies.
    let request = b"SENTINEL MASTERS\r\n".repeat(16 * 1024 / 18);
    stream.write_all(&request).expect("send the pipeline");
    let limit = 16 * 1024 * 1024;
    wait_until(Duration::from_secs(60), "the replies reach the output limit", || {
        output_memory(&s, local_port).is_some_and(|m| m + reply_len >= limit)
    });
    holds_for(Duration::from_secs(2), "at most one reply over the limit is queued", || {
        output_memory(&s, local_port).is_some_and(|m| m <= limit + reply_len)
    });
    drop(stream);
    assert!(s.client().ping_ok());
    // The same pipeline, read as it comes: every reply arrives.
    let mut c = s.client();
    c.set_read_timeout(Some(Duration::from_secs(60)));
    c.send_raw(&b"SENTINEL MASTERS\r\n".repeat(40)).expect("send");
    for _ in 0..40 {
        let reply = c.read_reply().expect("reply");
        assert_eq!(reply.as_array().map(|a| a.len()), Some(300));
    }
}

/// The probe: read buffers never shrank, so one large request kept its memory for the life of
/// the connection. rsentinel only (the figure is CLIENT INFO's `qbuf-free`).
#[test]
fn the_query_buffer_shrinks_after_a_large_request() {
    let s = SentinelProc::start(Kind::Rsentinel, "");
    let mut c = s.client();
    let big = "x".repeat(4 * 1024 * 1024);
    assert_eq!(c.cmd(&["PING", &big]), Resp::Bulk(big.into_bytes()));
    let qbuf_free = wait_for(Duration::from_secs(5), "CLIENT INFO", || {
        let info = c.cmd(&["CLIENT", "INFO"]).as_str()?;
        info.split(' ').find_map(|f| f.strip_prefix("qbuf-free="))?.trim().parse::<u64>().ok()
    });
    assert!(qbuf_free <= 64 * 1024, "qbuf-free={qbuf_free}");
}
