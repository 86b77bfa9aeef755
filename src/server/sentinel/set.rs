//! SENTINEL SET `<name> <option> <value> [<option> <value> ...]`.

use std::ffi::CString;

use super::{err, no_such_master, ok_if_saved, run_in_core};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::handle::Handle;
use crate::server::Frame;

/// Apply the options left to right (see `Sentinel::set_master_options`). With no error, flush
/// once and reply `+OK` or the flush error. On an error, reply it; the options before it stay
/// applied and are flushed, as in Redis (`sentinelSetCommand` is not atomic, §12).
///
/// Values are stored as text, so a value that is not UTF-8 (a binary password, say) is refused
/// before anything is applied rather than silently altered.
pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let known = h.read_core(|c, _| super::lookup(c, &args[2]).is_some());
    let Ok(options) =
        args[3..].iter().map(|a| String::from_utf8(a.clone())).collect::<Result<Vec<String>, _>>()
    else {
        return if known {
            Frame::error("ERR SENTINEL SET options and values must be valid UTF-8")
        } else {
            no_such_master()
        };
    };
    // The `access(path, X_OK)` checks are made here, outside the core, for every value that
    // could be a script path.
    let executable = options.iter().filter(|v| is_executable(v)).cloned().collect();
    match run_in_core(h, ClientCommand::Set { name: args[2].clone(), options, executable }).await {
        Ok(r) => match &r.outcome {
            // The flush error, if any, is logged; on an option error the client gets that.
            CommandOutcome::Set { result: Ok(()), .. } => ok_if_saved(&r),
            CommandOutcome::Set { result: Err(e), .. } => err(e),
            _ => no_such_master(),
        },
        Err(frame) => frame,
    }
}

/// Redis's `access(path, X_OK)` check for script paths.
fn is_executable(path: &str) -> bool {
    let Ok(c) = CString::new(path) else { return false };
    // SAFETY: access(2) only reads the NUL-terminated path we own for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}
