//! INFO [section ...] in sentinel mode (`sentinelInfoCommand`): only the server, clients,
//! stats, cpu and sentinel sections exist; others are dropped silently. The reply is a bulk
//! string in both protocols.

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

use super::{Ctx, ParseArgs};
use crate::server::argv::{ArgError, Args};
use crate::server::stats::ServerStats;
use crate::server::Server;

/// The sections sentinel mode knows, in the order they are generated.
const SECTIONS: [&str; 5] = ["server", "clients", "stats", "cpu", "sentinel"];

/// `INFO [section ...]`: the requested sections, as bits in [`SECTIONS`]' order.
pub struct Info {
    sections: u8,
}

impl<'a> ParseArgs<'a> for Info {
    /// `genInfoSectionDict` restricted to sentinel's sections: no argument, `default`, `all`
    /// and `everything` select all five; names are case-insensitive; unknown names are ignored.
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        const ALL: u8 = (1 << SECTIONS.len()) - 1;
        if args.remaining() == 0 {
            return Ok(Info { sections: ALL });
        }
        let mut sections = 0;
        for a in args.rest() {
            if [&b"all"[..], b"everything", b"default"].iter().any(|w| a.eq_ignore_ascii_case(w)) {
                return Ok(Info { sections: ALL });
            }
            if let Some(i) = SECTIONS.iter().position(|s| a.eq_ignore_ascii_case(s.as_bytes())) {
                sections |= 1 << i;
            }
        }
        Ok(Info { sections })
    }
}

impl Info {
    fn wants(&self, section: usize) -> bool {
        self.sections & (1 << section) != 0
    }
}

pub fn run(ctx: &mut Ctx) {
    let Some(info) = ctx.parse::<Info>() else { return };
    let srv = ctx.srv;
    let mut w = ctx.w();
    let at = w.deferred();
    let mut first = true;
    for (i, section) in SECTIONS.iter().enumerate().filter(|(i, _)| info.wants(*i)) {
        if !first {
            w.raw(b"\r\n");
        }
        first = false;
        match *section {
            "server" => server(srv, &mut w),
            "clients" => clients(srv, &mut w),
            "stats" => stats(srv, &mut w),
            "cpu" => cpu(&mut w),
            _ => {
                debug_assert_eq!(i, 4);
                w.raw(b"# Sentinel\r\n");
                crate::server::sentinel::info_section(&srv.h, &mut w);
            }
        }
    }
    w.end_bulk(at);
}

/// `uname -s -r -m`, asked once.
fn os_name() -> &'static str {
    static OS: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    OS.get_or_init(uname)
}

fn uname() -> String {
    // SAFETY: uname fills the zeroed struct; the fields are NUL-terminated C strings.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return std::env::consts::OS.to_string();
        }
        let field = |f: &[libc::c_char]| {
            let bytes: Vec<u8> = f.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        };
        format!("{} {} {}", field(&u.sysname), field(&u.release), field(&u.machine))
    }
}

/// A stable build id for this binary (Redis prints a hash of its build environment), computed
/// once.
fn build_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(compute_build_id)
}

fn compute_build_id() -> String {
    let h = crate::server::acl::hash_password(
        concat!(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")).as_bytes(),
    );
    h[..16].to_string()
}

fn server(srv: &Server, out: &mut impl Write) {
    let p = &srv.h.0.process;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let uptime = srv.started.elapsed().as_secs();
    // Sentinel re-draws its timer frequency every tick (`server.hz = CONFIG_DEFAULT_HZ +
    // rand() % CONFIG_DEFAULT_HZ`), so INFO shows a value between 10 and 19.
    let hz = 10 + rand::thread_rng().gen_range(0..10);
    let multiplexing = if cfg!(target_os = "linux") { "epoll" } else { "kqueue" };
    let _ = write!(
        out,
        "# Server\r\n\
         redis_version:{}\r\n\
         redis_git_sha1:00000000\r\n\
         redis_git_dirty:0\r\n\
         redis_build_id:{}\r\n\
         redis_mode:sentinel\r\n\
         os:{}\r\n\
         arch_bits:{}\r\n\
         monotonic_clock:POSIX clock_gettime\r\n\
         multiplexing_api:{}\r\n\
         atomicvar_api:c11-builtin\r\n\
         gcc_version:0.0.0\r\n\
         process_id:{}\r\n\
         process_supervised:no\r\n\
         run_id:{}\r\n\
         tcp_port:{}\r\n\
         server_time_usec:{}\r\n\
         uptime_in_seconds:{}\r\n\
         uptime_in_days:{}\r\n\
         hz:{}\r\n\
         configured_hz:10\r\n\
         lru_clock:{}\r\n\
         executable:{}\r\n\
         config_file:{}\r\n\
         io_threads_active:0\r\n",
        crate::REDIS_COMPAT_VERSION,
        build_id(),
        os_name(),
        usize::BITS,
        multiplexing,
        std::process::id(),
        p.run_id,
        p.tcp_port,
        now.as_micros(),
        uptime,
        uptime / 86400,
        hz,
        now.as_secs() & ((1 << 24) - 1),
        p.executable,
        p.config_file.display(),
    );
}

fn clients(srv: &Server, out: &mut impl Write) {
    let s = &srv.stats;
    let (max_in, max_out) = s.recent_max_buffers();
    let _ = write!(
        out,
        "# Clients\r\n\
         connected_clients:{}\r\n\
         cluster_connections:0\r\n\
         maxclients:{}\r\n\
         client_recent_max_input_buffer:{}\r\n\
         client_recent_max_output_buffer:{}\r\n\
         blocked_clients:{}\r\n\
         tracking_clients:{}\r\n\
         clients_in_timeout_table:0\r\n",
        srv.clients.len(),
        srv.maxclients,
        max_in,
        max_out,
        s.blocked_clients.load(std::sync::atomic::Ordering::Relaxed),
        s.tracking_clients.load(std::sync::atomic::Ordering::Relaxed),
    );
}

fn stats(srv: &Server, out: &mut impl Write) {
    let s = &srv.stats;
    let g = ServerStats::get;
    let (ops, in_kbps, out_kbps) = s.instantaneous();
    let (channels, patterns) = srv.broker.counts();
    let _ = write!(
        out,
        "# Stats\r\n\
         total_connections_received:{}\r\n\
         total_commands_processed:{}\r\n\
         instantaneous_ops_per_sec:{}\r\n\
         total_net_input_bytes:{}\r\n\
         total_net_output_bytes:{}\r\n\
         total_net_repl_input_bytes:0\r\n\
         total_net_repl_output_bytes:0\r\n\
         instantaneous_input_kbps:{:.2}\r\n\
         instantaneous_output_kbps:{:.2}\r\n\
         instantaneous_input_repl_kbps:0.00\r\n\
         instantaneous_output_repl_kbps:0.00\r\n\
         rejected_connections:{}\r\n\
         sync_full:0\r\n\
         sync_partial_ok:0\r\n\
         sync_partial_err:0\r\n\
         expired_keys:0\r\n\
         expired_stale_perc:0.00\r\n\
         expired_time_cap_reached_count:0\r\n\
         expire_cycle_cpu_milliseconds:0\r\n\
         evicted_keys:0\r\n\
         evicted_clients:0\r\n\
         total_eviction_exceeded_time:0\r\n\
         current_eviction_exceeded_time:0\r\n\
         keyspace_hits:0\r\n\
         keyspace_misses:0\r\n\
         pubsub_channels:{}\r\n\
         pubsub_patterns:{}\r\n\
         pubsubshard_channels:0\r\n\
         latest_fork_usec:0\r\n\
         total_forks:0\r\n\
         migrate_cached_sockets:0\r\n\
         slave_expires_tracked_keys:0\r\n\
         active_defrag_hits:0\r\n\
         active_defrag_misses:0\r\n\
         active_defrag_key_hits:0\r\n\
         active_defrag_key_misses:0\r\n\
         total_active_defrag_time:0\r\n\
         current_active_defrag_time:0\r\n\
         tracking_total_keys:0\r\n\
         tracking_total_items:0\r\n\
         tracking_total_prefixes:0\r\n\
         unexpected_error_replies:0\r\n\
         total_error_replies:{}\r\n\
         dump_payload_sanitizations:0\r\n\
         total_reads_processed:{}\r\n\
         total_writes_processed:{}\r\n\
         io_threaded_reads_processed:0\r\n\
         io_threaded_writes_processed:0\r\n\
         reply_buffer_shrinks:0\r\n\
         reply_buffer_expands:0\r\n",
        g(&s.connections_received),
        g(&s.commands_processed),
        ops,
        g(&s.net_input_bytes),
        g(&s.net_output_bytes),
        in_kbps,
        out_kbps,
        g(&s.rejected_connections),
        channels,
        patterns,
        g(&s.error_replies),
        g(&s.reads_processed),
        g(&s.writes_processed),
    );
}

/// `getrusage` times as seconds.microseconds.
fn rusage(who: libc::c_int) -> (String, String) {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (tv(ru.ru_stime), tv(ru.ru_utime))
}

fn cpu(out: &mut impl Write) {
    let (sys, user) = rusage(libc::RUSAGE_SELF);
    let (csys, cuser) = rusage(libc::RUSAGE_CHILDREN);
    // rsentinel has no single main thread; the process totals stand in for it.
    let _ = write!(
        out,
        "# CPU\r\n\
         used_cpu_sys:{sys}\r\n\
         used_cpu_user:{user}\r\n\
         used_cpu_sys_children:{csys}\r\n\
         used_cpu_user_children:{cuser}\r\n\
         used_cpu_sys_main_thread:{sys}\r\n\
         used_cpu_user_main_thread:{user}\r\n"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::argv::Argv;

    fn sections(v: &[&str]) -> Vec<&'static str> {
        let argv = Argv::from_args(std::iter::once("info").chain(v.iter().copied()));
        let info = Info::parse(&mut Args::new(&argv, 1)).unwrap();
        SECTIONS.iter().enumerate().filter(|(i, _)| info.wants(*i)).map(|(_, s)| *s).collect()
    }

    #[test]
    fn sections_are_generated_in_redis_order() {
        assert_eq!(sections(&[]).len(), 5);
        assert_eq!(sections(&["EVERYTHING"]).len(), 5);
        assert_eq!(sections(&["replication"]), Vec::<&str>::new());
        assert_eq!(sections(&["Sentinel", "server"]), vec!["server", "sentinel"]);
    }
}
