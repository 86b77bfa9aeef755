//! SENTINEL REPLICAS (alias SLAVES) and SENTINELS (`addReplyDictOfRedisInstances`).

use super::instance_map::write_instance;
use super::{lookup, no_such_master, MasterName};
use crate::server::cmd::Ctx;

/// SENTINEL REPLICAS `<name>`: one map per replica, skipping those whose INFO said
/// `replica_announced:0` (they still count in `num-slaves` and can still be promoted).
pub fn replicas(ctx: &mut Ctx) {
    let Some(MasterName(name)) = ctx.parse() else { return };
    let core = ctx.srv.h.read_model();
    let now = ctx.srv.h.now();
    let Some(m) = lookup(&core, name).and_then(|id| core.masters.get(&id)) else {
        return no_such_master(ctx);
    };
    let mut w = ctx.w();
    w.array(m.replicas.values().filter(|r| r.replica_announced).count());
    for r in m.replicas.values().filter(|r| r.replica_announced) {
        write_instance(&mut w, &core, m, r, now);
    }
}

/// SENTINELS `<name>`: one map per other sentinel known for the master (never ourselves).
pub fn sentinels(ctx: &mut Ctx) {
    let Some(MasterName(name)) = ctx.parse() else { return };
    let core = ctx.srv.h.read_model();
    let now = ctx.srv.h.now();
    let Some(m) = lookup(&core, name).and_then(|id| core.masters.get(&id)) else {
        return no_such_master(ctx);
    };
    let mut w = ctx.w();
    w.array(m.sentinels.len());
    for s in m.sentinels.values() {
        write_instance(&mut w, &core, m, s, now);
    }
}
