//! SENTINEL FLUSHCONFIG.

use super::flush_and_reply;
use crate::daemon::Handle;
use crate::server::Frame;

/// Rewrite the config file with the current state; `+OK` or the flush error.
pub(super) fn run(h: &Handle) -> Frame {
    flush_and_reply(h)
}
