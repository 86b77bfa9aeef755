//! SENTINEL REMOVE `<name>`: stop monitoring a master, persist, reply `+OK`.

use super::{no_such_master, ok_if_saved, run_in_core};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::handle::Handle;
use crate::server::Frame;

pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    match run_in_core(h, ClientCommand::Remove { name: args[2].clone() }).await {
        Ok(r) if r.outcome == CommandOutcome::Removed => ok_if_saved(&r),
        Ok(_) => no_such_master(),
        Err(frame) => frame,
    }
}
