//! SENTINEL SIMULATE-FAILURE `<flag> ...` (crash-after-election, crash-after-promotion, help).

use super::{err, lossy};
use crate::core::commands::SimulateFailure;
use crate::daemon::Handle;
use crate::server::Frame;

/// Deviation (§12): Redis clears the flags before reading the arguments, so `HELP` (or a typo)
/// disarms a simulation that was set; rsentinel replies the same but leaves the flags alone.
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let flags: Vec<String> = args[2..].iter().map(|a| lossy(a)).collect();
    match h.with_core(|c, _| c.simulate_failure(&flags)) {
        Ok(SimulateFailure::Set) => Frame::ok(),
        Ok(SimulateFailure::Help) => {
            Frame::Array(vec![Frame::bulk("crash-after-election"), Frame::bulk("crash-after-promotion")])
        }
        Err(e) => err(e),
    }
}
