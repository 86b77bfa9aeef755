//! SENTINEL SIMULATE-FAILURE `<flag> ...`: crash-after-election, crash-after-promotion, help.

use super::{err, lossy, run_in_core};
use crate::core::commands::SimulateFailure;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::handle::Handle;
use crate::server::Frame;

pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let flags: Vec<String> = args[2..].iter().map(|a| lossy(a)).collect();
    let reply = match run_in_core(h, ClientCommand::SimulateFailure { flags }).await {
        Ok(r) => r,
        Err(frame) => return frame,
    };
    match reply.outcome {
        CommandOutcome::SimulateFailure(Ok(SimulateFailure::Set)) => Frame::ok(),
        CommandOutcome::SimulateFailure(Ok(SimulateFailure::Help)) => {
            Frame::Array(vec![Frame::bulk("crash-after-election"), Frame::bulk("crash-after-promotion")])
        }
        CommandOutcome::SimulateFailure(Err(e)) => err(e),
        other => super::unexpected(other),
    }
}
