//! `rsentinel`: invoked like `redis-sentinel`:
//! `rsentinel /etc/sentinel.conf [--port 26380 --bind 127.0.0.1 ...] [--check-config]
//! [--state-file PATH]`.

use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use rsentinel::daemon::run::{absolute, run, Options};

/// A drop-in replacement for the Redis Sentinel process.
#[derive(Parser, Debug)]
#[command(
    name = "rsentinel",
    version,
    about,
    override_usage = "rsentinel [/path/to/sentinel.conf] [--check-config] [--state-file PATH] [--<directive> <value> ...]",
    after_help = "Examples:\n  rsentinel /etc/sentinel.conf\n  rsentinel /etc/sentinel.conf --port 26380 --bind 127.0.0.1\n  \
                  rsentinel config/rsentinel.toml\n  rsentinel /etc/sentinel.conf --check-config\n\n\
                  Any sentinel.conf directive can be given as --<directive> <value ...> after the file; \
                  it overrides the file, as with redis-sentinel."
)]
struct Cli {
    /// Validate the configuration, print file:line errors, and exit 0 (valid) or 1.
    #[arg(long)]
    check_config: bool,
    /// Persist the state into PATH instead of rewriting the config file (which may then be
    /// read-only); the same as `sentinel state-config-file PATH`.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,
    /// The config file (sentinel.conf syntax, or TOML when it ends in .toml). Must be writable
    /// unless a state file is set: rsentinel persists its state there, as Redis Sentinel does.
    config: Option<PathBuf>,
    /// Directives that override the config file: `--port 26380 --bind 127.0.0.1 ...`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    directives: Vec<String>,
}

fn main() {
    rsentinel::handle::fail_stop::install();
    let raw: Vec<String> = std::env::args().skip(1).collect();
    // Help and version go through clap; everything else is parsed redis-server style, because
    // `--<directive> <value>` pairs are open-ended and may appear anywhere after the file.
    if raw.iter().any(|a| a == "-h" || a == "--help") {
        let _ = Cli::command().print_long_help();
        return;
    }
    if raw.iter().any(|a| a == "-v" || a == "--version" || a == "-V") {
        println!(
            "rsentinel v={} (Redis Sentinel {} compatible)",
            env!("CARGO_PKG_VERSION"),
            rsentinel::REDIS_COMPAT_VERSION
        );
        return;
    }
    let check_config = raw.iter().any(|a| a == "--check-config");
    let mut rest: Vec<String> = raw.into_iter().filter(|a| a != "--check-config").collect();
    let config = match rest.first() {
        Some(first) if !first.starts_with("--") => Some(absolute(&PathBuf::from(rest.remove(0)))),
        _ => None,
    };
    // `--state-file PATH` is the directive `sentinel state-config-file PATH`, with PATH taken
    // relative to the current directory (like the config file's path).
    while let Some(i) = rest.iter().position(|a| a == "--state-file") {
        let Some(path) = rest.get(i + 1).filter(|p| !p.starts_with("--")).cloned() else {
            eprintln!("--state-file needs a path");
            std::process::exit(1);
        };
        let path = absolute(&PathBuf::from(path)).display().to_string();
        rest.splice(i..i + 2, ["--sentinel".to_string(), "state-config-file".to_string(), path]);
    }
    let code = run(Options { config, overrides: rest, check_config });
    std::process::exit(code);
}
