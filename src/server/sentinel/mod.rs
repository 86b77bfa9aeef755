//! The SENTINEL command and the other sentinel-specific replies (ROLE, INFO's `# Sentinel`
//! section, PUBLISH of hello messages).

use crate::daemon::Handle;
use crate::server::Frame;

/// Run `SENTINEL <sub> ...`; `args[0]` is the command name as typed.
pub fn dispatch(_h: &Handle, _args: &[Vec<u8>]) -> Frame {
    Frame::error("ERR SENTINEL is not implemented yet")
}

/// ROLE: `["sentinel", [master names]]`.
pub fn role(_h: &Handle) -> Frame {
    Frame::error("ERR ROLE is not implemented yet")
}

/// PUBLISH in sentinel mode: only `__sentinel__:hello` is accepted, processed as a hello.
pub fn publish(_h: &Handle, _channel: &[u8], _msg: &[u8]) -> Frame {
    Frame::error("ERR PUBLISH is not implemented yet")
}

/// The body of INFO's `# Sentinel` section (without the header line), lines ending in CRLF.
pub fn info_section(_h: &Handle) -> String {
    String::new()
}
