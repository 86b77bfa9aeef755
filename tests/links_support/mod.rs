//! Helpers shared by the `links_*` tests: a real redis-server on a free loopback port, killed on
//! drop, and event waiting with deadlines.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rsentinel::core::{cmd, MasterId, ReplyTag};
use rsentinel::monitor::link::LinkEvents;
use rsentinel::monitor::LinkEvent;

/// Upper bound on any wait; only there so a broken build fails instead of hanging.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    l.local_addr().expect("local addr").port()
}

/// A tag that carries a number, so tests can tell replies apart.
pub fn tag(n: u64) -> ReplyTag {
    ReplyTag::IsMasterDown { master: MasterId(n), sentinel: String::new() }
}

pub fn command(parts: &[&str]) -> Vec<Vec<u8>> {
    cmd(parts.iter().copied())
}

/// A redis-server child process on 127.0.0.1, killed when dropped (also when a test panics).
pub struct RedisServer {
    pub port: u16,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        for _ in 0..5 {
            let dir = tempfile::tempdir().expect("temp dir");
            let port = free_port();
            let child = Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .arg("--dir")
                .arg(dir.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn redis-server");
            let mut server = RedisServer { port, child: Some(child), _dir: dir };
            if server.wait_ready() {
                return server;
            }
            server.kill();
        }
        panic!("could not start redis-server");
    }

    /// Poll until the server answers PING, or its process exits (port taken), or the deadline.
    fn wait_ready(&mut self) -> bool {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    return false;
                }
            }
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(1)));
                let mut buf = [0u8; 7];
                if s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// SIGKILL the server and reap it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Run redis-cli against this server and return its stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("run redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The next event, failing the test if none arrives before the deadline.
pub async fn next_event(events: &mut LinkEvents) -> LinkEvent {
    match tokio::time::timeout(DEADLINE, events.recv()).await {
        Ok(Some(ev)) => ev,
        Ok(None) => panic!("event stream ended"),
        Err(_) => panic!("no link event within {:?}", DEADLINE),
    }
}

/// Collect events until one satisfies `done`; returns everything received, that one last.
pub async fn events_until(events: &mut LinkEvents, done: impl Fn(&LinkEvent) -> bool) -> Vec<LinkEvent> {
    let mut seen = Vec::new();
    loop {
        let ev = next_event(events).await;
        let stop = done(&ev);
        seen.push(ev);
        if stop {
            return seen;
        }
    }
}
