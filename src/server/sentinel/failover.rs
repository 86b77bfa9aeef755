//! SENTINEL FAILOVER `<name>`: force a failover as if the master were down, without asking
//! for agreement (`sentinelCommand` "failover").

use super::{no_such_master, run_in_core};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::handle::Handle;
use crate::server::Frame;

pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let reply = match run_in_core(h, ClientCommand::Failover { name: args[2].clone() }).await {
        Ok(r) => r,
        Err(frame) => return frame,
    };
    match reply.outcome {
        CommandOutcome::Failover(Ok(())) => Frame::ok(),
        CommandOutcome::Failover(Err(e)) => Frame::error(e.to_string()),
        _ => no_such_master(),
    }
}
