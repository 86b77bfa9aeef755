//! Processing received hello messages (§6.6).

use super::types::Millis;
use super::Sentinel;

impl Sentinel {
    /// Process one hello payload (from a pub/sub `message` or a direct PUBLISH).
    pub fn process_hello(&mut self, _payload: &[u8], _now: Millis) {}
}
