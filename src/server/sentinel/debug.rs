//! SENTINEL DEBUG [`<param> <ms>` ...]: show or change the timing constants.

use super::{err, lossy};
use crate::core::Timings;
use crate::daemon::Handle;
use crate::server::Frame;

/// With no argument, the 13 parameters as a map (upper-case names, bulk numbers). Otherwise set
/// them left to right (case-insensitive names, values > 0); pairs before an error stay applied.
/// Nothing is persisted.
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    if args.len() == 2 {
        return h.read_core(|c, _| {
            Frame::map(Timings::NAMES.iter().zip(c.timings.values()).map(|(n, v)| (*n, Frame::bulk_num(v))))
        });
    }
    let pairs: Vec<String> = args[2..].iter().map(|a| lossy(a)).collect();
    match h.with_core(|c, _| c.debug_set(&pairs)) {
        Ok(()) => Frame::ok(),
        Err(e) => err(e),
    }
}
