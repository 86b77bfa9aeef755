//! Property tests, on stable, for the parsers the fuzz targets cover (`fuzz/`): every format
//! that has a writer round-trips through its reader, and every reader takes any input without
//! panicking.
//!
//! - hello: `Hello` printed, then parsed;
//! - RESP: commands encoded by the link side and parsed by the server's request parser;
//!   replies encoded by the server (RESP2) and decoded by the link side;
//! - INFO: a report written as redis-server writes INFO, then parsed;
//! - config: a state rewritten as sentinel.conf (and as TOML), then loaded.
//!
//! (The glob matcher's property, same answers as Redis's recursive search, is a unit test in
//! `core::wire::glob`, next to that oracle.)

use bytes::BytesMut;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use rsentinel::config::model::ServerConfig;
use rsentinel::config::{parse_str, render, KnownReplica, KnownSentinel, MasterConfig, SentinelConfig};
use rsentinel::core::wire::hello_message::Hello;
use rsentinel::core::wire::info_report::{self, InfoReport};
use rsentinel::core::wire::numbers::MAX_EPOCH;
use rsentinel::core::{Reply, Role};
use rsentinel::monitor::link::{encode_command, ReplyDecoder};
use rsentinel::server::argv::Argv;
use rsentinel::server::parse::RequestParser;
use rsentinel::server::Frame;

fn run_id() -> impl Strategy<Value = String> {
    "[0-9a-f]{40}"
}

fn ipv4() -> impl Strategy<Value = String> {
    any::<[u8; 4]>().prop_map(|b| std::net::Ipv4Addr::from(b).to_string())
}

fn ip() -> impl Strategy<Value = String> {
    prop_oneof![ipv4(), any::<[u16; 8]>().prop_map(|w| std::net::Ipv6Addr::from(w).to_string())]
}

fn epoch() -> impl Strategy<Value = u64> {
    prop_oneof![0..100u64, 0..=MAX_EPOCH]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn hello_prints_and_parses_back(
        ip in ip(),
        port in any::<u16>(),
        runid in run_id(),
        current_epoch in epoch(),
        master_name in "[^,]{1,24}",
        master_ip in ip(),
        master_port in any::<u16>(),
        master_config_epoch in epoch(),
    ) {
        let h = Hello { ip, port, runid, current_epoch, master_name, master_ip, master_port, master_config_epoch };
        prop_assert_eq!(Hello::parse(h.to_string().as_bytes()), Ok(h));
    }

    #[test]
    fn hello_parser_takes_any_bytes(payload in vec(any::<u8>(), 0..200)) {
        if let Ok(h) = Hello::parse(&payload) {
            prop_assert!(h.current_epoch <= MAX_EPOCH && h.master_config_epoch <= MAX_EPOCH);
            prop_assert_eq!(Hello::parse(h.to_string().as_bytes()), Ok(h));
        }
    }

    /// A command as the links send it reads back, argument for argument, on the server side,
    /// however the bytes are split into reads.
    #[test]
    fn commands_encode_and_parse_back(
        cmds in vec(vec(vec(any::<u8>(), 0..40), 1..8), 1..6),
        split in any::<prop::sample::Index>(),
    ) {
        let mut wire = BytesMut::new();
        for c in &cmds {
            encode_command(c, &mut wire);
        }
        let cut = split.index(wire.len() + 1);
        let mut parser = RequestParser::new();
        let mut argv = Argv::default();
        let mut buf = BytesMut::from(&wire[..cut]);
        let mut parsed: Vec<Vec<Vec<u8>>> = Vec::new();
        while parser.next(&mut buf, true, &mut argv).expect("valid RESP").is_some() {
            parsed.push(argv.iter().map(<[u8]>::to_vec).collect());
        }
        buf.extend_from_slice(&wire[cut..]);
        while parser.next(&mut buf, true, &mut argv).expect("valid RESP").is_some() {
            parsed.push(argv.iter().map(<[u8]>::to_vec).collect());
        }
        prop_assert_eq!(parsed, cmds);
    }

    /// A reply as the server encodes it (RESP2) decodes on the link side to the same value.
    #[test]
    fn server_replies_decode_back(frame in frame(), split in any::<prop::sample::Index>()) {
        let wire = frame.to_bytes(2);
        let cut = split.index(wire.len() + 1);
        let mut decoder = ReplyDecoder::new();
        let mut buf = BytesMut::from(&wire[..cut]);
        let first = decoder.decode(&mut buf).expect("valid RESP2");
        let reply = match first {
            Some(r) => r,
            None => {
                buf.extend_from_slice(&wire[cut..]);
                decoder.decode(&mut buf).expect("valid RESP2").expect("a whole reply")
            }
        };
        prop_assert_eq!(reply, as_reply(&frame));
        prop_assert!(buf.is_empty() || cut < wire.len());
    }

    #[test]
    fn link_decoder_takes_any_bytes(bytes in vec(any::<u8>(), 0..300)) {
        let mut decoder = ReplyDecoder::new();
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = decoder.decode(&mut buf) {}
    }

    #[test]
    fn request_parser_takes_any_bytes(bytes in vec(any::<u8>(), 0..300), authenticated in any::<bool>()) {
        let mut parser = RequestParser::new();
        let mut argv = Argv::default();
        let mut buf = BytesMut::from(&bytes[..]);
        while let Ok(Some(_)) = parser.next(&mut buf, authenticated, &mut argv) {
            prop_assert!(!argv.is_empty());
        }
    }

    /// INFO written the way redis-server writes it parses back to the fields Sentinel reads.
    #[test]
    fn info_written_like_redis_parses_back(report in info_report_strategy(), old_format in any::<bool>()) {
        let text = write_info(&report, old_format);
        prop_assert_eq!(info_report::parse(&text), report);
    }

    #[test]
    fn info_parser_takes_any_text(text in ".{0,300}", lines in vec("(run_id|slave0|master_port|role):.{0,60}", 0..6)) {
        let _ = info_report::parse(&text);
        let report = info_report::parse(&lines.join("\r\n"));
        if let Some(id) = report.run_id {
            prop_assert!(id.len() >= 40);
        }
    }

    /// The state as the core hands it to the writer: rewritten into a sentinel.conf (holding
    /// arbitrary old content) and into TOML, each loads back to the same state.
    #[test]
    fn config_rewrite_loads_back(sentinel in sentinel_config(), old in old_conf_text()) {
        let server = ServerConfig {
            dir: Some(std::env::current_dir().expect("cwd").display().to_string()),
            ..ServerConfig::default()
        };
        let text = render("sentinel.conf", &old, &server, &sentinel).expect("render .conf");
        match parse_str(&text, "sentinel.conf") {
            Ok(loaded) => prop_assert_eq!(loaded, (server.clone(), sentinel.clone()), "{}", text),
            Err(e) => prop_assert!(false, "{}\n{}", e, text),
        }
        let toml = render("sentinel.toml", "", &server, &sentinel).expect("render .toml");
        match parse_str(&toml, "sentinel.toml") {
            Ok(loaded) => prop_assert_eq!(loaded, (server, sentinel), "{}", toml),
            Err(e) => prop_assert!(false, "{}\n{}", e, toml),
        }
    }

    #[test]
    fn config_loaders_take_any_text(lines in vec(config_line(), 0..8)) {
        let text = lines.join("\n");
        if !text.to_ascii_lowercase().contains("include") {
            let _ = parse_str(&text, "sentinel.conf");
            let _ = parse_str(&text, "sentinel.toml");
        }
    }
}

/// Frames a server sends, as RESP2 carries them (no doubles: their text form is what is
/// compared, and Redis prints them with `%.17g`).
fn frame() -> impl Strategy<Value = Frame> {
    let leaf = prop_oneof![
        "[^\r\n]{0,20}".prop_map(Frame::Simple),
        "[^\r\n]{1,20}".prop_map(Frame::Error),
        any::<i64>().prop_map(Frame::Integer),
        vec(any::<u8>(), 0..40).prop_map(Frame::Bulk),
        Just(Frame::NullBulk),
        Just(Frame::NullArray),
        any::<bool>().prop_map(Frame::Boolean),
        "[^\r\n]{0,20}".prop_map(Frame::Verbatim),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Frame::Array),
            vec((inner.clone(), inner.clone()), 0..4).prop_map(Frame::Map),
            vec(inner.clone(), 0..6).prop_map(Frame::Set),
            vec(inner, 0..4).prop_map(Frame::Push),
        ]
    })
}

/// What the link side should read for a frame sent in RESP2.
fn as_reply(f: &Frame) -> Reply {
    match f {
        Frame::Simple(s) => Reply::Status(s.clone()),
        Frame::Error(s) => Reply::Error(s.clone()),
        Frame::Integer(n) => Reply::Integer(*n),
        Frame::Bulk(b) => Reply::Bulk(b.clone()),
        Frame::NullBulk | Frame::NullArray => Reply::Null,
        Frame::Array(items) | Frame::Set(items) | Frame::Push(items) => {
            Reply::Array(items.iter().map(as_reply).collect())
        }
        Frame::Map(pairs) => {
            Reply::Array(pairs.iter().flat_map(|(k, v)| [as_reply(k), as_reply(v)]).collect())
        }
        Frame::Verbatim(s) => Reply::Bulk(s.clone().into_bytes()),
        Frame::Double(d) => Reply::Bulk(d.to_string().into_bytes()),
        Frame::Boolean(b) => Reply::Integer(i64::from(*b)),
    }
}

prop_compose! {
    fn info_report_strategy()(
        run_id in option::of(run_id()),
        slave in any::<bool>(),
        replicas in vec((ipv4(), 1..u16::MAX), 0..4),
        master_host in option::of(ipv4()),
        master_port in option::of(any::<u16>()),
        master_link_up in option::of(any::<bool>()),
        link_down_s in option::of(-1..100_000i64),
        slave_priority in option::of(0..1000i64),
        slave_repl_offset in option::of(any::<u64>()),
        replica_announced in option::of(any::<bool>()),
        master_failover_state in option::of(
            prop_oneof![Just("no-failover"), Just("waiting-for-sync"), Just("failover-in-progress")]
                .prop_map(String::from)
        ),
    ) -> InfoReport {
        if slave {
            InfoReport {
                run_id,
                role: Some(Role::Slave),
                replicas: Vec::new(),
                master_link_down_ms: link_down_s.map(|s| s * 1000),
                master_host,
                master_port,
                master_link_up,
                slave_priority,
                slave_repl_offset,
                replica_announced,
                master_failover_state,
            }
        } else {
            InfoReport { run_id, role: Some(Role::Master), replicas, master_failover_state, ..InfoReport::default() }
        }
    }
}

/// INFO text as redis-server 7.0 lays it out (sections, CRLF, `slaveN:` lines in the new or
/// the old format).
fn write_info(r: &InfoReport, old_format: bool) -> String {
    let mut t = String::from("# Server\r\nredis_version:7.0.15\r\n");
    if let Some(id) = &r.run_id {
        t.push_str(&format!("run_id:{id}\r\n"));
    }
    t.push_str("tcp_port:6379\r\n\r\n# Replication\r\n");
    match r.role {
        Some(Role::Master) => {
            t.push_str(&format!("role:master\r\nconnected_slaves:{}\r\n", r.replicas.len()));
            for (i, (ip, port)) in r.replicas.iter().enumerate() {
                if old_format {
                    t.push_str(&format!("slave{i}:{ip},{port},online\r\n"));
                } else {
                    t.push_str(&format!("slave{i}:ip={ip},port={port},state=online,offset=10,lag=0\r\n"));
                }
            }
        }
        _ => {
            t.push_str("role:slave\r\n");
            let fields: [(&str, Option<String>); 7] = [
                ("master_host", r.master_host.clone()),
                ("master_port", r.master_port.map(|p| p.to_string())),
                ("master_link_status", r.master_link_up.map(|up| if up { "up" } else { "down" }.to_string())),
                ("master_link_down_since_seconds", r.master_link_down_ms.map(|ms| (ms / 1000).to_string())),
                ("slave_priority", r.slave_priority.map(|p| p.to_string())),
                ("slave_repl_offset", r.slave_repl_offset.map(|o| o.to_string())),
                ("replica_announced", r.replica_announced.map(|a| u8::from(a).to_string())),
            ];
            for (name, value) in fields {
                if let Some(v) = value {
                    t.push_str(&format!("{name}:{v}\r\n"));
                }
            }
        }
    }
    if let Some(state) = &r.master_failover_state {
        t.push_str(&format!("master_failover_state:{state}\r\n"));
    }
    t.push_str("master_repl_offset:0\r\n");
    t
}

/// Text a user may have around the sentinel lines: comments, generic directives, blank lines.
fn old_conf_text() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            "# [ -~]{0,30}".boxed(),
            Just(String::new()).boxed(),
            Just("port 26379".to_string()).boxed(),
            Just("loglevel notice".to_string()).boxed(),
            Just("sentinel monitor old 10.0.0.1 6379 2".to_string()).boxed(),
        ],
        0..5,
    )
    .prop_map(|lines| lines.join("\n"))
}

/// A password, user name or master name: printable, with spaces, quotes and backslashes that
/// the writer must quote.
fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _'\"\\\\!#$%-]{1,12}"
}

fn master_config(index: usize) -> impl Strategy<Value = MasterConfig> {
    (
        (ipv4(), 1..u16::MAX, 1..8u32, 1..10_000_000u64, 1..10_000_000u64, -3..10i64),
        (option::of(word()), option::of(word()), 0..1_000_000u64, epoch(), epoch()),
        vec((ipv4(), 1..u16::MAX), 0..3),
        vec((ipv4(), 1..u16::MAX, run_id()), 0..3),
        "[a-z0-9_.-]{1,10}",
    )
        .prop_map(
            move |(
                (host, port, quorum, down_after_ms, failover_timeout_ms, parallel_syncs),
                (auth_pass, auth_user, reboot, config_epoch, leader_epoch),
                replicas,
                sentinels,
                name,
            )| {
                let mut known_replicas: Vec<KnownReplica> = Vec::new();
                for (h, p) in replicas {
                    if !known_replicas.iter().any(|r| r.host == h && r.port == p) {
                        known_replicas.push(KnownReplica { host: h, port: p });
                    }
                }
                let mut known_sentinels: Vec<KnownSentinel> = Vec::new();
                for (h, p, id) in sentinels {
                    if !known_sentinels.iter().any(|s| s.runid == id) {
                        known_sentinels.push(KnownSentinel { host: h, port: p, runid: id });
                    }
                }
                MasterConfig {
                    name: format!("{name}-{index}"),
                    host,
                    port,
                    quorum,
                    down_after_ms,
                    failover_timeout_ms,
                    parallel_syncs,
                    auth_pass,
                    auth_user,
                    master_reboot_down_after_period_ms: reboot,
                    config_epoch,
                    leader_epoch,
                    known_replicas,
                    known_sentinels,
                    ..MasterConfig::default()
                }
            },
        )
}

prop_compose! {
    fn sentinel_config()(
        myid in run_id(),
        epoch in epoch(),
        deny_scripts_reconfig in any::<bool>(),
        announce_ip in option::of(ipv4()),
        announce_port in any::<u16>(),
        sentinel_user in option::of(word()),
        sentinel_pass in option::of(word()),
        masters in (0..3usize).prop_flat_map(|n| (0..n).map(master_config).collect::<Vec<_>>()),
    ) -> SentinelConfig {
        // Loading raises the current epoch to every config epoch (sentinelHandleConfiguration).
        let current_epoch = masters.iter().map(|m| m.config_epoch).fold(epoch, u64::max);
        SentinelConfig {
            myid: Some(myid),
            current_epoch,
            deny_scripts_reconfig,
            resolve_hostnames: false,
            announce_hostnames: false,
            announce_ip,
            announce_port,
            sentinel_user,
            sentinel_pass,
            masters,
        }
    }
}

/// Lines a sentinel.conf may hold, valid or not.
fn config_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        "sentinel (monitor|down-after-milliseconds|config-epoch|known-sentinel|known-replica|myid) [ -~]{0,40}",
        "(port|bind|dir|requirepass|user|rename-command) [ -~]{0,30}",
        "\\[(server|sentinel)\\]|\\[\\[sentinel\\.masters\\]\\]|[a-z_]{1,12} = [ -~]{0,20}",
    ]
}
