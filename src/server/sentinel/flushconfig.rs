//! SENTINEL FLUSHCONFIG: rewrite the config file now.

use super::{ok_if_saved, run_in_core};
use crate::core::input::ClientCommand;
use crate::handle::Handle;
use crate::server::Frame;

pub(super) async fn run(h: &Handle) -> Frame {
    match run_in_core(h, ClientCommand::FlushConfig).await {
        Ok(r) => ok_if_saved(&r),
        Err(frame) => frame,
    }
}
