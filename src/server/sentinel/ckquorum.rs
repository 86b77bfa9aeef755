//! SENTINEL CKQUORUM `<name>`: can this sentinel, with the peers it sees, reach the master's
//! quorum and the majority needed to authorize a failover?

use super::{lookup, no_such_master};
use crate::handle::Handle;
use crate::server::Frame;

/// `+OK <n> usable Sentinels. ...` or `-NOQUORUM <n> usable Sentinels. <reasons>`, with the
/// two reasons joined by `. ` when both apply (Redis's texts).
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let Some(check) = h.read_core(|c, _| lookup(c, &args[2]).and_then(|id| c.check_quorum(id))) else {
        return no_such_master();
    };
    if check.quorum_reachable && check.majority_reachable {
        return Frame::Simple(format!(
            "OK {} usable Sentinels. Quorum and failover authorization can be reached",
            check.usable
        ));
    }
    let mut reasons = Vec::with_capacity(2);
    if !check.quorum_reachable {
        reasons.push("Not enough available Sentinels to reach the specified quorum for this master");
    }
    if !check.majority_reachable {
        reasons.push("Not enough available Sentinels to reach the majority and authorize a failover");
    }
    Frame::error(format!("NOQUORUM {} usable Sentinels. {}", check.usable, reasons.join(". ")))
}
