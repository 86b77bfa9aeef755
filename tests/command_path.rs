//! The command path under load and under hostile input, against the real rsentinel binary:
//! monitoring keeps its pace while clients saturate the port, a pipeline of 10,000 commands is
//! answered in order, and 16 MB arguments get Redis's replies with bounded memory, without
//! stalling other clients. Timing figures belong to `bench/throughput.sh`; these tests only
//! check what must hold whatever the machine's speed.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::client::Client;
use common::redis::RedisServer;
use common::resp::Resp;
use common::sentinel::{Kind, SentinelProc};
use common::{unique_name, wait_until};

/// The resident memory of a process, in KB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS line");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmRSS value")
}

/// `calls` of one command in the server's INFO commandstats.
fn command_calls(server: &RedisServer, cmd: &str) -> u64 {
    let stats = server.client().cmd(&["INFO", "commandstats"]).as_str().unwrap_or_default();
    let prefix = format!("cmdstat_{cmd}:calls=");
    stats.lines().find_map(|l| l.strip_prefix(&prefix)?.split(',').next()?.parse().ok()).unwrap_or(0)
}

/// The milliseconds field `field` of the master's SENTINEL MASTER map.
fn master_ms(s: &SentinelProc, name: &str, field: &str) -> Option<i64> {
    let reply = s.client().try_cmd(&["SENTINEL", "MASTER", name]).ok()?;
    reply.map_get(field)?.as_str()?.parse().ok()
}

/// A client that keeps the port busy: pipelines of read commands, every reply read, until
/// `stop` is set. Returns how many replies it read.
fn saturate(port: u16, master: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut c = Client::connect(port);
        let cmds: [&[&str]; 5] = [
            &["PING"],
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &master],
            &["SENTINEL", "MASTER", &master],
            &["SENTINEL", "MASTERS"],
            &["INFO"],
        ];
        let mut pipeline = Vec::new();
        for i in 0..64 {
            pipeline.extend(common::resp::encode_command(cmds[i % cmds.len()]));
        }
        let mut replies = 0;
        while !stop.load(Ordering::Relaxed) {
            c.send_raw(&pipeline).expect("send pipeline");
            for _ in 0..64 {
                let r = c.read_reply().expect("reply under load");
                assert!(!matches!(r, Resp::Error(_)), "error under load: {r}");
                replies += 1;
            }
        }
        replies
    })
}

/// While clients saturate the sentinel's port, the master is still pinged every second, never
/// marked subjectively down, and the sentinel never enters TILT.
#[test]
fn monitoring_keeps_its_pace_while_clients_saturate_the_port() {
    let master = RedisServer::start();
    let name = unique_name("load");
    let conf = format!(
        "sentinel monitor {name} 127.0.0.1 {} 1\nsentinel down-after-milliseconds {name} 2000\n",
        master.port()
    );
    let s = SentinelProc::start(Kind::Rsentinel, &conf);
    wait_until(Duration::from_secs(20), "the master answers PINGs", || {
        master_ms(&s, &name, "last-ok-ping-reply").is_some_and(|ms| ms < 1500)
            && command_calls(&master, "ping") > 0
    });
    let mut events = s.psubscribe(&["*"]);
    let pings_before = command_calls(&master, "ping");
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..4).map(|_| saturate(s.port(), name.clone(), stop.clone())).collect();
    let start = Instant::now();
    let mut worst_ok_reply = 0;
    while start.elapsed() < Duration::from_secs(6) {
        if let Some(ms) = master_ms(&s, &name, "last-ok-ping-reply") {
            worst_ok_reply = worst_ok_reply.max(ms);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let elapsed = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let replies: u64 = load.into_iter().map(|t| t.join().expect("load thread")).sum();
    let pings = command_calls(&master, "ping") - pings_before;
    eprintln!(
        "load: {replies} replies, {pings} PINGs in {elapsed:?}, worst last-ok-ping-reply {worst_ok_reply} ms"
    );
    assert!(replies > 1000, "the load ran ({replies} replies)");
    // One PING a second (ping-period), give or take the one in flight at each end.
    let expected = elapsed.as_secs().saturating_sub(1);
    assert!(pings >= expected, "{pings} PINGs in {elapsed:?} under load");
    assert!(worst_ok_reply < 2000, "last-ok-ping-reply reached {worst_ok_reply} ms (down-after 2000)");
    // Read everything published while the load ran: nothing bad in it.
    while events.next_message(Duration::from_millis(500)).is_some() {}
    let bad: Vec<String> = events
        .seen()
        .iter()
        .filter(|m| ["+sdown", "+odown", "+tilt"].contains(&m.channel.as_str()))
        .map(|m| format!("{} {}", m.channel, m.payload))
        .collect();
    assert!(bad.is_empty(), "monitoring lost its pace under load: {bad:?}");
}

/// A pipeline of 10,000 commands in one write is answered in order, while another client is
/// served in the meantime.
#[test]
fn a_pipeline_of_ten_thousand_commands_is_answered_in_order() {
    let name = unique_name("pipe");
    let s = SentinelProc::start(Kind::Rsentinel, &format!("sentinel monitor {name} 127.0.0.1 1 1\n"));
    let mut pipeline = Vec::new();
    for i in 0..10_000 {
        let cmd: Vec<String> = match i % 4 {
            0 => vec!["PING".into(), i.to_string()],
            1 => vec!["SENTINEL".into(), "GET-MASTER-ADDR-BY-NAME".into(), name.clone()],
            2 => vec!["SENTINEL".into(), "MASTER".into(), format!("nope-{i}")],
            _ => vec!["ECHO".into(), i.to_string()],
        };
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        pipeline.extend(common::resp::encode_command(&args));
    }
    let mut c = s.client();
    // Written at once, without reading: the replies (well under the output limit) wait.
    c.send_raw(&pipeline).expect("send the pipeline");
    let mut other = s.client();
    for i in 0..10_000 {
        let reply = c.read_reply().unwrap_or_else(|e| panic!("reply {i}: {e}"));
        match i % 4 {
            0 => assert_eq!(reply, Resp::Bulk(i.to_string().into_bytes()), "reply {i}"),
            1 => assert_eq!(reply.as_array().map(|a| a.len()), Some(2), "reply {i}: {reply}"),
            2 => assert_eq!(reply, Resp::Error("ERR No such master with that name".into()), "reply {i}"),
            _ => assert!(
                matches!(&reply, Resp::Error(e) if e.starts_with("ERR unknown command 'ECHO'")),
                "reply {i}: {reply}"
            ),
        }
        if i % 2500 == 0 {
            assert!(other.ping_ok(), "another client is served during the pipeline");
        }
    }
    assert!(c.ping_ok());
}

/// 16 MB arguments: the replies are Redis's (an echo, a null, an error quoting at most 128
/// bytes), other clients are served while the argument arrives, and memory stays bounded (that
/// the query buffer is given back is `hostile_input.rs`'s test).
#[test]
fn sixteen_megabyte_arguments_get_redis_replies_with_bounded_memory() {
    let name = unique_name("big");
    let s = SentinelProc::start(Kind::Rsentinel, &format!("sentinel monitor {name} 127.0.0.1 1 1\n"));
    let pid = s.pid().expect("pid");
    let big = "x".repeat(16 * 1024 * 1024);
    let mut c = s.client();
    c.set_read_timeout(Some(Duration::from_secs(60)));
    // The argument arrives slowly; another client is answered meanwhile.
    let request = common::resp::encode_command(&["PING", &big]);
    let (head, tail) = request.split_at(request.len() / 2);
    c.send_raw(head).expect("first half");
    let mut other = s.client();
    assert!(other.ping_ok(), "served while a 16 MB argument is half sent");
    c.send_raw(tail).expect("second half");
    assert_eq!(c.read_reply().expect("echo"), Resp::Bulk(big.clone().into_bytes()));
    assert_eq!(c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &big]), Resp::NullArray);
    assert_eq!(c.cmd(&["SENTINEL", "MASTER", &big]), Resp::Error("ERR No such master with that name".into()));
    let unknown = c.cmd(&["NOSUCH", &big]);
    let expected = format!("ERR unknown command 'NOSUCH', with args beginning with: '{}' ", &big[..128]);
    assert_eq!(unknown, Resp::Error(expected));
    // Bounded: a few copies of the argument at most, not growing with the number of requests.
    let rss = rss_kb(pid);
    assert!(rss < 256 * 1024, "RSS {rss} KB after 16 MB requests");
    for _ in 0..3 {
        assert_eq!(
            c.cmd(&["SENTINEL", "MASTER", &big]),
            Resp::Error("ERR No such master with that name".into())
        );
    }
    let after = rss_kb(pid);
    assert!(after < rss + 64 * 1024, "RSS grew from {rss} KB to {after} KB with more 16 MB requests");
}
