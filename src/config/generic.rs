//! Generic (non-`sentinel`) directives: the ones rsentinel acts on are stored in
//! [`ServerConfig`]; every other directive redis-server 7.0 or valkey-server 8.1 accepts is
//! checked like they check it (see `server_table.rs`) and ignored.
//!
//! The checks are plain functions so the TOML loader runs the very same ones on its values.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::acl_syntax;
use super::model::{RenameCommand, ServerConfig, TlsAuthClients, TlsConfig};
use super::server_table::{self, check_enum, LOGLEVELS, SYSLOG_FACILITIES};
use super::sys;

/// `log-format json`: rsentinel's own value of Valkey 8.1's `log-format` directive (Valkey has
/// `legacy` and `logfmt`, which are checked like Valkey checks them; `logfmt` is accepted but
/// logs Redis's lines).
pub const LOG_FORMAT_JSON: &str = "json";
const LOG_FORMATS: &[&str] = &["legacy", "logfmt", LOG_FORMAT_JSON];

pub const BAD_DIRECTIVE: &str = "Bad directive or wrong number of arguments";

/// The commands a sentinel has (spec §3.1): what server-level `rename-command` may rename.
pub const SENTINEL_COMMANDS: &[&str] = &[
    "acl",
    "auth",
    "client",
    "command",
    "hello",
    "info",
    "ping",
    "psubscribe",
    "publish",
    "punsubscribe",
    "role",
    "sentinel",
    "shutdown",
    "subscribe",
    "unsubscribe",
];

/// Redis refuses `user` lines together with an `aclfile` (checked once everything is read).
pub const USERS_AND_ACLFILE: &str = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.";

/// State the generic directives need while a file is read.
pub struct GenericState {
    pub server: ServerConfig,
    /// Where relative paths point: the process directory, then each `dir` (Redis `chdir`s as
    /// soon as it reads `dir`, so later relative paths are relative to it).
    pub base_dir: PathBuf,
    process_dir: PathBuf,
    /// The command table as renamed so far (lower case).
    commands: HashSet<String>,
    user_names: HashSet<String>,
}

/// What the caller must do with a line after [`GenericState::apply`].
pub enum Outcome {
    Done,
    /// An `include <path>` to read now.
    Include(String),
    /// A `sentinel ...` line (the words after `sentinel`) to queue.
    Sentinel(Vec<String>),
}

impl GenericState {
    pub fn new(server: ServerConfig) -> GenericState {
        let process_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        let mut s = GenericState {
            server: ServerConfig::default(),
            base_dir: process_dir.clone(),
            process_dir,
            commands: SENTINEL_COMMANDS.iter().map(|c| c.to_string()).collect(),
            user_names: HashSet::new(),
        };
        // Seed from an already validated config (TOML + command-line overrides).
        for r in &server.rename_commands {
            let _ = s.rename_command(&r.from, &r.to);
        }
        for u in &server.users {
            if let Some(name) = u.first() {
                s.user_names.insert(name.clone());
            }
        }
        if let Some(d) = &server.dir {
            s.base_dir = s.base_dir.join(d);
        }
        s.server = server;
        s
    }

    /// Apply one generic line (`args[0]` is the directive, any case). The error is Redis's
    /// message for that line.
    pub fn apply(&mut self, args: &[String]) -> Result<Outcome, String> {
        let name = args[0].to_ascii_lowercase();
        let rest = &args[1..];
        if name == "log-format" && rest.len() == 1 && rest[0].eq_ignore_ascii_case(LOG_FORMAT_JSON) {
            self.server.log_format = LOG_FORMAT_JSON.into();
            return Ok(Outcome::Done);
        }
        if let Some(checked) = server_table::check_either(&name, rest) {
            checked?;
            self.store(&name, rest)?;
            return Ok(Outcome::Done);
        }
        if server_table::DEPRECATED.contains(&name.as_str()) && rest.len() == 1 {
            return Ok(Outcome::Done);
        }
        match (name.as_str(), rest.len()) {
            ("include", 1) => Ok(Outcome::Include(rest[0].clone())),
            ("rename-command", 2) => {
                self.rename_command(&rest[0], &rest[1])?;
                self.server
                    .rename_commands
                    .push(RenameCommand { from: rest[0].clone(), to: rest[1].clone() });
                Ok(Outcome::Done)
            }
            ("user", n) if n >= 1 => {
                self.add_user(rest)?;
                self.server.users.push(rest.to_vec());
                Ok(Outcome::Done)
            }
            // Modules cannot be loaded into rsentinel; the directive is accepted and ignored.
            ("loadmodule", n) if n >= 1 => Ok(Outcome::Done),
            // `sentinel` alone is the mode switch (`--sentinel` on the command line).
            ("sentinel", 0) => Ok(Outcome::Done),
            ("sentinel", _) => Ok(Outcome::Sentinel(rest.to_vec())),
            // Module configuration (`module.option value`), ignored like the modules.
            (n, 0) if n.contains('.') => Err("Module config specified without value".into()),
            (n, _) if n.contains('.') => Ok(Outcome::Done),
            _ => Err(BAD_DIRECTIVE.into()),
        }
    }

    /// Store the value of a directive rsentinel acts on (already checked by the table).
    fn store(&mut self, name: &str, rest: &[String]) -> Result<(), String> {
        let v = rest.first().cloned().unwrap_or_default();
        if name == "dir" {
            let resolved = check_dir(&self.base_dir, &v)?;
            let stored = if Path::new(&v).is_absolute() || self.base_dir == self.process_dir {
                v
            } else {
                resolved.display().to_string()
            };
            self.base_dir = resolved;
            self.server.dir = Some(stored);
            return Ok(());
        }
        let s = &mut self.server;
        let yes = || v.eq_ignore_ascii_case("yes");
        match name {
            "port" => s.port = v.parse().unwrap_or(0),
            // `bind` with no address (or one empty one) makes Redis stop listening on TCP;
            // here it means the default addresses.
            "bind" => s.bind = rest.iter().filter(|a| !a.is_empty()).cloned().collect(),
            "bind-source-addr" => s.bind_source_addr = non_empty(&v),
            "protected-mode" => s.protected_mode = yes(),
            "daemonize" => s.daemonize = yes(),
            "requirepass" => s.requirepass = non_empty(&v),
            "pidfile" => s.pidfile = non_empty(&v),
            "logfile" => s.logfile = v,
            "loglevel" => s.loglevel = check_loglevel(&v)?,
            "log-format" => s.log_format = v.to_ascii_lowercase(),
            "aclfile" => s.aclfile = non_empty(&v),
            "unixsocket" => s.unixsocket = non_empty(&v),
            "unixsocketperm" => s.unixsocketperm = server_table::parse_octal_perm(&v)?,
            "syslog-enabled" => s.syslog_enabled = yes(),
            "syslog-ident" => s.syslog_ident = v,
            "syslog-facility" => s.syslog_facility = check_enum(&v, SYSLOG_FACILITIES)?.to_string(),
            tls if tls.starts_with("tls-") => store_tls(&mut s.tls, tls, &v),
            // Accepted and ignored: rsentinel does not act on it.
            _ => {}
        }
        Ok(())
    }

    /// Server-level `rename-command` against the sentinel command table, in file order.
    pub fn rename_command(&mut self, from: &str, to: &str) -> Result<(), String> {
        let from = from.to_ascii_lowercase();
        if from.contains('|') || !self.commands.remove(&from) {
            return Err("No such command in rename-command".into());
        }
        if !to.is_empty() && !self.commands.insert(to.to_ascii_lowercase()) {
            return Err("Target command name already exists".into());
        }
        Ok(())
    }

    /// A `user` line: syntax and no second definition of the same user.
    pub fn add_user(&mut self, words: &[String]) -> Result<(), String> {
        if !self.user_names.insert(words[0].clone()) {
            return Err(acl_syntax::duplicate_user(&words[0]));
        }
        acl_syntax::check_user(words)
    }

    /// Checks that need the whole configuration.
    pub fn final_check(&self) -> Result<(), String> {
        if self.server.aclfile.is_some() && !self.server.users.is_empty() {
            return Err(USERS_AND_ACLFILE.into());
        }
        Ok(())
    }
}

/// Store a `tls-*` value (already checked against the table).
fn store_tls(t: &mut TlsConfig, name: &str, v: &str) {
    let yes = v.eq_ignore_ascii_case("yes");
    let number = || v.parse().unwrap_or(0);
    match name {
        "tls-port" => t.port = number() as u16,
        "tls-replication" => t.replication = yes,
        "tls-cert-file" => t.cert_file = non_empty(v),
        "tls-key-file" => t.key_file = non_empty(v),
        "tls-key-file-pass" => t.key_file_pass = non_empty(v),
        "tls-client-cert-file" => t.client_cert_file = non_empty(v),
        "tls-client-key-file" => t.client_key_file = non_empty(v),
        "tls-client-key-file-pass" => t.client_key_file_pass = non_empty(v),
        "tls-ca-cert-file" => t.ca_cert_file = non_empty(v),
        "tls-ca-cert-dir" => t.ca_cert_dir = non_empty(v),
        "tls-auth-clients" => {
            t.auth_clients = match v.to_ascii_lowercase().as_str() {
                "no" => TlsAuthClients::No,
                "optional" => TlsAuthClients::Optional,
                _ => TlsAuthClients::Yes,
            }
        }
        "tls-protocols" => t.protocols = non_empty(v),
        "tls-ciphers" => t.ciphers = non_empty(v),
        "tls-ciphersuites" => t.ciphersuites = non_empty(v),
        "tls-prefer-server-ciphers" => t.prefer_server_ciphers = yes,
        "tls-session-caching" => t.session_caching = yes,
        "tls-session-cache-size" => t.session_cache_size = number(),
        "tls-session-cache-timeout" => t.session_cache_timeout = number(),
        "tls-dh-params-file" => t.dh_params_file = non_empty(v),
        // tls-cluster: no cluster bus in a sentinel.
        _ => {}
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The canonical level name. Redis 7.0 knows `debug verbose notice warning`; `nothing`
/// (Redis 7.2+) is accepted as well.
pub fn check_loglevel(v: &str) -> Result<String, String> {
    check_enum(v, LOGLEVELS).map(str::to_string)
}

/// `dir`: Redis `chdir`s there while reading, so a missing or unusable directory is fatal with
/// the `chdir` error text. Returns the directory as an absolute path.
pub fn check_dir(base: &Path, dir: &str) -> Result<PathBuf, String> {
    let p = base.join(dir);
    if dir.is_empty() {
        return Err(sys::strerror(libc::ENOENT));
    }
    match std::fs::metadata(&p) {
        Err(e) => return Err(sys::io_strerror(&e)),
        Ok(m) if !m.is_dir() => return Err(sys::strerror(libc::ENOTDIR)),
        Ok(_) => {}
    }
    sys::access(&p, libc::X_OK).map_err(sys::strerror)?;
    Ok(p)
}

/// Validate a whole [`ServerConfig`] (the TOML path) with the checks the `.conf` path applies
/// line by line. The error names the field.
pub fn validate_server(server: &ServerConfig) -> Result<(), (&'static str, String)> {
    let base = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    if server.bind.len() > 16 {
        return Err(("bind", "Too many bind addresses specified.".into()));
    }
    check_loglevel(&server.loglevel).map_err(|e| ("loglevel", e))?;
    check_enum(&server.syslog_facility, SYSLOG_FACILITIES).map_err(|e| ("syslog_facility", e))?;
    check_enum(&server.log_format, LOG_FORMATS).map_err(|e| ("log_format", e))?;
    if server.unixsocketperm > 0o777 {
        return Err(("unixsocketperm", "argument must be between 0 and 777 inclusive".into()));
    }
    if let Some(d) = &server.dir {
        check_dir(&base, d).map_err(|e| ("dir", e))?;
    }
    let mut state = GenericState::new(ServerConfig::default());
    for r in &server.rename_commands {
        state.rename_command(&r.from, &r.to).map_err(|e| ("rename_commands", e))?;
    }
    for u in &server.users {
        if u.is_empty() {
            return Err(("users", BAD_DIRECTIVE.into()));
        }
        state.add_user(u).map_err(|e| ("users", e))?;
    }
    if server.aclfile.is_some() && !server.users.is_empty() {
        return Err(("aclfile", USERS_AND_ACLFILE.into()));
    }
    let int_max = i32::MAX as u32;
    if server.tls.session_cache_size > int_max || server.tls.session_cache_timeout > int_max {
        return Err(("tls", format!("session cache values must be between 0 and {} inclusive", int_max)));
    }
    Ok(())
}
