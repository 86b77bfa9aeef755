//! ROLE: answered by the sentinel module (`["sentinel", [master names]]`).

use super::Ctx;

pub fn run(ctx: &mut Ctx) {
    let reply = crate::server::sentinel::role(&ctx.srv.h);
    ctx.reply(reply);
}
