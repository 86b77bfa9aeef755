//! Side-by-side comparison of `SENTINEL ...` replies: the real `/usr/bin/redis-sentinel` (Redis
//! 7.0.15) over a raw TCP socket against rsentinel's command dispatcher
//! (`rsentinel::server::cmd::execute_once`) for a client of the same protocol, in RESP2 and in
//! RESP3.
//!
//! Both sides start from the same state (one master `mymaster` on a port nobody listens on,
//! quorum 2) and receive the same command sequence. Replies are parsed into typed trees (so a
//! bulk number and an integer differ, a null array and a null bulk differ) and compared after
//! replacing only the values that cannot match: elapsed times, link counters, the sentinel id.
//! The deliberate differences (§12 fixes) are asserted explicitly.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rsentinel::config::{MasterConfig, SentinelConfig};
use rsentinel::core::{Sentinel, Settings};
use rsentinel::daemon::config_writer::ConfigFile;
use rsentinel::daemon::core_task;
use rsentinel::handle::{Handle, ProcessInfo};
use rsentinel::monitor::LinkRegistry;
use rsentinel::server::pubsub::Broker;
use rsentinel::server::{cmd, sentinel, Server};

const REDIS_SENTINEL: &str = "/usr/bin/redis-sentinel";
const DEADLINE: Duration = Duration::from_secs(10);
/// Long enough that neither side marks the (absent) master SDOWN during a test.
const DOWN_AFTER: u64 = 600_000;

// ---------------------------------------------------------------------------------------------
// RESP values

/// A parsed reply, keeping the RESP type of every element.
#[derive(Clone, PartialEq)]
enum Value {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    /// `$-1`, `*-1` or `_`, by its type byte.
    Null(u8),
    /// `*`, `~` or `>`, by its type byte.
    Array(u8, Vec<Value>),
    Map(Vec<(Value, Value)>),
    /// `,`, `#`, `(`, `=`: kept as text with the type byte.
    Other(u8, String),
}

/// Readable in assertion messages: bulk strings as text, with their RESP type marks.
impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Simple(s) => write!(f, "+{:?}", s),
            Value::Error(s) => write!(f, "-{:?}", s),
            Value::Int(n) => write!(f, ":{}", n),
            Value::Bulk(b) => write!(f, "${:?}", String::from_utf8_lossy(b)),
            Value::Null(t) => write!(f, "null({})", *t as char),
            Value::Array(t, items) => {
                write!(f, "{}", *t as char)?;
                f.debug_list().entries(items).finish()
            }
            Value::Map(pairs) => {
                write!(f, "%")?;
                f.debug_map().entries(pairs.iter().map(|(k, v)| (k, v))).finish()
            }
            Value::Other(t, s) => write!(f, "{}{:?}", *t as char, s),
        }
    }
}

/// Parse one value from the front of `buf`; `None` if more bytes are needed.
fn parse(buf: &[u8]) -> Option<(Value, usize)> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&buf[1..end]).expect("RESP header is text");
    let rest = end + 2;
    let count = || line.parse::<i64>().expect("RESP length");
    let items = |n: usize, mut at: usize| -> Option<(Vec<Value>, usize)> {
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let (x, used) = parse(&buf[at..])?;
            v.push(x);
            at += used;
        }
        Some((v, at))
    };
    match buf[0] {
        b'+' => Some((Value::Simple(line.into()), rest)),
        b'-' => Some((Value::Error(line.into()), rest)),
        b':' => Some((Value::Int(count()), rest)),
        b'_' => Some((Value::Null(b'_'), rest)),
        t @ (b',' | b'#' | b'(') => Some((Value::Other(t, line.into()), rest)),
        t @ (b'$' | b'=') => {
            let n = count();
            if n < 0 {
                return Some((Value::Null(t), rest));
            }
            let n = n as usize;
            if buf.len() < rest + n + 2 {
                return None;
            }
            let data = buf[rest..rest + n].to_vec();
            let v = if t == b'$' {
                Value::Bulk(data)
            } else {
                Value::Other(t, String::from_utf8_lossy(&data).into())
            };
            Some((v, rest + n + 2))
        }
        t @ (b'*' | b'~' | b'>') => {
            let n = count();
            if n < 0 {
                return Some((Value::Null(t), rest));
            }
            let (v, at) = items(n as usize, rest)?;
            Some((Value::Array(t, v), at))
        }
        b'%' => {
            let (v, at) = items(count() as usize * 2, rest)?;
            let mut it = v.into_iter();
            let mut pairs = Vec::new();
            while let (Some(k), Some(x)) = (it.next(), it.next()) {
                pairs.push((k, x));
            }
            Some((Value::Map(pairs), at))
        }
        other => panic!("unexpected RESP type byte {:?}", other as char),
    }
}

fn parse_all(bytes: &[u8]) -> Value {
    let (v, used) = parse(bytes).expect("a complete reply");
    assert_eq!(used, bytes.len(), "exactly one reply in {:?}", String::from_utf8_lossy(bytes));
    v
}

/// Instance-map fields whose values depend on timing or on live connection attempts.
const VOLATILE_FIELDS: [&str; 9] = [
    "link-pending-commands",
    "last-ping-sent",
    "last-ok-ping-reply",
    "last-ping-reply",
    "s-down-time",
    "o-down-time",
    "info-refresh",
    "role-reported-time",
    "last-hello-message",
];

/// Replace volatile values with a marker, in RESP3 maps and in RESP2 flat field/value arrays.
fn normalise(v: &mut Value) {
    let volatile = |k: &Value| matches!(k, Value::Bulk(b) if VOLATILE_FIELDS.iter().any(|f| f.as_bytes() == b.as_slice()));
    match v {
        Value::Map(pairs) => {
            for (k, x) in pairs {
                if volatile(k) {
                    *x = Value::Bulk(b"<volatile>".to_vec());
                } else {
                    normalise(x);
                }
            }
        }
        Value::Array(_, items) => {
            let mut i = 0;
            while i < items.len() {
                if volatile(&items[i]) && i + 1 < items.len() {
                    items[i + 1] = Value::Bulk(b"<volatile>".to_vec());
                    i += 2;
                } else {
                    normalise(&mut items[i]);
                    i += 1;
                }
            }
        }
        _ => {}
    }
}

fn encode(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn argv(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

// ---------------------------------------------------------------------------------------------
// The real sentinel

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// A redis-sentinel process in a temp dir, killed on drop.
struct RealSentinel {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RealSentinel {
    fn start(master_port: u16) -> RealSentinel {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {dir}\n\
                 sentinel monitor mymaster 127.0.0.1 {master_port} 2\n\
                 sentinel down-after-milliseconds mymaster {DOWN_AFTER}\n",
                dir = dir.path().display()
            ),
        )
        .expect("write config");
        let child = Command::new(REDIS_SENTINEL)
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-sentinel");
        let s = RealSentinel { child, port, _dir: dir };
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Ok(mut c) = Client::connect(s.port) {
                if c.call(&argv(&["PING"])) == Value::Simple("PONG".into()) {
                    return s;
                }
            }
            assert!(Instant::now() < deadline, "redis-sentinel did not answer PING in time");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RealSentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw RESP connection.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> std::io::Result<Client> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_millis(200)))?;
        Ok(Client { stream, buf: Vec::new() })
    }

    /// Open a connection speaking `proto` (2, or 3 after `HELLO 3`).
    fn with_proto(port: u16, proto: u8) -> Client {
        let mut c = Client::connect(port).expect("connect to redis-sentinel");
        if proto == 3 {
            match c.call(&argv(&["HELLO", "3"])) {
                Value::Map(_) => {}
                other => panic!("HELLO 3 answered {:?}", other),
            }
        }
        c
    }

    fn call_raw(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        self.stream.write_all(&encode(args)).expect("send");
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some((_, used)) = parse(&self.buf) {
                return self.buf.drain(..used).collect();
            }
            assert!(Instant::now() < deadline, "no reply to {:?}", args);
            let mut chunk = [0u8; 16 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!("redis-sentinel closed the connection"),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e)
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("read: {}", e),
            }
        }
    }

    fn call(&mut self, args: &[Vec<u8>]) -> Value {
        parse_all(&self.call_raw(args))
    }
}

// ---------------------------------------------------------------------------------------------
// Our side

/// rsentinel's side: the real core task (and config writer) on a runtime of its own; commands
/// are dispatched to it as the server would.
struct Ours {
    rt: tokio::runtime::Runtime,
    srv: Server,
}

impl std::ops::Deref for Ours {
    type Target = Handle;
    fn deref(&self) -> &Handle {
        &self.srv.h
    }
}

impl Ours {
    /// The reply bytes of `cmd` for a client speaking `proto`.
    fn dispatch(&self, cmd: &[Vec<u8>], proto: u8) -> Vec<u8> {
        let args: Vec<&[u8]> = cmd.iter().map(|a| a.as_slice()).collect();
        self.rt.block_on(cmd::execute_once(&self.srv, &args, proto))
    }
}

fn our_handle(master_port: u16, config_file: PathBuf, prepare: impl FnOnce(&mut Sentinel)) -> Ours {
    let cfg = SentinelConfig {
        myid: Some("0123456789abcdef0123456789abcdef01234567".into()),
        masters: vec![MasterConfig {
            name: "mymaster".into(),
            host: "127.0.0.1".into(),
            port: master_port,
            quorum: 2,
            down_after_ms: DOWN_AFTER,
            ..MasterConfig::default()
        }],
        ..SentinelConfig::default()
    };
    let mut core = Sentinel::new(&cfg, Settings::default(), 0, 1).expect("valid config");
    prepare(&mut core);
    let rt =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let _entered = rt.enter();
    let process = ProcessInfo {
        run_id: "0".repeat(40),
        executable: "rsentinel".into(),
        config_file: config_file.clone(),
        tcp_port: 0,
    };
    let running =
        core_task::start(core, Default::default(), process, ConfigFile(config_file), LinkRegistry::new());
    drop(_entered);
    let srv = Server::new(running.h, std::sync::Arc::new(Broker::default())).expect("server");
    Ours { rt, srv }
}

/// Both sides of one comparison run.
struct Pair {
    real: RealSentinel,
    ours: Ours,
    _dir: tempfile::TempDir,
}

impl Pair {
    fn new() -> Pair {
        let master_port = free_port();
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("rsentinel.conf");
        std::fs::write(&config, "").expect("write config");
        Pair {
            real: RealSentinel::start(master_port),
            ours: our_handle(master_port, config, |_| {}),
            _dir: dir,
        }
    }

    /// Send `cmd` to both in protocol `proto` and return (real, ours), normalised.
    fn both(&self, client: &mut Client, proto: u8, cmd: &[Vec<u8>]) -> (Value, Value) {
        let mut real = client.call(cmd);
        let mut ours = parse_all(&self.ours.dispatch(cmd, proto));
        for v in [&mut real, &mut ours] {
            normalise(v);
            // Redis lists instances in hash-table order, rsentinel in creation order: compare
            // the lists as sets.
            if is_instance_list(cmd) {
                if let Value::Array(_, items) = v {
                    items.sort_by_key(|i| format!("{:?}", i));
                }
            }
        }
        (real, ours)
    }

    /// Run `cmds` on a fresh connection in `proto`, asserting equal replies.
    fn compare(&self, proto: u8, cmds: &[Vec<Vec<u8>>]) {
        let mut client = Client::with_proto(self.real.port, proto);
        for cmd in cmds {
            let (real, ours) = self.both(&mut client, proto, cmd);
            assert_eq!(ours, real, "RESP{} reply to {:?}", proto, printable(cmd));
        }
    }

    /// The `# Sentinel` section of the real INFO, without its header, next to ours.
    fn info_sections(&self) -> (String, String) {
        let mut c = Client::with_proto(self.real.port, 2);
        let Value::Bulk(info) = c.call(&argv(&["INFO", "sentinel"])) else { panic!("INFO is a bulk") };
        let info = String::from_utf8(info).expect("INFO is text");
        let body = info.trim_start_matches("# Sentinel\r\n").trim_end_matches("\r\n").to_string() + "\r\n";
        let mut ours = String::new();
        sentinel::info_section(&self.ours, &mut ours);
        (body, ours)
    }
}

fn is_instance_list(cmd: &[Vec<u8>]) -> bool {
    let sub = cmd.get(1).map(|s| s.to_ascii_lowercase()).unwrap_or_default();
    cmd[0].eq_ignore_ascii_case(b"sentinel")
        && [&b"masters"[..], b"replicas", b"slaves", b"sentinels"].contains(&sub.as_slice())
}

fn printable(cmd: &[Vec<u8>]) -> Vec<String> {
    cmd.iter().map(|a| String::from_utf8_lossy(a).into_owned()).collect()
}

/// Split a command line on spaces (arguments in these tests have none); `''` is an empty arg.
fn line(s: &str) -> Vec<Vec<u8>> {
    s.split(' ').map(|a| if a == "''" { Vec::new() } else { a.as_bytes().to_vec() }).collect()
}

fn lines(ls: &[&str]) -> Vec<Vec<Vec<u8>>> {
    ls.iter().map(|l| line(l)).collect()
}

// ---------------------------------------------------------------------------------------------
// The comparisons

/// Commands that change nothing, or change state in the same way on both sides without a config
/// rewrite. Run in RESP2 then RESP3 against one pair.
fn read_and_error_commands(master_port: u16) -> Vec<Vec<Vec<u8>>> {
    let mp = master_port.to_string();
    let mut cmds = lines(&[
        // Table checks: arity and unknown subcommands, before anything else.
        "SENTINEL",
        "sentinel foo",
        "SENTINEL NoSuchThing a b c",
        "sentinel masters extra",
        "sentinel Master",
        "sentinel master a b",
        "sentinel help x",
        "sentinel myid x",
        "sentinel config",
        "sentinel info-cache",
        "sentinel simulate-failure",
        "sentinel set mymaster quorum",
        "sentinel monitor a 127.0.0.1 1",
        "sentinel is-master-down-by-addr 127.0.0.1 1 1",
        "sentinel ckquorum",
        "sentinel failover",
        // A 4th argument other than Valkey 9.0's COORDINATED keeps Redis's arity error.
        "sentinel failover mymaster force",
        "sentinel failover nope x",
        "sentinel failover mymaster coordinated extra",
        "sentinel reset",
        "sentinel flushconfig x",
        "sentinel pending-scripts x",
        "sentinel debug",
        "sentinel remove",
        "sentinel get-master-addr-by-name",
        // Reads.
        "SENTINEL HELP",
        "sentinel help",
        "sentinel masters",
        "sentinel MASTER mymaster",
        "sentinel master MyMaster",
        "sentinel master nope",
        "sentinel replicas mymaster",
        "sentinel slaves mymaster",
        "sentinel replicas nope",
        "sentinel sentinels mymaster",
        "sentinel sentinels nope",
        "sentinel get-master-addr-by-name mymaster",
        "sentinel get-master-addr-by-name nope",
        "sentinel ckquorum mymaster",
        "sentinel ckquorum nope",
        "sentinel pending-scripts",
        "sentinel info-cache mymaster",
        "sentinel info-cache nope",
        "sentinel info-cache nope mymaster mymaster",
        "sentinel config get *",
        "sentinel config get announce-*",
        "sentinel config get ANNOUNCE-PORT",
        "sentinel config get nothing",
        "sentinel config get",
        "sentinel config set announce-port",
        "sentinel config foo bar",
        "sentinel config set foo bar",
        "sentinel config set announce-port 65536",
        "sentinel config set announce-port -1",
        "sentinel config set announce-port 01",
        "sentinel config set resolve-hostnames maybe",
        "sentinel config set Announce-Hostnames 1",
        // IS-MASTER-DOWN-BY-ADDR without a vote request.
        "sentinel is-master-down-by-addr 10.0.0.1 6379 0 *",
        "sentinel is-master-down-by-addr 127.0.0.1 abc 0 *",
        "sentinel is-master-down-by-addr 127.0.0.1 1 abc *",
        "sentinel is-master-down-by-addr 127.0.0.1 1 1.5 *",
        "sentinel is-master-down-by-addr 127.0.0.1 99999999999 0 *",
        "sentinel is-master-down-by-addr 127.0.0.1 99999999999999999999 0 *",
        "sentinel is-master-down-by-addr 127.0.0.1 1 99999999999999999999 *",
        // FAILOVER / RESET / REMOVE / SET / MONITOR errors that change nothing.
        "sentinel failover nope",
        "sentinel remove nope",
        "sentinel reset nomatch",
        "sentinel reset MYMASTER",
        "sentinel set nope quorum 2",
        "sentinel set mymaster foo 1",
        "sentinel set mymaster QUORUM 0",
        "sentinel set mymaster quorum 01",
        "sentinel set mymaster quorum +1",
        "sentinel set mymaster quorum -3",
        "sentinel set mymaster down-after-milliseconds x",
        "sentinel set mymaster failover-timeout 0",
        "sentinel set mymaster parallel-syncs 1.5",
        "sentinel set mymaster master-reboot-down-after-period -1",
        "sentinel set mymaster rename-command a",
        "sentinel set mymaster rename-command '' b",
        "sentinel set mymaster rename-command a ''",
        "sentinel set mymaster notification-script /bin/true",
        "sentinel set mymaster client-reconfig-script ''",
        "sentinel monitor x 127.0.0.1 abc x",
        "sentinel monitor x 127.0.0.1 abc 0",
        "sentinel monitor x 127.0.0.1 6379 0",
        "sentinel monitor x 127.0.0.1 6379 -1",
        "sentinel monitor x localhost 6379 1",
        "sentinel monitor x 999.0.0.1 6379 1",
        "sentinel monitor x 127.0.0.1 70000 1",
        "sentinel monitor x 127.0.0.1 -1 1",
        "sentinel monitor mymaster 127.0.0.1 6379 1",
        // DEBUG: shown, set (case-insensitively, left to right), errors.
        "sentinel debug",
        "sentinel DEBUG info-period 5000 PING-PERIOD 700",
        "sentinel debug",
        "sentinel debug tilt-period 100 ask-period 0",
        "sentinel debug foo 1",
        "sentinel debug election-timeout",
        "sentinel debug script-retry-delay -5",
        "sentinel debug",
        // SIMULATE-FAILURE replies (the flags' fate is checked with INFO below).
        "sentinel simulate-failure foo",
        "sentinel simulate-failure crash-after-election crash-after-promotion",
        "sentinel simulate-failure HELP",
        // ROLE and PUBLISH.
        "ROLE",
        "PUBLISH foo bar",
        "PUBLISH __SENTINEL__:hello x",
        "PUBLISH __sentinel__:hello not-a-hello",
    ]);
    cmds.push(argv(&["sentinel", "is-master-down-by-addr", "127.0.0.1", &mp, "0", "*"]));
    cmds.push(argv(&["sentinel", "is-master-down-by-addr", "localhost", &mp, "0", "*"]));
    cmds
}

#[test]
fn replies_match_redis_sentinel_in_resp2_and_resp3() {
    let pair = Pair::new();
    let master_port =
        pair.ours.read_core(|c, _| c.masters.values().next().expect("one master").inst.addr.port);
    let cmds = read_and_error_commands(master_port);
    pair.compare(2, &cmds);
    pair.compare(3, &cmds);

    // MYID: a 40-character id on both sides (the ids themselves differ).
    let mut c = Client::with_proto(pair.real.port, 2);
    let real = c.call(&line("sentinel myid"));
    let ours = parse_all(&pair.ours.dispatch(&line("sentinel MYID"), 2));
    for v in [real, ours] {
        assert!(
            matches!(&v, Value::Bulk(id) if id.len() == 40 && id.iter().all(u8::is_ascii_hexdigit)),
            "{:?}",
            v
        );
    }
}

#[test]
fn deliberate_differences_from_redis_sentinel() {
    let pair = Pair::new();
    let master_port =
        pair.ours.read_core(|c, _| c.masters.values().next().expect("one master").inst.addr.port);
    let mut client = Client::with_proto(pair.real.port, 2);

    // A negative epoch: Redis wraps it to a huge unsigned epoch; rsentinel refuses it.
    let cmd = argv(&["sentinel", "is-master-down-by-addr", "127.0.0.1", &master_port.to_string(), "-1", "*"]);
    let (real, ours) = pair.both(&mut client, 2, &cmd);
    assert_eq!(real, Value::Array(b'*', vec![Value::Int(0), Value::Bulk(b"*".to_vec()), Value::Int(0)]));
    assert_eq!(ours, Value::Error("ERR value is not an integer or out of range".into()));

    // CONFIG SET/GET loglevel: a 7.0 error, rsentinel's (and newer Redis's) parameter. Only its
    // exact name reports it, so CONFIG GET * stays as 7.0's.
    let (real, ours) = pair.both(&mut client, 2, &line("sentinel config set loglevel verbose"));
    assert_eq!(real, Value::Error("ERR Invalid argument 'loglevel' to SENTINEL CONFIG SET".into()));
    assert_eq!(ours, Value::Simple("OK".into()));
    let (_, ours) = pair.both(&mut client, 2, &line("sentinel config get loglevel"));
    assert_eq!(
        ours,
        Value::Array(b'*', vec![Value::Bulk(b"loglevel".to_vec()), Value::Bulk(b"verbose".to_vec())])
    );
    let (real, ours) = pair.both(&mut client, 2, &line("sentinel config get *"));
    assert_eq!(ours, real);
    // Several parameters in one CONFIG GET / SET: an error in 7.0, Redis 7.2's forms here.
    let shape =
        Value::Error("ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.".into());
    let (real, ours) = pair.both(&mut client, 2, &line("sentinel config get a b"));
    assert_eq!((real, ours), (shape.clone(), Value::Array(b'*', vec![])));
    let (real, ours) = pair.both(&mut client, 2, &line("sentinel config set announce-port 1 foo 2"));
    let invalid = Value::Error("ERR Invalid argument 'foo' to SENTINEL CONFIG SET".into());
    assert_eq!((real, ours), (shape, invalid));

    // SIMULATE-FAILURE HELP: Redis clears the flags, rsentinel keeps them.
    for cmd in ["sentinel simulate-failure crash-after-election", "sentinel simulate-failure help"] {
        let (real, ours) = pair.both(&mut client, 2, &line(cmd));
        assert_eq!(ours, real, "{}", cmd);
    }
    let (real, ours) = pair.info_sections();
    assert!(real.contains("sentinel_simulate_failure_flags:0\r\n"), "{}", real);
    assert!(ours.contains("sentinel_simulate_failure_flags:1\r\n"), "{}", ours);
    assert_eq!(
        with_total_tilt(&real)
            .replace("sentinel_simulate_failure_flags:0", "sentinel_simulate_failure_flags:1"),
        ours,
        "apart from the flags (and Redis 8's total-tilt line), the INFO sections agree"
    );
}

#[test]
fn info_section_matches_redis_sentinel() {
    let pair = Pair::new();
    let mut client = Client::with_proto(pair.real.port, 2);
    let (real, ours) = pair.info_sections();
    assert_eq!(ours, with_total_tilt(&real));
    let (r, o) = pair.both(&mut client, 2, &line("sentinel simulate-failure crash-after-promotion"));
    assert_eq!(o, r);
    let (real, ours) = pair.info_sections();
    assert!(real.contains("sentinel_simulate_failure_flags:2\r\n"));
    assert_eq!(ours, with_total_tilt(&real));
}

/// Redis 7.0.15's section with Redis 8's one extra line, `sentinel_total_tilt` (no TILT
/// happened), where Redis 8 puts it: the only deliberate difference in the section.
fn with_total_tilt(real: &str) -> String {
    let at = real.find("sentinel_running_scripts:").expect("running scripts line");
    format!("{}sentinel_total_tilt:0\r\n{}", &real[..at], &real[at..])
}

/// Commands that rewrite the config file.
#[test]
fn state_changing_replies_match_redis_sentinel() {
    let pair = Pair::new();
    let master_port =
        pair.ours.read_core(|c, _| c.masters.values().next().expect("one master").inst.addr.port);
    let mp = master_port.to_string();
    let mut cmds = lines(&[
        "sentinel flushconfig",
        "sentinel set mymaster quorum 3 Down-After-Milliseconds 700000 parallel-syncs 2",
        "sentinel set mymaster failover-timeout 5000 auth-pass secret auth-user bob",
        "sentinel set mymaster rename-command CONFIG cfg master-reboot-down-after-period 0",
        "sentinel set mymaster quorum 4 parallel-syncs abc",
        "sentinel set mymaster quorum 2 foo",
        "sentinel master mymaster",
        "sentinel ckquorum mymaster",
        "sentinel config set announce-port 1234",
        "sentinel config set announce-ip 10.1.2.3",
        "sentinel config set ANNOUNCE-HOSTNAMES yes",
        "sentinel config set sentinel-user u",
        "sentinel config set sentinel-pass p",
        "sentinel config get *",
        "sentinel config set sentinel-pass ''",
        "sentinel config set announce-hostnames no",
        "sentinel config get *",
    ]);
    // A second master, on a port nobody listens on.
    let other = free_port().to_string();
    cmds.push(argv(&["sentinel", "monitor", "other", "127.0.0.1", &other, "1"]));
    cmds.push(argv(&["sentinel", "monitor", "other", "127.0.0.1", &other, "1"]));
    cmds.extend(lines(&[
        "sentinel masters",
        "sentinel remove other",
        "sentinel remove other",
        "sentinel failover mymaster",
        "sentinel reset *",
        "sentinel master mymaster",
    ]));
    cmds.push(argv(&["sentinel", "is-master-down-by-addr", "127.0.0.1", &mp, "5", "abcd"]));
    cmds.push(argv(&["sentinel", "is-master-down-by-addr", "127.0.0.1", &mp, "4", "efgh"]));
    pair.compare(2, &cmds);
    pair.compare(3, &lines(&["sentinel masters", "sentinel config get *", "sentinel debug"]));

    // announce-ip "": Redis stores an empty address (§12); rsentinel unsets it. CONFIG GET
    // shows "" either way.
    pair.compare(2, &lines(&["sentinel config set announce-ip ''", "sentinel config get announce-ip"]));
    assert_eq!(pair.ours.read_core(|c, _| c.settings.announce_ip.clone()), None);

    // Master names that would break hellos or the config file are refused by rsentinel only.
    let mut client = Client::with_proto(pair.real.port, 2);
    for name in ["a,b", ""] {
        let (real, ours) =
            pair.both(&mut client, 2, &argv(&["sentinel", "monitor", name, "127.0.0.1", "6400", "1"]));
        assert_eq!(real, Value::Simple("OK".into()));
        assert!(
            matches!(ours, Value::Error(ref e) if e.starts_with("ERR Invalid master name")),
            "{:?}",
            ours
        );
    }
}

/// A redis-server on loopback, killed on drop.
struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    fn start(replica_of: Option<u16>) -> RedisServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let mut cmd = Command::new("/usr/bin/redis-server");
        cmd.args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path());
        if let Some(m) = replica_of {
            cmd.args(["--replicaof", "127.0.0.1", &m.to_string()]);
        }
        let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start redis-server");
        let s = RedisServer { child, port, _dir: dir };
        poll(|| {
            Client::connect(s.port).ok().map(|mut c| c.call(&argv(&["PING"])))
                == Some(Value::Simple("PONG".into()))
        });
        s
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wait until `ok` holds, failing the test after the deadline.
fn poll(mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ok() {
        assert!(Instant::now() < deadline, "condition not reached in time");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The field names of a RESP3 map.
fn keys(v: &Value) -> Vec<String> {
    match v {
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, _)| match k {
                Value::Bulk(b) => String::from_utf8_lossy(b).into_owned(),
                other => panic!("map key {:?}", other),
            })
            .collect(),
        other => panic!("not a map: {:?}", other),
    }
}

fn first(v: Value) -> Value {
    match v {
        Value::Array(_, mut items) if !items.is_empty() => items.swap_remove(0),
        other => panic!("expected a non-empty array, got {:?}", other),
    }
}

/// Replica and sentinel maps need a live replica and a peer: a real master, its replica and
/// two real sentinels that discover each other. Their values come from live INFO and hellos, so
/// only the field names and their order are compared with ours.
#[test]
fn replica_and_sentinel_maps_have_redis_field_order() {
    let master = RedisServer::start(None);
    let replica = RedisServer::start(Some(master.port));
    let a = RealSentinel::start(master.port);
    let b = RealSentinel::start(master.port);
    let mut ca = Client::with_proto(a.port, 3);
    let mut cb = Client::with_proto(b.port, 3);
    for c in [&mut ca, &mut cb] {
        assert_eq!(
            c.call(&line("sentinel debug info-period 100 publish-period 100")),
            Value::Simple("OK".into())
        );
    }
    let b_id = match cb.call(&line("sentinel myid")) {
        Value::Bulk(id) => String::from_utf8(id).expect("hex id"),
        other => panic!("myid {:?}", other),
    };
    poll(|| {
        let r = ca.call(&line("sentinel replicas mymaster"));
        let s = ca.call(&line("sentinel sentinels mymaster"));
        matches!(r, Value::Array(_, ref v) if !v.is_empty())
            && matches!(s, Value::Array(_, ref v) if !v.is_empty())
    });

    let dir = tempfile::tempdir().expect("tempdir");
    let ours = our_handle(master.port, dir.path().join("rsentinel.conf"), |core| {
        let id = core.master_id("mymaster").expect("mymaster");
        core.create_replica(id, "127.0.0.1", replica.port, 0).expect("replica");
        core.create_sentinel(id, "127.0.0.1", b.port, &b_id, 0).expect("sentinel");
    });
    for cmd in ["sentinel master mymaster", "sentinel replicas mymaster", "sentinel sentinels mymaster"] {
        let real = ca.call(&line(cmd));
        let mine = parse_all(&ours.dispatch(&line(cmd), 3));
        let (real, mine) =
            if cmd.ends_with("master mymaster") { (real, mine) } else { (first(real), first(mine)) };
        assert_eq!(keys(&mine), keys(&real), "{}", cmd);
    }
    drop((ca, cb, a, b, replica, master));
}
