//! Test harness for the RESP server: an in-process rsentinel server on a loopback port, a
//! real redis-sentinel child process to compare with, and a blocking RESP client that reads
//! exactly one reply at a time (so tests never sleep to wait for bytes).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rsentinel::config::model::ServerConfig;
use rsentinel::config::{MasterConfig, SentinelConfig};
use rsentinel::core::{Sentinel, Settings};
use rsentinel::daemon::config_writer::ConfigFile;
use rsentinel::daemon::core_task;
use rsentinel::handle::{Handle, ProcessInfo};
use rsentinel::monitor::LinkRegistry;

/// How long any single expected reply may take.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// rsentinel's server running in its own tokio runtime.
pub struct Ours {
    pub port: u16,
    pub handle: Handle,
    pub broker: std::sync::Arc<rsentinel::server::pubsub::Broker>,
    rt: Option<tokio::runtime::Runtime>,
    _dir: tempfile::TempDir,
}

impl Ours {
    /// Start with default settings and one monitored master `m`.
    pub fn start() -> Ours {
        Ours::start_with(ServerConfig::default())
    }

    pub fn start_with(server: ServerConfig) -> Ours {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cfg = SentinelConfig {
            masters: vec![MasterConfig {
                name: "m".into(),
                host: "127.0.0.1".into(),
                port: free_port(),
                quorum: 2,
                ..MasterConfig::default()
            }],
            ..SentinelConfig::default()
        };
        let core = Sentinel::new(&cfg, Settings::default(), 0, 42).unwrap();
        let _runtime = rt.enter();
        let links = LinkRegistry::new();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let port = listener.local_addr().unwrap().port();
        let process = ProcessInfo {
            run_id: "0123456789abcdef0123456789abcdef01234567".into(),
            executable: "/usr/bin/rsentinel".into(),
            config_file: dir.path().join("s.conf"),
            tcp_port: port,
        };
        let store = ConfigFile(process.config_file.clone());
        let running = core_task::start(core, server, process, store, links);
        let (handle, broker) = (running.h.clone(), running.broker.clone());
        let listeners = rsentinel::server::Listeners { plain: vec![listener], tls: Vec::new() };
        rt.spawn(rsentinel::server::serve(running.h, running.broker, listeners, None));
        drop(_runtime);
        Ours { port, handle, broker, rt: Some(rt), _dir: dir }
    }

    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// Run `f` on the server's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.as_ref().unwrap().block_on(f)
    }
}

impl Drop for Ours {
    fn drop(&mut self) {
        self.handle.request_shutdown();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// The reference: `/usr/bin/redis-sentinel` with a minimal config, killed on drop.
pub struct Real {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
    pub conf: PathBuf,
}

pub fn have_real() -> bool {
    std::path::Path::new("/usr/bin/redis-sentinel").exists()
}

impl Real {
    pub fn start() -> Real {
        Real::start_with("")
    }

    /// Start with `extra` config lines after `port` and `sentinel monitor m ...`.
    pub fn start_with(extra: &str) -> Real {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let conf = dir.path().join("s.conf");
        std::fs::write(
            &conf,
            format!("port {}\nsentinel monitor m 127.0.0.1 {} 2\n{}", port, free_port(), extra),
        )
        .unwrap();
        let child = Command::new("/usr/bin/redis-sentinel")
            .arg(&conf)
            .arg("--port")
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-sentinel");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut c) = TcpStream::connect(("127.0.0.1", port)) {
                // Wait until it answers, not just accepts.
                c.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
                if c.write_all(b"PING\r\n").is_ok() {
                    let mut b = [0u8; 64];
                    if matches!(c.read(&mut b), Ok(n) if n > 0) {
                        break;
                    }
                }
            }
            assert!(Instant::now() < deadline, "redis-sentinel did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Real { port, child, _dir: dir, conf }
    }

    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }
}

impl Drop for Real {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Length of the first complete RESP2/RESP3 value in `buf`, if it is all there.
pub fn resp_len(buf: &[u8]) -> Option<usize> {
    fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
        let rest = buf.get(at..)?;
        let i = rest.windows(2).position(|w| w == b"\r\n")?;
        Some((&rest[..i], at + i + 2))
    }
    fn value(buf: &[u8], at: usize) -> Option<usize> {
        let kind = *buf.get(at)?;
        let (l, next) = line(buf, at + 1)?;
        let n: i64 = std::str::from_utf8(l).ok().and_then(|s| s.parse().ok()).unwrap_or(0);
        match kind {
            b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Some(next),
            b'$' | b'=' | b'!' => {
                if n < 0 {
                    return Some(next);
                }
                let end = next + n as usize + 2;
                (buf.len() >= end).then_some(end)
            }
            b'*' | b'~' | b'>' | b'%' => {
                if n < 0 {
                    return Some(next);
                }
                let items = if kind == b'%' { n * 2 } else { n };
                let mut at = next;
                for _ in 0..items {
                    at = value(buf, at)?;
                }
                Some(at)
            }
            _ => None,
        }
    }
    value(buf, 0)
}

/// A blocking client that reads whole replies.
pub struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    pub fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(REPLY_TIMEOUT)).unwrap();
        Client { stream, buf: Vec::new() }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Send a command as a multibulk request.
    pub fn send_cmd(&mut self, args: &[&[u8]]) {
        self.send(&Client::encode(args));
    }

    /// Read one complete reply; panics on timeout or EOF.
    pub fn reply(&mut self) -> Vec<u8> {
        self.try_reply()
            .unwrap_or_else(|| panic!("no reply; got so far {:?}", String::from_utf8_lossy(&self.buf)))
    }

    /// Read one reply, or None if the connection closed first.
    pub fn try_reply(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(n) = resp_len(&self.buf) {
                return Some(self.buf.drain(..n).collect());
            }
            let mut chunk = [0u8; 65536];
            match self.stream.read(&mut chunk) {
                Ok(0) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("read failed ({}); buffered {:?}", e, String::from_utf8_lossy(&self.buf)),
            }
        }
    }

    /// Send an inline command line and read its reply.
    pub fn inline(&mut self, line: &str) -> Vec<u8> {
        self.send(format!("{}\r\n", line).as_bytes());
        self.reply()
    }

    /// A multibulk request of `args`.
    pub fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut v = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            v.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            v.extend_from_slice(a);
            v.extend_from_slice(b"\r\n");
        }
        v
    }

    /// Send a command (split on spaces) and read its reply.
    pub fn cmd(&mut self, line: &str) -> Vec<u8> {
        let args: Vec<&[u8]> = line.split(' ').map(|a| a.as_bytes()).collect();
        self.send_cmd(&args);
        self.reply()
    }

    /// Expect the server to close the connection (after any pending bytes).
    pub fn expect_closed(&mut self) {
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
                Err(e) => {
                    panic!("connection not closed: {} (buffered {:?})", e, String::from_utf8_lossy(&self.buf))
                }
            }
        }
    }

    /// Bytes received but not consumed by `reply`.
    pub fn leftover(&self) -> &[u8] {
        &self.buf
    }
}

/// A parsed reply, keeping the RESP type of every element.
#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Simple(String),
    Error(Vec<u8>),
    Int(i64),
    Bulk(Vec<u8>),
    Null,
    NullBulk,
    NullArray,
    Array(Vec<V>),
    Set(Vec<V>),
    Push(Vec<V>),
    Map(Vec<(V, V)>),
    Verbatim(Vec<u8>),
    Double(String),
    Bool(bool),
}

pub fn parse(buf: &[u8]) -> V {
    fn go(buf: &[u8], at: &mut usize) -> V {
        let kind = buf[*at];
        let end = *at + buf[*at..].windows(2).position(|w| w == b"\r\n").unwrap();
        let line = &buf[*at + 1..end];
        *at = end + 2;
        let s = String::from_utf8_lossy(line).into_owned();
        let n: i64 = s.parse().unwrap_or(0);
        let items = |count: i64, at: &mut usize| (0..count).map(|_| go(buf, at)).collect::<Vec<_>>();
        match kind {
            b'+' => V::Simple(s),
            b'-' => V::Error(line.to_vec()),
            b':' => V::Int(n),
            b'_' => V::Null,
            b',' => V::Double(s),
            b'#' => V::Bool(s == "t"),
            b'$' | b'=' => {
                if n < 0 {
                    return V::NullBulk;
                }
                let v = buf[*at..*at + n as usize].to_vec();
                *at += n as usize + 2;
                if kind == b'=' {
                    // Drop the 3-letter format and its colon (`txt:`).
                    V::Verbatim(v.get(4..).unwrap_or_default().to_vec())
                } else {
                    V::Bulk(v)
                }
            }
            b'*' if n < 0 => V::NullArray,
            b'*' => V::Array(items(n, at)),
            b'~' => V::Set(items(n, at)),
            b'>' => V::Push(items(n, at)),
            b'%' => {
                let flat = items(n * 2, at);
                V::Map(flat.chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect())
            }
            other => panic!("unknown RESP type {:?}", other as char),
        }
    }
    let mut at = 0;
    go(buf, &mut at)
}

impl V {
    /// Sort the elements of arrays, sets and maps recursively (for replies whose order is
    /// Redis's hash-table order).
    pub fn sorted(&self) -> V {
        let key = |v: &V| format!("{:?}", v);
        match self {
            V::Array(v) | V::Set(v) | V::Push(v) => {
                let mut s: Vec<V> = v.iter().map(V::sorted).collect();
                s.sort_by_key(key);
                match self {
                    V::Array(_) => V::Array(s),
                    V::Set(_) => V::Set(s),
                    _ => V::Push(s),
                }
            }
            V::Map(m) => {
                let mut s: Vec<(V, V)> = m.iter().map(|(k, v)| (k.sorted(), v.sorted())).collect();
                s.sort_by_key(|(k, _)| key(k));
                V::Map(s)
            }
            other => other.clone(),
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        match self {
            V::Bulk(b) | V::Verbatim(b) | V::Error(b) => b.clone(),
            V::Simple(s) | V::Double(s) => s.clone().into_bytes(),
            other => panic!("not a string: {:?}", other),
        }
    }

    pub fn items(&self) -> &[V] {
        match self {
            V::Array(v) | V::Set(v) | V::Push(v) => v,
            other => panic!("not an aggregate: {:?}", other),
        }
    }
}

/// The `field=value` pairs of a CLIENT LIST line.
pub fn client_fields(line: &str) -> Vec<(String, String)> {
    line.trim_end()
        .split(' ')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// A CLIENT LIST line with the values that depend on timing, sockets and memory masked.
pub fn mask_client_line(line: &str) -> String {
    const VOLATILE: &[&str] = &[
        "id",
        "addr",
        "laddr",
        "fd",
        "age",
        "idle",
        "qbuf",
        "qbuf-free",
        "argv-mem",
        "rbs",
        "rbp",
        "obl",
        "oll",
        "omem",
        "tot-mem",
        "events",
    ];
    client_fields(line)
        .into_iter()
        .map(
            |(k, v)| if VOLATILE.contains(&k.as_str()) { format!("{}=*", k) } else { format!("{}={}", k, v) },
        )
        .collect::<Vec<_>>()
        .join(" ")
}
