//! SENTINEL CKQUORUM `<name>`: can this sentinel, with the peers it sees, reach the master's
//! quorum and the majority needed to authorize a failover?

use super::{lookup, no_such_master};
use crate::handle::Handle;
use crate::server::Frame;

/// `+OK <n> usable Sentinels. ...` or `-NOQUORUM <n> usable Sentinels. <reasons>`
/// ([`QuorumCheck::reply_text`](crate::core::commands::QuorumCheck::reply_text)).
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let Some(check) = h.read_core(|c, _| lookup(c, &args[2]).and_then(|id| c.check_quorum(id))) else {
        return no_such_master();
    };
    match check.reply_text() {
        Ok(text) => Frame::Simple(text),
        Err(text) => Frame::error(text),
    }
}
