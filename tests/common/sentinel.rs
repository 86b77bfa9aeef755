//! A sentinel process for one test: the real `redis-sentinel` or our `rsentinel`, started the
//! same way from the same config text, so one test body can run against both.

use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use super::client::{Client, Subscriber};
use super::process::{self, OwnedChild};
use super::resp::Resp;
use super::tls_certs::{register_tls_port, TestCerts};
use super::{free_port, tool_path, valkey_path};

/// How long a sentinel may take to answer its first PING.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Which implementation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `/usr/bin/redis-sentinel` (or `$RSENTINEL_REDIS_SENTINEL`): the reference.
    Redis,
    /// The `rsentinel` binary built by cargo for this test run.
    Rsentinel,
    /// `valkey-sentinel` 8.1.8 (see [`valkey_path`]): the reference for Valkey's words and for
    /// mixed groups with Valkey. Never part of [`Kind::ALL`]: tests name it.
    Valkey,
}

impl Kind {
    /// Both kinds, reference first.
    pub const ALL: [Kind; 2] = [Kind::Redis, Kind::Rsentinel];

    pub fn binary(self) -> PathBuf {
        match self {
            Kind::Redis => tool_path("RSENTINEL_REDIS_SENTINEL", "redis-sentinel"),
            Kind::Rsentinel => PathBuf::from(env!("CARGO_BIN_EXE_rsentinel")),
            Kind::Valkey => valkey_path("valkey-sentinel"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Redis => "redis-sentinel",
            Kind::Rsentinel => "rsentinel",
            Kind::Valkey => "valkey-sentinel",
        }
    }

    /// The kinds selected by `RSENTINEL_TEST_KINDS` (comma-separated `redis`, `rsentinel`,
    /// `valkey`);
    /// both when unset. Lets a developer run the differential tests against one side only.
    pub fn from_env() -> Vec<Kind> {
        match std::env::var("RSENTINEL_TEST_KINDS") {
            Ok(s) if !s.trim().is_empty() => s
                .split(',')
                .map(|k| match k.trim() {
                    "redis" | "redis-sentinel" => Kind::Redis,
                    "rsentinel" => Kind::Rsentinel,
                    "valkey" | "valkey-sentinel" => Kind::Valkey,
                    other => panic!("RSENTINEL_TEST_KINDS: unknown kind {other:?}"),
                })
                .collect(),
            _ => Kind::ALL.to_vec(),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the sentinel learns its port and bind address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PortVia {
    /// `port N` and `bind 127.0.0.1` lines are written at the top of `sentinel.conf`.
    #[default]
    ConfigFile,
    /// `--port N --bind 127.0.0.1` on the command line (redis-sentinel's override syntax).
    CommandLine,
}

/// Start options beyond the config text.
#[derive(Clone, Debug, Default)]
pub struct SentinelOptions {
    pub port_via: PortVia,
    /// Extra command-line arguments after the config path (e.g. `--loglevel verbose`).
    pub extra_args: Vec<String>,
    /// A fixed port instead of a free one (e.g. to restart in place from a test).
    pub port: Option<u16>,
    /// rsentinel only: persist the state into `<tempdir>/state/sentinel-state.conf`
    /// (`--state-file`) instead of rewriting `sentinel.conf`.
    pub state_file: bool,
    /// Make `sentinel.conf` and its directory read-only before the sentinel starts (see
    /// [`process::ReadOnly`]); with `state_file`, the state directory stays writable.
    pub read_only_config: bool,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// TLS only: `port 0`, `tls-port <port>`, the shared test certificates and
    /// `tls-replication yes` (links to masters, replicas and peers use TLS).
    pub tls: bool,
}

/// How a process that was expected to exit ended.
#[derive(Debug)]
pub struct ExitOutput {
    pub status: ExitStatus,
    /// stdout and stderr, interleaved as written.
    pub output: String,
}

/// A sentinel process running from `<tempdir>/sentinel.conf`, cwd = the temp dir, stdout and
/// stderr captured in `<tempdir>/sentinel.log`. Dropping it SIGKILLs and reaps the process and
/// prints the log tail when the test is panicking.
pub struct SentinelProc {
    kind: Kind,
    port: u16,
    options: SentinelOptions,
    /// The config text as given (without the port header).
    config_body: String,
    dir: tempfile::TempDir,
    config_path: PathBuf,
    log_path: PathBuf,
    /// `options.state_file`: the state file.
    state_path: Option<PathBuf>,
    /// `options.read_only_config`: keeps the config and its directory read-only.
    read_only: Option<process::ReadOnly>,
    child: Option<OwnedChild>,
}

impl SentinelProc {
    /// Start `kind` from `config_text` (which must not contain `port` / `bind` lines) on a
    /// free port, and wait until it answers PING.
    pub fn start(kind: Kind, config_text: &str) -> SentinelProc {
        SentinelProc::start_with(kind, config_text, SentinelOptions::default())
    }

    pub fn start_with(kind: Kind, config_text: &str, options: SentinelOptions) -> SentinelProc {
        let dir = process::temp_dir(kind.name());
        let config_path = dir.path().join("sentinel.conf");
        let log_path = dir.path().join("sentinel.log");
        let state_path = options.state_file.then(|| {
            std::fs::create_dir(dir.path().join("state")).expect("create the state dir");
            dir.path().join("state").join("sentinel-state.conf")
        });
        let mut s = SentinelProc {
            kind,
            port: 0,
            options,
            config_body: config_text.to_string(),
            dir,
            config_path,
            log_path,
            state_path,
            read_only: None,
            child: None,
        };
        let fixed = s.options.port;
        for attempt in 0..5 {
            s.port = fixed.unwrap_or_else(free_port);
            if s.options.tls {
                register_tls_port(s.port);
            }
            s.write_config();
            match s.spawn_and_wait() {
                Ok(()) => return s,
                Err(log) if fixed.is_none() && log.contains("Address already in use") && attempt < 4 => {
                    continue
                }
                Err(log) => panic!("{kind} on port {} did not start:\n{log}", s.port),
            }
        }
        unreachable!()
    }

    fn write_config(&mut self) {
        self.read_only = None;
        let tls = if self.options.tls { TestCerts::shared().config_lines(self.port) } else { String::new() };
        let text = match (self.options.port_via, self.options.tls) {
            (PortVia::ConfigFile, false) => {
                format!("port {}\nbind 127.0.0.1\n{}", self.port, self.config_body)
            }
            (PortVia::ConfigFile, true) => format!("{tls}bind 127.0.0.1\n{}", self.config_body),
            (PortVia::CommandLine, false) => self.config_body.clone(),
            // The ports come from the command line.
            (PortVia::CommandLine, true) => {
                let certs: String = tls.lines().skip(2).map(|l| format!("{l}\n")).collect();
                format!("{certs}{}", self.config_body)
            }
        };
        std::fs::write(&self.config_path, text).expect("write sentinel.conf");
        if self.options.read_only_config {
            // The log is appended to by every start: it must exist before the directory
            // becomes read-only.
            File::options().create(true).append(true).open(&self.log_path).expect("create the log");
            self.read_only = Some(process::ReadOnly::new(&[&self.config_path, self.dir.path()]));
        }
    }

    fn args(&self) -> Vec<String> {
        let mut args = vec![self.config_path.to_string_lossy().into_owned()];
        if self.options.port_via == PortVia::CommandLine {
            let (port, tls_port) = match self.options.tls {
                true => ("0".to_string(), Some(self.port.to_string())),
                false => (self.port.to_string(), None),
            };
            args.extend(["--port".into(), port, "--bind".into(), "127.0.0.1".into()]);
            if let Some(p) = tls_port {
                args.extend(["--tls-port".into(), p]);
            }
        }
        if let Some(state) = &self.state_path {
            args.extend(["--state-file".into(), state.to_string_lossy().into_owned()]);
        }
        args.extend(self.options.extra_args.iter().cloned());
        args
    }

    fn spawn_and_wait(&mut self) -> Result<(), String> {
        let bin = self.kind.binary();
        let mut child =
            OwnedChild::spawn_env(&bin, &self.args(), self.dir.path(), &self.log_path, &self.options.env)
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = child.try_exit_status() {
                return Err(format!("exited with {status}\n{}", process::tail(&self.log_path, 40)));
            }
            if Client::try_connect(self.port).map(|mut c| c.ping_ok()).unwrap_or(false) {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() >= deadline {
                child.kill();
                return Err(format!(
                    "no PONG within {START_TIMEOUT:?}\n{}",
                    process::tail(&self.log_path, 40)
                ));
            }
            std::thread::sleep(super::POLL_INTERVAL);
        }
    }

    /// Run `kind` with `args` (the config path first if `config_text` is given) and wait for
    /// it to exit on its own: for `--version`, `--help`, `--check-config` and for configs that
    /// must be refused. Panics if it is still running after `timeout`.
    pub fn run_to_exit(
        kind: Kind,
        config_text: Option<&str>,
        args: &[&str],
        timeout: Duration,
    ) -> ExitOutput {
        SentinelProc::run_to_exit_env(kind, config_text, args, &[], timeout)
    }

    /// [`SentinelProc::run_to_exit`] with extra environment variables.
    pub fn run_to_exit_env(
        kind: Kind,
        config_text: Option<&str>,
        args: &[&str],
        env: &[(String, String)],
        timeout: Duration,
    ) -> ExitOutput {
        let dir = process::temp_dir(&format!("{}-run", kind.name()));
        let log_path = dir.path().join("output.log");
        let mut all_args = Vec::new();
        if let Some(text) = config_text {
            let config_path = dir.path().join("sentinel.conf");
            std::fs::write(&config_path, text).expect("write sentinel.conf");
            all_args.push(config_path.to_string_lossy().into_owned());
        }
        all_args.extend(args.iter().map(|s| s.to_string()));
        let mut child = OwnedChild::spawn_env(&kind.binary(), &all_args, dir.path(), &log_path, env)
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", kind.binary().display()));
        let status = child.wait_exit(timeout).unwrap_or_else(|| {
            child.kill();
            panic!("{kind} {all_args:?} still running after {timeout:?}:\n{}", process::tail(&log_path, 40))
        });
        ExitOutput { status, output: std::fs::read_to_string(&log_path).unwrap_or_default() }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(|c| c.pid())
    }

    /// A new connection.
    pub fn client(&self) -> Client {
        Client::connect(self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The config file as it is on disk now (after the sentinel's rewrites).
    pub fn config_text(&self) -> String {
        std::fs::read_to_string(&self.config_path).expect("read sentinel.conf")
    }

    /// The state file (`options.state_file`), if one is configured.
    pub fn state_path(&self) -> Option<&Path> {
        self.state_path.as_deref()
    }

    /// The state file as it is on disk now; empty if not written yet.
    pub fn state_text(&self) -> String {
        let path = self.state_path.as_ref().expect("started with options.state_file");
        std::fs::read_to_string(path).unwrap_or_default()
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// `SENTINEL MYID`.
    pub fn myid(&self) -> String {
        let reply = self.client().cmd(&["SENTINEL", "MYID"]);
        reply.as_str().unwrap_or_else(|| panic!("SENTINEL MYID on {}: {reply}", self.port))
    }

    /// `SENTINEL GET-MASTER-ADDR-BY-NAME name` as `(ip, port)`; `None` for the null reply or
    /// when the sentinel does not answer.
    pub fn master_addr(&self, name: &str) -> Option<(String, u16)> {
        let reply = Client::try_connect(self.port)
            .ok()?
            .try_cmd(&["SENTINEL", "GET-MASTER-ADDR-BY-NAME", name])
            .ok()?;
        let items = reply.as_array()?;
        let ip = items.first()?.as_str()?;
        let port = items.get(1)?.as_int()?;
        Some((ip, u16::try_from(port).ok()?))
    }

    /// `SENTINEL DEBUG <param> <value> ...` (e.g. `&[("info-period", "1000")]`): shorter
    /// periods make tests faster without changing what happens (spec §13).
    pub fn debug_set(&self, params: &[(&str, &str)]) {
        let mut args = vec!["SENTINEL", "DEBUG"];
        for (k, v) in params {
            args.push(k);
            args.push(v);
        }
        let reply = self.client().cmd(&args);
        assert_eq!(reply, Resp::Simple("OK".into()), "{args:?} on {} :{}", self.kind, self.port);
    }

    /// A subscriber to `patterns` on this sentinel (`&["*"]` for every event).
    pub fn psubscribe(&self, patterns: &[&str]) -> Subscriber {
        Subscriber::psubscribe(self.port, patterns)
    }

    /// The process exists and has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().map(|c| c.is_running()).unwrap_or(false)
    }

    /// Wait for the process to exit on its own (e.g. after SHUTDOWN).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        self.child.as_mut()?.wait_exit(timeout)
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill();
        }
    }

    /// SIGSTOP: the sentinel stops answering without closing its sockets.
    pub fn stop(&mut self) {
        if let Some(c) = self.child.as_mut() {
            c.signal(libc::SIGSTOP);
        }
    }

    /// SIGCONT after [`SentinelProc::stop`].
    pub fn cont(&mut self) {
        self.signal(libc::SIGCONT);
    }

    /// Send `sig` (e.g. SIGHUP) if the process is running.
    pub fn signal(&mut self, sig: libc::c_int) {
        if let Some(c) = self.child.as_mut() {
            c.signal(sig);
        }
    }

    /// Kill (if running) and start again from the same (rewritten) config file on the same
    /// port: what a crashed-and-restarted sentinel sees.
    pub fn restart(&mut self) {
        self.kill();
        if let Err(log) = self.spawn_and_wait() {
            panic!("{} restart on port {} failed:\n{log}", self.kind, self.port);
        }
    }

    /// `SENTINEL <sub> <name>` as an array of maps (REPLICAS, SENTINELS); empty on any
    /// error, so it can be polled while the sentinel is still discovering.
    pub fn instances(&self, sub: &str, name: &str) -> Vec<Resp> {
        Client::try_connect(self.port)
            .ok()
            .and_then(|mut c| c.try_cmd(&["SENTINEL", sub, name]).ok())
            .and_then(|r| r.as_array().map(|a| a.to_vec()))
            .unwrap_or_default()
    }
}

impl Drop for SentinelProc {
    fn drop(&mut self) {
        if std::thread::panicking() {
            process::print_log_tail(&format!("{} :{}", self.kind, self.port), &self.log_path, 60);
        }
        self.kill();
        self.read_only = None;
        if process::keep_tmp() {
            let dir = std::mem::replace(&mut self.dir, process::temp_dir("sentinel-drop"));
            eprintln!("kept {}", dir.keep().display());
        }
    }
}
