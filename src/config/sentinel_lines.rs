//! The `sentinel ...` directives (`sentinel.c: sentinelHandleConfiguration`).
//!
//! Lines are not applied as they are read: Redis queues them into three lists (pre-monitor,
//! monitor, post) and runs the lists in that order once the whole file is read, so a
//! per-master option may come before its `monitor` line and `resolve-hostnames` applies to
//! every `monitor` whatever their order. [`SentinelBuilder`] applies one directive and holds
//! the checks; the TOML loader feeds its typed values through the same checks.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use super::cnum::{atoi, strtoull};
use super::model::{KnownReplica, KnownSentinel, MasterConfig, RenameCommand, SentinelConfig};
use super::sys;
use crate::core::wire::numbers::MAX_EPOCH;

pub const UNRECOGNIZED: &str = "Unrecognized sentinel configuration statement.";
pub const NO_SUCH_MASTER: &str = "No such master with specified name.";
const NON_POSITIVE_TIME: &str = "negative or zero time parameter.";

/// Redis's three queues, run in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    PreMonitor,
    Monitor,
    Post,
}

/// The queue a `sentinel <keyword> ...` line belongs to (`queueSentinelConfig`).
pub fn phase_of(keyword: &str) -> Phase {
    const PRE: &[&str] = &[
        "announce-ip",
        "announce-port",
        "deny-scripts-reconfig",
        "sentinel-user",
        "sentinel-pass",
        "current-epoch",
        "myid",
        "resolve-hostnames",
        "announce-hostnames",
    ];
    if keyword.eq_ignore_ascii_case("monitor") {
        Phase::Monitor
    } else if PRE.iter().any(|k| k.eq_ignore_ascii_case(keyword)) {
        Phase::PreMonitor
    } else {
        Phase::Post
    }
}

/// Builds a [`SentinelConfig`] one directive at a time, with Redis's checks.
pub struct SentinelBuilder {
    cfg: SentinelConfig,
    by_name: HashMap<String, usize>,
    /// Per master: replica keys (`announceSentinelAddrAndPort`), sentinel run ids, renamed
    /// commands (lower case: Redis's rename table is case-insensitive).
    replica_keys: Vec<HashSet<String>>,
    sentinel_ids: Vec<HashSet<String>>,
    renamed: Vec<HashSet<String>>,
    /// The directory relative script paths are checked against (Redis has already done the
    /// `chdir` of the `dir` directive when it checks them).
    base_dir: PathBuf,
    /// Set while the state file's lines are applied over the main file's (see
    /// [`SentinelBuilder::begin_state_overlay`]): per master, the entries that came from the
    /// main file, which a state line may replace instead of duplicating.
    overlay: Option<Vec<MainEntries>>,
    /// What the state file changed that an operator should know (logged at start-up).
    notices: Vec<String>,
}

/// What the main config file defined for one master, while the state file is applied.
#[derive(Clone, Default)]
struct MainEntries {
    /// The master is still the main file's: the state file has not redefined it yet.
    redefinable: bool,
    replicas: HashSet<String>,
    sentinels: HashSet<String>,
    renamed: HashSet<String>,
}

impl SentinelBuilder {
    pub fn new(base_dir: &Path) -> SentinelBuilder {
        SentinelBuilder {
            cfg: SentinelConfig::default(),
            by_name: HashMap::new(),
            replica_keys: Vec::new(),
            sentinel_ids: Vec::new(),
            renamed: Vec::new(),
            base_dir: base_dir.to_path_buf(),
            overlay: None,
            notices: Vec::new(),
        }
    }

    pub fn finish(self) -> SentinelConfig {
        self.cfg
    }

    /// Notices about state lines that overrode the main file (see `begin_state_overlay`).
    pub fn take_notices(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notices)
    }

    /// From now on, lines come from the state file (`sentinel state-config-file`) and
    /// override what the main config file set, as in the state-config-file proposal for Redis
    /// and Valkey (redis #15422, valkey #4085):
    ///
    /// - a `monitor` line for a master the main file defined redefines it from scratch (its
    ///   main-file options and lists are dropped; the state file holds them all), instead of
    ///   failing with `Duplicate master name.`; a different address is noted;
    /// - a `known-replica`, `known-sentinel` (same run id) or `rename-command` (same command)
    ///   of a master that only the main file defined replaces the main file's entry, so an
    ///   entry in both files counts once; duplicates inside the state file are still refused;
    /// - `announce-ip ""` unsets the address the main file set (the state file writes every
    ///   setting the sentinel can change at run time, unset ones included);
    /// - single-valued settings simply take the state file's value (last one wins).
    pub fn begin_state_overlay(&mut self) {
        let main = (0..self.cfg.masters.len())
            .map(|i| MainEntries {
                redefinable: true,
                replicas: self.replica_keys[i].clone(),
                sentinels: self.sentinel_ids[i].clone(),
                renamed: self.renamed[i].clone(),
            })
            .collect();
        self.overlay = Some(main);
    }

    /// The main-file entries of master `i` while the state overlay is applied.
    fn main_entries(&mut self, i: usize) -> Option<&mut MainEntries> {
        self.overlay.as_mut().and_then(|m| m.get_mut(i))
    }

    /// Apply one `sentinel` line (`args` are the words after `sentinel`, at least one).
    pub fn handle(&mut self, args: &[String]) -> Result<(), String> {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let kw = a[0].to_ascii_lowercase();
        match (kw.as_str(), a.len()) {
            ("monitor", 5) => self.monitor(a[1], a[2], atoi(a[3]), atoi(a[4])),
            ("down-after-milliseconds", 3) => self.down_after(a[1], atoi(a[2])),
            ("failover-timeout", 3) => self.failover_timeout(a[1], atoi(a[2])),
            ("parallel-syncs", 3) => {
                // No range check: 0 and negative values are accepted from the file (§12).
                let v = atoi(a[2]);
                self.master_mut(a[1])?.parallel_syncs = v;
                Ok(())
            }
            ("notification-script", 3) => self.notification_script(a[1], a[2]),
            ("client-reconfig-script", 3) => self.client_reconfig_script(a[1], a[2]),
            ("auth-pass", 3) => {
                self.master_mut(a[1])?.auth_pass = Some(a[2].to_string());
                Ok(())
            }
            ("auth-user", 3) => {
                self.master_mut(a[1])?.auth_user = Some(a[2].to_string());
                Ok(())
            }
            ("current-epoch", 2) => {
                self.raise_current_epoch(epoch(a[1])?);
                Ok(())
            }
            ("myid", 2) => self.myid(a[1]),
            ("config-epoch", 3) => {
                let e = epoch(a[2])?;
                self.config_epoch(a[1], e)
            }
            ("leader-epoch", 3) => {
                let e = epoch(a[2])?;
                self.master_mut(a[1])?.leader_epoch = e;
                Ok(())
            }
            ("known-replica" | "known-slave", 4) => self.known_replica(a[1], a[2], atoi(a[3])),
            // The old form without a run id is accepted and ignored, even for an unknown master.
            ("known-sentinel", 4) => Ok(()),
            ("known-sentinel", 5) => self.known_sentinel(a[1], a[2], atoi(a[3]), a[4]),
            ("rename-command", 4) => self.rename_command(a[1], a[2], a[3]),
            ("announce-ip", 2) => {
                if a[1].is_empty() && self.overlay.is_some() {
                    self.cfg.announce_ip = None;
                }
                self.announce_ip(a[1]);
                Ok(())
            }
            ("announce-port", 2) => self.announce_port(atoi(a[1])),
            ("deny-scripts-reconfig", 2) => {
                self.cfg.deny_scripts_reconfig = yes_no(a[1], "deny-scripts-reconfig options")?;
                Ok(())
            }
            ("sentinel-user", 2) => {
                self.cfg.sentinel_user = non_empty(a[1]);
                Ok(())
            }
            ("sentinel-pass", 2) => {
                self.cfg.sentinel_pass = non_empty(a[1]);
                Ok(())
            }
            ("resolve-hostnames", 2) => {
                self.cfg.resolve_hostnames = yes_no(a[1], "resolve-hostnames option")?;
                Ok(())
            }
            ("announce-hostnames", 2) => {
                self.cfg.announce_hostnames = yes_no(a[1], "announce-hostnames option")?;
                Ok(())
            }
            // `primary-…` is Valkey 8's spelling; the rewrite writes Redis's, which both read.
            ("master-reboot-down-after-period" | "primary-reboot-down-after-period", 3) => {
                self.reboot_down_after(a[1], atoi(a[2]))
            }
            _ => Err(UNRECOGNIZED.into()),
        }
    }

    // --- global settings -------------------------------------------------------------

    pub fn myid(&mut self, id: &str) -> Result<(), String> {
        if id.len() != 40 {
            return Err("Malformed Sentinel id in myid option.".into());
        }
        self.cfg.myid = Some(id.to_string());
        Ok(())
    }

    /// `current-epoch` only ever raises the epoch.
    pub fn raise_current_epoch(&mut self, e: u64) {
        self.cfg.current_epoch = self.cfg.current_epoch.max(e);
    }

    /// An empty announce-ip is ignored (left unset).
    pub fn announce_ip(&mut self, ip: &str) {
        if !ip.is_empty() {
            self.cfg.announce_ip = Some(ip.to_string());
        }
    }

    /// Redis stores any `atoi` value here; a value that is not a port would be announced to
    /// every peer, so it is refused instead.
    pub fn announce_port(&mut self, port: i64) -> Result<(), String> {
        self.cfg.announce_port = u16::try_from(port).map_err(|_| "Invalid port number.".to_string())?;
        Ok(())
    }

    pub fn set_deny_scripts_reconfig(&mut self, v: bool) {
        self.cfg.deny_scripts_reconfig = v;
    }

    pub fn set_resolve_hostnames(&mut self, v: bool) {
        self.cfg.resolve_hostnames = v;
    }

    pub fn set_announce_hostnames(&mut self, v: bool) {
        self.cfg.announce_hostnames = v;
    }

    pub fn set_sentinel_auth(&mut self, user: Option<&str>, pass: Option<&str>) {
        self.cfg.sentinel_user = user.and_then(non_empty);
        self.cfg.sentinel_pass = pass.and_then(non_empty);
    }

    // --- masters ---------------------------------------------------------------------

    pub fn monitor(&mut self, name: &str, host: &str, port: i64, quorum: i64) -> Result<(), String> {
        if quorum <= 0 {
            return Err("Quorum must be 1 or greater.".into());
        }
        // Masters from the config are accepted even when their name does not resolve yet
        // (with resolve-hostnames), so the address is only checked, not kept.
        let (host, port, _) = self.check_address(host, port)?;
        let master = MasterConfig {
            name: name.to_string(),
            host,
            port,
            quorum: u32::try_from(quorum).unwrap_or(u32::MAX),
            ..MasterConfig::default()
        };
        if let Some(&i) = self.by_name.get(name) {
            // Only a state file may redefine a master, and only one the main file defined.
            let Some(entries) = self.main_entries(i).filter(|e| e.redefinable) else {
                return Err("Duplicate master name.".into());
            };
            *entries = MainEntries::default();
            self.note_address_override(i, &master);
            self.cfg.masters[i] = master;
            self.replica_keys[i].clear();
            self.sentinel_ids[i].clear();
            self.renamed[i].clear();
            return Ok(());
        }
        self.by_name.insert(name.to_string(), self.cfg.masters.len());
        self.cfg.masters.push(master);
        self.replica_keys.push(HashSet::new());
        self.sentinel_ids.push(HashSet::new());
        self.renamed.push(HashSet::new());
        Ok(())
    }

    /// The state file and the main file disagree on where a master is: the state file wins
    /// (it is where the sentinel recorded a failover), and the operator is told.
    fn note_address_override(&mut self, i: usize, new: &MasterConfig) {
        let old = &self.cfg.masters[i];
        if (old.host.as_str(), old.port) != (new.host.as_str(), new.port) {
            self.notices.push(format!(
                "Master {}: the state file puts it at {} {}, the main config file at {} {}; using the state file's address",
                new.name, new.host, new.port, old.host, old.port
            ));
        }
    }

    fn index(&self, name: &str) -> Result<usize, String> {
        self.by_name.get(name).copied().ok_or_else(|| NO_SUCH_MASTER.to_string())
    }

    fn master_mut(&mut self, name: &str) -> Result<&mut MasterConfig, String> {
        let i = self.index(name)?;
        Ok(&mut self.cfg.masters[i])
    }

    pub fn down_after(&mut self, name: &str, ms: i64) -> Result<(), String> {
        let m = self.master_mut(name)?;
        if ms <= 0 {
            return Err(NON_POSITIVE_TIME.into());
        }
        m.down_after_ms = ms as u64;
        Ok(())
    }

    pub fn failover_timeout(&mut self, name: &str, ms: i64) -> Result<(), String> {
        let m = self.master_mut(name)?;
        if ms <= 0 {
            return Err(NON_POSITIVE_TIME.into());
        }
        m.failover_timeout_ms = ms as u64;
        Ok(())
    }

    pub fn parallel_syncs(&mut self, name: &str, n: i64) -> Result<(), String> {
        self.master_mut(name)?.parallel_syncs = n;
        Ok(())
    }

    pub fn reboot_down_after(&mut self, name: &str, ms: i64) -> Result<(), String> {
        let m = self.master_mut(name)?;
        if ms < 0 {
            return Err("negative time parameter.".into());
        }
        m.master_reboot_down_after_period_ms = ms as u64;
        Ok(())
    }

    pub fn notification_script(&mut self, name: &str, path: &str) -> Result<(), String> {
        self.index(name)?;
        if !self.executable(path) {
            return Err("Notification script seems non existing or non executable.".into());
        }
        self.master_mut(name)?.notification_script = Some(path.to_string());
        Ok(())
    }

    pub fn client_reconfig_script(&mut self, name: &str, path: &str) -> Result<(), String> {
        self.index(name)?;
        if !self.executable(path) {
            return Err("Client reconfiguration script seems non existing or non executable.".into());
        }
        self.master_mut(name)?.client_reconfig_script = Some(path.to_string());
        Ok(())
    }

    pub fn set_auth(&mut self, name: &str, user: Option<&str>, pass: Option<&str>) -> Result<(), String> {
        let m = self.master_mut(name)?;
        m.auth_user = user.map(str::to_string);
        m.auth_pass = pass.map(str::to_string);
        Ok(())
    }

    /// `config-epoch` also raises the current epoch.
    pub fn config_epoch(&mut self, name: &str, e: u64) -> Result<(), String> {
        self.master_mut(name)?.config_epoch = e;
        self.raise_current_epoch(e);
        Ok(())
    }

    pub fn leader_epoch(&mut self, name: &str, e: u64) -> Result<(), String> {
        self.master_mut(name)?.leader_epoch = e;
        Ok(())
    }

    pub fn known_replica(&mut self, name: &str, host: &str, port: i64) -> Result<(), String> {
        let i = self.index(name)?;
        let (host, port, ip) = self.check_address(host, port)?;
        // Replicas are keyed by their announced address: the name as written with
        // announce-hostnames, the resolved IP otherwise.
        let key_host = if self.cfg.announce_hostnames { host.clone() } else { ip };
        let key = format!("{}:{}", key_host, port);
        if self.main_entries(i).is_some_and(|e| e.replicas.remove(&key)) {
            // Listed by both files: counted once.
            return Ok(());
        }
        if !self.replica_keys[i].insert(key) {
            return Err("Duplicate hostname and port for replica.".into());
        }
        self.cfg.masters[i].known_replicas.push(KnownReplica { host, port });
        Ok(())
    }

    pub fn known_sentinel(&mut self, name: &str, host: &str, port: i64, runid: &str) -> Result<(), String> {
        let i = self.index(name)?;
        let (host, port, _) = self.check_address(host, port)?;
        if self.main_entries(i).is_some_and(|e| e.sentinels.remove(runid)) {
            // Listed by both files: the state file's address wins.
            if let Some(k) = self.cfg.masters[i].known_sentinels.iter_mut().find(|k| k.runid == runid) {
                (k.host, k.port) = (host, port);
            }
            return Ok(());
        }
        if !self.sentinel_ids[i].insert(runid.to_string()) {
            return Err("Duplicate runid for sentinel.".into());
        }
        self.cfg.masters[i].known_sentinels.push(KnownSentinel { host, port, runid: runid.to_string() });
        Ok(())
    }

    pub fn rename_command(&mut self, name: &str, from: &str, to: &str) -> Result<(), String> {
        let i = self.index(name)?;
        if self.main_entries(i).is_some_and(|e| e.renamed.remove(&from.to_ascii_lowercase())) {
            // Renamed by both files: the state file's name wins.
            let r =
                self.cfg.masters[i].rename_commands.iter_mut().find(|r| r.from.eq_ignore_ascii_case(from));
            if let Some(r) = r {
                r.to = to.to_string();
            }
            return Ok(());
        }
        if !self.renamed[i].insert(from.to_ascii_lowercase()) {
            return Err("Same command renamed multiple times with rename-command.".into());
        }
        self.cfg.masters[i]
            .rename_commands
            .push(RenameCommand { from: from.to_string(), to: to.to_string() });
        Ok(())
    }

    /// `createSentinelAddr`: the port must be 0..=65535; the host must be an IP literal, or
    /// with resolve-hostnames any name (one that does not resolve is accepted with an empty
    /// IP, as Redis does for addresses read from the config). Returns the host to store
    /// (legacy IPv4 forms such as `127.1` normalised), the port, and the IP used as key.
    fn check_address(&self, host: &str, port: i64) -> Result<(String, u16, String), String> {
        let port = u16::try_from(port).map_err(|_| "Invalid port number.".to_string())?;
        if let Some(ip) = parse_ip_literal(host) {
            let stored = if host.parse::<IpAddr>().is_ok() { host.to_string() } else { ip.to_string() };
            return Ok((stored, port, ip.to_string()));
        }
        if !self.cfg.resolve_hostnames {
            return Err("Can't resolve instance hostname.".into());
        }
        let ip = (host, 0).to_socket_addrs().ok().and_then(|mut it| it.next()).map(|sa| sa.ip().to_string());
        Ok((host.to_string(), port, ip.unwrap_or_default()))
    }

    fn executable(&self, path: &str) -> bool {
        sys::access(&self.base_dir.join(path), libc::X_OK).is_ok()
    }
}

/// An epoch as Redis reads it (`strtoull`: lenient, `-1` is 2^64 - 1), refused from 2^63 on:
/// no sentinel could vote in such an epoch (votes carry it as a signed 64-bit integer), and
/// Redis's next failover would wrap it to 0. Only Redis's own bugs write one (a negative epoch
/// in IS-MASTER-DOWN-BY-ADDR, a forged hello), and the TOML format cannot hold one either.
fn epoch(v: &str) -> Result<u64, String> {
    let e = strtoull(v);
    if e > MAX_EPOCH {
        return Err(EPOCH_RANGE.into());
    }
    Ok(e)
}

/// Not a Redis error (Redis accepts any epoch): see [`epoch`].
pub const EPOCH_RANGE: &str = "Epoch out of range: the largest epoch is 9223372036854775807.";

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn yes_no(v: &str, what: &str) -> Result<bool, String> {
    if v.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err(format!("Please specify yes or no for the {}.", what))
    }
}

/// An IP literal as `getaddrinfo(AI_NUMERICHOST)` reads it: any IPv6 literal, and IPv4 in the
/// `inet_aton` forms (`a.b.c.d`, `a.b.c`, `a.b`, `a`, parts in decimal, octal or hex).
pub fn parse_ip_literal(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() && radix != 16 {
            return None;
        }
        nums.push(u64::from_str_radix(if digits.is_empty() { "0" } else { digits }, radix).ok()?);
    }
    let last = *nums.last()?;
    let head = &nums[..nums.len() - 1];
    if head.iter().any(|&n| n > 255) || last >= 1u64 << (8 * (4 - head.len())) {
        return None;
    }
    let mut v: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        v |= n << (24 - 8 * i);
    }
    Some(IpAddr::V4(Ipv4Addr::from((v | last) as u32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_phases() {
        assert_eq!(phase_of("MONITOR"), Phase::Monitor);
        assert_eq!(phase_of("myid"), Phase::PreMonitor);
        assert_eq!(phase_of("Resolve-Hostnames"), Phase::PreMonitor);
        assert_eq!(phase_of("known-replica"), Phase::Post);
        assert_eq!(phase_of("bogus"), Phase::Post);
    }

    #[test]
    fn inet_aton_forms() {
        assert_eq!(parse_ip_literal("127.1"), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(parse_ip_literal("0x7f.1"), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(parse_ip_literal("10.1.2"), Some("10.1.0.2".parse().unwrap()));
        assert_eq!(parse_ip_literal("::1"), Some("::1".parse().unwrap()));
        assert_eq!(parse_ip_literal("localhost"), None);
        assert_eq!(parse_ip_literal("256.1.1.1"), None);
        assert_eq!(parse_ip_literal("1.2.3.4.5"), None);
        assert_eq!(parse_ip_literal(""), None);
    }
}
