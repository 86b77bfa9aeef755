//! Reply-shape tests: SENTINEL subcommands run through the real dispatcher (command table,
//! arity, handler) on a handle, or the instance map written at a fixed `now`, and compared with
//! the bytes Redis 7.0 sends in RESP2 and RESP3. Paths that rewrite the config are covered by
//! the core tests (`crate::core::commands`) and by `tests/sentinel_compare.rs`.

use std::sync::{Arc, Mutex};

use bytes::BytesMut;

use super::instance_map::{flags_string, write_instance};
use super::*;
use crate::config::model::ServerConfig;
use crate::config::{MasterConfig, SentinelConfig};
use crate::core::scripts::{ScriptJob, ScriptState};
use crate::core::{
    flags, Failover, FailoverKind, FailoverState, Instance, Kind, Master, Millis, Role, Settings,
};
use crate::handle::{CoreMsg, ProcessInfo};
use crate::server::argv::Argv;
use crate::server::cmd;
use crate::server::cmd::spec::Run;
use crate::server::cmd::table::COMMANDS;
use crate::server::pubsub::Broker;
use crate::server::reply::RespWriter;
use crate::server::{Frame, Server};

const NOW: Millis = 5_000_000;
/// How long the test handle's clock has been running when it is built.
const UPTIME: Millis = 60_000;
const MYID: &str = "0123456789abcdef0123456789abcdef01234567";
const PEER: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn config(masters: &[(&str, u16)]) -> SentinelConfig {
    SentinelConfig {
        myid: Some(MYID.into()),
        masters: masters
            .iter()
            .map(|(n, p)| MasterConfig {
                name: n.to_string(),
                host: "127.0.0.1".into(),
                port: *p,
                quorum: 2,
                ..MasterConfig::default()
            })
            .collect(),
        ..SentinelConfig::default()
    }
}

fn core(masters: &[(&str, u16)]) -> Sentinel {
    let mut c = Sentinel::new(&config(masters), Settings::default(), NOW, 3).expect("valid config");
    c.drain_actions();
    c
}

/// A server on a handle served by a stand-in core task that owns the core behind a test-only
/// mutex, so a test can edit state between commands ([`TestSentinel::edit`] republishes the
/// read model). Config rewrites always fail here (there is no config file), as with a broken
/// disk.
struct TestSentinel {
    rt: tokio::runtime::Runtime,
    srv: Server,
    core: Arc<Mutex<Sentinel>>,
}

impl std::ops::Deref for TestSentinel {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        &self.srv.h
    }
}

/// Edits the test core; the read model is republished when the edit ends.
struct CoreEdit<'a> {
    guard: std::sync::MutexGuard<'a, Sentinel>,
    h: &'a Handle,
}

impl std::ops::Deref for CoreEdit<'_> {
    type Target = Sentinel;
    fn deref(&self) -> &Sentinel {
        &self.guard
    }
}

impl std::ops::DerefMut for CoreEdit<'_> {
    fn deref_mut(&mut self) -> &mut Sentinel {
        &mut self.guard
    }
}

impl Drop for CoreEdit<'_> {
    fn drop(&mut self) {
        self.h.publish_read_model(self.guard.clone());
    }
}

impl TestSentinel {
    fn edit(&self) -> CoreEdit<'_> {
        CoreEdit { guard: self.core.lock().expect("core"), h: &self.srv.h }
    }
}

fn handle(masters: &[(&str, u16)]) -> TestSentinel {
    handle_with(masters, Durability::WriteFailed)
}

/// Like [`handle`], but every config rewrite reports `durability` (e.g. saved).
fn handle_with(masters: &[(&str, u16)], durability: Durability) -> TestSentinel {
    let process = ProcessInfo {
        run_id: "0".repeat(40),
        executable: "rsentinel".into(),
        config_file: "/nonexistent/rsentinel.conf".into(),
        tcp_port: 26379,
    };
    // The handle's clock has been running for a minute, so that tests can show times seconds
    // old; the core is as loaded then.
    let ago = std::time::Duration::from_millis(UPTIME);
    let start = std::time::Instant::now().checked_sub(ago).expect("the host is up for a minute");
    let core = Sentinel::new(&config(masters), Settings::default(), UPTIME, 3).expect("valid config");
    let (h, mut inputs) = Handle::with_clock_start(&core, ServerConfig::default(), process, start);
    let core = Arc::new(Mutex::new(core));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (h3, c3) = (h.clone(), core.clone());
    rt.spawn(async move {
        // Readers that want a fresh read model get one, as from the real core task.
        loop {
            h3.0.fresh_wanted.notified().await;
            let snapshot = c3.lock().expect("core").clone();
            h3.publish_read_model(snapshot);
        }
    });
    let (h2, c2) = (h.clone(), core.clone());
    rt.spawn(async move {
        while let Some(msg) = inputs.recv().await {
            let mut c = c2.lock().expect("core");
            let mut reply = match msg {
                CoreMsg::Input(i) => {
                    c.handle(i, h2.now());
                    None
                }
                CoreMsg::Command { req, cmd, reply } => {
                    c.handle(crate::core::input::Input::Command { req, cmd }, h2.now());
                    Some(reply)
                }
            };
            for a in c.drain_actions() {
                if let (crate::core::Action::Reply { outcome, flushed, .. }, Some(_)) = (&a, &reply) {
                    let durability = if *flushed { durability } else { Durability::NotNeeded };
                    let r = CommandReply { outcome: outcome.clone(), durability };
                    let _ = reply.take().map(|tx| tx.send(r));
                }
            }
            h2.publish_read_model(c.clone());
        }
    });
    let srv = Server::new(h, Arc::new(Broker::default())).expect("server");
    TestSentinel { rt, srv, core }
}

/// A reply: its RESP2 and RESP3 bytes (a command that changes state runs once, in RESP2 only),
/// and the reply read back as a frame (from RESP3 when there, so maps are maps).
struct Out {
    r2: Option<String>,
    r3: Option<String>,
    frame: Frame,
}

impl std::ops::Deref for Out {
    type Target = Frame;
    fn deref(&self) -> &Frame {
        &self.frame
    }
}

impl PartialEq for Out {
    fn eq(&self, other: &Out) -> bool {
        (&self.r2, &self.r3) == (&other.r2, &other.r3)
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} / {:?}", self.r2, self.r3)
    }
}

/// Run a request through the real dispatcher for a fresh client speaking `proto`.
fn exec(t: &TestSentinel, args: &[&[u8]], proto: u8) -> String {
    String::from_utf8(t.rt.block_on(cmd::execute_once(&t.srv, args, proto))).expect("text reply")
}

fn run_args(t: &TestSentinel, args: &[&[u8]]) -> Out {
    let argv = Argv::from_args(args);
    let changes_state = matches!(t.srv.table.lookup(&argv),
        cmd::spec::Lookup::Found(s) if matches!(s.run, Run::Wait(_)) && s.arity_ok(argv.len()));
    if !changes_state {
        let (r2, r3) = (exec(t, args, 2), exec(t, args, 3));
        let frame = decode(&r3);
        Out { r2: Some(r2), r3: Some(r3), frame }
    } else {
        let r2 = exec(t, args, 2);
        Out { frame: decode(&r2), r2: Some(r2), r3: None }
    }
}

/// Run a space-separated command line (`''` is an empty argument).
fn run(t: &TestSentinel, line: &str) -> Out {
    let args: Vec<&[u8]> = line.split(' ').map(|a| if a == "''" { &b""[..] } else { a.as_bytes() }).collect();
    run_args(t, &args)
}

/// A command that changes state, run once for a RESP3 client.
fn run3(t: &TestSentinel, line: &str) -> Out {
    let args: Vec<&[u8]> = line.split(' ').collect::<Vec<_>>().iter().map(|a| a.as_bytes()).collect();
    let r3 = exec(t, &args, 3);
    Out { frame: decode(&r3), r2: None, r3: Some(r3) }
}

/// The instance map of `inst` at `now`.
fn instance_map(c: &Sentinel, m: &Master, inst: &Instance, now: Millis) -> Out {
    let enc = |proto| {
        let mut buf = BytesMut::new();
        write_instance(&mut RespWriter::new(&mut buf, proto, &mut 0), c, m, inst, now);
        String::from_utf8(buf.to_vec()).expect("text")
    };
    let (r2, r3) = (enc(2), enc(3));
    Out { frame: decode(&r3), r2: Some(r2), r3: Some(r3) }
}

/// The INFO `# Sentinel` section body.
fn info_section(t: &TestSentinel) -> String {
    let mut s = String::new();
    super::info_section(t, &mut s);
    s
}

/// Replies as RESP text, for the tests' expected strings.
trait Encoded {
    fn resp2(&self) -> String;
    fn resp3(&self) -> String;
}

impl Encoded for Out {
    fn resp2(&self) -> String {
        self.r2.clone().expect("run in RESP2")
    }
    fn resp3(&self) -> String {
        self.r3.clone().expect("run in RESP3")
    }
}

impl Encoded for Frame {
    fn resp2(&self) -> String {
        String::from_utf8(self.to_bytes(2)).expect("text")
    }
    fn resp3(&self) -> String {
        String::from_utf8(self.to_bytes(3)).expect("text")
    }
}

fn resp2(r: &impl Encoded) -> String {
    r.resp2()
}

fn resp3(r: &impl Encoded) -> String {
    r.resp3()
}

/// Read a reply back into a frame (`_` reads as a null bulk string).
fn decode(text: &str) -> Frame {
    fn line<'a>(s: &mut &'a str) -> &'a str {
        let end = s.find("\r\n").expect("CRLF");
        let l = &s[..end];
        *s = &s[end + 2..];
        l
    }
    fn one(s: &mut &str) -> Frame {
        let l = line(s);
        let (kind, rest) = l.split_at(1);
        let n = || rest.parse::<i64>().expect("length");
        let items = |s: &mut &str, count: i64| (0..count).map(|_| one(s)).collect::<Vec<_>>();
        match kind {
            "+" => Frame::Simple(rest.into()),
            "-" => Frame::Error(rest.into()),
            ":" => Frame::Integer(n()),
            "_" => Frame::NullBulk,
            "$" if n() < 0 => Frame::NullBulk,
            "$" => {
                let len = n() as usize;
                let b = s.as_bytes()[..len].to_vec();
                *s = &s[len + 2..];
                Frame::Bulk(b)
            }
            "*" if n() < 0 => Frame::NullArray,
            "*" => Frame::Array(items(s, n())),
            "~" => Frame::Set(items(s, n())),
            ">" => Frame::Push(items(s, n())),
            "%" => {
                let flat = items(s, 2 * n());
                Frame::Map(flat.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect())
            }
            other => panic!("unexpected reply type {}", other),
        }
    }
    let mut s = text;
    let f = one(&mut s);
    assert!(s.is_empty(), "trailing bytes: {:?}", s);
    f
}

/// The RESP2 / RESP3 encodings of a flat map of bulk strings, written out independently of
/// the encoder so the tests check the bytes, not the encoder against itself.
fn bulk(s: &str) -> String {
    format!("${}\r\n{}\r\n", s.len(), s)
}

fn map2(pairs: &[(&str, &str)]) -> String {
    let mut out = format!("*{}\r\n", pairs.len() * 2);
    pairs.iter().for_each(|(k, v)| out.push_str(&(bulk(k) + &bulk(v))));
    out
}

fn map3(pairs: &[(&str, &str)]) -> String {
    let mut out = format!("%{}\r\n", pairs.len());
    pairs.iter().for_each(|(k, v)| out.push_str(&(bulk(k) + &bulk(v))));
    out
}

/// The field names of an instance map, in order.
fn field_names(f: &Frame) -> Vec<String> {
    match f {
        Frame::Map(pairs) => pairs
            .iter()
            .map(|(k, _)| match k {
                Frame::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("map key {:?}", other),
            })
            .collect(),
        other => panic!("not a map: {:?}", other),
    }
}

fn field<'a>(f: &'a Frame, name: &str) -> Option<&'a Frame> {
    match f {
        Frame::Map(pairs) => pairs.iter().find(|(k, _)| *k == Frame::bulk(name)).map(|(_, v)| v),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Subcommand table

#[test]
fn arity_errors_and_unknown_subcommands_come_first() {
    let h = handle(&[("mymaster", 6379)]);
    assert_eq!(
        resp2(&run_args(&h, &[b"SENTINEL"])),
        "-ERR wrong number of arguments for 'sentinel' command\r\n"
    );
    assert_eq!(resp2(&run(&h, "sentinel foo")), "-ERR unknown subcommand 'foo'. Try SENTINEL HELP.\r\n");
    assert_eq!(resp3(&run(&h, "Sentinel Foo x")), "-ERR unknown subcommand 'Foo'. Try SENTINEL HELP.\r\n");
    let long = "x".repeat(300);
    assert_eq!(
        resp2(&run(&h, &format!("sentinel {}", long))),
        format!("-ERR unknown subcommand '{}'. Try SENTINEL HELP.\r\n", "x".repeat(128))
    );
    assert_eq!(
        resp2(&run(&h, "sentinel Masters x")),
        "-ERR wrong number of arguments for 'sentinel|masters' command\r\n"
    );
    // Every subcommand, one argument past its exact arity or short of its minimum, fails the
    // table check even when the master does not exist (DEBUG's minimum is the bare subcommand).
    let sentinel = COMMANDS.iter().find(|c| c.name == "sentinel").expect("sentinel");
    assert_eq!(sentinel.listed_subcommands().count(), 21, "Redis 7.0's; Valkey's names are not listed");
    assert_eq!(sentinel.subcommands.len(), 25);
    for sub in sentinel.subcommands.iter().filter(|s| s.name != "sentinel|debug") {
        let (name, arity) = (sub.sub_name(), sub.arity);
        let argc = if arity > 0 { arity as usize + 1 } else { (-arity) as usize - 1 };
        let upper = name.to_ascii_uppercase();
        let mut args: Vec<&[u8]> = vec![b"SENTINEL", upper.as_bytes()];
        args.resize(argc, b"nope");
        let expected = format!("-ERR wrong number of arguments for 'sentinel|{}' command\r\n", name);
        assert_eq!(resp2(&run_args(&h, &args)), expected, "argc {} for {}", argc, name);
    }
}

#[test]
fn help_is_redis_text_as_status_lines() {
    let h = handle(&[]);
    let f = run(&h, "sentinel HELP");
    let Frame::Array(lines) = &f.frame else { panic!("array expected") };
    assert_eq!(lines.len(), 49);
    let bytes = resp2(&f);
    assert!(bytes.starts_with(
        "*49\r\n+SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n\
         +CKQUORUM <master-name>\r\n\
         +    Check if the current Sentinel configuration is able to reach the quorum\r\n"
    ));
    assert!(bytes.ends_with(
        "+SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]\r\n\
         +    Simulate a Sentinel crash.\r\n+HELP\r\n+    Prints this help.\r\n"
    ));
    assert_eq!(resp3(&f), bytes, "status lines are the same in RESP3");
}

// ---------------------------------------------------------------------------------------------
// Instance maps

#[test]
fn master_map_has_redis_fields_in_order_with_bulk_numbers() {
    let mut c = core(&[("mymaster", 6379)]);
    let id = c.master_id("mymaster").expect("exists");
    let link = c.masters[&id].inst.link;
    {
        let l = c.links.get_mut(&link).expect("link");
        l.pending_commands = 2;
        l.act_ping_time = None;
        l.last_avail_time = NOW + 1000;
        l.last_pong_time = NOW + 1400;
    }
    let now = NOW + 1500;
    let m = &c.masters[&id];
    let f = instance_map(&c, m, &m.inst, now);
    let pairs = [
        ("name", "mymaster"),
        ("ip", "127.0.0.1"),
        ("port", "6379"),
        ("runid", ""),
        ("flags", "master,disconnected"),
        ("link-pending-commands", "2"),
        ("link-refcount", "1"),
        ("last-ping-sent", "0"),
        ("last-ok-ping-reply", "500"),
        ("last-ping-reply", "100"),
        ("down-after-milliseconds", "30000"),
        ("info-refresh", "0"),
        ("role-reported", "master"),
        ("role-reported-time", "1500"),
        ("config-epoch", "0"),
        ("num-slaves", "0"),
        ("num-other-sentinels", "0"),
        ("quorum", "2"),
        ("failover-timeout", "180000"),
        ("parallel-syncs", "1"),
    ];
    assert_eq!(resp2(&f), map2(&pairs));
    assert_eq!(resp3(&f), map3(&pairs));
}

#[test]
fn master_map_conditional_fields() {
    let mut c = core(&[("mymaster", 6379)]);
    let id = c.master_id("mymaster").expect("exists");
    c.create_replica(id, "127.0.0.1", 7000, NOW).expect("replica");
    c.create_sentinel(id, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
    let m = c.masters.get_mut(&id).expect("exists");
    m.inst.flags |= flags::S_DOWN | flags::O_DOWN;
    m.inst.s_down_since_time = Some(NOW + 10);
    m.inst.o_down_since_time = Some(NOW + 20);
    m.inst.info_refresh = Some(NOW + 30);
    m.inst.runid = Some("r".repeat(40));
    let mut failover = Failover::new(1, FailoverKind::Forced, NOW);
    failover.enter(FailoverState::SelectSlave, NOW);
    m.failover = Some(failover);
    m.notification_script = Some("/n.sh".into());
    m.client_reconfig_script = Some("/c.sh".into());
    m.config_epoch = 7;
    let now = NOW + 100;
    let m = &c.masters[&id];
    let f = instance_map(&c, m, &m.inst, now);
    assert_eq!(
        field_names(&f),
        [
            "name",
            "ip",
            "port",
            "runid",
            "flags",
            "link-pending-commands",
            "link-refcount",
            "failover-state",
            "last-ping-sent",
            "last-ok-ping-reply",
            "last-ping-reply",
            "s-down-time",
            "o-down-time",
            "down-after-milliseconds",
            "info-refresh",
            "role-reported",
            "role-reported-time",
            "config-epoch",
            "num-slaves",
            "num-other-sentinels",
            "quorum",
            "failover-timeout",
            "parallel-syncs",
            "notification-script",
            "client-reconfig-script",
        ]
    );
    let v = |n: &str| field(&f, n).cloned();
    assert_eq!(
        v("flags"),
        Some(Frame::bulk("s_down,o_down,master,disconnected,failover_in_progress,force_failover"))
    );
    assert_eq!(v("failover-state"), Some(Frame::bulk("select_slave")));
    assert_eq!(v("last-ping-sent"), Some(Frame::bulk("100")), "act_ping_time starts at creation");
    assert_eq!(v("s-down-time"), Some(Frame::bulk("90")));
    assert_eq!(v("o-down-time"), Some(Frame::bulk("80")));
    assert_eq!(v("info-refresh"), Some(Frame::bulk("70")));
    assert_eq!(v("config-epoch"), Some(Frame::bulk("7")));
    assert_eq!(v("num-slaves"), Some(Frame::bulk("1")));
    assert_eq!(v("num-other-sentinels"), Some(Frame::bulk("1")));
    assert_eq!(v("client-reconfig-script"), Some(Frame::bulk("/c.sh")));
}

#[test]
fn replica_and_sentinel_maps() {
    let mut c = core(&[("mymaster", 6379)]);
    let id = c.master_id("mymaster").expect("exists");
    let key = c.create_replica(id, "127.0.0.1", 7000, NOW).expect("replica");
    c.create_sentinel(id, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
    let m = c.masters.get_mut(&id).expect("exists");
    let r = m.replicas.get_mut(&key).expect("replica");
    r.master_link_down_time = -1000;
    r.slave_repl_offset = 12345;
    r.slave_priority = 0;
    let s = m.sentinels.get_mut(PEER).expect("sentinel");
    s.leader_epoch = 3;
    s.last_hello_time = NOW + 50;
    let now = NOW + 200;
    let m = &c.masters[&id];
    let replica = instance_map(&c, m, &m.replicas[&key], now);
    let link = &c.links[&m.replicas[&key].link];
    assert_eq!(link.refcount, 1);
    assert_eq!(
        resp2(&replica),
        map2(&[
            ("name", "127.0.0.1:7000"),
            ("ip", "127.0.0.1"),
            ("port", "7000"),
            ("runid", ""),
            ("flags", "slave,disconnected"),
            ("link-pending-commands", "0"),
            ("link-refcount", "1"),
            ("last-ping-sent", "200"),
            ("last-ok-ping-reply", "200"),
            ("last-ping-reply", "200"),
            ("down-after-milliseconds", "30000"),
            ("info-refresh", "0"),
            ("role-reported", "slave"),
            ("role-reported-time", "200"),
            ("master-link-down-time", "-1000"),
            ("master-link-status", "err"),
            ("master-host", "?"),
            ("master-port", "0"),
            ("slave-priority", "0"),
            ("slave-repl-offset", "12345"),
            ("replica-announced", "1"),
        ])
    );
    let sentinel = instance_map(&c, m, &m.sentinels[PEER], now);
    assert_eq!(
        resp3(&sentinel),
        map3(&[
            ("name", PEER),
            ("ip", "127.0.0.1"),
            ("port", "26380"),
            ("runid", PEER),
            ("flags", "sentinel,disconnected"),
            ("link-pending-commands", "0"),
            ("link-refcount", "1"),
            ("last-ping-sent", "200"),
            ("last-ok-ping-reply", "200"),
            ("last-ping-reply", "200"),
            ("down-after-milliseconds", "30000"),
            ("last-hello-message", "150"),
            ("voted-leader", "?"),
            ("voted-leader-epoch", "3"),
        ])
    );
}

#[test]
fn flags_follow_redis_order_and_disconnected_comes_from_the_link() {
    let mut c = core(&[("m", 6379)]);
    let id = c.master_id("m").expect("exists");
    let key = c.create_replica(id, "127.0.0.1", 7000, NOW).expect("replica");
    let r = c.masters.get_mut(&id).expect("m").replicas.get_mut(&key).expect("r");
    r.flags = u32::MAX;
    assert_eq!(
        flags_string(r, true),
        "s_down,o_down,slave,disconnected,master_down,failover_in_progress,promoted,reconf_sent,\
         reconf_inprog,reconf_done,force_failover,script_kill_sent,coordinated_failover"
    );
    r.flags = flags::PROMOTED;
    assert_eq!(flags_string(r, false), "slave,promoted");
    assert_eq!(r.kind, Kind::Replica);
}

// ---------------------------------------------------------------------------------------------
// Subcommands on a handle

#[test]
fn masters_master_and_role_list_masters_in_creation_order() {
    let h = handle(&[("b", 6380), ("a", 6379)]);
    let Frame::Array(ms) = run(&h, "sentinel masters").frame else { panic!("array") };
    let names: Vec<_> = ms.iter().map(|m| field(m, "name").cloned()).collect();
    assert_eq!(names, vec![Some(Frame::bulk("b")), Some(Frame::bulk("a"))]);
    assert_eq!(resp2(&run(&h, "role")), "*2\r\n$8\r\nsentinel\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n");
    assert_eq!(field(&run(&h, "sentinel master a"), "port"), Some(&Frame::bulk("6379")));
    assert_eq!(resp2(&run(&h, "sentinel master A")), "-ERR No such master with that name\r\n");
    assert_eq!(resp2(&run(&handle(&[]), "sentinel masters")), "*0\r\n");
    assert_eq!(resp2(&run(&handle(&[]), "role")), "*2\r\n$8\r\nsentinel\r\n*0\r\n");
    assert_eq!(resp2(&run(&h, "sentinel myid")), format!("$40\r\n{}\r\n", MYID));
}

#[test]
fn replicas_skip_unannounced_ones_and_sentinels_list_peers() {
    let h = handle(&[("mymaster", 6379)]);
    {
        let mut c = h.edit();
        let id = c.master_id("mymaster").expect("exists");
        let hidden = c.create_replica(id, "127.0.0.1", 7001, NOW).expect("replica");
        c.create_replica(id, "127.0.0.1", 7002, NOW).expect("replica");
        c.create_sentinel(id, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
        c.masters.get_mut(&id).expect("m").replicas.get_mut(&hidden).expect("r").replica_announced = false;
    }
    let Frame::Array(rs) = run(&h, "sentinel replicas mymaster").frame else { panic!("array") };
    assert_eq!(rs.len(), 1);
    assert_eq!(field(&rs[0], "name"), Some(&Frame::bulk("127.0.0.1:7002")));
    assert_eq!(run(&h, "sentinel SLAVES mymaster").frame, Frame::Array(rs));
    assert_eq!(field(&run(&h, "sentinel master mymaster"), "num-slaves"), Some(&Frame::bulk("2")));
    let Frame::Array(ss) = run(&h, "sentinel sentinels mymaster").frame else { panic!("array") };
    assert_eq!(ss.len(), 1);
    assert_eq!(field(&ss[0], "runid"), Some(&Frame::bulk(PEER)));
    assert_eq!(resp2(&run(&h, "sentinel sentinels nope")), "-ERR No such master with that name\r\n");
    assert_eq!(resp2(&run(&h, "sentinel replicas nope")), "-ERR No such master with that name\r\n");
}

#[test]
fn get_master_addr_by_name_follows_the_promotion_and_is_null_when_unknown() {
    let h = handle(&[("mymaster", 6379)]);
    let f = run(&h, "sentinel get-master-addr-by-name mymaster");
    assert_eq!(resp2(&f), "*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6379\r\n");
    let unknown = run(&h, "sentinel get-master-addr-by-name MYMASTER");
    assert_eq!(resp2(&unknown), "*-1\r\n");
    assert_eq!(resp3(&unknown), "_\r\n");
    {
        let mut c = h.edit();
        let id = c.master_id("mymaster").expect("exists");
        let key = c.create_replica(id, "127.0.0.2", 7000, NOW).expect("replica");
        let m = c.masters.get_mut(&id).expect("m");
        let mut failover = Failover::new(1, FailoverKind::Elected, NOW);
        failover.enter(FailoverState::WaitPromotion { promoted: key.clone(), pause_until: None }, NOW);
        m.failover = Some(failover);
    }
    assert_eq!(run(&h, "sentinel get-master-addr-by-name mymaster"), f, "not before RECONF_SLAVES");
    h.edit().masters.values_mut().for_each(|m| {
        let f = m.failover.as_mut().expect("running");
        let promoted = f.state.promoted().cloned().expect("selected");
        f.enter(FailoverState::ReconfSlaves { promoted }, NOW);
    });
    assert_eq!(
        resp2(&run(&h, "sentinel get-master-addr-by-name mymaster")),
        "*2\r\n$9\r\n127.0.0.2\r\n$4\r\n7000\r\n"
    );
    let info = info_section(&h);
    assert!(info.contains("address=127.0.0.1:6379,"), "INFO keeps the configured address: {}", info);
}

#[test]
fn is_master_down_by_addr_parses_like_redis_and_refuses_negative_epochs() {
    let h = handle(&[("mymaster", 6379)]);
    let no = "*3\r\n:0\r\n$1\r\n*\r\n:0\r\n";
    let not_int = "-ERR value is not an integer or out of range\r\n";
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 127.0.0.1 6379 0 *")), no);
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 10.0.0.1 6379 0 abcd")), no);
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 127.0.0.1 99999999999 0 *")), no);
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 127.0.0.1 x 0 *")), not_int);
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 127.0.0.1 6379 x *")), not_int);
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 127.0.0.1 6379 -1 *")), not_int);
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 127.0.0.1 6379 -1 abcd")), not_int);
    assert_eq!(h.read_core(|c, _| c.current_epoch), 0, "nothing adopted");

    h.edit().masters.values_mut().for_each(|m| m.inst.flags |= flags::S_DOWN);
    let down = run3(&h, "sentinel is-master-down-by-addr 127.0.0.1 6379 0 *");
    assert_eq!(resp3(&down), "*3\r\n:1\r\n$1\r\n*\r\n:0\r\n");
    h.edit().tilt = true;
    assert_eq!(resp2(&run(&h, "sentinel is-master-down-by-addr 127.0.0.1 6379 0 *")), no, "TILT says no");
}

#[test]
fn ckquorum_replies() {
    let h = handle(&[("mymaster", 6379)]);
    assert_eq!(
        resp2(&run(&h, "sentinel ckquorum mymaster")),
        "-NOQUORUM 1 usable Sentinels. Not enough available Sentinels to reach the specified quorum for \
         this master\r\n"
    );
    {
        let mut c = h.edit();
        let id = c.master_id("mymaster").expect("exists");
        for i in 0..3 {
            c.create_sentinel(id, "127.0.0.1", 26380 + i, &format!("{:040}", i), NOW).expect("sentinel");
        }
    }
    assert_eq!(
        resp2(&run(&h, "sentinel ckquorum mymaster")),
        "+OK 4 usable Sentinels. Quorum and failover authorization can be reached\r\n"
    );
    {
        let mut c = h.edit();
        let m = c.masters.values_mut().next().expect("m");
        m.quorum = 5;
        m.sentinels.values_mut().take(2).for_each(|s| s.flags |= flags::S_DOWN);
    }
    assert_eq!(
        resp2(&run(&h, "sentinel ckquorum mymaster")),
        "-NOQUORUM 2 usable Sentinels. Not enough available Sentinels to reach the specified quorum for \
         this master. Not enough available Sentinels to reach the majority and authorize a failover\r\n"
    );
    assert_eq!(resp2(&run(&h, "sentinel ckquorum nope")), "-ERR No such master with that name\r\n");
}

#[test]
fn debug_shows_and_sets_timings() {
    let h = handle(&[]);
    let defaults = [
        ("INFO-PERIOD", "10000"),
        ("PING-PERIOD", "1000"),
        ("ASK-PERIOD", "1000"),
        ("PUBLISH-PERIOD", "2000"),
        ("DEFAULT-DOWN-AFTER", "30000"),
        ("DEFAULT-FAILOVER-TIMEOUT", "180000"),
        ("TILT-TRIGGER", "2000"),
        ("TILT-PERIOD", "30000"),
        ("SLAVE-RECONF-TIMEOUT", "10000"),
        ("MIN-LINK-RECONNECT-PERIOD", "15000"),
        ("ELECTION-TIMEOUT", "10000"),
        ("SCRIPT-MAX-RUNTIME", "60000"),
        ("SCRIPT-RETRY-DELAY", "30000"),
    ];
    assert_eq!(resp2(&run(&h, "sentinel debug")), map2(&defaults));
    assert_eq!(resp3(&run3(&h, "sentinel DEBUG")), map3(&defaults));
    assert_eq!(resp2(&run(&h, "sentinel debug Info-Period 500 publish-period 100")), "+OK\r\n");
    assert_eq!(
        resp2(&run(&h, "sentinel debug ask-period 7 tilt-trigger 0")),
        "-ERR Invalid argument '0' for SENTINEL DEBUG 'tilt-trigger'\r\n"
    );
    assert_eq!(
        resp2(&run(&h, "sentinel debug foo 1")),
        "-ERR Unknown option or number of arguments for SENTINEL DEBUG 'foo'\r\n"
    );
    let t = h.read_core(|c, _| c.timings.clone());
    assert_eq!((t.info_period, t.publish_period, t.ask_period, t.tilt_trigger), (500, 100, 7, 2000));
}

#[test]
fn simulate_failure_replies() {
    let h = handle(&[]);
    assert_eq!(resp2(&run(&h, "sentinel simulate-failure crash-after-election")), "+OK\r\n");
    assert_eq!(
        resp2(&run(&h, "sentinel simulate-failure help")),
        "*2\r\n$20\r\ncrash-after-election\r\n$21\r\ncrash-after-promotion\r\n"
    );
    assert_eq!(
        resp2(&run(&h, "sentinel simulate-failure bogus")),
        "-ERR Unknown failure simulation specified\r\n"
    );
    assert!(info_section(&h).contains("sentinel_simulate_failure_flags:1\r\n"));
}

#[test]
fn config_get_and_shape_errors() {
    let h = handle(&[]);
    let shape = "-ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.\r\n";
    for line in ["sentinel config get", "sentinel config set a", "sentinel config x y"] {
        assert_eq!(resp2(&run(&h, line)), shape, "{}", line);
    }
    let all = [
        ("resolve-hostnames", "no"),
        ("announce-hostnames", "no"),
        ("announce-ip", ""),
        ("announce-port", "0"),
        ("sentinel-user", ""),
        ("sentinel-pass", ""),
    ];
    assert_eq!(resp2(&run(&h, "sentinel config get *")), map2(&all));
    assert_eq!(resp3(&run3(&h, "sentinel CONFIG GET *")), map3(&all));
    assert_eq!(resp3(&run3(&h, "sentinel config get nothing")), "%0\r\n");
    assert_eq!(
        resp2(&run(&h, "sentinel config set Foo bar")),
        "-ERR Invalid argument 'Foo' to SENTINEL CONFIG SET\r\n"
    );
    assert_eq!(
        resp2(&run(&h, "sentinel config set announce-port 70000")),
        "-ERR Invalid value '70000' to SENTINEL CONFIG SET 'announce-port'\r\n"
    );
    let bad_utf8 = run_args(&h, &[b"sentinel", b"config", b"set", b"announce-ip", &[0xff]]);
    assert_eq!(
        bad_utf8.frame,
        Frame::error("ERR Invalid value '\u{fffd}' to SENTINEL CONFIG SET 'announce-ip'"),
        "refused, not altered"
    );
}

#[test]
fn config_set_and_get_take_several_parameters_like_redis_7_2() {
    let h = handle_with(&[], Durability::Durable);
    let e = |line: &str| resp2(&run(&h, line));
    // Every pair is checked first, in order; the first problem is the reply, nothing applied.
    assert_eq!(
        e("sentinel config set announce-port 1 foo 2"),
        "-ERR Invalid argument 'foo' to SENTINEL CONFIG SET\r\n"
    );
    assert_eq!(
        e("sentinel config set RESOLVE-hostnames yes resolve-hostnames no"),
        "-ERR Duplicate argument 'resolve-hostnames' to SENTINEL CONFIG SET\r\n"
    );
    assert_eq!(
        e("sentinel config set announce-port 1 loglevel"),
        "-ERR Missing argument 'loglevel' value\r\n"
    );
    assert_eq!(
        e("sentinel config set announce-port 1 loglevel loud"),
        "-ERR Invalid value 'loud' to SENTINEL CONFIG SET 'loglevel'\r\n"
    );
    assert_eq!(
        e("sentinel config set announce-port 1 announce-hostnames maybe"),
        "-ERR Invalid value 'maybe' to SENTINEL CONFIG SET 'announce-hostnames'\r\n"
    );
    assert_eq!(h.read_core(|c, _| c.settings.announce_port), 0, "nothing applied");
    // All applied at once.
    assert_eq!(
        e("sentinel config set announce-port 1234 Announce-Hostnames yes loglevel nothing"),
        "+OK\r\n"
    );
    assert_eq!(h.read_core(|c, _| (c.settings.announce_port, c.settings.announce_hostnames)), (1234, true));
    assert_eq!(h.0.server_config.lock().unwrap().loglevel, "nothing");
    // Several patterns: each match once, in the fixed order, loglevel included.
    let want = [
        ("announce-hostnames", "yes"),
        ("announce-ip", ""),
        ("announce-port", "1234"),
        ("loglevel", "nothing"),
    ];
    assert_eq!(resp3(&run3(&h, "sentinel config get announce-* *level announce-port")), map3(&want));
    assert_eq!(resp2(&run(&h, "sentinel config get LOGLEVEL x")), map2(&[("loglevel", "nothing")]));
    assert_eq!(resp2(&run(&h, "sentinel config get loglevel")), map2(&[("loglevel", "nothing")]));
    // One pattern keeps Redis 7.0's `*` (no loglevel).
    assert!(!resp2(&run(&h, "sentinel config get *")).contains("loglevel"));
}

#[test]
fn control_characters_are_refused_like_redis_8() {
    let h = handle_with(&[("m", 6379)], Durability::Durable);
    let cmd = |parts: &[&[u8]]| resp2(&run_args(&h, parts));
    assert_eq!(
        cmd(&[b"sentinel", b"monitor", b"bad\nname", b"127.0.0.1", b"7000", b"2"]),
        "-ERR Master name must not contain control characters\r\n"
    );
    assert_eq!(
        cmd(&[b"sentinel", b"set", b"m", b"notification-script", b"/tmp/ok\n/tmp/evil.sh"]),
        "-ERR Script path must not contain control characters\r\n"
    );
    assert_eq!(
        cmd(&[b"sentinel", b"set", b"m", b"client-reconfig-script", b"/tmp/\x7f"]),
        "-ERR Script path must not contain control characters\r\n"
    );
    assert_eq!(
        cmd(&[b"sentinel", b"set", b"m", b"rename-command", b"CONFIG\r\nX", b"NEWCONFIG"]),
        "-ERR Command name must not contain control characters\r\n"
    );
    assert_eq!(
        cmd(&[b"sentinel", b"set", b"m", b"rename-command", b"CONFIG", b"NEW\tCONFIG"]),
        "-ERR Command name must not contain control characters\r\n"
    );
    assert_eq!(
        cmd(&[b"sentinel", b"config", b"set", b"announce-ip", b"1.2.3.4\nevil-directive"]),
        "-ERR announce-ip must not contain control characters\r\n"
    );
    // Passwords and user names still take anything; the rewrite quotes them.
    assert_eq!(
        cmd(&[b"sentinel", b"set", b"m", b"auth-pass", b"x\nsentinel notification-script m /e"]),
        "+OK\r\n"
    );
    assert_eq!(cmd(&[b"sentinel", b"config", b"set", b"sentinel-pass", b"a\nb"]), "+OK\r\n");
    assert_eq!(h.read_core(|c, _| c.settings.announce_ip.clone()), None);
    // (That such values are written quoted is the rewrite's test
    // `values_needing_quotes_are_quoted`.)
}

#[test]
fn pending_scripts_report_run_time_or_run_delay() {
    let h = handle(&[]);
    assert_eq!(resp2(&run(&h, "sentinel pending-scripts")), "*0\r\n");
    let now = h.now();
    {
        let mut c = h.edit();
        c.scripts.jobs.push(ScriptJob {
            id: 1,
            path: "/n.sh".into(),
            args: vec!["+sdown".into(), "master m 127.0.0.1 6379".into()],
            retry_num: 1,
            state: ScriptState::Running { pid: 4242, started: now - 5000, kill_sent: false },
        });
        c.scripts.jobs.push(ScriptJob {
            id: 2,
            path: "/c.sh".into(),
            args: vec![],
            retry_num: 0,
            state: ScriptState::Queued,
        });
    }
    let f = run(&h, "sentinel pending-scripts");
    let Frame::Array(jobs) = &f.frame else { panic!("array") };
    assert_eq!(field_names(&jobs[0]), ["argv", "flags", "pid", "run-time", "retry-num"]);
    assert_eq!(field_names(&jobs[1]), ["argv", "flags", "pid", "run-delay", "retry-num"]);
    assert_eq!(
        resp2(&jobs[1]),
        "*10\r\n$4\r\nargv\r\n*1\r\n$5\r\n/c.sh\r\n$5\r\nflags\r\n$9\r\nscheduled\r\n$3\r\npid\r\n$1\r\n0\r\n\
         $9\r\nrun-delay\r\n$1\r\n0\r\n$9\r\nretry-num\r\n$1\r\n0\r\n"
    );
    assert_eq!(
        field(&jobs[0], "argv"),
        Some(&Frame::Array(vec![
            Frame::bulk("/n.sh"),
            Frame::bulk("+sdown"),
            Frame::bulk("master m 127.0.0.1 6379")
        ]))
    );
    assert_eq!(field(&jobs[0], "flags"), Some(&Frame::bulk("running")));
    assert_eq!(field(&jobs[0], "pid"), Some(&Frame::bulk("4242")));
    let Some(Frame::Bulk(rt)) = field(&jobs[0], "run-time") else { panic!("bulk run-time") };
    let rt: u64 = String::from_utf8_lossy(rt).parse().expect("number");
    assert!((5000..5000 + 60_000).contains(&rt), "run-time {}", rt);
    assert!(info_section(&h).contains("sentinel_running_scripts:1\r\nsentinel_scripts_queue_length:2\r\n"));

    // A scheduled retry in the future shows the delay left.
    h.edit().scripts.jobs[1].state = ScriptState::RetryPending { at: h.now() + 1_000_000 };
    let f = run(&h, "sentinel pending-scripts");
    let Frame::Array(jobs) = &f.frame else { panic!("array") };
    let Some(Frame::Bulk(d)) = field(&jobs[1], "run-delay") else { panic!("bulk run-delay") };
    let d: u64 = String::from_utf8_lossy(d).parse().expect("number");
    assert!((1_000_000 - 60_000..=1_000_000).contains(&d), "run-delay {}", d);
}

#[test]
fn info_cache_lists_named_masters_once_with_each_instance_age() {
    let h = handle(&[("a", 6379), ("b", 6380)]);
    assert_eq!(resp2(&run(&h, "sentinel info-cache nope")), "*0\r\n");
    let b_only = run(&h, "sentinel info-cache b nope b");
    assert_eq!(resp2(&b_only), "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n:0\r\n$-1\r\n");
    assert_eq!(resp3(&b_only), "*2\r\n$1\r\nb\r\n*1\r\n*2\r\n:0\r\n_\r\n");
    let now = h.now();
    {
        let mut c = h.edit();
        let id = c.master_id("a").expect("a");
        c.create_replica(id, "127.0.0.1", 7000, NOW).expect("replica");
        let m = c.masters.get_mut(&id).expect("a");
        m.inst.info = Some("# Replication\r\nrole:master\r\n".into());
        m.inst.info_refresh = Some(now - 3000);
    }
    let f = run(&h, "sentinel info-cache a");
    let Frame::Array(items) = &f.frame else { panic!("array") };
    assert_eq!(items[0], Frame::bulk("a"));
    let Frame::Array(entries) = &items[1] else { panic!("entries") };
    assert_eq!(entries.len(), 2, "the master then its replica");
    let Frame::Array(master) = &entries[0] else { panic!("pair") };
    assert!(matches!(master[0], Frame::Integer(age) if (3000..63_000).contains(&age)), "{:?}", master[0]);
    assert_eq!(master[1], Frame::bulk("# Replication\r\nrole:master\r\n"));
    // The replica was never refreshed: age 0 (Redis would report `now` here, §12).
    assert_eq!(entries[1], Frame::Array(vec![Frame::Integer(0), Frame::NullBulk]));
}

#[test]
fn publish_accepts_only_the_hello_channel() {
    let h = handle(&[]);
    assert_eq!(
        resp2(&run(&h, "publish foo bar")),
        "-ERR Only HELLO messages are accepted by Sentinel instances.\r\n"
    );
    assert_eq!(resp2(&run(&h, "publish __SENTINEL__:hello x")), resp2(&run(&h, "publish foo x")));
    assert_eq!(resp2(&run(&h, "publish __sentinel__:hello garbage")), ":1\r\n");
}

#[test]
fn info_section_lines() {
    let h = handle(&[("a", 6379), ("b", 6380)]);
    {
        let mut c = h.edit();
        let b = c.master_id("b").expect("b");
        c.create_sentinel(b, "127.0.0.1", 26380, PEER, NOW).expect("sentinel");
        c.create_replica(b, "127.0.0.1", 7000, NOW).expect("replica");
        c.masters.get_mut(&b).expect("b").inst.flags |= flags::S_DOWN;
    }
    assert_eq!(
        info_section(&h),
        "sentinel_masters:2\r\nsentinel_tilt:0\r\nsentinel_tilt_since_seconds:-1\r\n\
         sentinel_total_tilt:0\r\nsentinel_running_scripts:0\r\nsentinel_scripts_queue_length:0\r\n\
         sentinel_simulate_failure_flags:0\r\n\
         master0:name=a,status=ok,address=127.0.0.1:6379,slaves=0,sentinels=1\r\n\
         master1:name=b,status=sdown,address=127.0.0.1:6380,slaves=1,sentinels=2\r\n"
    );
    {
        let mut c = h.edit();
        c.check_tilt(h.now() + 10_000);
        c.tilt_start_time = h.now() - 2500;
        c.masters.values_mut().for_each(|m| m.inst.flags |= flags::S_DOWN | flags::O_DOWN);
    }
    let info = info_section(&h);
    assert!(
        info.contains("sentinel_tilt:1\r\nsentinel_tilt_since_seconds:2\r\nsentinel_total_tilt:1\r\n"),
        "{}",
        info
    );
    assert!(info.contains("master0:name=a,status=odown,"), "{}", info);
}

#[test]
fn reset_counts_matches() {
    let h = handle(&[("alpha", 6379), ("beta", 6380)]);
    h.edit().masters.values_mut().for_each(|m| {
        m.inst.flags |= flags::S_DOWN;
        m.inst.role_reported = Role::Slave;
    });
    assert_eq!(resp2(&run(&h, "sentinel reset a*")), ":1\r\n");
    assert_eq!(resp2(&run(&h, "sentinel reset ALPHA")), ":0\r\n");
    let (alpha, beta) = h.read_core(|c, _| {
        let f = |n: &str| c.master_by_name(n).map(|m| m.inst.flags).unwrap_or(u32::MAX);
        (f("alpha"), f("beta"))
    });
    assert_eq!((alpha, beta), (0, flags::S_DOWN));
    assert_eq!(resp2(&run(&h, "sentinel reset *")), ":2\r\n");
}

#[test]
fn errors_that_change_nothing() {
    let h = handle(&[("mymaster", 6379)]);
    let cases = [
        ("sentinel monitor x 127.0.0.1 abc x", "-ERR Invalid quorum\r\n"),
        ("sentinel monitor x 127.0.0.1 abc 0", "-ERR Invalid port\r\n"),
        ("sentinel monitor x 127.0.0.1 6379 0", "-ERR Quorum must be 1 or greater.\r\n"),
        ("sentinel monitor x localhost 6379 1", "-ERR Invalid IP address or hostname specified\r\n"),
        ("sentinel monitor x 127.0.0.1 70000 1", "-ERR Invalid port number.\r\n"),
        ("sentinel monitor mymaster ::1 6379 1", "-ERR Duplicate master name.\r\n"),
        (
            "sentinel monitor a,b 127.0.0.1 6379 1",
            "-ERR Invalid master name: it must be non-empty and must not contain spaces, commas or control \
             characters\r\n",
        ),
        ("sentinel remove nope", "-ERR No such master with that name\r\n"),
        ("sentinel failover nope", "-ERR No such master with that name\r\n"),
        // Valkey 9.0's COORDINATED (any case) is the one 4th argument taken; anything else
        // keeps Redis 7.0.15's arity error.
        ("sentinel failover nope coordinated", "-ERR No such master with that name\r\n"),
        (
            "sentinel failover mymaster CoOrDiNaTeD",
            "-NOGOODPRIMARY Primary does not support FAILOVER command\r\n",
        ),
        (
            "sentinel failover mymaster force",
            "-ERR wrong number of arguments for 'sentinel|failover' command\r\n",
        ),
        (
            "sentinel failover mymaster coordinated coordinated",
            "-ERR wrong number of arguments for 'sentinel|failover' command\r\n",
        ),
        ("sentinel set nope quorum 1", "-ERR No such master with that name\r\n"),
        (
            "sentinel set mymaster foo 1",
            "-ERR Unknown option or number of arguments for SENTINEL SET 'foo'\r\n",
        ),
        ("sentinel set mymaster Quorum 0", "-ERR Invalid argument '0' for SENTINEL SET 'Quorum'\r\n"),
        (
            "sentinel set mymaster notification-script /bin/true",
            "-ERR Reconfiguration of scripts path is denied for security reasons. Check the \
             deny-scripts-reconfig configuration directive in your Sentinel configuration\r\n",
        ),
    ];
    for (line, expected) in cases {
        assert_eq!(resp2(&run(&h, line)), expected, "{}", line);
    }
    let binary = run_args(&h, &[b"sentinel", b"set", b"mymaster", b"auth-pass", &[0xff, 0]]);
    assert_eq!(binary.frame, Frame::error("ERR SENTINEL SET options and values must be valid UTF-8"));
    let (names, auth) = h.read_core(|c, _| {
        (
            c.names.keys().cloned().collect::<Vec<_>>(),
            c.master_by_name("mymaster").and_then(|m| m.auth_pass.clone()),
        )
    });
    assert_eq!((names, auth), (vec!["mymaster".to_string()], None));

    // A failover already running is refused before any replica is looked at.
    h.edit()
        .masters
        .values_mut()
        .for_each(|m| m.failover = Some(Failover::new(1, FailoverKind::Elected, NOW)));
    assert_eq!(resp2(&run(&h, "sentinel failover mymaster")), "-INPROG Failover already in progress\r\n");
}
