//! SENTINEL RESET `<pattern>`: reset every master whose name matches; reply with the count.

use super::{run_in_core, unexpected, MasterName};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::Ctx;

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(MasterName(pattern)) = ctx.parse() else { return };
        let Some(r) = run_in_core(ctx, ClientCommand::Reset { pattern: pattern.to_vec() }).await else {
            return;
        };
        match r.outcome {
            CommandOutcome::Reset(n) => ctx.w().int(n as i64),
            other => unexpected(ctx, other),
        }
    })
}
