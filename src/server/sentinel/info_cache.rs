//! SENTINEL INFO-CACHE `<name> [<name> ...]`: the last INFO text of masters and replicas.

use super::lookup;
use crate::core::{Instance, MasterId, Millis};
use crate::server::cmd::Ctx;
use crate::server::reply::RespWriter;

/// `[name1, entries1, name2, entries2, ...]` for the named masters that exist (unknown names
/// are ignored, a name given twice is listed once), where each entry list is the master then
/// its replicas, each as `[ms since its last INFO (integer), INFO text or null]`.
///
/// Deviation (§12): Redis computes a replica's age as `master.info_refresh ? now -
/// replica.info_refresh : 0`; rsentinel guards with the replica's own refresh time, so a
/// replica never heard from shows 0 rather than "now".
pub fn run(ctx: &mut Ctx) {
    let core = ctx.srv.h.read_model();
    let now = ctx.srv.h.now();
    let mut ids: Vec<MasterId> = Vec::new();
    for id in ctx.args().rest().filter_map(|n| lookup(&core, n)) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let masters: Vec<_> = ids.iter().filter_map(|id| core.masters.get(id)).collect();
    let mut w = ctx.w();
    w.array(masters.len() * 2);
    for m in masters {
        w.bulk(&m.inst.name);
        w.array(1 + m.replicas.len());
        std::iter::once(&m.inst).chain(m.replicas.values().map(|b| &**b)).for_each(|i| entry(&mut w, i, now));
    }
}

fn entry(w: &mut RespWriter, inst: &Instance, now: Millis) {
    let age = inst.info_refresh.map_or(0, |t| now as i64 - t as i64);
    w.array(2);
    w.int(age);
    match &inst.info {
        Some(info) => w.bulk(info.as_bytes()),
        None => w.null_bulk(),
    }
}
