//! Interim entry points until the failover branch lands (removed at that merge).

use super::types::{Addr, MasterId, Millis};
use super::Sentinel;

impl Sentinel {
    pub fn schedule_client_reconfig(&mut self, _id: MasterId, _role: &str, _from: &Addr, _to: &Addr) {}
    pub fn on_promotion_confirmed(&mut self, _id: MasterId, _now: Millis) {}
    pub fn switch_to_promoted_slave_if_needed(&mut self, _id: MasterId, _now: Millis) {}
    pub fn run_pending_scripts(&mut self, _now: Millis) {}
    pub fn kill_timedout_scripts(&mut self, _now: Millis) {}
    pub fn start_failover_if_needed(&mut self, _id: MasterId, _now: Millis) -> bool {
        false
    }
    pub fn failover_state_machine(&mut self, _id: MasterId, _now: Millis) {}
    pub fn on_script_started(&mut self, _job: u64, _pid: u32, _now: Millis) {}
    pub fn on_script_spawn_failed(&mut self, _job: u64, _now: Millis) {}
    pub fn on_script_exit(&mut self, _job: u64, _code: Option<i32>, _signal: Option<i32>, _now: Millis) {}
}
