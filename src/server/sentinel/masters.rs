//! SENTINEL MASTERS, MASTER and GET-MASTER-ADDR-BY-NAME.

use super::instance_map::instance_map;
use super::{lookup, no_such_master};
use crate::handle::Handle;
use crate::server::Frame;

/// SENTINEL MASTERS: one instance map per master, never filtered; `*0` with none.
pub(super) async fn masters(h: &Handle) -> Frame {
    h.read_fresh(|c, now| {
        Frame::Array(c.masters.values().map(|m| instance_map(c, m, &m.inst, now)).collect())
    })
    .await
}

/// SENTINEL MASTER `<name>`.
pub(super) async fn master(h: &Handle, args: &[Vec<u8>]) -> Frame {
    h.read_fresh(|c, now| match lookup(c, &args[2]).and_then(|id| c.masters.get(&id)) {
        Some(m) => instance_map(c, m, &m.inst, now),
        None => no_such_master(),
    })
    .await
}

/// SENTINEL GET-MASTER-ADDR-BY-NAME `<name>`: `[ip, port]` of the *current* master, which is
/// the promoted replica once a failover reached RECONF_SLAVES. An unknown name is a null array,
/// not an error: clients probe every sentinel with it.
pub(super) fn get_master_addr_by_name(h: &Handle, args: &[Vec<u8>]) -> Frame {
    h.read_core(|c, _| match lookup(c, &args[2]).and_then(|id| c.masters.get(&id)) {
        Some(m) => {
            let addr = c.current_master_addr(m);
            Frame::Array(vec![Frame::bulk(c.announce_host(addr)), Frame::bulk_num(addr.port)])
        }
        None => Frame::NullArray,
    })
}
