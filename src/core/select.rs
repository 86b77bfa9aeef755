//! Replica selection for promotion (`sentinelSelectSlave`, §7.5).

use super::types::{MasterId, Millis};
use super::Sentinel;

impl Sentinel {
    /// The key of the best replica to promote, or `None` if no replica qualifies.
    pub fn select_slave(&self, _id: MasterId, _now: Millis) -> Option<String> {
        todo!("select_slave")
    }
}
