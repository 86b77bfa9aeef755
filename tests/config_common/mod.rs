//! Helpers shared by the `config_*` integration tests: running the real redis-sentinel on a
//! config (to compare errors and rewrites), free ports, raw RESP.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const REDIS_SENTINEL: &str = "/usr/bin/redis-sentinel";

pub fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Run redis-sentinel on `conf` (written to `dir/name`) with extra command-line words, and
/// return its stderr. The config is expected to be refused: if the process is still running
/// after a deadline it is killed and the test fails.
pub fn redis_refusal(dir: &Path, name: &str, conf: &str, extra: &[&str]) -> String {
    assert!(Path::new(REDIS_SENTINEL).exists(), "{} is required for this test", REDIS_SENTINEL);
    let path = dir.join(name);
    std::fs::write(&path, conf).unwrap();
    let mut child = Command::new(REDIS_SENTINEL)
        .arg(&path)
        .args(extra)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn redis-sentinel");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("redis-sentinel accepted a config we expected it to refuse:\n{}", conf);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    err
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real redis-sentinel started on a loopback port; killed on drop.
pub struct RealSentinel {
    pub child: Child,
    pub port: u16,
    pub conf: PathBuf,
}

impl RealSentinel {
    /// Start redis-sentinel on `conf` with `--port <free> --bind 127.0.0.1`, waiting (with a
    /// deadline) until it answers PING.
    pub fn start(conf: &Path) -> RealSentinel {
        let port = free_port();
        let child = Command::new(REDIS_SENTINEL)
            .arg(conf)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .current_dir(conf.parent().unwrap())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-sentinel");
        let s = RealSentinel { child, port, conf: conf.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(reply) = s.command(&["PING"]) {
                if reply == "+PONG\r\n" {
                    return s;
                }
            }
            assert!(Instant::now() < deadline, "redis-sentinel did not come up on port {}", port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Send one command over a fresh connection and return the raw reply line.
    pub fn command(&self, args: &[&str]) -> std::io::Result<String> {
        let mut c = TcpStream::connect(("127.0.0.1", self.port))?;
        c.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut req = format!("*{}\r\n", args.len());
        for a in args {
            req.push_str(&format!("${}\r\n{}\r\n", a.len(), a));
        }
        c.write_all(req.as_bytes())?;
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n") {
            if c.read(&mut byte)? == 0 {
                break;
            }
            buf.push(byte[0]);
        }
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

impl Drop for RealSentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `sentinel ...` lines of a config text, normalised to their words (order-independent
/// comparison), with `known-slave` spelled `known-replica`.
pub fn sentinel_lines(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| rsentinel::config::lexer::split_args(l.trim()))
        .filter(|w| w.len() > 1 && w[0].eq_ignore_ascii_case("sentinel"))
        .map(|mut w| {
            w[0] = "sentinel".into();
            w[1] = w[1].to_ascii_lowercase();
            if w[1] == "known-slave" {
                w[1] = "known-replica".into();
            }
            w
        })
        .collect();
    out.sort();
    out
}

/// The first word of every non-comment line (lower case).
pub fn directives(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| rsentinel::config::lexer::split_args(l.trim()))
        .filter(|w| !w.is_empty() && !w[0].starts_with('#'))
        .map(|w| w[0].to_ascii_lowercase())
        .collect()
}
