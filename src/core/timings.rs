//! Sentinel's timing constants; each one can be changed at run time with `SENTINEL DEBUG`.

use super::types::Millis;

/// The `SENTINEL DEBUG` parameters, with Redis 7.0's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timings {
    pub info_period: Millis,
    pub ping_period: Millis,
    pub ask_period: Millis,
    pub publish_period: Millis,
    pub default_down_after: Millis,
    pub default_failover_timeout: Millis,
    pub tilt_trigger: Millis,
    pub tilt_period: Millis,
    pub slave_reconf_timeout: Millis,
    pub min_link_reconnect_period: Millis,
    pub election_timeout: Millis,
    pub script_max_runtime: Millis,
    pub script_retry_delay: Millis,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            info_period: 10_000,
            ping_period: 1_000,
            ask_period: 1_000,
            publish_period: 2_000,
            default_down_after: 30_000,
            default_failover_timeout: 180_000,
            tilt_trigger: 2_000,
            tilt_period: 30_000,
            slave_reconf_timeout: 10_000,
            min_link_reconnect_period: 15_000,
            election_timeout: 10_000,
            script_max_runtime: 60_000,
            script_retry_delay: 30_000,
        }
    }
}

impl Timings {
    /// The DEBUG parameter names, upper-case as `SENTINEL DEBUG` prints them, in its order.
    pub const NAMES: [&'static str; 13] = [
        "INFO-PERIOD",
        "PING-PERIOD",
        "ASK-PERIOD",
        "PUBLISH-PERIOD",
        "DEFAULT-DOWN-AFTER",
        "DEFAULT-FAILOVER-TIMEOUT",
        "TILT-TRIGGER",
        "TILT-PERIOD",
        "SLAVE-RECONF-TIMEOUT",
        "MIN-LINK-RECONNECT-PERIOD",
        "ELECTION-TIMEOUT",
        "SCRIPT-MAX-RUNTIME",
        "SCRIPT-RETRY-DELAY",
    ];

    /// The field behind a DEBUG parameter name (case-insensitive).
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Millis> {
        let idx = Self::NAMES.iter().position(|n| n.eq_ignore_ascii_case(name))?;
        Some(match idx {
            0 => &mut self.info_period,
            1 => &mut self.ping_period,
            2 => &mut self.ask_period,
            3 => &mut self.publish_period,
            4 => &mut self.default_down_after,
            5 => &mut self.default_failover_timeout,
            6 => &mut self.tilt_trigger,
            7 => &mut self.tilt_period,
            8 => &mut self.slave_reconf_timeout,
            9 => &mut self.min_link_reconnect_period,
            10 => &mut self.election_timeout,
            11 => &mut self.script_max_runtime,
            _ => &mut self.script_retry_delay,
        })
    }

    /// All values in [`Timings::NAMES`] order.
    pub fn values(&self) -> [Millis; 13] {
        [
            self.info_period,
            self.ping_period,
            self.ask_period,
            self.publish_period,
            self.default_down_after,
            self.default_failover_timeout,
            self.tilt_trigger,
            self.tilt_period,
            self.slave_reconf_timeout,
            self.min_link_reconnect_period,
            self.election_timeout,
            self.script_max_runtime,
            self.script_retry_delay,
        ]
    }
}
