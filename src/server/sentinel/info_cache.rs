//! SENTINEL INFO-CACHE `<name> [<name> ...]`: the last INFO text of masters and replicas.

use super::lookup;
use crate::core::{Instance, MasterId, Millis};
use crate::handle::Handle;
use crate::server::Frame;

/// `[name1, entries1, name2, entries2, ...]` for the named masters that exist (unknown names
/// are ignored, a name given twice is listed once), where each entry list is the master then
/// its replicas, each as `[ms since its last INFO (integer), INFO text or null]`.
///
/// Deviation (§12): Redis computes a replica's age as `master.info_refresh ? now -
/// replica.info_refresh : 0`; rsentinel guards with the replica's own refresh time, so a
/// replica never heard from shows 0 rather than "now".
pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    h.read_fresh(|c, now| {
        let mut ids: Vec<MasterId> = Vec::new();
        for id in args[2..].iter().filter_map(|n| lookup(c, n)) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let mut out = Vec::with_capacity(ids.len() * 2);
        for m in ids.iter().filter_map(|id| c.masters.get(id)) {
            let entries =
                std::iter::once(&m.inst).chain(m.replicas.values()).map(|i| entry(i, now)).collect();
            out.push(Frame::bulk(&m.inst.name));
            out.push(Frame::Array(entries));
        }
        Frame::Array(out)
    })
    .await
}

fn entry(inst: &Instance, now: Millis) -> Frame {
    let age = if inst.info_refresh != 0 { now as i64 - inst.info_refresh as i64 } else { 0 };
    let info = inst.info.as_ref().map_or(Frame::NullBulk, |t| Frame::bulk(t.as_bytes()));
    Frame::Array(vec![Frame::Integer(age), info])
}
