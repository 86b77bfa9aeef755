//! The tokio shell: the core task that owns the core and carries out its actions in order,
//! the config writer thread, script processes, and process start-up and shutdown.

pub mod config_writer;
pub mod core_task;
pub mod run;
pub mod scripts;
