//! SENTINEL RESET `<pattern>`.

use crate::daemon::Handle;
use crate::server::Frame;

/// Reset every master whose name matches the glob (case-sensitively), each announced with
/// `+reset-master`; the reply is the number of matches. Redis does not flush here.
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let n = h.with_core(|c, now| c.reset_masters_matching(&args[2], now));
    Frame::Integer(n as i64)
}
