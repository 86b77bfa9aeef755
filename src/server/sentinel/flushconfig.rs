//! SENTINEL FLUSHCONFIG: rewrite the config file now.

use super::{ok_if_saved, run_in_core};
use crate::core::input::ClientCommand;
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::Ctx;

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        if let Some(r) = run_in_core(ctx, ClientCommand::FlushConfig).await {
            ok_if_saved(ctx, &r);
        }
    })
}
