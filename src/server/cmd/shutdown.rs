//! SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (`server.c: shutdownCommand`).
//!
//! Sentinel has no dataset, so SAVE / NOSAVE make no difference to Redis; rsentinel always
//! writes its config file on the way out (the daemon does that when asked to shut down). The
//! client gets no reply: its connection closes, as when redis-sentinel exits.

use super::{Ctx, ParseArgs};
use crate::server::argv::{ArgError, Args};

/// `SHUTDOWN` and its flags, in any order.
#[derive(Default)]
pub struct Shutdown {
    nosave: bool,
    save: bool,
    now: bool,
    force: bool,
    abort: bool,
}

impl<'a> ParseArgs<'a> for Shutdown {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let mut s = Shutdown::default();
        while args.remaining() > 0 {
            let flag = match args.one_of(&["nosave", "save", "now", "force", "abort"])? {
                0 => &mut s.nosave,
                1 => &mut s.save,
                2 => &mut s.now,
                3 => &mut s.force,
                _ => &mut s.abort,
            };
            *flag = true;
        }
        let any_flag = s.nosave || s.save || s.now || s.force;
        if (s.abort && any_flag) || (s.nosave && s.save) {
            return Err(ArgError::Syntax);
        }
        Ok(s)
    }
}

pub fn run(ctx: &mut Ctx) {
    let Some(s) = ctx.parse::<Shutdown>() else { return };
    if s.abort {
        // A shutdown is never left pending: once asked, the process exits.
        ctx.error("ERR No shutdown in progress.");
        return;
    }
    tracing::warn!("User requested shutdown...");
    ctx.client.close_after_reply = true;
    ctx.srv.h.request_shutdown();
}
