//! SENTINEL CKQUORUM `<name>`: can this sentinel, with the peers it sees, reach the master's
//! quorum and the majority needed to authorize a failover?

use super::{lookup, no_such_master, MasterName};
use crate::server::cmd::Ctx;

/// `+OK <n> usable Sentinels. ...` or `-NOQUORUM <n> usable Sentinels. <reasons>`
/// ([`QuorumCheck::reply_text`](crate::core::commands::QuorumCheck::reply_text)).
pub fn run(ctx: &mut Ctx) {
    let Some(MasterName(name)) = ctx.parse() else { return };
    let Some(check) = ctx.srv.h.read_core(|c, _| lookup(c, name).and_then(|id| c.check_quorum(id))) else {
        return no_such_master(ctx);
    };
    match check.reply_text() {
        Ok(text) => ctx.w().simple(&text),
        Err(text) => ctx.error(&text),
    }
}
