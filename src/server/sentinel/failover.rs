//! SENTINEL FAILOVER `<name>`: force a failover as if the master were down, without asking
//! for agreement (`sentinelCommand` "failover"); and Valkey 9.0's `SENTINEL FAILOVER <name>
//! COORDINATED`, an elected failover handed over by the old master itself (see
//! `core::coordinated`).
//!
//! Arity: Redis 7.0.15 declares exactly 3 arguments and Valkey 9.0 at least 3. Only the
//! Valkey word `COORDINATED` (any case) is taken as a 4th argument; any other 4th argument,
//! and every longer form, gets Redis 7.0.15's arity error (see [`is_coordinated`]), so every
//! call Redis 7.0.15 answers is answered byte for byte as it does, and Valkey's `Unknown
//! failover option specified` is never sent.

use super::{no_such_master, run_in_core, MasterName};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::server::argv::Argv;
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::Ctx;

/// The optional token of Valkey 9.0's form.
const COORDINATED: &[u8] = b"COORDINATED";

/// Whether `argv` is Valkey 9.0's `SENTINEL FAILOVER <name> COORDINATED`.
pub(super) fn is_coordinated(argv: &Argv) -> bool {
    argv.len() == 4 && argv[3].eq_ignore_ascii_case(COORDINATED)
}

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(MasterName(name)) = ctx.parse() else { return };
        let coordinated = is_coordinated(ctx.argv);
        let cmd = ClientCommand::Failover { name: name.to_vec(), coordinated };
        let Some(reply) = run_in_core(ctx, cmd).await else {
            return;
        };
        match reply.outcome {
            CommandOutcome::Failover(Ok(())) => ctx.ok(),
            CommandOutcome::Failover(Err(e)) => ctx.error(&e.to_string()),
            _ => no_such_master(ctx),
        }
    })
}
