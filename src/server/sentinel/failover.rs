//! SENTINEL FAILOVER `<name>`: a failover forced by the operator, without agreement from the
//! other sentinels and without waiting for the master to be down.

use super::{lookup, no_such_master};
use crate::daemon::Handle;
use crate::server::Frame;

/// `Sentinel::manual_failover` checks for a failover in progress and a promotable replica,
/// logs `Executing user requested FAILOVER of '<name>'` and starts. Refusals (`-INPROG ...`,
/// `-NOGOODSLAVE ...`) carry their own error code, without `ERR`.
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    h.with_core(|c, now| {
        let Some(id) = lookup(c, &args[2]) else { return no_such_master() };
        match c.manual_failover(id, now) {
            Ok(()) => Frame::ok(),
            Err(e) => Frame::error(e.to_string()),
        }
    })
}
