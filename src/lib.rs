//! rsentinel: a drop-in replacement for the Redis Sentinel process.
//!
//! The crate is split the way the process is split:
//! - [`core`]: the sans-IO state machine (instances, SDOWN/ODOWN, epochs, votes, failover).
//!   It takes events and returns [`core::Action`]s; it never touches sockets or clocks.
//!   Pure wire code (INFO, hello, glob, Redis number parsing) lives beside it in `core::wire`.
//! - [`monitor`]: outgoing links to masters, replicas and peer sentinels.
//! - [`server`]: the RESP server clients talk to (port 26379).
//! - [`config`]: `sentinel.conf` / TOML loading and the atomic config rewrite.
//! - [`tls`]: the rustls configurations (built at start, reloaded when the files change) and
//!   the plain-or-TLS connection type the server and the links share.
//! - [`handle`]: what the server and the daemon share: the read model, the way into the core
//!   task, the clock, logging.
//! - [`daemon`]: the tokio shell: the core task that owns the core and runs its actions in
//!   order, the config writer, scripts, start-up and shutdown.

pub mod config;
pub mod core;
pub mod daemon;
pub mod handle;
pub mod monitor;
pub mod server;
pub mod tls;

/// The version reported in INFO and HELLO. Sentinel clients compare against the Redis version
/// they talk to, so rsentinel reports the Redis release whose behaviour it mirrors.
pub const REDIS_COMPAT_VERSION: &str = "7.0.15";
