//! The SENTINEL command and the other sentinel-specific replies (ROLE, INFO's `# Sentinel`
//! section, PUBLISH of hello messages).
//!
//! The command table ([`crate::server::cmd::table`]) names one handler per subcommand, in one
//! module per subcommand; name and arity are checked by the generic dispatcher before, as
//! Redis's command table does before `sentinelCommand` runs. Handlers read their arguments into
//! a typed request, then either answer from the read model (MASTERS, MASTER, REPLICAS,
//! GET-MASTER-ADDR-BY-NAME, ... : encoded straight into the output buffer) or send a
//! [`ClientCommand`] to the core task (`crate::core::commands` holds the state-changing
//! semantics) and reply with its outcome once what it persisted is on disk. Replies follow
//! `sentinel.c` byte for byte; the deliberate differences are the §12 fixes documented in the
//! modules concerned.

pub mod ckquorum;
pub mod config;
pub mod debug;
pub mod failover;
pub mod flushconfig;
pub mod help;
pub mod info_cache;
mod instance_map;
pub mod is_master_down;
pub mod masters;
pub mod monitor;
pub mod pending_scripts;
pub mod remove;
pub mod replicas;
pub mod reset;
pub mod set;
pub mod simulate_failure;

#[cfg(test)]
mod tests;

use std::fmt::Write;

use crate::core::input::{ClientCommand, CommandOutcome, Input};
use crate::core::{MasterId, Sentinel};
use crate::handle::Handle;
use crate::handle::{CommandReply, Durability};
use crate::server::argv::{ArgError, Args, Argv};
use crate::server::cmd::{Ctx, ParseArgs};

/// The hello channel: the only one PUBLISH accepts in sentinel mode.
pub const HELLO_CHANNEL: &[u8] = b"__sentinel__:hello";

/// What clients get when a config rewrite fails (`sentinelFlushConfigAndReply`).
const FLUSH_FAILED: &str = "ERR Failed to save config file. Check server logs.";

/// Whether `argv` is a Valkey form of `command` (a command table name such as
/// `sentinel|failover`) that Redis 7.0.15's arity, the one the command table reports, does not
/// allow: only `SENTINEL FAILOVER <name> COORDINATED` (Valkey 9.0). Every other argument count
/// keeps Redis's arity error.
pub fn takes_valkey_arguments(command: &str, argv: &Argv) -> bool {
    command == "sentinel|failover" && failover::is_coordinated(argv)
}

/// The `<master-name>` argument most subcommands take.
pub struct MasterName<'a>(pub &'a [u8]);

impl<'a> ParseArgs<'a> for MasterName<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        Ok(MasterName(args.bytes()?))
    }
}

/// ROLE: `["sentinel", [master names]]`, in the same order as SENTINEL MASTERS.
pub fn role(ctx: &mut Ctx) {
    let core = ctx.srv.h.read_model();
    let mut w = ctx.w();
    w.array(2);
    w.bulk("sentinel");
    w.array(core.masters.len());
    core.masters.values().for_each(|m| w.bulk(&m.inst.name));
}

/// PUBLISH in sentinel mode (`sentinelPublishCommand`): only `__sentinel__:hello` (compared
/// case-sensitively) is accepted; the message is processed as a hello and the reply is always
/// `:1`, even for a malformed message. This is how peers deliver hellos directly. The hello is
/// queued for the core (waiting while the queue is full) and answered without waiting for it
/// to be processed: the reply does not depend on it, and the connection's next command reaches
/// the core after it.
pub async fn publish(ctx: &mut Ctx<'_>, channel: &[u8], msg: &[u8]) {
    if channel != HELLO_CHANNEL {
        return ctx.error("ERR Only HELLO messages are accepted by Sentinel instances.");
    }
    ctx.srv.h.input(Input::HelloPublished { payload: msg.to_vec() }).await;
    ctx.w().int(1)
}

/// The body of INFO's `# Sentinel` section (without the header line), lines ending in CRLF.
pub fn info_section(h: &Handle, out: &mut impl Write) {
    h.read_core(|c, now| {
        // `sentinel_total_tilt` is Redis 8's (and Valkey 9's) addition, in their place.
        let _ = write!(
            out,
            "sentinel_masters:{}\r\nsentinel_tilt:{}\r\nsentinel_tilt_since_seconds:{}\r\n\
             sentinel_total_tilt:{}\r\nsentinel_running_scripts:{}\r\nsentinel_scripts_queue_length:{}\r\n\
             sentinel_simulate_failure_flags:{}\r\n",
            c.masters.len(),
            c.tilt as u8,
            c.tilt_since_seconds(now),
            c.total_tilt,
            c.scripts.running(),
            c.scripts.jobs.len(),
            c.simulate_failure_flags,
        );
        for (i, m) in c.masters.values().enumerate() {
            let status = m.status_word();
            // The configured address, even mid-failover, as Redis reports it.
            let _ = write!(
                out,
                "master{}:name={},status={},address={}:{},slaves={},sentinels={}\r\n",
                i,
                m.inst.name,
                status,
                c.announced(&m.inst.addr),
                m.inst.addr.port,
                m.replicas.len(),
                m.sentinels.len() + 1
            );
        }
    })
}

/// The master with this name, if any. Master names are case-sensitive, and a name that is not
/// UTF-8 cannot be one of ours (MONITOR only accepts UTF-8 names).
fn lookup(c: &Sentinel, name: &[u8]) -> Option<MasterId> {
    std::str::from_utf8(name).ok().and_then(|n| c.master_id(n))
}

/// `-ERR No such master with that name` (`sentinelGetMasterByNameOrReplyError`).
fn no_such_master(ctx: &mut Ctx) {
    ctx.error("ERR No such master with that name");
}

/// An `ERR` reply carrying a core error's text.
fn err(ctx: &mut Ctx, e: impl std::fmt::Display) {
    ctx.error(&format!("ERR {}", e));
}

/// Run a command in the core. `None`: the core is shutting down, which was the reply.
async fn run_in_core(ctx: &mut Ctx<'_>, cmd: ClientCommand) -> Option<CommandReply> {
    match ctx.srv.h.command(cmd).await {
        Ok(r) => Some(r),
        Err(e) => {
            err(ctx, e);
            None
        }
    }
}

/// `+OK`, or the flush error if the command's config rewrite failed
/// (`sentinelFlushConfigAndReply`).
fn ok_if_saved(ctx: &mut Ctx, reply: &CommandReply) {
    match reply.durability {
        Durability::WriteFailed => ctx.error(FLUSH_FAILED),
        Durability::Durable | Durability::NotNeeded => ctx.ok(),
    }
}

/// An argument as text for names and numbers, where a non-UTF-8 byte can only make the
/// argument unknown or invalid, never change what it means.
fn lossy(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).into_owned()
}

/// A core outcome that does not belong to the command that asked: a bug, reported to the
/// client rather than hidden.
fn unexpected(ctx: &mut Ctx, outcome: CommandOutcome) {
    tracing::warn!("unexpected command outcome {:?}", outcome);
    ctx.error("ERR internal error: unexpected command outcome");
}
