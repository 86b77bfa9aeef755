//! The failover state machine (§7): start, leader election, promotion, reconfiguration, switch.

use super::types::{MasterId, Millis};
use super::Sentinel;

/// Why SENTINEL FAILOVER was refused (the texts are sent verbatim, without `ERR`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManualFailoverError {
    #[error("INPROG Failover already in progress")]
    InProgress,
    #[error("NOGOODSLAVE No suitable replica to promote")]
    NoGoodSlave,
}

impl Sentinel {
    /// SENTINEL FAILOVER: start a failover without agreement from other sentinels.
    pub fn manual_failover(&mut self, _id: MasterId, _now: Millis) -> Result<(), ManualFailoverError> {
        todo!("manual_failover")
    }
}
