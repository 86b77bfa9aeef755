//! SENTINEL DEBUG [`<param> <ms>` ...]: show or change the timing constants.

use super::{err, lossy, run_in_core, unexpected};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::Timings;
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::Ctx;

/// With no argument, the 13 parameters as a map (upper-case names, bulk numbers). Otherwise set
/// them left to right (case-insensitive names, values > 0); pairs before an error stay applied.
/// Nothing is persisted.
pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let pairs: Vec<String> = ctx.args().rest().map(lossy).collect();
        if pairs.is_empty() {
            let values = ctx.srv.h.read_core(|c, _| c.timings.values());
            let mut w = ctx.w();
            w.map(Timings::NAMES.len());
            for (n, v) in Timings::NAMES.iter().zip(values) {
                w.bulk(n);
                w.bulk_uint(v);
            }
            return;
        }
        let Some(r) = run_in_core(ctx, ClientCommand::DebugSet { pairs }).await else { return };
        match r.outcome {
            CommandOutcome::DebugSet(Ok(())) => ctx.ok(),
            CommandOutcome::DebugSet(Err(e)) => err(ctx, e),
            other => unexpected(ctx, other),
        }
    })
}
