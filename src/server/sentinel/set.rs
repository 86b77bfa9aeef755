//! SENTINEL SET `<name> <option> <value> [<option> <value> ...]`.

use std::ffi::CString;

use super::{err, no_such_master, ok_if_saved, run_in_core};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::server::argv::{ArgError, Args};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::{Ctx, ParseArgs};

/// `SET <name> <option> <value> [<option> <value> ...]`. Values are stored as text, so a
/// value that is not UTF-8 (a binary password, say) is refused before anything is applied
/// rather than silently altered.
pub struct SetRequest<'a> {
    name: &'a [u8],
    /// None: an option or value is not UTF-8.
    options: Option<Vec<String>>,
}

impl<'a> ParseArgs<'a> for SetRequest<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let name = args.bytes()?;
        let options = args.rest().map(|a| String::from_utf8(a.to_vec()).ok()).collect();
        Ok(SetRequest { name, options })
    }
}

/// Apply the options left to right (see `Sentinel::set_master_options`). With no error, flush
/// once and reply `+OK` or the flush error. On an error, reply it; the options before it stay
/// applied and are flushed, as in Redis (`sentinelSetCommand` is not atomic, §12).
pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(req) = ctx.parse::<SetRequest>() else { return };
        let Some(options) = req.options else {
            if ctx.srv.h.read_core(|c, _| super::lookup(c, req.name).is_some()) {
                return ctx.error("ERR SENTINEL SET options and values must be valid UTF-8");
            }
            return no_such_master(ctx);
        };
        // The `access(path, X_OK)` checks are made here, outside the core, for every value that
        // could be a script path.
        let executable = options.iter().filter(|v| is_executable(v)).cloned().collect();
        let cmd = ClientCommand::Set { name: req.name.to_vec(), options, executable };
        let Some(r) = run_in_core(ctx, cmd).await else { return };
        match &r.outcome {
            // The flush error, if any, is logged; on an option error the client gets that.
            CommandOutcome::Set { result: Ok(()), .. } => ok_if_saved(ctx, &r),
            CommandOutcome::Set { result: Err(e), .. } => err(ctx, e),
            _ => no_such_master(ctx),
        }
    })
}

/// Redis's `access(path, X_OK)` check for script paths.
fn is_executable(path: &str) -> bool {
    let Ok(c) = CString::new(path) else { return false };
    // SAFETY: access(2) only reads the NUL-terminated path we own for the duration of the call.
    unsafe { libc::access(c.as_ptr(), libc::X_OK) == 0 }
}
