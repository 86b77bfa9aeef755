//! A real data node on 127.0.0.1 for one test: `redis-server` 7.0.15, or `valkey-server` 8.1.8
//! (a monitored node may be either; see [`ServerKind`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::client::Client;
use super::process::{self, OwnedChild};
use super::resp::Resp;
use super::tls_certs::{register_tls_port, TestCerts};
use super::{free_port, tool_path, valkey_path, wait_until};

/// How long a redis-server may take to answer its first PING.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Which server binary runs a data node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ServerKind {
    /// `/usr/bin/redis-server` (or `$RSENTINEL_REDIS_SERVER`).
    #[default]
    Redis,
    /// `valkey-server` 8.1.8 (see [`valkey_path`]).
    Valkey,
}

impl ServerKind {
    pub fn binary(self) -> PathBuf {
        match self {
            ServerKind::Redis => tool_path("RSENTINEL_REDIS_SERVER", "redis-server"),
            ServerKind::Valkey => valkey_path("valkey-server"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ServerKind::Redis => "redis-server",
            ServerKind::Valkey => "valkey-server",
        }
    }
}

/// A `redis-server` (or `valkey-server`) process (`--save '' --appendonly no --bind 127.0.0.1
/// --daemonize no`) in its own temp dir. Dropping it SIGKILLs and reaps the process.
pub struct RedisServer {
    kind: ServerKind,
    port: u16,
    /// TLS only: `--port 0 --tls-port <port>` with the shared test certificates, and TLS
    /// replication.
    tls: bool,
    /// Extra arguments given at start (kept for `restart`).
    extra_args: Vec<String>,
    dir: tempfile::TempDir,
    log_path: PathBuf,
    child: Option<OwnedChild>,
}

impl RedisServer {
    /// A standalone master.
    pub fn start() -> RedisServer {
        RedisServer::start_with(&[])
    }

    /// A replica of `master` (started with `--replicaof 127.0.0.1 <port>`), of the same kind.
    pub fn replica_of(master: &RedisServer) -> RedisServer {
        let port = master.port().to_string();
        RedisServer::start_opts(master.kind, &["--replicaof", "127.0.0.1", &port], master.tls)
    }

    /// A server with extra `redis-server` arguments, e.g. `&["--replica-priority", "0"]`.
    pub fn start_with(extra_args: &[&str]) -> RedisServer {
        RedisServer::start_kind(ServerKind::Redis, extra_args)
    }

    /// A server of `kind` with extra arguments (both binaries take the same ones).
    pub fn start_kind(kind: ServerKind, extra_args: &[&str]) -> RedisServer {
        RedisServer::start_opts(kind, extra_args, false)
    }

    /// A redis-server that speaks TLS only (port 0, `tls-port`), replicating over TLS.
    pub fn start_tls(extra_args: &[&str]) -> RedisServer {
        RedisServer::start_opts(ServerKind::Redis, extra_args, true)
    }

    /// [`RedisServer::start_kind`], TLS-only when `tls`.
    pub fn start_opts(kind: ServerKind, extra_args: &[&str], tls: bool) -> RedisServer {
        let dir = process::temp_dir(kind.name());
        let log_path = dir.path().join("redis.log");
        let mut server = RedisServer {
            kind,
            port: 0,
            tls,
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            dir,
            log_path,
            child: None,
        };
        // Another process may bind the picked port first: retry with a new one.
        for attempt in 0..5 {
            server.port = free_port();
            if tls {
                register_tls_port(server.port);
            }
            match server.spawn_and_wait() {
                Ok(()) => return server,
                Err(log) if log.contains("Address already in use") && attempt < 4 => continue,
                Err(log) => panic!("{} on port {} did not start:\n{log}", kind.name(), server.port),
            }
        }
        unreachable!()
    }

    fn args(&self) -> Vec<String> {
        let port = if self.tls { "0".to_string() } else { self.port.to_string() };
        let mut args: Vec<String> = [
            "--port",
            &port,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--dir",
            &self.dir.path().to_string_lossy(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if self.tls {
            let tls = TestCerts::shared().server_args(self.port);
            // `--port 0` is already there.
            args.extend(tls.into_iter().skip(2));
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }

    /// Whether this server speaks TLS only.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Spawn and wait for PING; on failure return the log (the process is reaped).
    fn spawn_and_wait(&mut self) -> Result<(), String> {
        let bin = self.kind.binary();
        let mut child = OwnedChild::spawn(&bin, &self.args(), self.dir.path(), &self.log_path)
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if !child.is_running() {
                return Err(process::tail(&self.log_path, 30));
            }
            if Client::try_connect(self.port).map(|mut c| c.ping_ok()).unwrap_or(false) {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() >= deadline {
                child.kill();
                return Err(format!(
                    "no PONG within {START_TIMEOUT:?}\n{}",
                    process::tail(&self.log_path, 30)
                ));
            }
            std::thread::sleep(super::POLL_INTERVAL);
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    /// `127.0.0.1:<port>` (the `ip:port` form Sentinel uses for replica names).
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.pid())
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// A new connection.
    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    /// The process exists and has not exited (a SIGSTOPped server counts as running).
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().map(|c| c.is_running()).unwrap_or(false)
    }

    /// SIGKILL and reap: the server vanishes without closing anything gracefully.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill();
        }
    }

    /// SIGSTOP: the server keeps its sockets open but stops answering (a hung master).
    pub fn stop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            c.signal(libc::SIGSTOP);
        }
    }

    /// SIGCONT after [`RedisServer::stop`].
    pub fn cont(&mut self) {
        if let Some(c) = self.child.as_mut() {
            c.signal(libc::SIGCONT);
        }
    }

    /// Kill (if running) and start again on the same port, dir and arguments. Note that a
    /// restarted replica comes back with its original `--replicaof`, and a restarted master
    /// with an empty dataset.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(log) = self.spawn_and_wait() {
            panic!("{} restart on port {} failed:\n{log}", self.kind.name(), self.port);
        }
    }

    /// `REPLICAOF host port` at runtime.
    pub fn replicaof(&self, host: &str, port: u16) {
        let reply = self.client().cmd(&["REPLICAOF", host, &port.to_string()]);
        assert!(matches!(reply, Resp::Simple(_)), "REPLICAOF on {}: {reply}", self.port);
    }

    /// `REPLICAOF NO ONE`.
    pub fn promote(&self) {
        let reply = self.client().cmd(&["REPLICAOF", "NO", "ONE"]);
        assert!(matches!(reply, Resp::Simple(_)), "REPLICAOF NO ONE on {}: {reply}", self.port);
    }

    /// `master` or `slave`, from `ROLE`.
    pub fn role(&self) -> String {
        let reply = self.client().cmd(&["ROLE"]);
        reply.as_array().and_then(|a| a.first()).and_then(Resp::as_str).unwrap_or_default()
    }

    /// One `INFO replication` field.
    pub fn replication_field(&self, field: &str) -> Option<String> {
        self.client().info_field("replication", field)
    }

    /// Wait until this server replicates from `master_port` with its link up; the panic
    /// after `timeout` shows its last `INFO replication`.
    pub fn wait_replicating_from(&self, master_port: u16, timeout: Duration, what: &str) {
        super::scenario::wait_until_shows(timeout, what, || {
            let seen = Client::try_connect(self.port)
                .ok()
                .and_then(|mut c| c.try_cmd(&["INFO", "replication"]).ok())
                .and_then(|r| r.as_str())
                .unwrap_or_default();
            let field = |f: &str| super::info_field(&seen, f);
            let ok = field("role").as_deref() == Some("slave")
                && field("master_port") == Some(master_port.to_string())
                && field("master_link_status").as_deref() == Some("up");
            (ok, seen)
        });
    }

    /// Wait until this replica reports `master_link_status:up`.
    pub fn wait_link_up(&self, timeout: Duration) {
        wait_until(timeout, &format!("replica {} master_link_status:up", self.port), || {
            Client::try_connect(self.port)
                .ok()
                .and_then(|mut c| c.info_field("replication", "master_link_status"))
                .is_some_and(|s| s == "up")
        });
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if std::thread::panicking() {
            process::print_log_tail(&format!("{} :{}", self.kind.name(), self.port), &self.log_path, 15);
        }
        self.kill();
        if process::keep_tmp() {
            let dir = std::mem::replace(&mut self.dir, process::temp_dir("redis-drop"));
            eprintln!("kept {}", dir.keep().display());
        }
    }
}
