//! PUBLISH channel message. In sentinel mode only `__sentinel__:hello` is accepted and it is
//! processed as a hello from a peer (`sentinelPublishCommand`); nothing reaches local
//! subscribers.

use super::Ctx;

pub async fn run(ctx: &mut Ctx<'_>) {
    let reply = crate::server::sentinel::publish(&ctx.srv.h, &ctx.argv[1], &ctx.argv[2]).await;
    ctx.reply(reply);
}
