//! The RESP server clients and peer sentinels talk to (port 26379, and `tls-port` with TLS).
//!
//! [`bind`] opens the listening sockets (and validates the settings the server needs, so bad
//! `user` or `rename-command` lines stop the process at startup); [`serve`] accepts clients
//! until the process shuts down. A client of the TLS port is served once its handshake is
//! done, exactly like a client of the plain port. Each client gets its own task ([`handler`]) running Redis's
//! request pipeline: [`parse`] → [`cmd::prepare`] → [`cmd::execute`] → [`Frame`] encoding.

pub mod acl;
pub mod client;
pub mod cmd;
pub mod connection;
pub mod frame;
pub mod handler;
pub mod parse;
pub mod pause;
pub mod pubsub;
pub mod sentinel;
pub mod stats;
pub mod util;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpSocket};

pub use frame::Frame;

use crate::config::model::ServerConfig;
use crate::handle::Handle;
use crate::tls::{Stream, Tls};

use self::acl::Acl;
use self::client::ClientRegistry;
use self::cmd::spec::CommandTable;
use self::cmd::table::COMMANDS;
use self::pause::Pause;
use self::pubsub::Broker;
use self::stats::ServerStats;

/// Redis's default `maxclients`.
const DEFAULT_MAXCLIENTS: usize = 10_000;
/// File descriptors Redis keeps for itself beyond the clients (`CONFIG_MIN_RESERVED_FDS`).
const RESERVED_FDS: u64 = 32;
/// `tcp-backlog` default.
const BACKLOG: u32 = 511;
/// How long a client of the TLS port may take to finish its handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The listening sockets: the plain port's and the TLS port's.
#[derive(Debug, Default)]
pub struct Listeners {
    pub plain: Vec<TcpListener>,
    pub tls: Vec<TcpListener>,
}

/// State shared by the accept loop and every client task.
pub struct Server {
    pub h: Handle,
    /// The local pub/sub channels (the core task publishes events into it).
    pub broker: Arc<Broker>,
    pub stats: ServerStats,
    pub clients: ClientRegistry,
    /// The commands this server answers, with `rename-command` applied.
    pub table: CommandTable,
    acl: Mutex<Acl>,
    pub pause: Pause,
    /// When the server started (INFO uptime).
    pub started: Instant,
    pub protected_mode: bool,
    pub maxclients: usize,
}

/// Why the server settings are unusable; reported at startup.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Users(#[from] acl::ConfigUserError),
    #[error("{0}")]
    Rename(#[from] cmd::spec::RenameError),
}

impl Server {
    /// Build the server state from the handle's settings.
    pub fn new(h: Handle, broker: Arc<Broker>) -> Result<Server, SetupError> {
        let cfg = h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let table = command_table(&cfg)?;
        let acl = Acl::from_config(&table, cfg.requirepass.as_deref(), &cfg.users)?;
        Ok(Server {
            h,
            broker,
            stats: ServerStats::default(),
            clients: ClientRegistry::default(),
            table,
            acl: Mutex::new(acl),
            pause: Pause::default(),
            started: Instant::now(),
            protected_mode: cfg.protected_mode,
            maxclients: max_clients(),
        })
    }

    /// The users and the ACL LOG. Never hold this across an await or while locking a client.
    pub fn acl(&self) -> MutexGuard<'_, Acl> {
        self.acl.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep the handle's `user` lines equal to the live ACL, so the next config rewrite saves
    /// users changed with ACL SETUSER / DELUSER (Redis rewrites every user, `default`
    /// included).
    pub fn sync_users_to_config(&self) {
        let lines = self.acl().config_lines(&self.table);
        self.h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).users = lines;
    }
}

fn command_table(cfg: &ServerConfig) -> Result<CommandTable, cmd::spec::RenameError> {
    let renames: Vec<(String, String)> =
        cfg.rename_commands.iter().map(|r| (r.from.clone(), r.to.clone())).collect();
    CommandTable::new(COMMANDS, &renames)
}

/// `maxclients`, lowered when the open files limit cannot hold it (`adjustOpenFilesLimit`):
/// the soft limit is raised toward maxclients + 32 if the hard limit allows.
fn max_clients() -> usize {
    let want = DEFAULT_MAXCLIENTS as u64 + RESERVED_FDS;
    // SAFETY: getrlimit / setrlimit on a local struct.
    let soft = unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) != 0 {
            return DEFAULT_MAXCLIENTS;
        }
        if (rl.rlim_cur as u64) < want {
            let target = want.min(rl.rlim_max as u64);
            let new = libc::rlimit { rlim_cur: target as libc::rlim_t, rlim_max: rl.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &new) == 0 {
                rl.rlim_cur = new.rlim_cur;
            }
        }
        rl.rlim_cur as u64
    };
    (soft.saturating_sub(RESERVED_FDS) as usize).clamp(1, DEFAULT_MAXCLIENTS)
}

fn invalid(msg: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, msg)
}

/// Open the listening sockets for `cfg.port` and `tls-port` on `cfg.bind` (empty: all IPv4
/// and IPv6 interfaces, like Redis's default `bind * -::*`). A `-` before an address makes it
/// optional. Addresses of a family the host lacks are skipped, as Redis does. Port 0 means no
/// listener of that kind, as in Redis; with neither, Redis refuses to start.
pub async fn bind(cfg: &ServerConfig) -> std::io::Result<Listeners> {
    let table = command_table(cfg).map_err(|e| invalid(format!("rename-command: {}", e)))?;
    Acl::from_config(&table, cfg.requirepass.as_deref(), &cfg.users).map_err(|e| invalid(e.to_string()))?;
    if cfg.port == 0 && cfg.tls.port == 0 {
        return Err(invalid("Configured to not listen anywhere, exiting.".into()));
    }
    let mut listeners = Listeners::default();
    if cfg.port != 0 {
        listeners.plain = bind_port(cfg, cfg.port, "TCP").await?;
    }
    if cfg.tls.port != 0 {
        listeners.tls = bind_port(cfg, cfg.tls.port, "TLS").await?;
    }
    Ok(listeners)
}

/// Listen on `port` on every configured address; `kind` (TCP or TLS) is for messages.
async fn bind_port(cfg: &ServerConfig, port: u16, kind: &str) -> std::io::Result<Vec<TcpListener>> {
    let specs: Vec<String> =
        if cfg.bind.is_empty() { vec!["*".into(), "-::*".into()] } else { cfg.bind.clone() };
    let mut listeners = Vec::new();
    for spec in &specs {
        let (optional, addr) = match spec.strip_prefix('-') {
            Some(a) => (true, a),
            None => (false, spec.as_str()),
        };
        match listen_on(addr, port).await {
            Ok(l) => listeners.extend(l),
            Err(e) => {
                tracing::warn!(
                    "Warning: Could not create server TCP listening socket {}:{}: {}",
                    addr,
                    port,
                    e
                );
                let skippable = matches!(
                    e.raw_os_error(),
                    Some(libc::ENOPROTOOPT)
                        | Some(libc::EPROTONOSUPPORT)
                        | Some(libc::ESOCKTNOSUPPORT)
                        | Some(libc::EPFNOSUPPORT)
                        | Some(libc::EAFNOSUPPORT)
                        | Some(libc::EADDRNOTAVAIL)
                );
                if !(skippable || optional && e.raw_os_error() == Some(libc::EADDRNOTAVAIL)) {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!(
                            "Failed listening on port {} ({}), aborting: Could not create server TCP listening socket {}:{}: {}",
                            port, kind, addr, port, e
                        ),
                    ));
                }
            }
        }
    }
    if listeners.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AddrNotAvailable,
            format!("Failed listening on port {} ({}), aborting.", port, kind),
        ));
    }
    Ok(listeners)
}

/// Listen on one configured address (which may be a host name).
async fn listen_on(addr: &str, port: u16) -> std::io::Result<Vec<TcpListener>> {
    let ips: Vec<IpAddr> = match addr {
        "*" => vec![IpAddr::V4(Ipv4Addr::UNSPECIFIED)],
        "::*" => vec![IpAddr::V6(Ipv6Addr::UNSPECIFIED)],
        a => match a.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((a, port)).await?.map(|s| s.ip()).take(1).collect(),
        },
    };
    let mut out = Vec::new();
    for ip in ips {
        let socket = if ip.is_ipv6() { TcpSocket::new_v6()? } else { TcpSocket::new_v4()? };
        socket.set_reuseaddr(true)?;
        if ip.is_ipv6() {
            set_v6only(&socket)?;
        }
        socket.bind(SocketAddr::new(ip, port))?;
        out.push(socket.listen(BACKLOG)?);
    }
    Ok(out)
}

/// IPv6 sockets accept only IPv6, so `::` and `0.0.0.0` can both be bound.
fn set_v6only(socket: &TcpSocket) -> std::io::Result<()> {
    let one: libc::c_int = 1;
    // SAFETY: setsockopt on a socket we own, with a pointer to a c_int and its size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            &one as *const libc::c_int as *const libc::c_void,
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Accept clients on every listener until `h.0.shutdown` turns true. `tls` serves the TLS
/// listeners (it is set whenever there are any).
pub async fn serve(h: Handle, broker: Arc<Broker>, listeners: Listeners, tls: Option<Arc<Tls>>) {
    let mut shutdown = h.0.shutdown.subscribe();
    if *shutdown.borrow_and_update() {
        return;
    }
    let srv = match Server::new(h, broker) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            tracing::error!("Cannot start the server: {}", e);
            return;
        }
    };
    let mut tasks = tokio::task::JoinSet::new();
    for l in listeners.plain {
        tasks.spawn(accept_loop(srv.clone(), l, None));
    }
    match &tls {
        Some(tls) => {
            for l in listeners.tls {
                tasks.spawn(accept_loop(srv.clone(), l, Some(tls.clone())));
            }
        }
        None if !listeners.tls.is_empty() => {
            tracing::warn!("TLS listeners without a TLS configuration: not served")
        }
        None => {}
    }
    tasks.spawn(sample_stats(srv.clone()));
    loop {
        if *shutdown.borrow_and_update() {
            break;
        }
        if shutdown.changed().await.is_err() {
            break;
        }
    }
    tasks.abort_all();
}

async fn accept_loop(srv: Arc<Server>, listener: TcpListener, tls: Option<Arc<Tls>>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => match &tls {
                None => {
                    tokio::spawn(handler::run(srv.clone(), Stream::Plain(stream), peer));
                }
                Some(tls) => {
                    tokio::spawn(accept_tls(srv.clone(), tls.clone(), stream, peer));
                }
            },
            Err(e) => {
                tracing::warn!("Accepting client connection: {}", e);
                // Out of file descriptors and similar: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Run the server side of a TLS handshake, then serve the client. A failed handshake is
/// logged as a warning, as Redis 7.0 logs it (`clientAcceptHandler`).
async fn accept_tls(srv: Arc<Server>, tls: Arc<Tls>, tcp: tokio::net::TcpStream, peer: SocketAddr) {
    let Some(acceptor) = tls.acceptor() else {
        tracing::warn!("No TLS configuration for the TLS port: closing the connection of {}", peer);
        return;
    };
    let _ = tcp.set_nodelay(true);
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(stream)) => handler::run(srv, Stream::Tls(Box::new(stream.into())), peer).await,
        Ok(Err(e)) => tracing::warn!("Error accepting a client connection: {} (addr={})", e, peer),
        Err(_) => {
            tracing::warn!("Error accepting a client connection: TLS handshake timed out (addr={})", peer)
        }
    }
}

/// Feed the instantaneous rates every 100 ms, as serverCron does.
async fn sample_stats(srv: Arc<Server>) {
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        srv.stats.sample(Instant::now());
    }
}
