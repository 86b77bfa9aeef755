//! The tokio shell: runs the core's actions, drives timers, owns the process.

pub mod handle;
pub mod logging;
// pub mod run; (wired once config, links and server land)

pub use handle::{DaemonRequest, FlushError, Handle, ProcessInfo};
