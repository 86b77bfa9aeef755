//! SENTINEL SET `<name> <option> <value> [<option> <value> ...]`.

use std::ffi::CString;

use super::{err, flush_and_reply, lookup, no_such_master};
use crate::daemon::Handle;
use crate::server::Frame;

/// Apply the options left to right (see `Sentinel::set_master_options`). With no error, flush
/// once and reply `+OK` or the flush error. On an error, reply it; the options before it stay
/// applied and are flushed, as in Redis (`sentinelSetCommand` is not atomic, §12).
///
/// Values are stored as text, so a value that is not UTF-8 (a binary password, say) is refused
/// before anything is applied rather than silently altered.
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let opts: Result<Vec<String>, _> = args[3..].iter().map(|a| String::from_utf8(a.clone())).collect();
    let outcome = h.with_core(|c, _| {
        let id = lookup(c, &args[2])?;
        Some(opts.map(|opts| c.set_master_options(id, &opts, &is_executable)))
    });
    match outcome {
        None => no_such_master(),
        Some(Err(_)) => Frame::error("ERR SENTINEL SET options and values must be valid UTF-8"),
        Some(Ok(outcome)) => match outcome.result {
            Ok(()) => flush_and_reply(h),
            Err(e) => {
                if outcome.changes > 0 {
                    // The flush error, if any, is logged; the client gets the option's error.
                    let _ = h.flush_config();
                }
                err(e)
            }
        },
    }
}

/// Redis's `access(path, X_OK)` check for script paths.
fn is_executable(path: &str) -> bool {
    let Ok(c) = CString::new(path) else { return false };
    // SAFETY: access(2) only reads the NUL-terminated path we own for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}
