//! Process start-up and shutdown, in Redis Sentinel's order: load the config (fatal errors
//! name file and line), insist on a writable config file (or state file), daemonize, log,
//! chdir, write the pidfile, configure TLS (a bad certificate is fatal), listen (and open the
//! metrics endpoint when `metrics-port` is set; a port in use is fatal too), build the core
//! (generating and persisting a myid on first start), then serve until SIGTERM/SIGINT/SHUTDOWN,
//! saving the config on the way out. SIGHUP re-reads the TLS files (Redis ignores SIGHUP).

use std::path::{Path, PathBuf};

use rand::Rng;

use super::config_writer::ConfigFile;
use super::core_task::{self, Running};
use crate::config::model::ServerConfig;
use crate::config::{self, LoadedConfig, SentinelConfig};
use crate::core::{Sentinel, Settings};
use crate::handle::{logging, ProcessInfo};
use crate::monitor::LinkRegistry;
use crate::tls::Tls;

/// How often the TLS files are checked for a new version (certificate rotation).
const TLS_FILES_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// How the process was asked to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub config: Option<PathBuf>,
    /// `--directive value ...` words after the config file.
    pub overrides: Vec<String>,
    pub check_config: bool,
}

/// Run the sentinel; returns the process exit code.
pub fn run(opts: Options) -> i32 {
    let Some(path) = opts.config.clone() else {
        eprintln!("Sentinel needs config file on disk to save state. Exiting...");
        return 1;
    };
    let loaded = match config::load(&path, &opts.overrides) {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", e);
            return 1;
        }
    };
    if opts.check_config {
        return check_config(&loaded);
    }
    if let Err(msg) = loaded.check_writable() {
        eprintln!("{}", msg);
        return 1;
    }
    if loaded.server.daemonize {
        if let Err(e) = daemonize() {
            eprintln!("Can't daemonize: {}", e);
            return 1;
        }
    }
    if let Err(e) = logging::init(&loaded.server.logfile, &loaded.server.loglevel, &loaded.server.log_format)
    {
        eprintln!("Can't open the log file: {}", e);
        return 1;
    }
    for notice in &loaded.notices {
        tracing::info!("{}", notice);
    }
    if let Some(dir) = &loaded.server.dir {
        if let Err(e) = std::env::set_current_dir(dir) {
            tracing::warn!("Can't chdir to '{}': {}", dir, e);
            return 1;
        }
    }
    let pidfile = pidfile_path(&loaded);
    if let Some(p) = &pidfile {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            tracing::warn!("Failed to write PID file {}: {}", p.display(), e);
        }
    }
    raise_open_files_limit();
    // Monitoring (the core task, the links, the listener) runs on one thread, as Redis's event
    // loop does: a link task hands its events to the core task without waking another worker
    // (with two workers, the eventfd and futex wake-ups of those hand-offs were about a fifth
    // of the CPU at 200 names), and one epoll_wait serves every ready link. Clients are served
    // on threads of their own (`server::client_threads`); disk writes and DNS go to threads
    // of their own or the blocking pool, never this one.
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("Can't start the runtime: {}", e);
            return 1;
        }
    };
    let code = runtime.block_on(serve(loaded));
    if let Some(p) = &pidfile {
        let _ = std::fs::remove_file(p);
    }
    code
}

/// `--check-config`: the file was read; with TLS in use, the certificate files must load too
/// (relative to `dir`, as at start-up).
fn check_config(loaded: &LoadedConfig) -> i32 {
    if loaded.server.tls.enabled() {
        if let Some(dir) = &loaded.server.dir {
            let _ = std::env::set_current_dir(dir);
        }
        if let Err(e) = Tls::load(&loaded.server.tls) {
            eprintln!("{}\nFailed to configure TLS. Check logs for more info.", e);
            return 1;
        }
    }
    println!("Configuration OK: {}", loaded.path.display());
    0
}

/// Like Redis's `adjustOpenFilesLimit`: a sentinel watching many masters holds two connections
/// per master and replica plus one per peer, so raise the soft RLIMIT_NOFILE towards the hard
/// limit (Redis aims for maxclients + 32 = 10032; we take up to 65536).
fn raise_open_files_limit() {
    // SAFETY: plain getrlimit/setrlimit calls on a stack value.
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return;
        }
        let want = lim.rlim_max.min(65_536);
        if lim.rlim_cur < want {
            let old = lim.rlim_cur;
            lim.rlim_cur = want;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) == 0 {
                tracing::info!(
                    "Increased maximum number of open files to {} (it was originally set to {}).",
                    want,
                    old
                );
            }
        }
    }
}

/// Redis writes a pidfile when one is configured, or at its default path when daemonized.
fn pidfile_path(c: &LoadedConfig) -> Option<PathBuf> {
    match &c.server.pidfile {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ if c.server.daemonize => Some(PathBuf::from("/var/run/redis.pid")),
        _ => None,
    }
}

/// Classic double-fork-free daemonize as Redis does: fork, parent exits, child starts a new
/// session and points stdio at /dev/null. Must run before any thread is started.
fn daemonize() -> std::io::Result<()> {
    // SAFETY: called before the tokio runtime or any other thread exists, so fork is safe.
    unsafe {
        match libc::fork() {
            -1 => return Err(std::io::Error::last_os_error()),
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
        let devnull = std::ffi::CString::new("/dev/null").expect("no NUL");
        let fd = libc::open(devnull.as_ptr(), libc::O_RDWR);
        if fd >= 0 {
            libc::dup2(fd, 0);
            libc::dup2(fd, 1);
            libc::dup2(fd, 2);
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
    Ok(())
}

fn random_hex40() -> String {
    let mut rng = rand::thread_rng();
    (0..40).map(|_| format!("{:x}", rng.gen_range(0..16u8))).collect()
}

async fn serve(loaded: LoadedConfig) -> i32 {
    let LoadedConfig { path, server, sentinel, .. } = loaded;
    let tls = match Tls::load(&server.tls) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!("{}", e);
            tracing::warn!("Failed to configure TLS. Check logs for more info.");
            return 1;
        }
    };
    let listeners = match crate::server::bind(&server).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("{}", e);
            return 1;
        }
    };
    let metrics_listeners = match crate::metrics::endpoint::bind(&server).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("{}", e);
            return 1;
        }
    };
    let generated_id = sentinel.myid.is_none();
    let settings = Settings {
        requirepass: server.requirepass.clone(),
        port: hello_port(&server),
        ..Settings::default()
    };
    let seed = rand::thread_rng().gen();
    let (mut links, link_events) = LinkRegistry::new();
    if let Some(tls) = tls.as_ref().filter(|t| t.for_links()) {
        links.use_tls(tls.clone());
    }
    let process = ProcessInfo {
        run_id: random_hex40(),
        executable: std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
        config_file: path.clone(),
        // INFO's tcp_port: the plain port, or the TLS port when there is none.
        tcp_port: if server.port != 0 { server.port } else { server.tls.port },
    };
    // The handle's clock starts at 0 when it is built, right after the core.
    let mut core = match Sentinel::new(&sentinel, settings, 0, seed) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("Invalid sentinel configuration: {}", e);
            return 1;
        }
    };
    if generated_id {
        if let Err(e) = save_blocking(path.clone(), server.clone(), core.to_config()).await {
            tracing::warn!("Can't save the generated Sentinel ID: {}", e);
        }
    }
    for host in core.take_resolves() {
        let ip = crate::handle::resolve(&host).await;
        core.handle(crate::core::input::Input::Resolved { host, ip }, 0);
    }
    tracing::warn!("Sentinel ID is {}", core.myid);
    core.generate_initial_monitor_events();
    links.set_own_id(&core.myid);
    let Running { h, broker, done: core_done } =
        core_task::start(core, server, process, ConfigFile(path.clone()), (links, link_events));
    tokio::spawn(crate::server::serve(h.clone(), broker, listeners, tls.clone()));
    if let Some(l) = metrics_listeners {
        let port = h.server_config().metrics_port;
        tracing::info!(
            "Metrics endpoint listening on port {} (GET {})",
            port,
            crate::metrics::endpoint::PATH
        );
        tokio::spawn(crate::metrics::endpoint::serve(h.clone(), l));
    }
    if let Some(tls) = &tls {
        tokio::spawn(watch_tls_files(tls.clone()));
    }
    tokio::spawn(on_sighup(tls));
    tokio::spawn(trim_heap_periodically());

    let mut shutdown = h.0.shutdown.subscribe();
    let mut sigterm = signal(tokio::signal::unix::SignalKind::terminate());
    let mut sigint = signal(tokio::signal::unix::SignalKind::interrupt());
    tokio::select! {
        _ = recv_signal(&mut sigterm) => tracing::warn!("Received SIGTERM scheduling shutdown..."),
        _ = recv_signal(&mut sigint) => tracing::warn!("Received SIGINT scheduling shutdown..."),
        _ = shutdown.changed() => tracing::warn!("User requested shutdown..."),
    }
    h.request_shutdown();
    // Unlike Redis (whose sentinel SHUTDOWN is always NOSAVE), save on the way out: nothing
    // learnt since the last flush is lost. The core task hands the core back when it stops.
    match core_done.await {
        Ok(core) => {
            if let Err(e) = save_blocking(path, h.server_config(), core.to_config()).await {
                tracing::warn!("Error saving the config on shutdown: {}", e);
            }
        }
        Err(e) => tracing::warn!("The core task failed: {}", e),
    }
    tracing::warn!("Sentinel is now ready to exit, bye bye...");
    0
}

/// The port hellos announce when `sentinel announce-port` is unset: the TLS port when links
/// use TLS and there is one (peers will connect with TLS), else the plain port
/// (`sentinelSendHello`).
fn hello_port(server: &ServerConfig) -> u16 {
    if server.tls.replication && server.tls.port != 0 {
        server.tls.port
    } else {
        server.port
    }
}

/// Pick up rotated certificates: look at the TLS files every [`TLS_FILES_POLL`] and reload
/// when one changed (off the runtime's workers: keys are parsed and checked).
async fn watch_tls_files(tls: std::sync::Arc<Tls>) {
    let mut tick = tokio::time::interval(TLS_FILES_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let tls = tls.clone();
        let _ = tokio::task::spawn_blocking(move || tls.reload_if_changed()).await;
    }
}

/// SIGHUP re-reads the TLS files; without TLS it is ignored, as Redis ignores it.
async fn on_sighup(tls: Option<std::sync::Arc<Tls>>) {
    let mut hup = signal(tokio::signal::unix::SignalKind::hangup());
    loop {
        recv_signal(&mut hup).await;
        match &tls {
            Some(tls) => {
                let tls = tls.clone();
                let _ = tokio::task::spawn_blocking(move || tls.reload_and_log("SIGHUP")).await;
            }
            None => tracing::debug!("Received SIGHUP: ignored (no TLS configuration to reload)"),
        }
    }
}

/// How often freed heap memory is handed back to the kernel.
const HEAP_TRIM_PERIOD: std::time::Duration = std::time::Duration::from_secs(10);

/// Hand freed heap memory back to the kernel every [`HEAP_TRIM_PERIOD`] (glibc's
/// `malloc_trim`, on the blocking pool). glibc keeps the pages of freed blocks that are not at
/// the top of a heap: after a burst (discovery's hello flood, a failover's events, a client's
/// big replies, read models dropped on client threads) the resident size stayed at its
/// high-water mark, and sentinels with the same load differed by 2x. Redis's jemalloc purges
/// such pages by itself.
async fn trim_heap_periodically() {
    #[cfg(target_env = "gnu")]
    loop {
        tokio::time::sleep(HEAP_TRIM_PERIOD).await;
        // SAFETY: malloc_trim only walks and shrinks the allocator's own heaps, under its locks.
        let _ = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) }).await;
    }
}

/// Write the config off the runtime's workers.
async fn save_blocking(path: PathBuf, server: ServerConfig, state: SentinelConfig) -> Result<(), String> {
    let write = move || config::save(&path, &server, &state).map_err(|e| e.to_string());
    tokio::task::spawn_blocking(write).await.map_err(|e| e.to_string())?
}

fn signal(kind: tokio::signal::unix::SignalKind) -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(kind).ok()
}

async fn recv_signal(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

/// The absolute form of a path (the config path must survive the chdir to `dir`).
pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}
