//! Config load errors, printed the way redis-sentinel prints them.

use std::fmt;

/// The version Redis prints in its fatal config error banner.
pub const REDIS_VERSION: &str = "7.0.15";

/// Where a refused config line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A line of the config file (or of an included file).
    File,
    /// A `--name value` word group from the command line (appended after the file).
    CommandLine,
}

/// Why the configuration could not be loaded.
///
/// `Display` prints a `file:line: error` line (so editors and humans find the spot), then
/// Redis's own fatal block byte for byte:
/// `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line N\n>>> '<line>'\n<error>\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The file (or an included file) cannot be read.
    Open { path: String, reason: String },
    /// A line was refused. `line` counts like Redis: for command-line options it continues
    /// after the file's lines (Redis appends the options to the file text).
    Line { file: String, line: usize, text: String, message: String, origin: Origin },
    /// A problem with no line to point at (e.g. the log file cannot be opened).
    Global { file: String, message: String },
}

impl ConfigError {
    /// The bare error message (Redis's wording).
    pub fn message(&self) -> &str {
        match self {
            ConfigError::Open { reason, .. } => reason,
            ConfigError::Line { message, .. } | ConfigError::Global { message, .. } => message,
        }
    }

    /// The line number, when the error points at one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Line { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// Only Redis's fatal block (what redis-sentinel writes to stderr), without our
    /// `file:line:` lead line.
    pub fn redis_block(&self) -> String {
        match self {
            ConfigError::Open { path, reason } => {
                format!("Fatal error, can't open config file '{}': {}\n", path, reason)
            }
            ConfigError::Line { line, text, message, .. } => format!(
                "\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}\n",
                REDIS_VERSION, line, text, message
            ),
            ConfigError::Global { message, .. } => {
                format!("\n*** FATAL CONFIG FILE ERROR (Redis {}) ***\n{}\n", REDIS_VERSION, message)
            }
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Open { .. } => {}
            ConfigError::Line { file, line, message, origin: Origin::File, .. } => {
                writeln!(f, "{}:{}: {}", file, line, message)?
            }
            ConfigError::Line { file, line, message, origin: Origin::CommandLine, .. } => {
                writeln!(f, "{}:{} (command-line option): {}", file, line, message)?
            }
            ConfigError::Global { file, message } => writeln!(f, "{}: {}", file, message)?,
        }
        f.write_str(&self.redis_block())
    }
}

impl std::error::Error for ConfigError {}
