//! rsentinel: a drop-in replacement for the Redis Sentinel process.
//!
//! The crate is split the way the process is split:
//! - [`core`]: the sans-IO state machine (instances, SDOWN/ODOWN, epochs, votes, failover).
//!   It takes events and returns [`core::Action`]s; it never touches sockets or clocks.
//! - [`monitor`]: outgoing links to masters, replicas and peer sentinels, and INFO parsing.
//! - [`gossip`]: the `__sentinel__:hello` message format.
//! - [`server`]: the RESP server clients talk to (port 26379).
//! - [`config`]: `sentinel.conf` / TOML loading and the atomic config rewrite.
//! - [`daemon`]: the tokio shell that wires the pieces together and runs the core's actions.

pub mod config;
pub mod core;
pub mod daemon;
pub mod monitor;
pub mod server;

/// The version reported in INFO and HELLO. Sentinel clients compare against the Redis version
/// they talk to, so rsentinel reports the Redis release whose behaviour it mirrors.
pub const REDIS_COMPAT_VERSION: &str = "7.0.15";
