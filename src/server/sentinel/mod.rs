//! The SENTINEL command and the other sentinel-specific replies (ROLE, INFO's `# Sentinel`
//! section, PUBLISH of hello messages).
//!
//! [`dispatch`] checks the subcommand table first (name and arity, as Redis's generic command
//! dispatcher does before `sentinelCommand` runs), then hands the arguments to one module per
//! subcommand. Those modules parse arguments, call the core (`crate::core::commands` holds the
//! state-changing semantics) under the handle, rewrite the config where Redis does, and build
//! the reply frame. Replies follow `sentinel.c` byte for byte; the deliberate differences are
//! the §12 fixes documented in the modules concerned.

mod ckquorum;
mod config;
mod debug;
mod failover;
mod flushconfig;
mod help;
mod info_cache;
mod instance_map;
mod is_master_down;
mod masters;
mod monitor;
mod pending_scripts;
mod remove;
mod replicas;
mod reset;
mod set;
mod simulate_failure;

#[cfg(test)]
mod tests;

use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::instance::flags;
use crate::core::{MasterId, Sentinel};
use crate::handle::Handle;
use crate::handle::{CommandReply, Durability};
use crate::server::Frame;

/// The hello channel: the only one PUBLISH accepts in sentinel mode.
pub const HELLO_CHANNEL: &[u8] = b"__sentinel__:hello";

/// SENTINEL subcommands and their arities, as Redis 7.0's command table declares them (plus
/// Valkey 8's four `*primary*` names, with their Redis twins' arities): a positive arity is the
/// exact argument count (including `SENTINEL` and the subcommand), a negative one the minimum.
const SUBCOMMANDS: [(&str, i32); 25] = [
    ("ckquorum", 3),
    ("config", -3),
    ("debug", -2),
    ("failover", 3),
    ("flushconfig", 2),
    ("get-master-addr-by-name", 3),
    ("get-primary-addr-by-name", 3),
    ("help", 2),
    ("info-cache", -3),
    ("is-master-down-by-addr", 6),
    ("is-primary-down-by-addr", 6),
    ("master", 3),
    ("masters", 2),
    ("monitor", 6),
    ("myid", 2),
    ("pending-scripts", 2),
    ("primaries", 2),
    ("primary", 3),
    ("remove", 3),
    ("replicas", 3),
    ("reset", 3),
    ("sentinels", 3),
    ("set", -5),
    ("simulate-failure", -3),
    ("slaves", 3),
];

/// What clients get when a config rewrite fails (`sentinelFlushConfigAndReply`).
const FLUSH_FAILED: &str = "ERR Failed to save config file. Check server logs.";

/// Run `SENTINEL <sub> ...`; `args[0]` is the command name as typed.
pub async fn dispatch(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let Some(sub) = args.get(1) else {
        return Frame::error("ERR wrong number of arguments for 'sentinel' command");
    };
    let lower = String::from_utf8_lossy(sub).to_ascii_lowercase();
    let Some(&(name, arity)) = SUBCOMMANDS.iter().find(|(n, _)| *n == lower) else {
        // Redis quotes at most 128 bytes of the subcommand and names the command upper-cased.
        let shown = String::from_utf8_lossy(&sub[..sub.len().min(128)]);
        let cmd = String::from_utf8_lossy(args.first().map_or(&b"sentinel"[..], |c| c)).to_ascii_uppercase();
        return Frame::error(format!("ERR unknown subcommand '{}'. Try {} HELP.", shown, cmd));
    };
    let argc = args.len() as i32;
    let arity_ok = (arity > 0 && argc == arity) || (arity < 0 && argc >= -arity);
    if !arity_ok && !takes_valkey_arguments(&["sentinel|", name].concat(), args) {
        return Frame::error(format!("ERR wrong number of arguments for 'sentinel|{}' command", name));
    }
    match name {
        "ckquorum" => ckquorum::run(h, args),
        "config" => config::run(h, args).await,
        "debug" => debug::run(h, args).await,
        "failover" => failover::run(h, args).await,
        "flushconfig" => flushconfig::run(h).await,
        // Valkey 8's names answer exactly as the Redis ones (valkey-sentinel does the same).
        "get-master-addr-by-name" | "get-primary-addr-by-name" => masters::get_master_addr_by_name(h, args),
        "help" => help::run(args),
        "info-cache" => info_cache::run(h, args).await,
        "is-master-down-by-addr" | "is-primary-down-by-addr" => is_master_down::run(h, args).await,
        "master" | "primary" => masters::master(h, args).await,
        "masters" | "primaries" => masters::masters(h).await,
        "monitor" => monitor::run(h, args).await,
        "myid" => h.read_core(|c, _| Frame::bulk(&c.myid)),
        "pending-scripts" => pending_scripts::run(h).await,
        "remove" => remove::run(h, args).await,
        "replicas" | "slaves" => replicas::replicas(h, args).await,
        "reset" => reset::run(h, args).await,
        "sentinels" => replicas::sentinels(h, args).await,
        "set" => set::run(h, args).await,
        "simulate-failure" => simulate_failure::run(h, args).await,
        _ => unreachable!("every entry of SUBCOMMANDS is dispatched"),
    }
}

/// Whether `args` is a Valkey form of `command` (a command table name such as
/// `sentinel|failover`) that Redis 7.0.15's arity, the one the command table reports, does not
/// allow: only `SENTINEL FAILOVER <name> COORDINATED` (Valkey 9.0). Every other argument count
/// keeps Redis's arity error.
pub fn takes_valkey_arguments(command: &str, args: &[Vec<u8>]) -> bool {
    command == "sentinel|failover" && failover::is_coordinated(args)
}

/// ROLE: `["sentinel", [master names]]`, in the same order as SENTINEL MASTERS.
pub fn role(h: &Handle) -> Frame {
    h.read_core(|c, _| {
        let names = c.masters.values().map(|m| Frame::bulk(&m.inst.name)).collect();
        Frame::Array(vec![Frame::bulk("sentinel"), Frame::Array(names)])
    })
}

/// PUBLISH in sentinel mode (`sentinelPublishCommand`): only `__sentinel__:hello` (compared
/// case-sensitively) is accepted; the message is processed as a hello and the reply is always
/// `:1`, even for a malformed message. This is how peers deliver hellos directly.
pub async fn publish(h: &Handle, channel: &[u8], msg: &[u8]) -> Frame {
    if channel != HELLO_CHANNEL {
        return Frame::error("ERR Only HELLO messages are accepted by Sentinel instances.");
    }
    match h.command(ClientCommand::Hello { payload: msg.to_vec() }).await {
        Ok(_) => Frame::Integer(1),
        Err(e) => err(e),
    }
}

/// The body of INFO's `# Sentinel` section (without the header line), lines ending in CRLF.
pub fn info_section(h: &Handle) -> String {
    h.read_core(|c, now| {
        let tilt_since = c.tilt_since_seconds(now);
        // `sentinel_total_tilt` is Redis 8's (and Valkey 9's) addition, in their place.
        let mut s = format!(
            "sentinel_masters:{}\r\nsentinel_tilt:{}\r\nsentinel_tilt_since_seconds:{}\r\n\
             sentinel_total_tilt:{}\r\nsentinel_running_scripts:{}\r\nsentinel_scripts_queue_length:{}\r\n\
             sentinel_simulate_failure_flags:{}\r\n",
            c.masters.len(),
            c.tilt as u8,
            tilt_since,
            c.total_tilt,
            c.scripts.running(),
            c.scripts.jobs.len(),
            c.simulate_failure_flags,
        );
        for (i, m) in c.masters.values().enumerate() {
            let status = if m.inst.has(flags::O_DOWN) {
                "odown"
            } else if m.inst.has(flags::S_DOWN) {
                "sdown"
            } else {
                "ok"
            };
            // The configured address, even mid-failover, as Redis reports it.
            s.push_str(&format!(
                "master{}:name={},status={},address={}:{},slaves={},sentinels={}\r\n",
                i,
                m.inst.name,
                status,
                c.announce_host(&m.inst.addr),
                m.inst.addr.port,
                m.replicas.len(),
                m.sentinels.len() + 1
            ));
        }
        s
    })
}

/// The master with this name, if any. Master names are case-sensitive, and a name that is not
/// UTF-8 cannot be one of ours (MONITOR only accepts UTF-8 names).
fn lookup(c: &Sentinel, name: &[u8]) -> Option<MasterId> {
    std::str::from_utf8(name).ok().and_then(|n| c.master_id(n))
}

/// `-ERR No such master with that name` (`sentinelGetMasterByNameOrReplyError`).
fn no_such_master() -> Frame {
    Frame::error("ERR No such master with that name")
}

/// An `ERR` reply carrying a core error's text.
fn err(e: impl std::fmt::Display) -> Frame {
    Frame::error(format!("ERR {}", e))
}

/// Run a command in the core. `Err` carries the reply for a core that is shutting down.
async fn run_in_core(h: &Handle, cmd: ClientCommand) -> Result<CommandReply, Frame> {
    h.command(cmd).await.map_err(err)
}

/// `+OK`, or the flush error if the command's config rewrite failed
/// (`sentinelFlushConfigAndReply`).
fn ok_if_saved(reply: &CommandReply) -> Frame {
    match reply.durability {
        Durability::WriteFailed => Frame::error(FLUSH_FAILED),
        Durability::Durable | Durability::NotNeeded => Frame::ok(),
    }
}

/// An argument as text for names and numbers, where a non-UTF-8 byte can only make the
/// argument unknown or invalid, never change what it means.
fn lossy(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// A core outcome that does not belong to the command that asked: a bug, reported to the
/// client rather than hidden.
fn unexpected(outcome: CommandOutcome) -> Frame {
    tracing::warn!("unexpected command outcome {:?}", outcome);
    Frame::error("ERR internal error: unexpected command outcome")
}
