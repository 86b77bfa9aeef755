//! The tokio shell: runs the core's actions, drives timers, owns the process.

pub mod handle;
pub mod logging;
pub mod run;
pub mod tasks;

pub use handle::{DaemonRequest, FlushError, Handle, ProcessInfo};
