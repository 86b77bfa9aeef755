//! SENTINEL <subcommand>: the generic checks (unknown subcommand, arity, ACL) already ran in
//! the dispatcher, as Redis's command table runs them; the sentinel module does the rest.

use super::Ctx;

pub async fn run(ctx: &mut Ctx<'_>) {
    let reply = crate::server::sentinel::dispatch(&ctx.srv.h, ctx.argv).await;
    ctx.reply(reply);
}
