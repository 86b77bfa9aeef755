//! SENTINEL REMOVE `<name>`: stop monitoring a master, persist, reply `+OK`.

use super::{no_such_master, ok_if_saved, run_in_core, MasterName};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::Ctx;

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(MasterName(name)) = ctx.parse() else { return };
        match run_in_core(ctx, ClientCommand::Remove { name: name.to_vec() }).await {
            Some(r) if r.outcome == CommandOutcome::Removed => ok_if_saved(ctx, &r),
            Some(_) => no_such_master(ctx),
            None => {}
        }
    })
}
