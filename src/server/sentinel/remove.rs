//! SENTINEL REMOVE `<name>`.

use super::{flush_and_reply, lookup, no_such_master};
use crate::daemon::Handle;
use crate::server::Frame;

/// Emit `-monitor`, forget the master (closing its links and those of its replicas and of
/// peers no other master shares), then flush and reply.
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let removed = h.with_core(|c, _| lookup(c, &args[2]).is_some_and(|id| c.remove_monitored(id)));
    if removed {
        flush_and_reply(h)
    } else {
        no_such_master()
    }
}
