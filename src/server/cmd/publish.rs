//! PUBLISH channel message. In sentinel mode only `__sentinel__:hello` is accepted and it is
//! processed as a hello from a peer (`sentinelPublishCommand`); nothing reaches local
//! subscribers.

use super::Ctx;

pub fn run(ctx: &mut Ctx) {
    let reply = crate::server::sentinel::publish(&ctx.srv.h, &ctx.argv[1], &ctx.argv[2]);
    ctx.reply(reply);
}
