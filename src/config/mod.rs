//! Configuration: `sentinel.conf` (Redis syntax) or TOML loading, command-line overrides, and
//! the atomic Redis-style rewrite.
//!
//! - [`load`] reads the file named on the command line plus the `--name value` words after it,
//!   with the directives, checks, errors and queue order of redis-sentinel 7.0.15.
//! - [`save`] rewrites the file in place, keeping comments and unknown lines (the Redis
//!   CONFIG REWRITE rules, spec §4.4), through a temp file + fsync + rename.
//! - Files whose name ends in `.toml` use the TOML format instead (see `toml_file.rs`).
//! - With `sentinel state-config-file <path>` (TOML `state_file`, command line
//!   `--state-file`), the state lives in a separate file, in the syntax of the Redis/Valkey
//!   proposal (redis #15422, valkey #4085): [`load`] reads the main file, then the state
//!   file over it; [`save`] writes only the state file ([`save_state`]) and never touches
//!   the main file, which may be read-only.

mod acl_syntax;
mod atomic;
mod cnum;
mod error;
mod generic;
pub mod lexer;
mod loader;
pub mod model;
mod rewrite;
mod sentinel_lines;
mod server_table;
#[cfg(test)]
mod state_tests;
pub mod sys;
mod toml_file;

pub use error::{ConfigError, Origin, REDIS_VERSION};
pub use generic::LOG_FORMAT_JSON;
pub use model::{KnownReplica, KnownSentinel, MasterConfig, RenameCommand, SentinelConfig};
pub use rewrite::{SIGNATURE as REWRITE_SIGNATURE, STATE_END, STATE_HEADER};

use std::io;
use std::path::{Path, PathBuf};

use loader::Loader;
use model::ServerConfig;

/// A loaded configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedConfig {
    /// The config file, absolute (it must still be found after the `chdir` to `dir`).
    pub path: PathBuf,
    pub server: ServerConfig,
    pub sentinel: SentinelConfig,
    /// What the state file overrode in the main file (log them once logging is up).
    pub notices: Vec<String>,
}

impl LoadedConfig {
    /// The file every flush writes: the state file when one is set, else the config file.
    pub fn persist_path(&self) -> PathBuf {
        self.server.state_file.as_ref().map(PathBuf::from).unwrap_or_else(|| self.path.clone())
    }

    /// Redis refuses to start when the config file is not writable (`sentinelCheckConfigFile`):
    /// `Sentinel config file <path> is not writable: <strerror>. Exiting...`. With a state
    /// file only that file must be writable (the main file may be read-only): the state file
    /// itself if it exists, and its directory, where the atomic rewrite creates and renames
    /// its temp file.
    pub fn check_writable(&self) -> Result<(), String> {
        let Some(state) = &self.server.state_file else { return check_writable(&self.path) };
        let state = Path::new(state);
        let not_writable = |what: &str, p: &Path, errno: i32| {
            format!("Sentinel {} {} is not writable: {}. Exiting...", what, p.display(), sys::strerror(errno))
        };
        let dir = state.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        sys::access(dir, libc::W_OK | libc::X_OK)
            .map_err(|e| not_writable("state file directory", dir, e))?;
        match sys::access(state, libc::W_OK) {
            Err(libc::ENOENT) | Ok(()) => Ok(()),
            Err(e) => Err(not_writable("state file", state, e)),
        }
    }
}

/// Load the config file at `path`, then apply `overrides`: the command-line words after the
/// file name, redis-server style (`--port 26380 --bind 127.0.0.1 ::1` act as the extra lines
/// `port 26380` and `bind 127.0.0.1 ::1` after the file's content; `--sentinel` alone is the
/// mode switch and is ignored).
///
/// Any refused line is fatal; the error prints `file:line: message` and Redis's fatal block.
pub fn load(path: &Path, overrides: &[String]) -> Result<LoadedConfig, ConfigError> {
    let abs = absolute(path);
    let shown = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| ConfigError::Open { path: shown.clone(), reason: sys::io_strerror(&e) })?;
    let text = String::from_utf8_lossy(&bytes);
    let options = loader::options_text(overrides);
    let mut loader = if toml_file::is_toml(&shown) {
        let (server, builder) = toml_file::parse(&text, &shown)?;
        let mut l = Loader::seeded(server, builder);
        // Options are numbered as if they followed a one-line file.
        l.read_text(&format!("\n{}", options), &shown, 1)?;
        l
    } else {
        let mut l = Loader::new();
        let file_lines = text.split('\n').count();
        l.read_text(&format!("{}\n{}", text, options), &shown, file_lines)?;
        l
    };
    loader.check_generic(&shown, true)?;
    if let Some(state) = loader.resolve_state_file(&abs, &shown)? {
        loader.read_state_file(&state)?;
    }
    let (server, sentinel, notices) = loader.finish()?;
    Ok(LoadedConfig { path: abs, server, sentinel, notices })
}

/// Parse config text without touching the command line (tests, `--test-config`-style checks).
/// `file_name` is used in errors and selects TOML when it ends in `.toml`. Relative paths
/// (`include`, `dir`, scripts) are relative to the current directory; the log file is not
/// opened.
pub fn parse_str(text: &str, file_name: &str) -> Result<(ServerConfig, SentinelConfig), ConfigError> {
    parse_str_with_overrides(text, file_name, &[])
}

/// [`parse_str`] followed by command-line `overrides`, as [`load`] applies them (the fuzz
/// targets and property tests read configs this way, without files).
pub fn parse_str_with_overrides(
    text: &str,
    file_name: &str,
    overrides: &[String],
) -> Result<(ServerConfig, SentinelConfig), ConfigError> {
    load_text(text, file_name, overrides, false)
}

/// The file's text, then the override lines after it, then the final checks (opening the log
/// file only when `open_logfile`).
fn load_text(
    text: &str,
    file_name: &str,
    overrides: &[String],
    open_logfile: bool,
) -> Result<(ServerConfig, SentinelConfig), ConfigError> {
    let options = loader::options_text(overrides);
    let loader = if toml_file::is_toml(file_name) {
        let (server, builder) = toml_file::parse(text, file_name)?;
        let mut l = Loader::seeded(server, builder);
        // Options are numbered as if they followed a one-line file.
        l.read_text(&format!("\n{}", options), file_name, 1)?;
        l
    } else {
        let mut l = Loader::new();
        let file_lines = text.split('\n').count();
        l.read_text(&format!("{}\n{}", text, options), file_name, file_lines)?;
        l
    };
    loader.check_generic(file_name, open_logfile)?;
    loader.finish().map(|(server, sentinel, _)| (server, sentinel))
}

/// Redis refuses to start when the config file is not writable (`sentinelCheckConfigFile`):
/// the message is `Sentinel config file <path> is not writable: <strerror>. Exiting...`.
pub fn check_writable(path: &Path) -> Result<(), String> {
    sys::access(path, libc::W_OK).map_err(|errno| {
        format!(
            "Sentinel config file {} is not writable: {}. Exiting...",
            path.display(),
            sys::strerror(errno)
        )
    })
}

/// Persist the state: into the state file when `server.state_file` is set ([`save_state`];
/// the main config file at `path` is then never touched), else by rewriting the main config
/// file ([`save_main`]).
pub fn save(path: &Path, server: &ServerConfig, sentinel: &SentinelConfig) -> io::Result<()> {
    match &server.state_file {
        Some(state) => save_state(Path::new(state), sentinel),
        None => save_main(path, server, sentinel),
    }
}

/// Write the state file at `path`, atomically (same steps and error texts as [`save_main`]):
/// only the `sentinel` lines of the state, between a header and an end line (a file that
/// has the header but not the end line is refused at load as truncated). The whole file is
/// generated; nothing of its old content is kept.
pub fn save_state(path: &Path, sentinel: &SentinelConfig) -> io::Result<()> {
    let _guard = atomic::save_lock().lock().unwrap_or_else(|e| e.into_inner());
    atomic::write_atomically(path, rewrite::render_state(sentinel).as_bytes())
}

/// Rewrite the config file at `path` with the given state, atomically.
///
/// For a `.conf` file this is Redis's CONFIG REWRITE: comments and unknown lines are kept,
/// known options are replaced where they stand, new ones are appended after
/// `# Generated by CONFIG REWRITE`, stale lines of processed options are blanked. The `dir`
/// line gets the absolute working directory, as in Redis (the daemon has `chdir`ed to `dir`).
///
/// For a `.toml` file the whole state is serialised as TOML; comments are not preserved.
///
/// The write goes through a temp file in the same directory (written, fsynced, given the old
/// file's mode, renamed over the config, directory fsynced). On failure the old file is
/// untouched and the error names the step and its cause, e.g.
/// `Could not create tmp config file (Permission denied)`.
pub fn save_main(path: &Path, server: &ServerConfig, sentinel: &SentinelConfig) -> io::Result<()> {
    let _guard = atomic::save_lock().lock().unwrap_or_else(|e| e.into_inner());
    let old = if toml_file::is_toml(&path.to_string_lossy()) {
        String::new()
    } else {
        match std::fs::read(path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                let msg = format!("Error reading the configuration file ({})", sys::io_strerror(&e));
                return Err(io::Error::new(e.kind(), msg));
            }
        }
    };
    let content = render(&path.to_string_lossy(), &old, server, sentinel)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    atomic::write_atomically(path, content.as_bytes())
}

/// The text [`save`] writes to a config file named `file_name` whose current content is `old`
/// (TOML files are rendered whole, `old` is ignored). Pure, for property tests and fuzzing:
/// loading the result gives back `server` and `sentinel`.
pub fn render(
    file_name: &str,
    old: &str,
    server: &ServerConfig,
    sentinel: &SentinelConfig,
) -> Result<String, String> {
    if toml_file::is_toml(file_name) {
        return toml_file::render(server, sentinel);
    }
    let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
    let dir = match &server.dir {
        Some(d) if Path::new(d).is_absolute() => d.clone(),
        _ => cwd,
    };
    Ok(rewrite::rewrite(old, server, sentinel, &dir))
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}
