//! SENTINEL CKQUORUM `<name>`: can this sentinel, with the peers it sees, reach the master's
//! quorum and the majority needed to authorize a failover?

use super::{lookup, no_such_master, MasterName};
use crate::server::cmd::Ctx;

/// `+OK <n> usable Sentinels. ...` or `-NOQUORUM <n> usable Sentinels. <reasons>`, with the
/// two reasons joined by `. ` when both apply (Redis's texts).
pub fn run(ctx: &mut Ctx) {
    let Some(MasterName(name)) = ctx.parse() else { return };
    let Some(check) = ctx.srv.h.read_core(|c, _| lookup(c, name).and_then(|id| c.check_quorum(id))) else {
        return no_such_master(ctx);
    };
    if check.quorum_reachable && check.majority_reachable {
        let ok =
            format!("OK {} usable Sentinels. Quorum and failover authorization can be reached", check.usable);
        return ctx.w().simple(&ok);
    }
    let mut reasons = Vec::with_capacity(2);
    if !check.quorum_reachable {
        reasons.push("Not enough available Sentinels to reach the specified quorum for this master");
    }
    if !check.majority_reachable {
        reasons.push("Not enough available Sentinels to reach the majority and authorize a failover");
    }
    ctx.error(&format!("NOQUORUM {} usable Sentinels. {}", check.usable, reasons.join(". ")));
}
