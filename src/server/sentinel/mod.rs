//! The SENTINEL command and the other sentinel-specific replies (ROLE, INFO's `# Sentinel`
//! section, PUBLISH of hello messages).

use crate::daemon::Handle;
use crate::server::Frame;

/// Run `SENTINEL <sub> ...`; `args[0]` is the command name as typed.
pub fn dispatch(_h: &Handle, _args: &[Vec<u8>]) -> Frame {
    Frame::error("ERR SENTINEL is not implemented yet")
}
