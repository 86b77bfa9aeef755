//! The settings rsentinel reads from its config file and writes back on rewrite.
//!
//! [`SentinelConfig`] is both what the loader produces for the `sentinel ...` lines and what the
//! core hands back (`Sentinel::to_config`) when the state must be persisted, so load and
//! rewrite can never disagree about a field.

use serde::{Deserialize, Serialize};

/// Everything the `sentinel ...` directives hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SentinelConfig {
    /// `sentinel myid`: 40 characters; `None` until generated on first start.
    pub myid: Option<String>,
    /// `sentinel current-epoch`.
    pub current_epoch: u64,
    /// `sentinel deny-scripts-reconfig` (default yes).
    pub deny_scripts_reconfig: bool,
    /// `sentinel resolve-hostnames` (default no).
    pub resolve_hostnames: bool,
    /// `sentinel announce-hostnames` (default no).
    pub announce_hostnames: bool,
    /// `sentinel announce-ip`; an empty value means unset.
    pub announce_ip: Option<String>,
    /// `sentinel announce-port`; 0 means "use our own port".
    pub announce_port: u16,
    /// `sentinel sentinel-user` / `sentinel-pass`: credentials for links to peer sentinels.
    pub sentinel_user: Option<String>,
    pub sentinel_pass: Option<String>,
    /// One entry per `sentinel monitor` line, in file order.
    pub masters: Vec<MasterConfig>,
}

impl Default for SentinelConfig {
    fn default() -> Self {
        SentinelConfig {
            myid: None,
            current_epoch: 0,
            deny_scripts_reconfig: true,
            resolve_hostnames: false,
            announce_hostnames: false,
            announce_ip: None,
            announce_port: 0,
            sentinel_user: None,
            sentinel_pass: None,
            masters: Vec::new(),
        }
    }
}

/// The default `log-format`: Redis's own log line format.
pub const LOG_FORMAT_LEGACY: &str = "legacy";

pub const DEFAULT_DOWN_AFTER_MS: u64 = 30_000;
pub const DEFAULT_FAILOVER_TIMEOUT_MS: u64 = 180_000;
pub const DEFAULT_PARALLEL_SYNCS: i64 = 1;

/// A monitored master and its per-master options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MasterConfig {
    pub name: String,
    /// The address as written (an IP, or a hostname with resolve-hostnames).
    pub host: String,
    pub port: u16,
    pub quorum: u32,
    pub down_after_ms: u64,
    pub failover_timeout_ms: u64,
    /// Redis accepts 0 or negative values from the file (not from SENTINEL SET).
    pub parallel_syncs: i64,
    pub notification_script: Option<String>,
    pub client_reconfig_script: Option<String>,
    pub auth_pass: Option<String>,
    pub auth_user: Option<String>,
    /// `master-reboot-down-after-period`; 0 = off.
    pub master_reboot_down_after_period_ms: u64,
    pub config_epoch: u64,
    pub leader_epoch: u64,
    /// `sentinel known-replica <name> <ip> <port>`.
    pub known_replicas: Vec<KnownReplica>,
    /// `sentinel known-sentinel <name> <ip> <port> <runid>`.
    pub known_sentinels: Vec<KnownSentinel>,
    /// `sentinel rename-command <name> <old> <new>`, in order.
    pub rename_commands: Vec<RenameCommand>,
}

impl Default for MasterConfig {
    fn default() -> Self {
        MasterConfig {
            name: String::new(),
            host: String::new(),
            port: 0,
            quorum: 1,
            down_after_ms: DEFAULT_DOWN_AFTER_MS,
            failover_timeout_ms: DEFAULT_FAILOVER_TIMEOUT_MS,
            parallel_syncs: DEFAULT_PARALLEL_SYNCS,
            notification_script: None,
            client_reconfig_script: None,
            auth_pass: None,
            auth_user: None,
            master_reboot_down_after_period_ms: 0,
            config_epoch: 0,
            leader_epoch: 0,
            known_replicas: Vec::new(),
            known_sentinels: Vec::new(),
            rename_commands: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownReplica {
    pub host: String,
    pub port: u16,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownSentinel {
    pub host: String,
    pub port: u16,
    pub runid: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameCommand {
    pub from: String,
    pub to: String,
}

/// The generic (non-`sentinel`) directives rsentinel acts on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub port: u16,
    /// Addresses to listen on; empty means all interfaces, as Redis's default `bind * -::*`.
    pub bind: Vec<String>,
    pub protected_mode: bool,
    pub requirepass: Option<String>,
    /// ACL `user` lines, each the words after `user` (e.g. `["admin", "on", ">pw", "+@all"]`).
    pub users: Vec<Vec<String>>,
    pub daemonize: bool,
    pub pidfile: Option<String>,
    /// Empty means standard output.
    pub logfile: String,
    /// debug | verbose | notice | warning | nothing
    pub loglevel: String,
    pub dir: Option<String>,
    /// Server-level `rename-command` (renames rsentinel's own commands).
    pub rename_commands: Vec<RenameCommand>,
    /// `aclfile`: users come from this file instead of `user` lines (Redis refuses both).
    pub aclfile: Option<String>,
    /// `bind-source-addr`: the source address of outgoing connections.
    pub bind_source_addr: Option<String>,
    /// `unixsocket` (unset: no unix socket) and `unixsocketperm` (0: leave the umask default).
    pub unixsocket: Option<String>,
    pub unixsocketperm: u32,
    /// `syslog-enabled` / `syslog-ident` / `syslog-facility` (user, local0 ... local7).
    pub syslog_enabled: bool,
    pub syslog_ident: String,
    pub syslog_facility: String,
    /// `sentinel state-config-file <path>` (TOML: `state_file`): where the sentinel persists
    /// its state instead of rewriting the main config file. Absolute once loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_file: Option<String>,
    /// `log-format legacy|json` (Valkey 8.1's directive; `json` is rsentinel's): Redis's log
    /// lines, or one JSON object per line.
    pub log_format: String,
    /// The `tls-*` directives.
    pub tls: TlsConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            port: 26379,
            bind: Vec::new(),
            protected_mode: false,
            requirepass: None,
            users: Vec::new(),
            daemonize: false,
            pidfile: None,
            logfile: String::new(),
            loglevel: "notice".into(),
            dir: None,
            rename_commands: Vec::new(),
            aclfile: None,
            bind_source_addr: None,
            unixsocket: None,
            unixsocketperm: 0,
            syslog_enabled: false,
            syslog_ident: "redis".into(),
            syslog_facility: "local0".into(),
            state_file: None,
            log_format: LOG_FORMAT_LEGACY.into(),
            tls: TlsConfig::default(),
        }
    }
}

/// `tls-auth-clients`: whether clients of the TLS port must present a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsAuthClients {
    No,
    Yes,
    Optional,
}

impl TlsAuthClients {
    /// The directive's value as written in the config file.
    pub fn name(self) -> &'static str {
        match self {
            TlsAuthClients::No => "no",
            TlsAuthClients::Yes => "yes",
            TlsAuthClients::Optional => "optional",
        }
    }
}

pub const DEFAULT_TLS_SESSION_CACHE_SIZE: u32 = 20 * 1024;
pub const DEFAULT_TLS_SESSION_CACHE_TIMEOUT: u32 = 300;

/// The `tls-*` directives, named as Redis names them without the `tls-` prefix. Paths are as
/// written (relative ones are relative to `dir`, where the process runs); an unset string is
/// `None`, as Redis turns an empty string into "not set".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// `tls-port`: 0 means no TLS listener.
    pub port: u16,
    /// `tls-replication`: TLS for the outgoing links to masters, replicas and peer sentinels;
    /// also makes hellos announce `tls-port`.
    pub replication: bool,
    pub cert_file: Option<String>,
    pub key_file: Option<String>,
    pub key_file_pass: Option<String>,
    /// The certificate presented on outgoing links (default: `cert_file`).
    pub client_cert_file: Option<String>,
    pub client_key_file: Option<String>,
    pub client_key_file_pass: Option<String>,
    pub ca_cert_file: Option<String>,
    pub ca_cert_dir: Option<String>,
    pub auth_clients: TlsAuthClients,
    /// `tls-protocols`, e.g. `"TLSv1.2 TLSv1.3"` (unset: both).
    pub protocols: Option<String>,
    /// `tls-ciphers`: TLS 1.2 suites in OpenSSL's names, `:`-separated.
    pub ciphers: Option<String>,
    /// `tls-ciphersuites`: TLS 1.3 suites, `:`-separated.
    pub ciphersuites: Option<String>,
    pub prefer_server_ciphers: bool,
    pub session_caching: bool,
    pub session_cache_size: u32,
    /// Seconds a cached session may be resumed.
    pub session_cache_timeout: u32,
    pub dh_params_file: Option<String>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            port: 0,
            replication: false,
            cert_file: None,
            key_file: None,
            key_file_pass: None,
            client_cert_file: None,
            client_key_file: None,
            client_key_file_pass: None,
            ca_cert_file: None,
            ca_cert_dir: None,
            auth_clients: TlsAuthClients::Yes,
            protocols: None,
            ciphers: None,
            ciphersuites: None,
            prefer_server_ciphers: false,
            session_caching: true,
            session_cache_size: DEFAULT_TLS_SESSION_CACHE_SIZE,
            session_cache_timeout: DEFAULT_TLS_SESSION_CACHE_TIMEOUT,
            dh_params_file: None,
        }
    }
}

impl TlsConfig {
    /// Whether TLS is in use at all (Redis configures OpenSSL only then, and only then
    /// checks the files and the other `tls-*` values).
    pub fn enabled(&self) -> bool {
        self.port != 0 || self.replication
    }
}
