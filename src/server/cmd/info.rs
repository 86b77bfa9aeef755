//! INFO [section ...] in sentinel mode (`sentinelInfoCommand`): only the server, clients,
//! stats, cpu and sentinel sections exist; others are dropped silently. The reply is a bulk
//! string in both protocols.

use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;

use super::Ctx;
use crate::server::stats::ServerStats;
use crate::server::Frame;

/// The sections sentinel mode knows, in the order they are generated.
const SECTIONS: &[&str] = &["server", "clients", "stats", "cpu", "sentinel"];

pub fn run(ctx: &mut Ctx) {
    let wanted = requested_sections(&ctx.argv[1..]);
    let mut out = String::new();
    for section in SECTIONS.iter().filter(|s| wanted.contains(s)) {
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        match *section {
            "server" => server(ctx, &mut out),
            "clients" => clients(ctx, &mut out),
            "stats" => stats(ctx, &mut out),
            "cpu" => cpu(&mut out),
            _ => {
                out.push_str("# Sentinel\r\n");
                out.push_str(&crate::server::sentinel::info_section(&ctx.srv.h));
            }
        }
    }
    ctx.reply(Frame::bulk(out));
}

/// `genInfoSectionDict` restricted to sentinel's sections: no argument, `default`, `all` and
/// `everything` select all five; names are case-insensitive; unknown names are ignored.
fn requested_sections(args: &[Vec<u8>]) -> Vec<&'static str> {
    if args.is_empty() {
        return SECTIONS.to_vec();
    }
    let mut wanted = Vec::new();
    for a in args {
        let a = a.to_ascii_lowercase();
        if a == b"all" || a == b"everything" || a == b"default" {
            return SECTIONS.to_vec();
        }
        if let Some(s) = SECTIONS.iter().find(|s| s.as_bytes() == a.as_slice()) {
            wanted.push(*s);
        }
    }
    wanted
}

/// `uname -s -r -m`.
fn os_name() -> String {
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

/// A stable build id for this binary (Redis prints a hash of its build environment).
fn build_id() -> String {
    let h = crate::server::acl::hash_password(
        concat!(env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION")).as_bytes(),
    );
    h[..16].to_string()
}

fn server(ctx: &Ctx, out: &mut String) {
    let p = &ctx.srv.h.0.process;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let uptime = ctx.srv.started.elapsed().as_secs();
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

fn clients(ctx: &Ctx, out: &mut String) {
    let s = &ctx.srv.stats;
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
        ctx.srv.clients.len(),
        ctx.srv.maxclients,
        max_in,
        max_out,
        s.blocked_clients.load(std::sync::atomic::Ordering::Relaxed),
        s.tracking_clients.load(std::sync::atomic::Ordering::Relaxed),
    );
}

fn stats(ctx: &Ctx, out: &mut String) {
    let s = &ctx.srv.stats;
    let g = ServerStats::get;
    let (ops, in_kbps, out_kbps) = s.instantaneous();
    let (channels, patterns) = ctx.srv.broker.counts();
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

fn cpu(out: &mut String) {
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
    use super::requested_sections;

    fn args(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn sections() {
        assert_eq!(requested_sections(&[]).len(), 5);
        assert_eq!(requested_sections(&args(&["EVERYTHING"])).len(), 5);
        assert_eq!(requested_sections(&args(&["replication"])), Vec::<&str>::new());
        assert_eq!(requested_sections(&args(&["Sentinel", "server"])), vec!["sentinel", "server"]);
    }
}
