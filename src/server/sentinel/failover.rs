//! SENTINEL FAILOVER `<name>`: force a failover as if the master were down, without asking
//! for agreement (`sentinelCommand` "failover").

use super::{no_such_master, run_in_core, MasterName};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::Ctx;

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(MasterName(name)) = ctx.parse() else { return };
        let Some(reply) = run_in_core(ctx, ClientCommand::Failover { name: name.to_vec() }).await else {
            return;
        };
        match reply.outcome {
            CommandOutcome::Failover(Ok(())) => ctx.ok(),
            CommandOutcome::Failover(Err(e)) => ctx.error(&e.to_string()),
            _ => no_such_master(ctx),
        }
    })
}
