//! Tests of the test harness itself, run against the real redis-server and redis-sentinel:
//! if these fail, no other integration test's verdict can be trusted.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{
    encode_command, free_port, parse, unique_name, wait_until, Client, Deployment, Kind, PortVia,
    RedisServer, Resp, SentinelOptions, SentinelPair, SentinelProc, Subscriber,
};

const T: Duration = Duration::from_secs(30);

fn monitor_config(name: &str, master: &RedisServer, quorum: u32, down_after_ms: u64) -> String {
    format!(
        "sentinel monitor {name} 127.0.0.1 {} {quorum}\nsentinel down-after-milliseconds {name} {down_after_ms}\n",
        master.port()
    )
}

// ---------------------------------------------------------------------------------------------
// RESP parser

fn parse_all(bytes: &[u8]) -> Resp {
    let (v, used) = parse(bytes).expect("valid RESP").expect("complete reply");
    assert_eq!(used, bytes.len(), "parser must consume exactly one reply");
    v
}

#[test]
fn resp_parses_every_resp2_type() {
    assert_eq!(parse_all(b"+OK\r\n"), Resp::Simple("OK".into()));
    assert_eq!(parse_all(b"-ERR no\r\n"), Resp::Error("ERR no".into()));
    assert_eq!(parse_all(b":-42\r\n"), Resp::Integer(-42));
    assert_eq!(parse_all(b"$5\r\nhe\r\no\r\n"), Resp::Bulk(b"he\r\no".to_vec()));
    assert_eq!(parse_all(b"$0\r\n\r\n"), Resp::Bulk(vec![]));
    assert_eq!(parse_all(b"$-1\r\n"), Resp::NullBulk);
    assert_eq!(parse_all(b"*-1\r\n"), Resp::NullArray);
    assert_eq!(parse_all(b"*0\r\n"), Resp::Array(vec![]));
    assert_eq!(
        parse_all(b"*3\r\n:0\r\n$1\r\n*\r\n:0\r\n"),
        Resp::Array(vec![Resp::Integer(0), Resp::Bulk(b"*".to_vec()), Resp::Integer(0)])
    );
}

#[test]
fn resp_parses_every_resp3_type() {
    assert_eq!(parse_all(b"_\r\n"), Resp::Null);
    assert_eq!(parse_all(b"#t\r\n"), Resp::Boolean(true));
    assert_eq!(parse_all(b"#f\r\n"), Resp::Boolean(false));
    assert_eq!(parse_all(b",1.5\r\n"), Resp::Double(1.5));
    assert_eq!(parse_all(b",-inf\r\n"), Resp::Double(f64::NEG_INFINITY));
    assert_eq!(parse_all(b"(12345678901234567890\r\n"), Resp::BigNumber("12345678901234567890".into()));
    assert_eq!(parse_all(b"!9\r\nERR oops!\r\n"), Resp::BlobError("ERR oops!".into()));
    assert_eq!(
        parse_all(b"=8\r\ntxt:a\r\nb\r\n"),
        Resp::Verbatim { format: "txt".into(), text: b"a\r\nb".to_vec() }
    );
    let map = parse_all(b"%2\r\n$1\r\na\r\n:1\r\n+b\r\n*1\r\n_\r\n");
    assert_eq!(map.field_int("a"), Some(1));
    assert_eq!(map.map_get("b"), Some(&Resp::Array(vec![Resp::Null])));
    assert_eq!(map.keys(), vec!["a", "b"]);
    assert_eq!(parse_all(b"~2\r\n:1\r\n:2\r\n"), Resp::Set(vec![Resp::Integer(1), Resp::Integer(2)]));
    assert_eq!(
        parse_all(b">2\r\n+a\r\n+b\r\n"),
        Resp::Push(vec![Resp::Simple("a".into()), Resp::Simple("b".into())])
    );
    assert_eq!(
        parse_all(b"|1\r\n+k\r\n+v\r\n:7\r\n"),
        Resp::Attribute(
            vec![(Resp::Simple("k".into()), Resp::Simple("v".into()))],
            Box::new(Resp::Integer(7))
        )
    );
}

#[test]
fn resp_incomplete_input_asks_for_more_and_garbage_is_an_error() {
    let full: &[u8] = b"*2\r\n%1\r\n+k\r\n$3\r\nval\r\n=8\r\ntxt:abcd\r\n";
    for cut in 0..full.len() {
        assert_eq!(parse(&full[..cut]), Ok(None), "prefix of {cut} bytes must be incomplete");
    }
    assert!(matches!(parse(full), Ok(Some((_, n))) if n == full.len()));
    // Two replies back to back: only the first is consumed.
    let (v, used) = parse(b":1\r\n:2\r\n").unwrap().unwrap();
    assert_eq!((v, used), (Resp::Integer(1), 4));
    for bad in [&b"?x\r\n"[..], b":abc\r\n", b"$3\r\nabcd\r\n", b"*-2\r\n", b"#x\r\n"] {
        assert!(parse(bad).is_err(), "{:?} must be rejected", String::from_utf8_lossy(bad));
    }
}

#[test]
fn resp_flat_arrays_read_as_maps_and_numbers_parse_from_bulks() {
    let flat = Resp::Array(vec![
        Resp::Bulk(b"name".to_vec()),
        Resp::Bulk(b"m".to_vec()),
        Resp::Bulk(b"port".to_vec()),
        Resp::Bulk(b"6379".to_vec()),
    ]);
    assert_eq!(flat.field("name").as_deref(), Some("m"));
    assert_eq!(flat.field_int("port"), Some(6379));
    assert_eq!(flat.map_get("missing"), None);
    assert_eq!(Resp::Array(vec![Resp::Integer(1)]).pairs(), None, "odd arrays are not maps");
    assert_eq!(encode_command(&["PING", "a b"]), b"*2\r\n$4\r\nPING\r\n$3\r\na b\r\n".to_vec());
}

// ---------------------------------------------------------------------------------------------
// Ports, waiting, names

#[test]
fn free_port_never_hands_out_the_same_port_twice() {
    // (Bindability is checked inside free_port; asserting it again here would race with other
    // test processes on the machine, which the servers' retry-on-EADDRINUSE handles.)
    let mut seen = HashSet::new();
    for _ in 0..200 {
        let p = free_port();
        assert!(seen.insert(p), "port {p} handed out twice");
        assert!(p >= 1024);
    }
    assert_ne!(unique_name("x"), unique_name("x"));
}

#[test]
#[should_panic(expected = "timed out after 100ms waiting for: the impossible")]
fn wait_until_panics_with_what_it_waited_for() {
    wait_until(Duration::from_millis(100), "the impossible", || false);
}

// ---------------------------------------------------------------------------------------------
// redis-server

#[test]
fn redis_server_replicates_stops_continues_and_restarts_on_the_same_port() {
    let mut master = RedisServer::start();
    let replica = RedisServer::replica_of(&master);
    replica.wait_link_up(T);
    assert_eq!(master.role(), "master");
    assert_eq!(replica.role(), "slave");
    assert_eq!(master.client().cmd(&["SET", "k", "v"]), Resp::Simple("OK".into()));
    wait_until(T, "key replicated", || replica.client().cmd(&["GET", "k"]) == Resp::Bulk(b"v".to_vec()));

    // SIGSTOP: the socket accepts but nothing answers.
    let mut c = master.client();
    c.set_read_timeout(Some(Duration::from_millis(300)));
    master.stop();
    assert!(c.try_cmd(&["PING"]).is_err(), "a stopped server must not answer");
    master.cont();
    let mut c = master.client();
    assert!(c.ping_ok(), "a continued server answers again");

    // SIGKILL: nothing listens any more; restart comes back on the same port.
    let port = master.port();
    master.kill();
    assert!(!master.is_running());
    assert!(Client::try_connect(port).is_err(), "a killed server must refuse connections");
    master.restart();
    assert_eq!(master.port(), port);
    assert!(master.client().ping_ok());

    // Runtime REPLICAOF and promotion.
    replica.promote();
    assert_eq!(replica.role(), "master");
    master.replicaof("127.0.0.1", replica.port());
    assert_eq!(master.role(), "slave");
}

// ---------------------------------------------------------------------------------------------
// redis-sentinel as a single process

#[test]
fn sentinel_proc_runs_redis_sentinel_and_restarts_from_its_rewritten_config() {
    let master = RedisServer::start();
    let name = unique_name("single");
    for port_via in [PortVia::ConfigFile, PortVia::CommandLine] {
        let options = SentinelOptions { port_via, ..Default::default() };
        let mut s = SentinelProc::start_with(Kind::Redis, &monitor_config(&name, &master, 1, 5000), options);
        assert_eq!(s.kind(), Kind::Redis);
        let myid = s.myid();
        assert_eq!(myid.len(), 40);
        assert!(
            s.config_text().contains(&format!("sentinel myid {myid}")),
            "myid persisted:\n{}",
            s.config_text()
        );
        assert_eq!(s.master_addr(&name), Some(("127.0.0.1".to_string(), master.port())));
        assert_eq!(s.master_addr("no-such-master"), None);

        let mut c = s.client();
        c.set_read_timeout(Some(Duration::from_millis(300)));
        s.stop();
        assert!(c.try_cmd(&["PING"]).is_err(), "a stopped sentinel must not answer");
        s.cont();
        assert!(s.client().ping_ok());

        let port = s.port();
        s.restart();
        assert_eq!(s.port(), port);
        assert_eq!(s.myid(), myid, "restart keeps the identity written to the config");
        assert!(s.log_text().contains("+monitor master"), "log captured:\n{}", s.log_text());
        s.kill();
        assert!(!s.is_running());
        assert!(Client::try_connect(port).is_err());
    }
}

#[test]
fn run_to_exit_reports_a_refused_config() {
    let out = SentinelProc::run_to_exit(
        Kind::Redis,
        Some("sentinel monitor m 127.0.0.1 6379 0\n"),
        &["--port", &free_port().to_string()],
        T,
    );
    assert_eq!(out.status.code(), Some(1), "output:\n{}", out.output);
    assert!(out.output.contains("FATAL CONFIG FILE ERROR"), "output:\n{}", out.output);
    assert!(out.output.contains("Quorum must be 1 or greater."), "output:\n{}", out.output);
}

#[test]
fn resp3_hello_nulls_and_pushes_from_redis_sentinel() {
    let master = RedisServer::start();
    let name = unique_name("resp3");
    let s = SentinelProc::start(Kind::Redis, &monitor_config(&name, &master, 1, 5000));

    let mut c = s.client();
    assert_eq!(c.cmd_bytes(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"]), b"*-1\r\n");
    assert_eq!(c.cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"]), Resp::NullArray);
    let hello = c.hello3();
    assert_eq!(hello.keys(), vec!["server", "version", "proto", "id", "mode", "modules"]);
    assert_eq!(hello.field("server").as_deref(), Some("redis"));
    assert_eq!(hello.field("mode").as_deref(), Some("sentinel"));
    assert_eq!(hello.map_get("proto"), Some(&Resp::Integer(3)));
    assert_eq!(c.cmd_raw(&encode_command(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"])), b"_\r\n");
    let master_map = c.cmd(&["SENTINEL", "MASTER", &name]);
    assert!(matches!(master_map, Resp::Map(_)), "RESP3 instance map: {master_map}");
    assert_eq!(master_map.field("name").as_deref(), Some(name.as_str()));
    assert_eq!(master_map.map_get("port"), Some(&Resp::Bulk(master.port().to_string().into_bytes())));

    // A RESP3 subscriber receives events as pushes; SENTINEL SET emits +set.
    let mut sub = Subscriber::subscribe_resp3(s.port(), &["+set"]);
    let reply = s.client().cmd(&["SENTINEL", "SET", &name, "quorum", "1"]);
    assert_eq!(reply, Resp::Simple("OK".into()));
    let m = sub.wait_for_event("+set", |p| p.ends_with("quorum 1"), T);
    assert_eq!(m.payload, format!("master {name} 127.0.0.1 {} quorum 1", master.port()));
}

#[test]
fn sentinel_pair_compares_reply_bytes_and_reports_differences() {
    let master = RedisServer::start();
    let name = unique_name("pair");
    let pair = SentinelPair::start_kinds(Kind::Redis, Kind::Redis, &monitor_config(&name, &master, 1, 5000));
    pair.assert_same_bytes(&["PING"]);
    pair.assert_same_bytes(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "nope"]);
    pair.assert_same_bytes(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &name]);
    pair.assert_same_bytes(&["SENTINEL", "NOSUCH"]);
    let (a, b) = pair.replies(&["ROLE"]);
    assert_eq!(a, b);
    // Ids differ between two sentinels: the comparison must fail, naming both sides.
    let diff = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pair.assert_same_bytes(&["SENTINEL", "MYID"]);
    }));
    let msg = diff.expect_err("different ids must not compare equal");
    let text = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("replies to [\"SENTINEL\", \"MYID\"] differ"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Deployments of real redis-sentinels

#[test]
fn deployment_of_three_redis_sentinels_discovers_replicas_and_peers() {
    let mut d = Deployment::builder()
        .replicas(2)
        .sentinels(2, Kind::Redis)
        .quorum(2)
        .sentinel_debug(&[("info-period", "1000"), ("publish-period", "500")])
        .start();
    // A sentinel added later joins with the same config and DEBUG settings.
    d.add_sentinel(Kind::Redis);
    d.wait_for_discovery(T);
    for i in 0..3 {
        let debug = d.sentinel_client(i).cmd(&["SENTINEL", "DEBUG"]);
        assert_eq!(debug.field_int("INFO-PERIOD"), Some(1000), "SENTINEL DEBUG applied: {debug}");
    }
    for (i, s) in d.sentinels.iter().enumerate() {
        let m = d.master_info(i);
        assert_eq!(m.field_int("num-slaves"), Some(2), "sentinel {i}: {m}");
        assert_eq!(m.field_int("num-other-sentinels"), Some(2), "sentinel {i}: {m}");
        let mut peer_ports: Vec<i64> =
            s.instances("SENTINELS", &d.name).iter().filter_map(|p| p.field_int("port")).collect();
        peer_ports.sort();
        let mut want: Vec<i64> =
            d.sentinels.iter().filter(|o| o.port() != s.port()).map(|o| i64::from(o.port())).collect();
        want.sort();
        assert_eq!(peer_ports, want, "sentinel {i} peers");
    }
}

#[test]
fn sigstop_of_the_master_yields_sdown_and_odown_events() {
    let mut d = Deployment::builder().replicas(1).sentinels(3, Kind::Redis).down_after_ms(1000).start();
    d.wait_for_discovery(T);
    let mut subs: Vec<Subscriber> =
        d.sentinels.iter().map(|s| Subscriber::psubscribe(s.port(), &["*"])).collect();
    d.master.stop();
    let prefix = format!("master {} 127.0.0.1 {}", d.name, d.master.port());
    for sub in &mut subs {
        let sdown = sub.wait_for_event("+sdown", |p| p == prefix, T);
        assert_eq!(sdown.pattern.as_deref(), Some("*"));
    }
    // At least one sentinel reaches ODOWN with the quorum count in the payload.
    let odown_prefix = format!("{prefix} #quorum ");
    wait_until(T, "+odown on some sentinel", || {
        subs.iter_mut().any(|s| {
            s.next_message(Duration::from_millis(50));
            s.seen().iter().any(|m| m.channel == "+odown" && m.payload.starts_with(&odown_prefix))
        })
    });
    d.master.cont();
}

#[test]
fn killing_the_master_of_redis_sentinels_fails_over_to_a_replica() {
    let mut d = Deployment::builder().replicas(2).sentinels(3, Kind::Redis).down_after_ms(1000).start();
    d.wait_for_discovery(T);
    let mut sub = Subscriber::subscribe(d.sentinels[0].port(), &["+switch-master"]);
    let old = d.master.port();
    d.master.kill();
    let new = d.wait_for_new_master(old, Duration::from_secs(60));
    assert!(d.replicas.iter().any(|r| r.port() == new), "new master {new} is one of the replicas");
    assert_eq!(d.server(new).expect("server").role(), "master");
    let m = sub.wait_for_event("+switch-master", |_| true, T);
    assert_eq!(m.payload, format!("{} 127.0.0.1 {old} 127.0.0.1 {new}", d.name));
}
