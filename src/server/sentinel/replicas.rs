//! SENTINEL REPLICAS (alias SLAVES) and SENTINELS (`addReplyDictOfRedisInstances`).

use super::instance_map::instance_map;
use super::{lookup, no_such_master};
use crate::handle::Handle;
use crate::server::Frame;

/// SENTINEL REPLICAS `<name>`: one map per replica, skipping those whose INFO said
/// `replica_announced:0` (they still count in `num-slaves` and can still be promoted).
pub(super) async fn replicas(h: &Handle, args: &[Vec<u8>]) -> Frame {
    h.read_fresh(|c, now| match lookup(c, &args[2]).and_then(|id| c.masters.get(&id)) {
        Some(m) => Frame::Array(
            m.replicas.values().filter(|r| r.replica_announced).map(|r| instance_map(c, m, r, now)).collect(),
        ),
        None => no_such_master(),
    })
    .await
}

/// SENTINELS `<name>`: one map per other sentinel known for the master (never ourselves).
pub(super) async fn sentinels(h: &Handle, args: &[Vec<u8>]) -> Frame {
    h.read_fresh(|c, now| match lookup(c, &args[2]).and_then(|id| c.masters.get(&id)) {
        Some(m) => Frame::Array(m.sentinels.values().map(|s| instance_map(c, m, s, now)).collect()),
        None => no_such_master(),
    })
    .await
}
