//! SENTINEL MASTERS, MASTER, GET-MASTER-ADDR-BY-NAME and MYID: answered from the read model,
//! encoded straight into the output buffer.

use super::instance_map::write_instance;
use super::{lookup, no_such_master, MasterName};
use crate::server::cmd::Ctx;

/// SENTINEL MASTERS: one instance map per master, never filtered; `*0` with none.
pub fn masters(ctx: &mut Ctx) {
    let core = ctx.srv.h.read_model();
    let now = ctx.srv.h.now();
    let mut w = ctx.w();
    w.array(core.masters.len());
    for m in core.masters.values() {
        write_instance(&mut w, &core, m, &m.inst, now);
    }
}

/// SENTINEL MASTER `<name>`.
pub fn master(ctx: &mut Ctx) {
    let Some(MasterName(name)) = ctx.parse() else { return };
    let core = ctx.srv.h.read_model();
    let now = ctx.srv.h.now();
    match lookup(&core, name).and_then(|id| core.masters.get(&id)) {
        Some(m) => write_instance(&mut ctx.w(), &core, m, &m.inst, now),
        None => no_such_master(ctx),
    }
}

/// SENTINEL GET-MASTER-ADDR-BY-NAME `<name>`: `[ip, port]` of the *current* master, which is
/// the promoted replica once a failover reached RECONF_SLAVES. An unknown name is a null array,
/// not an error: clients probe every sentinel with it.
pub fn get_master_addr_by_name(ctx: &mut Ctx) {
    let Some(MasterName(name)) = ctx.parse() else { return };
    let core = ctx.srv.h.read_model();
    let mut w = ctx.w();
    match lookup(&core, name).and_then(|id| core.masters.get(&id)) {
        Some(m) => {
            let addr = core.current_master_addr(m);
            w.array(2);
            w.bulk(core.announced(addr));
            w.bulk_uint(u64::from(addr.port));
        }
        None => w.null_array(),
    }
}

/// SENTINEL MYID.
pub fn myid(ctx: &mut Ctx) {
    let core = ctx.srv.h.read_model();
    ctx.w().bulk(&core.myid);
}
