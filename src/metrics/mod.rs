//! The Prometheus endpoint (`metrics-port`, off by default): `GET /metrics`.
//!
//! - [`exporter`]: what is read from the read model at each scrape: redis_exporter's
//!   `redis_sentinel_*` gauges (same names, labels and values, so existing dashboards and
//!   alerts keep working) and rsentinel's gauges and counters kept in the core's state.
//! - [`recorder`]: what only the core task sees happen (failovers started, succeeded and
//!   aborted, their durations, time to ODOWN, events by type, link reconnections), counted by
//!   the core task's [`recorder::Observer`] into the shared [`recorder::Recorder`].
//! - [`endpoint`]: the HTTP listener (hyper) and the encoding (prometheus-client).
//!
//! The core stays free of all this: it keeps plain numbers (`total_tilt`, `hellos_malformed`,
//! each master's `no_failover`) that the read model carries.

pub mod endpoint;
pub mod exporter;
pub mod recorder;

#[cfg(test)]
mod render_tests;
