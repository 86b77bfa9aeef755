//! SENTINEL RESET `<pattern>`: reset every master whose name matches; reply with the count.

use super::run_in_core;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::handle::Handle;
use crate::server::Frame;

pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    match run_in_core(h, ClientCommand::Reset { pattern: args[2].clone() }).await {
        Ok(r) => match r.outcome {
            CommandOutcome::Reset(n) => Frame::Integer(n as i64),
            other => super::unexpected(other),
        },
        Err(frame) => frame,
    }
}
