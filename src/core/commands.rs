//! SENTINEL command semantics that change state (MONITOR, REMOVE, SET, CONFIG SET, DEBUG,
//! RESET, SIMULATE-FAILURE) plus the CKQUORUM check, as plain methods on [`Sentinel`].
//!
//! The server layer (`crate::server::sentinel`) parses the client's arguments, calls these under
//! `Handle::with_core`, rewrites the config file where Redis does, and formats the reply. Nothing
//! here touches the file system or the network: the two checks Redis makes against the outside
//! world (is a script executable, does a hostname resolve) are made by the shell and passed in as
//! data.
//!
//! Error texts are Redis's, without the leading `ERR ` (the server layer adds the code).

use super::failover::{SIMFAILURE_CRASH_AFTER_ELECTION, SIMFAILURE_CRASH_AFTER_PROMOTION};
use super::instance::flags;
use super::types::{InstanceRef, Level, MasterId, Millis};
use super::{is_ip_literal, CreateError, Sentinel};
use crate::core::wire::glob::glob_match;
use crate::core::wire::numbers::parse_i64;

/// Redis's `yesnotoi`: `yes` / `no`, case-insensitively.
fn parse_yes_no(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("yes") {
        Some(true)
    } else if s.eq_ignore_ascii_case("no") {
        Some(false)
    } else {
        None
    }
}

/// Whether `s` holds an ASCII control character (0x00-0x1F or 0x7F), which Redis 8 refuses in
/// master names, script paths, renamed command names and announce-ip (config injection).
pub fn has_control_chars(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == 0x7f)
}

/// Whether `name` can be used as a master name. Redis accepts anything (§12), but a comma
/// breaks the 8-field hello message, a space or a control character breaks the config file,
/// and an empty name cannot be written back at all, so rsentinel refuses them.
pub fn valid_master_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c == ' ' || c == ',' || c.is_control())
}

/// Why SENTINEL MONITOR was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MonitorError {
    /// A quorum that does not fit Sentinel's unsigned 32-bit quorum (Redis silently truncates).
    #[error("Invalid quorum")]
    QuorumOutOfRange,
    #[error("Quorum must be 1 or greater.")]
    QuorumTooSmall,
    #[error("Invalid IP address or hostname specified")]
    InvalidAddress,
    /// Redis 8's refusal (see [`has_control_chars`]).
    #[error("Master name must not contain control characters")]
    ControlCharacters,
    /// Not in Redis (§12): see [`valid_master_name`].
    #[error(
        "Invalid master name: it must be non-empty and must not contain spaces, commas or control characters"
    )]
    InvalidName,
    #[error("{0}")]
    Create(#[from] CreateError),
}

/// The outcome of the quorum check behind SENTINEL CKQUORUM (`sentinelIsQuorumReachable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuorumCheck {
    /// Ourselves plus every known sentinel that is neither SDOWN nor ODOWN.
    pub usable: u32,
    /// `usable >= quorum`.
    pub quorum_reachable: bool,
    /// `usable >= voters/2 + 1`, voters being every known sentinel plus ourselves.
    pub majority_reachable: bool,
}

impl QuorumCheck {
    /// SENTINEL CKQUORUM's reply text: `Ok("OK <n> usable Sentinels. ...")`, or the error
    /// `Err("NOQUORUM <n> usable Sentinels. <reasons>")`, the two reasons joined by `. ` when
    /// both apply (Redis's texts).
    pub fn reply_text(&self) -> Result<String, String> {
        if self.quorum_reachable && self.majority_reachable {
            return Ok(format!(
                "OK {} usable Sentinels. Quorum and failover authorization can be reached",
                self.usable
            ));
        }
        let mut reasons = Vec::with_capacity(2);
        if !self.quorum_reachable {
            reasons.push("Not enough available Sentinels to reach the specified quorum for this master");
        }
        if !self.majority_reachable {
            reasons.push("Not enough available Sentinels to reach the majority and authorize a failover");
        }
        Err(format!("NOQUORUM {} usable Sentinels. {}", self.usable, reasons.join(". ")))
    }
}

/// Why an option of SENTINEL SET was refused. Options before it stay applied, as in Redis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("Unknown option or number of arguments for SENTINEL SET '{0}'")]
    UnknownOption(String),
    #[error("Invalid argument '{value}' for SENTINEL SET '{option}'")]
    InvalidArgument { option: String, value: String },
    #[error(
        "Reconfiguration of scripts path is denied for security reasons. Check the \
         deny-scripts-reconfig configuration directive in your Sentinel configuration"
    )]
    ScriptsReconfigDenied,
    #[error("Notification script seems non existing or non executable")]
    NotificationScriptNotExecutable,
    #[error("Client reconfiguration script seems non existing or non executable")]
    ClientReconfigScriptNotExecutable,
    /// Redis 8's refusal of a script path or command name with a control character (see
    /// [`has_control_chars`]); the argument is what was refused ("Script path", ...).
    #[error("{0} must not contain control characters")]
    ControlCharacters(&'static str),
}

/// What SENTINEL SET did: how many options were applied, and the error that stopped it, if
/// any. Redis flushes the config whenever at least one option was applied, error or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetOutcome {
    pub changes: usize,
    pub result: Result<(), SetError>,
}

/// Why SENTINEL CONFIG SET was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigSetError {
    #[error("Invalid argument '{0}' to SENTINEL CONFIG SET")]
    InvalidArgument(String),
    #[error("Invalid value '{value}' to SENTINEL CONFIG SET '{param}'")]
    InvalidValue { param: String, value: String },
    /// Redis 7.2+: a parameter given twice in one call (names compare case-insensitively).
    #[error("Duplicate argument '{0}' to SENTINEL CONFIG SET")]
    Duplicate(String),
    /// Redis 7.2+: the last parameter has no value.
    #[error("Missing argument '{0}' value")]
    Missing(String),
    /// Redis 8: announce-ip with a control character (see [`has_control_chars`]).
    #[error("announce-ip must not contain control characters")]
    ControlCharacters,
}

/// What the caller must do after a successful CONFIG SET (besides flushing and replying).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigSetEffect {
    /// sentinel-user / sentinel-pass changed: after the flush and the reply, close every
    /// connection to peer sentinels so they reconnect with the new credentials.
    pub drop_sentinel_connections: bool,
}

/// Why SENTINEL DEBUG was refused. Pairs before it stay applied, as in Redis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DebugError {
    #[error("Unknown option or number of arguments for SENTINEL DEBUG '{0}'")]
    UnknownOption(String),
    #[error("Invalid argument '{value}' for SENTINEL DEBUG '{option}'")]
    InvalidArgument { option: String, value: String },
}

/// A successful SENTINEL SIMULATE-FAILURE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulateFailure {
    /// The flags were replaced; reply `+OK`.
    Set,
    /// `HELP` was given: reply with the list of flags. Unlike Redis, the flags are untouched.
    Help,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulateFailureError {
    #[error("Unknown failure simulation specified")]
    UnknownFlag,
}

/// The CONFIG GET / SET parameters, in the order CONFIG GET lists them.
const CONFIG_PARAMS: [&str; 6] = [
    "resolve-hostnames",
    "announce-hostnames",
    "announce-ip",
    "announce-port",
    "sentinel-user",
    "sentinel-pass",
];

impl Sentinel {
    /// SENTINEL MONITOR's checks after argument parsing, in Redis's order (quorum, address,
    /// then `createSentinelRedisInstance`'s port and duplicate checks), then create the master.
    /// `host_resolves` is the shell's answer to whether a non-IP host resolves (only used with
    /// resolve-hostnames on).
    /// The caller flushes, replies, and then calls [`Sentinel::announce_monitor`].
    pub fn monitor(
        &mut self,
        name: &str,
        host: &str,
        port: i64,
        quorum: i64,
        host_resolves: bool,
        now: Millis,
    ) -> Result<MasterId, MonitorError> {
        if quorum <= 0 {
            return Err(MonitorError::QuorumTooSmall);
        }
        let quorum = u32::try_from(quorum).map_err(|_| MonitorError::QuorumOutOfRange)?;
        let resolvable = is_ip_literal(host) || (self.settings.resolve_hostnames && host_resolves);
        if !resolvable {
            return Err(MonitorError::InvalidAddress);
        }
        if has_control_chars(name) {
            return Err(MonitorError::ControlCharacters);
        }
        if !valid_master_name(name) {
            return Err(MonitorError::InvalidName);
        }
        let port = u16::try_from(port).map_err(|_| CreateError::InvalidPort)?;
        Ok(self.create_master(name, host, port, quorum, now)?)
    }

    /// The `+monitor <%@> quorum <q>` event that follows a successful SENTINEL MONITOR.
    pub fn announce_monitor(&mut self, id: MasterId) {
        let Some(q) = self.masters.get(&id).map(|m| m.quorum) else { return };
        self.event(Level::Warning, "+monitor", &InstanceRef::Master(id), Some(&format!("quorum {}", q)));
    }

    /// SENTINEL REMOVE: emit `-monitor <%@>`, then forget the master with its replicas and
    /// sentinels. The caller flushes. Returns false if there was no such master.
    pub fn remove_monitored(&mut self, id: MasterId) -> bool {
        if !self.masters.contains_key(&id) {
            return false;
        }
        self.event(Level::Warning, "-monitor", &InstanceRef::Master(id), None);
        self.remove_master(id)
    }

    /// SENTINEL RESET: reset every master whose name matches the glob `pattern`
    /// (case-sensitive, as `stringmatch(..., 0)`), each with a `+reset-master` event. Returns
    /// how many matched. Not flushed, as in Redis.
    pub fn reset_masters_matching(&mut self, pattern: &[u8], now: Millis) -> usize {
        let ids: Vec<MasterId> = self
            .masters
            .values()
            .filter(|m| glob_match(pattern, m.inst.name.as_bytes(), false))
            .map(|m| m.id)
            .collect();
        for &id in &ids {
            self.reset_master(id, now, true, false);
        }
        ids.len()
    }

    /// SENTINEL CKQUORUM's check (`sentinelIsQuorumReachable`). Sentinels are never forgotten,
    /// so dead peers still count among the voters.
    pub fn check_quorum(&self, id: MasterId) -> Option<QuorumCheck> {
        let m = self.masters.get(&id)?;
        let usable =
            1 + m.sentinels.values().filter(|s| !s.has(flags::S_DOWN | flags::O_DOWN)).count() as u32;
        let voters = m.sentinels.len() as u32 + 1;
        Some(QuorumCheck {
            usable,
            quorum_reachable: usable >= m.quorum,
            majority_reachable: usable > voters / 2,
        })
    }

    /// Give the master's replicas and sentinels the master's down-after period
    /// (`sentinelPropagateDownAfterPeriod`).
    pub fn propagate_down_after(&mut self, id: MasterId) {
        let Some(m) = self.masters.get_mut(&id) else { return };
        let d = m.inst.down_after;
        m.replicas.values_mut().chain(m.sentinels.values_mut()).for_each(|i| i.down_after = d);
    }

    /// Close the connections to a master and all its replicas so they reconnect with new
    /// credentials (`dropInstanceConnections`, after SET auth-pass / auth-user).
    pub fn drop_master_connections(&mut self, id: MasterId) {
        let Some(m) = self.masters.get(&id) else { return };
        let links: Vec<_> = std::iter::once(m.inst.link).chain(m.replicas.values().map(|r| r.link)).collect();
        for l in links {
            self.close_link_connections(l);
        }
    }

    /// Close the connection to every peer sentinel of every master so they reconnect with the
    /// new sentinel-user / sentinel-pass (`sentinelDropConnections`). Shared links are closed
    /// once. Returns the number of sentinel instances visited, as Redis does.
    pub fn drop_sentinel_connections(&mut self) -> usize {
        let links: Vec<_> =
            self.masters.values().flat_map(|m| m.sentinels.values().map(|s| s.link)).collect();
        for &l in &links {
            self.close_link_connections(l);
        }
        links.len()
    }

    /// SENTINEL SET `<opt> <val> ...` on one master (`sentinelSetCommand`). Options are applied
    /// left to right as they are read; each applied option emits `+set` with the option echoed
    /// as typed (the password as `******`). The first bad option stops the loop and the ones
    /// before it stay applied. `is_executable` is the `access(path, X_OK)` check for scripts.
    pub fn set_master_options(
        &mut self,
        id: MasterId,
        args: &[String],
        is_executable: &dyn Fn(&str) -> bool,
    ) -> SetOutcome {
        let mut changes = 0;
        let mut j = 0;
        while j < args.len() {
            let option = &args[j];
            let rest = &args[j + 1..];
            match self.set_master_option(id, option, rest, is_executable) {
                Ok(consumed) => {
                    changes += 1;
                    j += 1 + consumed;
                }
                Err(e) => return SetOutcome { changes, result: Err(e) },
            }
        }
        SetOutcome { changes, result: Ok(()) }
    }

    /// Apply one SENTINEL SET option; returns how many values it took.
    fn set_master_option(
        &mut self,
        id: MasterId,
        option: &str,
        rest: &[String],
        is_executable: &dyn Fn(&str) -> bool,
    ) -> Result<usize, SetError> {
        let unknown = || SetError::UnknownOption(option.to_string());
        let name = option.to_ascii_lowercase();
        let needed = if name == "rename-command" { 2 } else { 1 };
        if rest.len() < needed {
            return Err(unknown());
        }
        let value = rest[0].as_str();
        let invalid =
            |v: &str| SetError::InvalidArgument { option: option.to_string(), value: v.to_string() };
        // A number > 0 (or >= 0 with `allow_zero`), as Redis's `getLongLongFromObject` checks.
        let number = |allow_zero: bool| -> Result<i64, SetError> {
            match parse_i64(value) {
                Some(n) if n > 0 || (allow_zero && n == 0) => Ok(n),
                _ => Err(invalid(value)),
            }
        };
        let deny_scripts = self.settings.deny_scripts_reconfig;
        let Some(m) = self.masters.get_mut(&id) else { return Err(unknown()) };
        let mut shown = value.to_string();
        match name.as_str() {
            "down-after-milliseconds" => {
                m.inst.down_after = number(false)? as Millis;
                self.propagate_down_after(id);
            }
            "failover-timeout" => m.failover_timeout = number(false)? as Millis,
            "parallel-syncs" => m.parallel_syncs = number(false)?,
            // Redis stores the quorum in an unsigned int and silently truncates bigger values;
            // rsentinel refuses them instead.
            "quorum" => m.quorum = u32::try_from(number(false)?).map_err(|_| invalid(value))?,
            "notification-script" | "client-reconfig-script" => {
                if has_control_chars(value) {
                    return Err(SetError::ControlCharacters("Script path"));
                }
                if deny_scripts {
                    return Err(SetError::ScriptsReconfigDenied);
                }
                let notification = name == "notification-script";
                if !value.is_empty() && !is_executable(value) {
                    return Err(if notification {
                        SetError::NotificationScriptNotExecutable
                    } else {
                        SetError::ClientReconfigScriptNotExecutable
                    });
                }
                let path = (!value.is_empty()).then(|| value.to_string());
                if notification {
                    m.notification_script = path;
                } else {
                    m.client_reconfig_script = path;
                }
            }
            "auth-pass" | "auth-user" => {
                let v = (!value.is_empty()).then(|| value.to_string());
                if name == "auth-pass" {
                    m.auth_pass = v;
                    shown = "******".to_string();
                } else {
                    m.auth_user = v;
                }
                self.drop_master_connections(id);
            }
            "rename-command" => {
                let new = rest[1].as_str();
                if has_control_chars(value) || has_control_chars(new) {
                    return Err(SetError::ControlCharacters("Command name"));
                }
                if value.is_empty() || new.is_empty() {
                    return Err(invalid(if new.is_empty() { new } else { value }));
                }
                // Any previous mapping of the command goes; `X X` only removes it.
                m.renamed_commands.retain(|(from, _)| !from.eq_ignore_ascii_case(value));
                if !value.eq_ignore_ascii_case(new) {
                    m.renamed_commands.push((value.to_ascii_uppercase(), new.to_string()));
                }
                shown = format!("{} {}", value, new);
            }
            // Valkey 8 also accepts the option under its own name.
            "master-reboot-down-after-period" | "primary-reboot-down-after-period" => {
                m.reboot_down_after_period = number(true)? as Millis
            }
            _ => return Err(unknown()),
        }
        let extra = format!("{} {}", option, shown);
        self.event(Level::Warning, "+set", &InstanceRef::Master(id), Some(&extra));
        Ok(needed)
    }

    /// Whether `name` (any case) is one of the CONFIG GET / SET parameters the core owns.
    pub fn is_config_param(name: &str) -> bool {
        CONFIG_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
    }

    /// Check one SENTINEL CONFIG SET parameter and its value without applying it (Redis 7.2
    /// validates every pair before applying any). `loglevel` is the daemon's and is not known
    /// here.
    pub fn check_config_value(param: &str, value: &str) -> Result<(), ConfigSetError> {
        let bad_value =
            || ConfigSetError::InvalidValue { param: param.to_string(), value: value.to_string() };
        match param.to_ascii_lowercase().as_str() {
            "resolve-hostnames" | "announce-hostnames" => {
                parse_yes_no(value).map(|_| ()).ok_or_else(bad_value)
            }
            "announce-port" => {
                parse_i64(value).and_then(|p| u16::try_from(p).ok()).map(|_| ()).ok_or_else(bad_value)
            }
            "announce-ip" if has_control_chars(value) => Err(ConfigSetError::ControlCharacters),
            "announce-ip" | "sentinel-user" | "sentinel-pass" => Ok(()),
            _ => Err(ConfigSetError::InvalidArgument(param.to_string())),
        }
    }

    /// SENTINEL CONFIG SET with several pairs (Redis 7.2): every pair is checked before any is
    /// applied, so an error changes nothing. The caller has already refused unknown names,
    /// duplicates and a missing value, in Redis's order.
    pub fn config_set_all(&mut self, pairs: &[(String, String)]) -> Result<ConfigSetEffect, ConfigSetError> {
        for (param, value) in pairs {
            Sentinel::check_config_value(param, value)?;
        }
        let mut effect = ConfigSetEffect { drop_sentinel_connections: false };
        for (param, value) in pairs {
            effect.drop_sentinel_connections |= self.config_set(param, value)?.drop_sentinel_connections;
        }
        Ok(effect)
    }

    /// SENTINEL CONFIG SET `<param> <value>`: check, then apply. The caller flushes, replies,
    /// and then drops the peer connections if told to.
    ///
    /// Unlike Redis, an empty announce-ip means "unset" (§12): Redis stores "" and then
    /// announces an empty address in its hellos, which makes peers drop it.
    pub fn config_set(&mut self, param: &str, value: &str) -> Result<ConfigSetEffect, ConfigSetError> {
        Sentinel::check_config_value(param, value)?;
        let non_empty = || (!value.is_empty()).then(|| value.to_string());
        let s = &mut self.settings;
        let mut drop_sentinel_connections = false;
        match param.to_ascii_lowercase().as_str() {
            "resolve-hostnames" => s.resolve_hostnames = parse_yes_no(value).unwrap_or(s.resolve_hostnames),
            "announce-hostnames" => {
                s.announce_hostnames = parse_yes_no(value).unwrap_or(s.announce_hostnames)
            }
            "announce-ip" => s.announce_ip = non_empty(),
            "announce-port" => {
                s.announce_port =
                    parse_i64(value).and_then(|p| u16::try_from(p).ok()).unwrap_or(s.announce_port)
            }
            "sentinel-user" => {
                s.sentinel_user = non_empty();
                drop_sentinel_connections = true;
            }
            // sentinel-pass: the only name the check lets through besides the ones above.
            _ => {
                s.sentinel_pass = non_empty();
                drop_sentinel_connections = true;
            }
        }
        Ok(ConfigSetEffect { drop_sentinel_connections })
    }

    /// SENTINEL CONFIG GET `<pattern>`: the parameters whose name matches the glob
    /// (case-insensitively), in Redis's fixed order. Unset strings read as "" and the password
    /// is returned in clear text, as Redis does.
    pub fn config_get(&self, pattern: &str) -> Vec<(&'static str, String)> {
        let s = &self.settings;
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
        CONFIG_PARAMS
            .iter()
            .filter(|p| glob_match(pattern.as_bytes(), p.as_bytes(), true))
            .map(|&p| {
                let v = match p {
                    "resolve-hostnames" => yes_no(s.resolve_hostnames),
                    "announce-hostnames" => yes_no(s.announce_hostnames),
                    "announce-ip" => s.announce_ip.clone().unwrap_or_default(),
                    "announce-port" => s.announce_port.to_string(),
                    "sentinel-user" => s.sentinel_user.clone().unwrap_or_default(),
                    _ => s.sentinel_pass.clone().unwrap_or_default(),
                };
                (p, v)
            })
            .collect()
    }

    /// SENTINEL DEBUG `<param> <ms> ...` (`sentinelSetDebugConfigParameters`): names are
    /// case-insensitive, values must be > 0, pairs apply left to right and the ones before an
    /// error stay applied. Nothing is persisted.
    pub fn debug_set(&mut self, args: &[String]) -> Result<(), DebugError> {
        let mut j = 0;
        while j < args.len() {
            let option = &args[j];
            let value = args.get(j + 1);
            let slot = self.timings.get_mut(option);
            let (Some(slot), Some(value)) = (slot, value) else {
                return Err(DebugError::UnknownOption(option.clone()));
            };
            match parse_i64(value) {
                Some(n) if n > 0 => *slot = n as Millis,
                _ => {
                    return Err(DebugError::InvalidArgument { option: option.clone(), value: value.clone() })
                }
            }
            j += 2;
        }
        Ok(())
    }

    /// SENTINEL SIMULATE-FAILURE `<flag> ...`. The arguments are read left to right as Redis
    /// does (the first unknown flag or `help` decides the reply), but the flags are only
    /// replaced when every argument is a flag. Redis resets the flags before looking at the
    /// arguments, so `HELP` or a typo silently disarms them (§12); rsentinel does not.
    pub fn simulate_failure(&mut self, args: &[String]) -> Result<SimulateFailure, SimulateFailureError> {
        let mut bits = 0;
        for a in args {
            if a.eq_ignore_ascii_case("crash-after-election") {
                bits |= SIMFAILURE_CRASH_AFTER_ELECTION;
            } else if a.eq_ignore_ascii_case("crash-after-promotion") {
                bits |= SIMFAILURE_CRASH_AFTER_PROMOTION;
            } else if a.eq_ignore_ascii_case("help") {
                return Ok(SimulateFailure::Help);
            } else {
                return Err(SimulateFailureError::UnknownFlag);
            }
        }
        self.simulate_failure_flags = bits;
        if bits & SIMFAILURE_CRASH_AFTER_ELECTION != 0 {
            self.log(
                Level::Warning,
                "Failure simulation: this Sentinel will crash after being successfully elected as \
                 failover leader"
                    .into(),
            );
        }
        if bits & SIMFAILURE_CRASH_AFTER_PROMOTION != 0 {
            self.log(
                Level::Warning,
                "Failure simulation: this Sentinel will crash after promoting the selected replica \
                 to master"
                    .into(),
            );
        }
        Ok(SimulateFailure::Set)
    }
}

#[cfg(test)]
mod tests;
