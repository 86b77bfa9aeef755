//! SENTINEL REPLICAS (alias SLAVES) and SENTINELS (`addReplyDictOfRedisInstances`).

use std::collections::BTreeMap;

use super::instance_map::write_instance;
use super::{lookup, no_such_master, MasterName};
use crate::core::{Instance, Master};
use crate::server::cmd::Ctx;

/// SENTINEL REPLICAS `<name>`: one map per replica, skipping those whose INFO said
/// `replica_announced:0` (they still count in `num-slaves` and can still be promoted).
pub fn replicas(ctx: &mut Ctx) {
    instances_of(ctx, |m| &m.replicas, |r| r.replica_announced);
}

/// SENTINELS `<name>`: one map per other sentinel known for the master (never ourselves).
pub fn sentinels(ctx: &mut Ctx) {
    instances_of(ctx, |m| &m.sentinels, |_| true);
}

/// One instance map per instance of the named master's `group` that `shown` keeps.
fn instances_of(
    ctx: &mut Ctx,
    group: fn(&Master) -> &BTreeMap<String, Box<Instance>>,
    shown: fn(&Instance) -> bool,
) {
    let Some(MasterName(name)) = ctx.parse() else { return };
    let core = ctx.srv.h.read_model();
    let now = ctx.srv.h.now();
    let Some(m) = lookup(&core, name).and_then(|id| core.masters.get(&id)) else {
        return no_such_master(ctx);
    };
    let mut w = ctx.w();
    w.array(group(m).values().filter(|i| shown(i)).count());
    for inst in group(m).values().filter(|i| shown(i)) {
        write_instance(&mut w, &core, m, inst, now);
    }
}
