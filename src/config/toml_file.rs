//! The TOML alternative to `sentinel.conf`: a file whose name ends in `.toml` holds the same
//! settings as tables:
//!
//! ```toml
//! [server]                 # ServerConfig fields
//! port = 26379
//! [sentinel]               # SentinelConfig fields
//! myid = "..."
//! [[sentinel.masters]]     # one table per monitored master (MasterConfig fields)
//! name = "mymaster"
//! host = "127.0.0.1"
//! port = 6379
//! quorum = 2
//! [[sentinel.masters.known_replicas]]
//! host = "127.0.0.1"
//! port = 6380
//! ```
//!
//! Every value goes through the same checks as the corresponding `.conf` directive. Saving
//! writes the whole state back as TOML: comments and layout of a hand-written file are **not**
//! preserved (unlike the `.conf` rewrite).

use serde::{Deserialize, Serialize};

use super::error::{ConfigError, Origin};
use super::generic::validate_server;
use super::model::{SentinelConfig, ServerConfig};
use super::sentinel_lines::SentinelBuilder;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct TomlFile {
    server: ServerConfig,
    sentinel: SentinelConfig,
}

#[derive(Serialize)]
struct TomlFileRef<'a> {
    server: &'a ServerConfig,
    sentinel: &'a SentinelConfig,
}

/// Whether a path selects the TOML format.
pub fn is_toml(name: &str) -> bool {
    name.ends_with(".toml")
}

/// Parse and validate TOML text. Returns the server settings and a sentinel builder already
/// holding the sentinel settings (command-line options may still be applied on top).
pub fn parse(text: &str, file: &str) -> Result<(ServerConfig, SentinelBuilder), ConfigError> {
    let parsed: TomlFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of_offset(text, s.start));
        error_at(text, file, line, e.message().to_string())
    })?;
    validate_server(&parsed.server).map_err(|(field, msg)| {
        error_at(text, file, locate(text, "server", None, field), format!("server.{}: {}", field, msg))
    })?;
    let base = std::env::current_dir().unwrap_or_else(|_| "/".into());
    let base = match &parsed.server.dir {
        Some(d) => base.join(d),
        None => base,
    };
    let builder = replay(&parsed.sentinel, &base).map_err(|(at, msg)| {
        let (line, path) = match at {
            At::Global(field) => (locate(text, "sentinel", None, field), format!("sentinel.{}", field)),
            At::Master(i, field) => (
                locate(text, "sentinel.masters", Some(i), field),
                format!("sentinel.masters[{}].{}", i, field),
            ),
        };
        error_at(text, file, line, format!("{}: {}", path, msg))
    })?;
    Ok((parsed.server, builder))
}

/// Serialise the state as TOML.
pub fn render(server: &ServerConfig, sentinel: &SentinelConfig) -> Result<String, String> {
    toml::to_string(&TomlFileRef { server, sentinel }).map_err(|e| e.to_string())
}

fn error_at(text: &str, file: &str, line: Option<usize>, message: String) -> ConfigError {
    match line {
        Some(n) => ConfigError::Line {
            file: file.to_string(),
            line: n,
            text: text.split('\n').nth(n - 1).map(|l| l.trim().to_string()).unwrap_or_default(),
            message,
            origin: Origin::File,
        },
        None => ConfigError::Global { file: file.to_string(), message },
    }
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&c| c == b'\n').count() + 1
}

/// Where a validation error is.
enum At {
    Global(&'static str),
    Master(usize, &'static str),
}

/// Run a deserialised [`SentinelConfig`] through the `.conf` checks, in the order Redis's
/// queues would run the equivalent lines: global settings, all `monitor`s, then per-master
/// options.
fn replay(cfg: &SentinelConfig, base: &std::path::Path) -> Result<SentinelBuilder, (At, String)> {
    let mut b = SentinelBuilder::new(base);
    if let Some(id) = &cfg.myid {
        b.myid(id).map_err(|e| (At::Global("myid"), e))?;
    }
    b.raise_current_epoch(cfg.current_epoch);
    b.set_deny_scripts_reconfig(cfg.deny_scripts_reconfig);
    b.set_resolve_hostnames(cfg.resolve_hostnames);
    b.set_announce_hostnames(cfg.announce_hostnames);
    if let Some(ip) = &cfg.announce_ip {
        b.announce_ip(ip);
    }
    b.announce_port(cfg.announce_port as i64).map_err(|e| (At::Global("announce_port"), e))?;
    b.set_sentinel_auth(cfg.sentinel_user.as_deref(), cfg.sentinel_pass.as_deref());
    for (i, m) in cfg.masters.iter().enumerate() {
        b.monitor(&m.name, &m.host, m.port as i64, m.quorum as i64).map_err(|e| {
            let field = if e.starts_with("Quorum") {
                "quorum"
            } else if e.starts_with("Can't resolve") {
                "host"
            } else {
                "name"
            };
            (At::Master(i, field), e)
        })?;
    }
    let sat = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    for (i, m) in cfg.masters.iter().enumerate() {
        let at = |field: &'static str| move |e: String| (At::Master(i, field), e);
        let n = m.name.as_str();
        b.down_after(n, sat(m.down_after_ms)).map_err(at("down_after_ms"))?;
        b.failover_timeout(n, sat(m.failover_timeout_ms)).map_err(at("failover_timeout_ms"))?;
        b.parallel_syncs(n, m.parallel_syncs).map_err(at("parallel_syncs"))?;
        if let Some(p) = &m.notification_script {
            b.notification_script(n, p).map_err(at("notification_script"))?;
        }
        if let Some(p) = &m.client_reconfig_script {
            b.client_reconfig_script(n, p).map_err(at("client_reconfig_script"))?;
        }
        b.set_auth(n, m.auth_user.as_deref(), m.auth_pass.as_deref()).map_err(at("auth_pass"))?;
        b.reboot_down_after(n, sat(m.master_reboot_down_after_period_ms))
            .map_err(at("master_reboot_down_after_period_ms"))?;
        b.config_epoch(n, m.config_epoch).map_err(at("config_epoch"))?;
        b.leader_epoch(n, m.leader_epoch).map_err(at("leader_epoch"))?;
        for r in &m.known_replicas {
            b.known_replica(n, &r.host, r.port as i64).map_err(at("known_replicas"))?;
        }
        for s in &m.known_sentinels {
            b.known_sentinel(n, &s.host, s.port as i64, &s.runid).map_err(at("known_sentinels"))?;
        }
        for r in &m.rename_commands {
            b.rename_command(n, &r.from, &r.to).map_err(at("rename_commands"))?;
        }
    }
    Ok(b)
}

/// Best-effort line of `key` inside table `table` (the `nth` one for arrays of tables),
/// falling back to the table header. `None` when the table is written inline.
fn locate(text: &str, table: &str, nth: Option<usize>, key: &str) -> Option<usize> {
    let single = format!("[{}]", table);
    let array = format!("[[{}]]", table);
    let sub_array = format!("[[{}.{}]]", table, key);
    let mut seen = 0usize;
    let mut header: Option<usize> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            if header.is_some() {
                if line == sub_array {
                    return Some(i + 1);
                }
                if !line.starts_with(&format!("[[{}.", table)) {
                    return header;
                }
                continue;
            }
            match nth {
                None if line == single => header = Some(i + 1),
                Some(n) if line == array => {
                    if seen == n {
                        header = Some(i + 1);
                    }
                    seen += 1;
                }
                _ => {}
            }
            continue;
        }
        if header.is_some() {
            let k = line.split('=').next().unwrap_or("").trim().trim_matches('"');
            if line.contains('=') && k == key {
                return Some(i + 1);
            }
        }
    }
    header
}
