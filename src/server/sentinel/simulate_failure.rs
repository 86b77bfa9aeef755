//! SENTINEL SIMULATE-FAILURE `<flag> ...`: crash-after-election, crash-after-promotion, help.

use super::{err, lossy, run_in_core, unexpected};
use crate::core::commands::SimulateFailure;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::Ctx;

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let flags: Vec<String> = ctx.args().rest().map(lossy).collect();
        let Some(reply) = run_in_core(ctx, ClientCommand::SimulateFailure { flags }).await else { return };
        match reply.outcome {
            CommandOutcome::SimulateFailure(Ok(SimulateFailure::Set)) => ctx.ok(),
            CommandOutcome::SimulateFailure(Ok(SimulateFailure::Help)) => {
                let mut w = ctx.w();
                w.array(2);
                w.bulk("crash-after-election");
                w.bulk("crash-after-promotion");
            }
            CommandOutcome::SimulateFailure(Err(e)) => err(ctx, e),
            other => unexpected(ctx, other),
        }
    })
}
