//! SENTINEL DEBUG [`<param> <ms>` ...]: show or change the timing constants.

use super::{err, lossy, run_in_core};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::Timings;
use crate::handle::Handle;
use crate::server::Frame;

/// With no argument, the 13 parameters as a map (upper-case names, bulk numbers). Otherwise set
/// them left to right (case-insensitive names, values > 0); pairs before an error stay applied.
/// Nothing is persisted.
pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    if args.len() == 2 {
        return h.read_core(|c, _| {
            Frame::map(Timings::NAMES.iter().zip(c.timings.values()).map(|(n, v)| (*n, Frame::bulk_num(v))))
        });
    }
    let pairs: Vec<String> = args[2..].iter().map(|a| lossy(a)).collect();
    match run_in_core(h, ClientCommand::DebugSet { pairs }).await {
        Ok(r) => match r.outcome {
            CommandOutcome::DebugSet(Ok(())) => Frame::ok(),
            CommandOutcome::DebugSet(Err(e)) => err(e),
            other => super::unexpected(other),
        },
        Err(frame) => frame,
    }
}
