//! SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT] (`server.c: shutdownCommand`).
//!
//! Sentinel has no dataset, so SAVE / NOSAVE make no difference to Redis; rsentinel always
//! writes its config file on the way out (the daemon does that when asked to shut down). The
//! client gets no reply: its connection closes, as when redis-sentinel exits.

use super::Ctx;
use crate::server::util::eq_ic;

pub fn run(ctx: &mut Ctx) {
    let (mut nosave, mut save, mut now, mut force, mut abort) = (false, false, false, false, false);
    for arg in &ctx.argv[1..] {
        if eq_ic(arg, "nosave") {
            nosave = true;
        } else if eq_ic(arg, "save") {
            save = true;
        } else if eq_ic(arg, "now") {
            now = true;
        } else if eq_ic(arg, "force") {
            force = true;
        } else if eq_ic(arg, "abort") {
            abort = true;
        } else {
            ctx.syntax_error();
            return;
        }
    }
    let any_flag = nosave || save || now || force;
    if (abort && any_flag) || (nosave && save) {
        ctx.syntax_error();
        return;
    }
    if abort {
        // A shutdown is never left pending: once asked, the process exits.
        ctx.error("ERR No shutdown in progress.");
        return;
    }
    tracing::warn!("User requested shutdown...");
    ctx.client.close_after_reply = true;
    ctx.srv.h.request_shutdown();
}
