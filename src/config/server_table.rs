//! Every generic (non-`sentinel`) directive redis-server 7.0.15 or valkey-server 8.1.8 accepts in
//! a config file, with the validation each applies to its argument.
//!
//! rsentinel acts on a few of these (see `generic.rs`); all the others are accepted and
//! ignored, but only if Redis or Valkey would accept the value too, so a file that both real
//! sentinels refuse is refused here with the same message. [`TABLE`] was produced by probing
//! `redis-sentinel` 7.0.15 (names from `CONFIG GET *` plus the hidden and deprecated ones, ranges
//! from the "argument must be between" errors); [`VALKEY_TABLE`] the same way from
//! `valkey-sentinel` 8.1.8, keeping only what differs from Redis 7.0.15.

use super::cnum::{memtoull, string2ll, strtol_radix};

/// How a directive's arguments are checked.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `yes` / `no` (any case).
    Bool,
    /// Strict integer (`string2ll`) within an inclusive range.
    Int(i64, i64),
    /// A memory value (`1gb`, `100mb`, ...) stored signed, within an inclusive range.
    Mem(i64, i64),
    /// A memory value stored unsigned (any `u64`).
    MemU64,
    /// One of the names (any case).
    Enum(&'static [&'static str]),
    /// Any single string.
    Str,
    /// Anything else: checked by [`check_special`].
    Special(Check),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Bind,
    ClientOutputBufferLimit,
    Dir,
    LatencyPercentiles,
    MaxmemoryClients,
    NotifyKeyspaceEvents,
    OomScoreAdjValues,
    ReplicaOf,
    Save,
    UnixSocketPerm,
    ShutdownFlags,
    AppendDirname,
    AppendFilename,
    DbFilename,
    Hostname,
    ProcTitleTemplate,
    /// Valkey's `cluster-announce-client-ipv4`: empty, or an IPv4 address (`inet_pton`).
    Ipv4,
    /// Valkey's `cluster-announce-client-ipv6`: empty, or an IPv6 address (`inet_pton`).
    Ipv6,
}

impl Check {
    /// Directives whose argument count is checked by their own parser (`MULTI_ARG_CONFIG`).
    pub fn multi_arg(self) -> bool {
        matches!(
            self,
            Check::Bind
                | Check::ClientOutputBufferLimit
                | Check::LatencyPercentiles
                | Check::OomScoreAdjValues
                | Check::ReplicaOf
                | Check::Save
                | Check::ShutdownFlags
        )
    }
}

const YES_NO_LOCAL: &[&str] = &["no", "yes", "local"];
pub const LOGLEVELS: &[&str] = &["debug", "verbose", "notice", "warning", "nothing"];
pub const SYSLOG_FACILITIES: &[&str] =
    &["user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"];
const SHUTDOWN_FLAGS: &[&str] = &["default", "save", "nosave", "now", "force"];
const LL_MAX: i64 = i64::MAX;
const INT_MAX: i64 = i32::MAX as i64;
const INT_MIN: i64 = i32::MIN as i64;

use Check as S;
use Kind::*;

/// Directive names, lower case, sorted (looked up by binary search).
pub static TABLE: &[(&str, Kind)] = &[
    ("acl-pubsub-default", Enum(&["allchannels", "resetchannels"])),
    ("aclfile", Str),
    ("acllog-max-len", Int(0, LL_MAX)),
    ("active-defrag-cycle-max", Int(1, 99)),
    ("active-defrag-cycle-min", Int(1, 99)),
    ("active-defrag-ignore-bytes", Mem(1, LL_MAX)),
    ("active-defrag-max-scan-fields", Int(1, LL_MAX)),
    ("active-defrag-threshold-lower", Int(0, 1000)),
    ("active-defrag-threshold-upper", Int(0, 1000)),
    ("active-expire-effort", Int(1, 10)),
    ("activedefrag", Bool),
    ("activerehashing", Bool),
    ("always-show-logo", Bool),
    ("aof-disable-auto-gc", Bool),
    ("aof-load-truncated", Bool),
    ("aof-rewrite-incremental-fsync", Bool),
    ("aof-timestamp-enabled", Bool),
    ("aof-use-rdb-preamble", Bool),
    ("aof_rewrite_cpulist", Str),
    ("appenddirname", Special(S::AppendDirname)),
    ("appendfilename", Special(S::AppendFilename)),
    ("appendfsync", Enum(&["everysec", "always", "no"])),
    ("appendonly", Bool),
    ("auto-aof-rewrite-min-size", Mem(0, LL_MAX)),
    ("auto-aof-rewrite-percentage", Int(0, INT_MAX)),
    ("bgsave_cpulist", Str),
    ("bind", Special(S::Bind)),
    ("bind-source-addr", Str),
    ("bio_cpulist", Str),
    ("busy-reply-threshold", Int(0, LL_MAX)),
    ("client-output-buffer-limit", Special(S::ClientOutputBufferLimit)),
    ("client-query-buffer-limit", Mem(1048576, LL_MAX)),
    ("cluster-allow-pubsubshard-when-down", Bool),
    ("cluster-allow-reads-when-down", Bool),
    ("cluster-allow-replica-migration", Bool),
    ("cluster-announce-bus-port", Int(0, 65535)),
    ("cluster-announce-hostname", Special(S::Hostname)),
    ("cluster-announce-ip", Str),
    ("cluster-announce-port", Int(0, 65535)),
    ("cluster-announce-tls-port", Int(0, 65535)),
    ("cluster-config-file", Str),
    ("cluster-enabled", Bool),
    ("cluster-link-sendbuf-limit", MemU64),
    ("cluster-migration-barrier", Int(0, INT_MAX)),
    ("cluster-node-timeout", Int(0, LL_MAX)),
    ("cluster-port", Int(0, 65535)),
    ("cluster-preferred-endpoint-type", Enum(&["ip", "hostname", "unknown-endpoint"])),
    ("cluster-replica-no-failover", Bool),
    ("cluster-replica-validity-factor", Int(0, INT_MAX)),
    ("cluster-require-full-coverage", Bool),
    ("cluster-slave-no-failover", Bool),
    ("cluster-slave-validity-factor", Int(0, INT_MAX)),
    ("crash-log-enabled", Bool),
    ("crash-memcheck-enabled", Bool),
    ("daemonize", Bool),
    ("databases", Int(1, INT_MAX)),
    ("dbfilename", Special(S::DbFilename)),
    ("dir", Special(S::Dir)),
    ("disable-thp", Bool),
    ("dynamic-hz", Bool),
    ("enable-debug-command", Enum(YES_NO_LOCAL)),
    ("enable-module-command", Enum(YES_NO_LOCAL)),
    ("enable-protected-configs", Enum(YES_NO_LOCAL)),
    ("hash-max-listpack-entries", Int(0, LL_MAX)),
    ("hash-max-listpack-value", Mem(0, LL_MAX)),
    ("hash-max-ziplist-entries", Int(0, LL_MAX)),
    ("hash-max-ziplist-value", Mem(0, LL_MAX)),
    ("hll-sparse-max-bytes", Mem(0, LL_MAX)),
    ("hz", Int(0, INT_MAX)),
    ("ignore-warnings", Str),
    ("io-threads", Int(1, 128)),
    ("io-threads-do-reads", Bool),
    ("jemalloc-bg-thread", Bool),
    ("key-load-delay", Int(INT_MIN, INT_MAX)),
    ("latency-monitor-threshold", Int(0, LL_MAX)),
    ("latency-tracking", Bool),
    ("latency-tracking-info-percentiles", Special(S::LatencyPercentiles)),
    ("lazyfree-lazy-eviction", Bool),
    ("lazyfree-lazy-expire", Bool),
    ("lazyfree-lazy-server-del", Bool),
    ("lazyfree-lazy-user-del", Bool),
    ("lazyfree-lazy-user-flush", Bool),
    ("lfu-decay-time", Int(0, INT_MAX)),
    ("lfu-log-factor", Int(0, INT_MAX)),
    ("list-compress-depth", Int(0, INT_MAX)),
    ("list-max-listpack-size", Int(INT_MIN, INT_MAX)),
    ("list-max-ziplist-size", Int(INT_MIN, INT_MAX)),
    ("loading-process-events-interval-bytes", Int(1024, INT_MAX)),
    ("logfile", Str),
    // Redis 7.0 knows four levels; `nothing` (Redis 7.2+) is accepted too.
    ("loglevel", Enum(LOGLEVELS)),
    ("lua-enable-deprecated-api", Bool),
    ("lua-time-limit", Int(0, LL_MAX)),
    ("masterauth", Str),
    ("masteruser", Str),
    ("maxclients", Int(1, 4294967295)),
    ("maxmemory", MemU64),
    ("maxmemory-clients", Special(S::MaxmemoryClients)),
    ("maxmemory-eviction-tenacity", Int(0, 100)),
    (
        "maxmemory-policy",
        Enum(&[
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ]),
    ),
    ("maxmemory-samples", Int(1, INT_MAX)),
    ("min-replicas-max-lag", Int(0, INT_MAX)),
    ("min-replicas-to-write", Int(0, INT_MAX)),
    ("min-slaves-max-lag", Int(0, INT_MAX)),
    ("min-slaves-to-write", Int(0, INT_MAX)),
    ("no-appendfsync-on-rewrite", Bool),
    ("notify-keyspace-events", Special(S::NotifyKeyspaceEvents)),
    ("oom-score-adj", Enum(&["no", "yes", "relative", "absolute"])),
    ("oom-score-adj-values", Special(S::OomScoreAdjValues)),
    ("pidfile", Str),
    ("port", Int(0, 65535)),
    ("proc-title-template", Special(S::ProcTitleTemplate)),
    ("propagation-error-behavior", Enum(&["ignore", "panic", "panic-on-replicas"])),
    ("protected-mode", Bool),
    ("proto-max-bulk-len", Mem(1048576, LL_MAX)),
    ("rdb-del-sync-files", Bool),
    ("rdb-key-save-delay", Int(INT_MIN, INT_MAX)),
    ("rdb-save-incremental-fsync", Bool),
    ("rdbchecksum", Bool),
    ("rdbcompression", Bool),
    ("repl-backlog-size", Mem(1, LL_MAX)),
    ("repl-backlog-ttl", Int(0, LL_MAX)),
    ("repl-disable-tcp-nodelay", Bool),
    ("repl-diskless-load", Enum(&["disabled", "on-empty-db", "swapdb"])),
    ("repl-diskless-sync", Bool),
    ("repl-diskless-sync-delay", Int(0, INT_MAX)),
    ("repl-diskless-sync-max-replicas", Int(0, INT_MAX)),
    ("repl-ping-replica-period", Int(1, INT_MAX)),
    ("repl-ping-slave-period", Int(1, INT_MAX)),
    ("repl-timeout", Int(1, INT_MAX)),
    ("replica-announce-ip", Str),
    ("replica-announce-port", Int(0, 65535)),
    ("replica-announced", Bool),
    ("replica-ignore-disk-write-errors", Bool),
    ("replica-ignore-maxmemory", Bool),
    ("replica-lazy-flush", Bool),
    ("replica-priority", Int(0, INT_MAX)),
    ("replica-read-only", Bool),
    ("replica-serve-stale-data", Bool),
    ("replicaof", Special(S::ReplicaOf)),
    ("requirepass", Str),
    ("sanitize-dump-payload", Enum(&["no", "yes", "clients"])),
    ("save", Special(S::Save)),
    ("server_cpulist", Str),
    ("set-max-intset-entries", Int(0, LL_MAX)),
    ("set-proc-title", Bool),
    ("shutdown-on-sigint", Special(S::ShutdownFlags)),
    ("shutdown-on-sigterm", Special(S::ShutdownFlags)),
    ("shutdown-timeout", Int(0, INT_MAX)),
    ("slave-announce-ip", Str),
    ("slave-announce-port", Int(0, 65535)),
    ("slave-ignore-maxmemory", Bool),
    ("slave-lazy-flush", Bool),
    ("slave-priority", Int(0, INT_MAX)),
    ("slave-read-only", Bool),
    ("slave-serve-stale-data", Bool),
    ("slaveof", Special(S::ReplicaOf)),
    ("slowlog-log-slower-than", Int(-1, LL_MAX)),
    ("slowlog-max-len", Int(0, LL_MAX)),
    ("socket-mark-id", Int(0, 4294967295)),
    ("stop-writes-on-bgsave-error", Bool),
    ("stream-node-max-bytes", Mem(0, LL_MAX)),
    ("stream-node-max-entries", Int(0, LL_MAX)),
    ("supervised", Enum(&["upstart", "systemd", "auto", "no"])),
    ("syslog-enabled", Bool),
    ("syslog-facility", Enum(SYSLOG_FACILITIES)),
    ("syslog-ident", Str),
    ("tcp-backlog", Int(0, INT_MAX)),
    ("tcp-keepalive", Int(0, INT_MAX)),
    ("timeout", Int(0, INT_MAX)),
    ("tls-auth-clients", Enum(&["no", "yes", "optional"])),
    ("tls-ca-cert-dir", Str),
    ("tls-ca-cert-file", Str),
    ("tls-cert-file", Str),
    ("tls-ciphers", Str),
    ("tls-ciphersuites", Str),
    ("tls-client-cert-file", Str),
    ("tls-client-key-file", Str),
    ("tls-client-key-file-pass", Str),
    ("tls-cluster", Bool),
    ("tls-dh-params-file", Str),
    ("tls-key-file", Str),
    ("tls-key-file-pass", Str),
    ("tls-port", Int(0, 65535)),
    ("tls-prefer-server-ciphers", Bool),
    ("tls-protocols", Str),
    ("tls-replication", Bool),
    ("tls-session-cache-size", Int(0, INT_MAX)),
    ("tls-session-cache-timeout", Int(0, INT_MAX)),
    ("tls-session-caching", Bool),
    ("tracking-table-max-keys", Int(0, LL_MAX)),
    ("unixsocket", Str),
    ("unixsocketperm", Special(S::UnixSocketPerm)),
    ("use-exit-on-panic", Bool),
    ("watchdog-period", Int(0, INT_MAX)),
    ("zset-max-listpack-entries", Int(0, LL_MAX)),
    ("zset-max-listpack-value", Mem(0, LL_MAX)),
    ("zset-max-ziplist-entries", Int(0, LL_MAX)),
    ("zset-max-ziplist-value", Mem(0, LL_MAX)),
];

/// What valkey-server 8.1.8 accepts beyond [`TABLE`]: its new directives, and the ones whose
/// check is more lenient than Redis 7.0.15's (a value is accepted if either check passes; the
/// error shown is Redis's then). Sorted, lower case.
pub static VALKEY_TABLE: &[(&str, Kind)] = &[
    ("active-defrag-cycle-us", Int(0, 100000)),
    ("aof-rewrite-cpulist", Str),
    ("availability-zone", Str),
    ("bgsave-cpulist", Str),
    ("bio-cpulist", Str),
    ("cluster-announce-client-ipv4", Special(S::Ipv4)),
    ("cluster-announce-client-ipv6", Special(S::Ipv6)),
    ("cluster-announce-human-nodename", Str),
    ("cluster-blacklist-ttl", Int(i64::MIN, LL_MAX)),
    ("cluster-manual-failover-timeout", Int(1, INT_MAX)),
    ("cluster-ping-interval", Int(0, LL_MAX)),
    ("cluster-slot-stats-enabled", Bool),
    ("commandlog-execution-slower-than", Int(-1, LL_MAX)),
    ("commandlog-large-reply-max-len", Int(0, LL_MAX)),
    ("commandlog-large-request-max-len", Int(0, LL_MAX)),
    ("commandlog-reply-larger-than", Int(-1, LL_MAX)),
    ("commandlog-request-larger-than", Int(-1, LL_MAX)),
    ("commandlog-slow-execution-max-len", Int(0, LL_MAX)),
    ("debug-context", Str),
    ("dual-channel-replication-enabled", Bool),
    // Deprecated in Valkey: any single value is swallowed.
    ("dynamic-hz", Str),
    ("enable-debug-assert", Bool),
    ("events-per-io-thread", Int(0, INT_MAX)),
    ("extended-redis-compatibility", Bool),
    ("hide-user-data-from-log", Bool),
    ("import-mode", Bool),
    ("io-threads", Int(1, 256)),
    // Deprecated in Valkey: any single value is swallowed.
    ("io-threads-do-reads", Str),
    ("locale-collate", Str),
    ("log-format", Enum(&["legacy", "logfmt"])),
    ("log-timestamp-format", Enum(&["legacy", "iso8601", "milliseconds"])),
    ("max-new-connections-per-cycle", Int(1, 1000)),
    ("max-new-tls-connections-per-cycle", Int(1, 1000)),
    ("prefetch-batch-max-size", Int(0, 128)),
    ("primaryauth", Str),
    ("primaryuser", Str),
    ("rdb-version-check", Enum(&["strict", "relaxed"])),
    ("rdma-bind", Special(S::Bind)),
    ("rdma-completion-vector", Int(-1, 1024)),
    ("rdma-port", Int(0, 65535)),
    ("rdma-rx-size", Int(65536, 16777216)),
    ("repl-diskless-load", Enum(&["disabled", "on-empty-db", "swapdb", "flush-before-load"])),
    ("server-cpulist", Str),
    ("set-max-listpack-entries", Int(0, LL_MAX)),
    ("set-max-listpack-value", Int(0, LL_MAX)),
    ("unixsocketgroup", Str),
];

/// Deprecated names Redis 7.0 still swallows silently, but only with exactly one argument.
pub const DEPRECATED: &[&str] =
    &["list-max-ziplist-entries", "list-max-ziplist-value", "lua-replicate-commands"];

/// Look a directive up in [`TABLE`] (`name` must already be lower case).
pub fn lookup(name: &str) -> Option<Kind> {
    lookup_in(TABLE, name)
}

/// Look a directive up in [`VALKEY_TABLE`] (`name` must already be lower case).
pub fn lookup_valkey(name: &str) -> Option<Kind> {
    lookup_in(VALKEY_TABLE, name)
}

fn lookup_in(table: &[(&str, Kind)], name: &str) -> Option<Kind> {
    table.binary_search_by(|(n, _)| (*n).cmp(name)).ok().map(|i| table[i].1)
}

/// Check a generic directive the way redis-server 7.0.15 or valkey-server 8.1.8 would: accepted
/// if either accepts it; refused with Redis's message when Redis knows the directive, else with
/// Valkey's. `None` when neither knows it.
pub fn check_either(name: &str, args: &[String]) -> Option<Result<(), String>> {
    let valkey = || lookup_valkey(name).map(|k| check(k, args));
    match lookup(name).map(|k| check(k, args)) {
        Some(Err(redis_error)) => Some(match valkey() {
            Some(Ok(())) => Ok(()),
            _ => Err(redis_error),
        }),
        Some(Ok(())) => Some(Ok(())),
        None => valkey(),
    }
}

/// Check the arguments (the words after the directive name) the way Redis's config loader
/// does. The error is Redis's message.
pub fn check(kind: Kind, args: &[String]) -> Result<(), String> {
    let multi = matches!(kind, Special(s) if s.multi_arg());
    if !multi && args.len() != 1 {
        return Err("wrong number of arguments".into());
    }
    match kind {
        Bool => parse_yes_no(&args[0]).map(|_| ()),
        Int(lo, hi) => check_int(&args[0], lo, hi).map(|_| ()),
        Mem(lo, hi) => {
            let v = memtoull(&args[0]).ok_or("argument must be a memory value")?;
            let v = v as i64;
            if v < lo || v > hi {
                return Err(range_error(lo, hi));
            }
            Ok(())
        }
        MemU64 => memtoull(&args[0]).map(|_| ()).ok_or_else(|| "argument must be a memory value".into()),
        Enum(names) => check_enum(&args[0], names).map(|_| ()),
        Str => Ok(()),
        Special(s) => check_special(s, args),
    }
}

/// Redis's `yesnotoi` with its config error.
pub fn parse_yes_no(s: &str) -> Result<bool, String> {
    if s.eq_ignore_ascii_case("yes") {
        Ok(true)
    } else if s.eq_ignore_ascii_case("no") {
        Ok(false)
    } else {
        Err("argument must be 'yes' or 'no'".into())
    }
}

pub fn check_int(s: &str, lo: i64, hi: i64) -> Result<i64, String> {
    let v = string2ll(s).ok_or("argument couldn't be parsed into an integer")?;
    if v < lo || v > hi {
        return Err(range_error(lo, hi));
    }
    Ok(v)
}

fn range_error(lo: i64, hi: i64) -> String {
    format!("argument must be between {} and {} inclusive", lo, hi)
}

/// The canonical (lower-case) enum name for `s`.
pub fn check_enum(s: &str, names: &'static [&'static str]) -> Result<&'static str, String> {
    names.iter().find(|n| n.eq_ignore_ascii_case(s)).copied().ok_or_else(|| enum_error(names))
}

fn enum_error(names: &[&str]) -> String {
    format!("argument(s) must be one of the following: {}", names.join(", "))
}

/// `unixsocketperm`: octal, 0..=0777 (Redis prints the bounds in octal).
pub fn parse_octal_perm(s: &str) -> Result<u32, String> {
    let (v, consumed) = strtol_radix(s, 8);
    if !consumed {
        return Err("argument couldn't be parsed as an octal number".into());
    }
    if !(0..=0o777).contains(&v) {
        return Err("argument must be between 0 and 777 inclusive".into());
    }
    Ok(v as u32)
}

fn check_special(s: Check, args: &[String]) -> Result<(), String> {
    match s {
        S::Bind => {
            if args.len() > 16 {
                return Err("Too many bind addresses specified.".into());
            }
            Ok(())
        }
        S::Dir => Ok(()), // existence is checked by the loader, relative to the current dir
        S::UnixSocketPerm => parse_octal_perm(&args[0]).map(|_| ()),
        S::Save => {
            // A single "" means "no save points".
            if args.len() == 1 && args[0].is_empty() {
                return Ok(());
            }
            if !args.len().is_multiple_of(2) {
                return Err("Invalid save parameters".into());
            }
            for (j, a) in args.iter().enumerate() {
                let (v, consumed) = strtol_radix(a, 10);
                if !consumed || (j % 2 == 0 && v < 1) || (j % 2 == 1 && v < 0) {
                    return Err("Invalid save parameters".into());
                }
            }
            Ok(())
        }
        S::ClientOutputBufferLimit => {
            if !args.len().is_multiple_of(4) {
                return Err("Wrong number of arguments in buffer limit configuration.".into());
            }
            for chunk in args.chunks(4) {
                let class = chunk[0].to_ascii_lowercase();
                if !matches!(class.as_str(), "normal" | "slave" | "replica" | "pubsub") {
                    return Err("Invalid client class specified in buffer limit configuration.".into());
                }
                let (secs, consumed) = strtol_radix(&chunk[3], 10);
                if memtoull(&chunk[1]).is_none() || memtoull(&chunk[2]).is_none() || secs < 0 || !consumed {
                    return Err(
                        "Error in hard, soft or soft_seconds setting in buffer limit configuration.".into()
                    );
                }
            }
            Ok(())
        }
        S::OomScoreAdjValues => {
            if args.len() != 3 {
                return Err("wrong number of arguments".into());
            }
            for a in args {
                let (v, consumed) = strtol_radix(a, 10);
                if !consumed || !(-2000..=2000).contains(&v) {
                    return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 and 2000.".into()
                    );
                }
            }
            Ok(())
        }
        S::LatencyPercentiles => {
            if args.len() == 1 && args[0].is_empty() {
                return Ok(());
            }
            for a in args {
                let v: f64 =
                    parse_c_double(a).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
                if !(0.0..=100.0).contains(&v) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]".into(),
                    );
                }
            }
            Ok(())
        }
        S::ReplicaOf => {
            if args.len() != 2 {
                return Err("wrong number of arguments".into());
            }
            if args[0].eq_ignore_ascii_case("no") && args[1].eq_ignore_ascii_case("one") {
                return Ok(());
            }
            let (port, consumed) = strtol_radix(&args[1], 10);
            if !consumed || !(0..=65535).contains(&port) {
                return Err("Invalid master port".into());
            }
            Ok(())
        }
        S::NotifyKeyspaceEvents => {
            if args[0].chars().all(|c| "Ag$lshzxeKEtmdn".contains(c)) {
                Ok(())
            } else {
                Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into())
            }
        }
        S::MaxmemoryClients => {
            let a = &args[0];
            let err = || "argument must be a memory or percent value".to_string();
            if a.len() > 1 && a.ends_with('%') {
                let v = string2ll(&a[..a.len() - 1]).filter(|v| *v >= 0).ok_or_else(err)?;
                if v > 100 {
                    return Err("percentage argument must be less or equal to 100".into());
                }
                return Ok(());
            }
            let v = memtoull(a).ok_or_else(err)?;
            if v > i64::MAX as u64 {
                return Err(range_error(0, i64::MAX));
            }
            Ok(())
        }
        S::ShutdownFlags => {
            if args.is_empty() {
                return Err(enum_error(SHUTDOWN_FLAGS));
            }
            let mut flags = Vec::new();
            for a in args {
                flags.push(check_enum(a, SHUTDOWN_FLAGS)?);
            }
            if flags.contains(&"save") && flags.contains(&"nosave") {
                return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
            }
            Ok(())
        }
        S::AppendDirname => check_basename(&args[0], "appenddirname", "dirname"),
        S::AppendFilename => check_basename(&args[0], "appendfilename", "filename"),
        S::DbFilename => {
            if args[0].contains('/') {
                return Err("dbfilename can't be a path, just a filename".into());
            }
            Ok(())
        }
        S::Hostname => {
            if args[0].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                Ok(())
            } else {
                Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
            }
        }
        S::ProcTitleTemplate => check_proc_title(&args[0]),
        S::Ipv4 => {
            if args[0].is_empty() || args[0].parse::<std::net::Ipv4Addr>().is_ok() {
                Ok(())
            } else {
                Err("Invalid IPv4 address".into())
            }
        }
        S::Ipv6 => {
            if args[0].is_empty() || args[0].parse::<std::net::Ipv6Addr>().is_ok() {
                Ok(())
            } else {
                Err("Invalid IPv6 address".into())
            }
        }
    }
}

fn check_basename(v: &str, name: &str, what: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err(format!("{} can't be empty", name));
    }
    if v.contains('/') {
        return Err(format!("{} can't be a path, just a {}", name, what));
    }
    Ok(())
}

/// `validateProcTitleTemplate`: the template must expand (known `{variables}` only, `{{`
/// escapes a brace) to something non-blank when the title itself is empty.
fn check_proc_title(t: &str) -> Result<(), String> {
    let err = || "template format is invalid or contains unknown variables".to_string();
    let mut out = String::new();
    let mut rest = t;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        if after.is_empty() {
            return Err(err());
        }
        if let Some(r) = after.strip_prefix('{') {
            out.push('{');
            rest = r;
            continue;
        }
        let end = after.find('}').ok_or_else(err)?;
        match &after[..end] {
            "title" | "unixsocket" => {}
            "listen-addr" | "server-mode" | "port" | "tls-port" | "config-file" => out.push('x'),
            _ => return Err(err()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    if out.trim_matches(' ').is_empty() {
        return Err(err());
    }
    Ok(())
}

/// `strtod` accepting the whole string (leading whitespace allowed, as in C).
fn parse_c_double(s: &str) -> Option<f64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if t.is_empty() {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") || lower.starts_with("0x") || lower.starts_with("-0x") {
        return lower.parse::<f64>().ok();
    }
    t.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn table_is_sorted_and_unique() {
        for table in [TABLE, VALKEY_TABLE] {
            for w in table.windows(2) {
                assert!(w[0].0 < w[1].0, "{} !< {}", w[0].0, w[1].0);
            }
        }
        assert_eq!(TABLE.len(), 198);
        assert_eq!(VALKEY_TABLE.len(), 46);
    }

    #[test]
    fn valkey_directives_are_checked_like_valkey() {
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            ("enable-debug-assert", &["yes"], None),
            ("enable-debug-assert", &["maybe"], Some("argument must be 'yes' or 'no'")),
            ("enable-debug-assert", &[], Some("wrong number of arguments")),
            // Valkey allows more io threads than Redis; past Valkey's bound, Redis's error.
            ("io-threads", &["200"], None),
            ("io-threads", &["300"], Some("argument must be between 1 and 128 inclusive")),
            ("repl-diskless-load", &["flush-before-load"], None),
            ("dynamic-hz", &["whatever"], None),
            ("dynamic-hz", &["a", "b"], Some("wrong number of arguments")),
            ("cluster-announce-client-ipv4", &["1.2.3.4"], None),
            ("cluster-announce-client-ipv4", &[""], None),
            ("cluster-announce-client-ipv4", &["01.2.3.4"], Some("Invalid IPv4 address")),
            ("cluster-announce-client-ipv6", &["::ffff:1.2.3.4"], None),
            ("cluster-announce-client-ipv6", &["1.2.3.4"], Some("Invalid IPv6 address")),
            ("log-format", &["LOGFMT"], None),
            ("log-format", &["json"], Some("argument(s) must be one of the following: legacy, logfmt")),
            ("rdma-bind", &["a", "b"], None),
            ("max-new-connections-per-cycle", &["0"], Some("argument must be between 1 and 1000 inclusive")),
            ("primaryauth", &["secret"], None),
            ("port", &["70000"], Some("argument must be between 0 and 65535 inclusive")),
        ];
        for (name, a, want) in cases {
            let got = check_either(name, &args(a)).unwrap_or_else(|| panic!("{} unknown", name)).err();
            assert_eq!(got.as_deref(), *want, "{} {:?}", name, a);
        }
        assert!(check_either("primaryof", &args(&["a", "1"])).is_none());
    }

    #[test]
    fn kinds_reproduce_redis_errors() {
        let cases: &[(&str, &[&str], Option<&str>)] = &[
            ("port", &["70000"], Some("argument must be between 0 and 65535 inclusive")),
            ("port", &["abc"], Some("argument couldn't be parsed into an integer")),
            ("port", &["1", "2"], Some("wrong number of arguments")),
            ("maxclients", &["0"], Some("argument must be between 1 and 4294967295 inclusive")),
            ("daemonize", &["x"], Some("argument must be 'yes' or 'no'")),
            ("daemonize", &["YES"], None),
            ("maxmemory", &["1xb"], Some("argument must be a memory value")),
            ("maxmemory", &["99999999999999999999999"], None),
            (
                "hash-max-listpack-value",
                &["99999999999999999999"],
                Some("argument must be between 0 and 9223372036854775807 inclusive"),
            ),
            (
                "supervised",
                &["foo"],
                Some("argument(s) must be one of the following: upstart, systemd, auto, no"),
            ),
            ("save", &["900"], Some("Invalid save parameters")),
            ("save", &["900", "1", "300", "10"], None),
            ("save", &[""], None),
            ("save", &[], None),
            ("bind", &[], None),
            (
                "client-output-buffer-limit",
                &["normal", "0", "0"],
                Some("Wrong number of arguments in buffer limit configuration."),
            ),
            (
                "client-output-buffer-limit",
                &["master", "0", "0", "0"],
                Some("Invalid client class specified in buffer limit configuration."),
            ),
            (
                "client-output-buffer-limit",
                &["normal", "1mb", "1k", "-1"],
                Some("Error in hard, soft or soft_seconds setting in buffer limit configuration."),
            ),
            ("client-output-buffer-limit", &["replica", "1", "1", "1"], None),
            ("oom-score-adj-values", &["0", "200"], Some("wrong number of arguments")),
            (
                "oom-score-adj-values",
                &["0", "200", "3000"],
                Some("Invalid oom-score-adj-values, elements must be between -2000 and 2000."),
            ),
            ("replicaof", &["a", "b"], Some("Invalid master port")),
            ("replicaof", &["NO", "ONE"], None),
            ("notify-keyspace-events", &["KEA"], None),
            ("notify-keyspace-events", &["Z"], Some("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")),
            ("maxmemory-clients", &["101%"], Some("percentage argument must be less or equal to 100")),
            ("maxmemory-clients", &["-1%"], Some("argument must be a memory or percent value")),
            ("maxmemory-clients", &["1gb"], None),
            ("unixsocketperm", &["999"], Some("argument couldn't be parsed as an octal number")),
            ("unixsocketperm", &["1777"], Some("argument must be between 0 and 777 inclusive")),
            ("unixsocketperm", &["700"], None),
            (
                "shutdown-on-sigint",
                &["save", "nosave"],
                Some("shutdown options SAVE and NOSAVE can't be used simultaneously"),
            ),
            ("shutdown-on-sigint", &["NOW", "force"], None),
            (
                "latency-tracking-info-percentiles",
                &["101"],
                Some("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"),
            ),
            (
                "latency-tracking-info-percentiles",
                &["1x"],
                Some("Invalid latency-tracking-info-percentiles parameters"),
            ),
            ("latency-tracking-info-percentiles", &["50", "99", "99.9"], None),
            ("appendfilename", &["/a/b"], Some("appendfilename can't be a path, just a filename")),
            ("appenddirname", &[""], Some("appenddirname can't be empty")),
            ("dbfilename", &["/a/b"], Some("dbfilename can't be a path, just a filename")),
            (
                "cluster-announce-hostname",
                &["/a/b"],
                Some("Hostnames may only contain alphanumeric characters, hyphens or dots"),
            ),
            (
                "proc-title-template",
                &["{title}"],
                Some("template format is invalid or contains unknown variables"),
            ),
            ("proc-title-template", &["{title} {listen-addr} {server-mode}"], None),
        ];
        for (name, a, want) in cases {
            let kind = lookup(name).unwrap_or_else(|| panic!("{} not in table", name));
            let got = check(kind, &args(a)).err();
            assert_eq!(got.as_deref(), *want, "{} {:?}", name, a);
        }
    }
}
