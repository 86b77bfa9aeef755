//! The metrics only the core task sees happen: failovers started, ended and aborted, their
//! durations, the time from SDOWN to ODOWN, events by type and link reconnections.
//!
//! [`Recorder`] holds them (prometheus-client's counters and histograms: atomics, cheap to
//! update and safe to read while a scrape encodes them); it lives in the handle, shared by
//! the core task, which updates it, and the endpoint, which reads it. [`Observer`] is the core
//! task's side: it looks at every batch of actions the core emitted (with the batch's clock
//! reading) and at the link events, and keeps what it needs between them (when each master's
//! failover started, which connections were up before).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::core::{Action, Conn, LinkId, Millis, Sentinel};
use crate::handle::logging::event_parts;
use crate::monitor::link::LinkEvent;

/// One label: its name and value.
type Label<V = String> = (&'static str, V);

/// Failover durations, seconds: a failover takes at least an election and a promotion (about
/// a second) and at most a few failover-timeouts (3 minutes by default).
const FAILOVER_BUCKETS: [f64; 12] = [0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0];
/// SDOWN to ODOWN, seconds: peers are asked once a second, so normally 0 to 2 s.
const ODOWN_BUCKETS: [f64; 10] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0];

/// The prefix of the three abort events; what follows is the `reason` label.
const ABORT_PREFIX: &str = "-failover-abort-";

/// The counters and histograms the core task updates.
#[derive(Debug)]
pub struct Recorder {
    failovers_started: Family<[Label; 1], Counter>,
    failovers_succeeded: Family<[Label; 1], Counter>,
    failovers_aborted: Family<[Label; 2], Counter>,
    failover_duration: Histogram,
    time_to_odown: Histogram,
    events: Family<[Label; 1], Counter>,
    link_reconnects: Family<[Label<&'static str>; 1], Counter>,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder {
            failovers_started: Family::default(),
            failovers_succeeded: Family::default(),
            failovers_aborted: Family::default(),
            failover_duration: Histogram::new(FAILOVER_BUCKETS),
            time_to_odown: Histogram::new(ODOWN_BUCKETS),
            events: Family::default(),
            link_reconnects: Family::default(),
        }
    }
}

impl Recorder {
    /// Register (handles to) every metric in `registry`, for one scrape.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "rsentinel_failovers_started",
            "Failovers this sentinel started (+try-failover), by master",
            self.failovers_started.clone(),
        );
        registry.register(
            "rsentinel_failovers_succeeded",
            "Failovers this sentinel led to the end (+failover-end), by master",
            self.failovers_succeeded.clone(),
        );
        registry.register(
            "rsentinel_failovers_aborted",
            "Failovers this sentinel started and gave up (-failover-abort-<reason>), by master and reason",
            self.failovers_aborted.clone(),
        );
        registry.register(
            "rsentinel_failover_duration_seconds",
            "From +try-failover to +failover-end, for the failovers this sentinel led",
            self.failover_duration.clone(),
        );
        registry.register(
            "rsentinel_time_to_odown_seconds",
            "From a master's +sdown to its +odown: how long the other sentinels took to agree",
            self.time_to_odown.clone(),
        );
        registry.register("rsentinel_events", "Sentinel events emitted, by type", self.events.clone());
        registry.register(
            "rsentinel_link_reconnects",
            "Connections to masters, replicas and sentinels established again after they were lost, by connection (cmd or pubsub)",
            self.link_reconnects.clone(),
        );
    }
}

/// The core task's side of the [`Recorder`].
pub struct Observer {
    rec: Arc<Recorder>,
    /// When each master's current failover of ours started (by master name).
    failover_started_at: HashMap<String, Millis>,
    /// The connections that were established at least once (a new `Connected` for one of
    /// them is a reconnection).
    connected_once: HashSet<(LinkId, Conn)>,
}

impl Observer {
    pub fn new(rec: Arc<Recorder>) -> Observer {
        Observer { rec, failover_started_at: HashMap::new(), connected_once: HashSet::new() }
    }

    /// Count what one batch of the core's actions tells, at `now` (the batch's clock reading).
    /// `core` is the state right after the batch.
    pub fn actions(&mut self, core: &Sentinel, actions: &[Action], now: Millis) {
        for action in actions {
            match action {
                Action::Event { kind, msg, .. } => self.event(core, kind, msg, now),
                Action::DropLink { link } => {
                    self.connected_once.remove(&(*link, Conn::Command));
                    self.connected_once.remove(&(*link, Conn::PubSub));
                }
                _ => {}
            }
        }
    }

    fn event(&mut self, core: &Sentinel, kind: &str, msg: &str, now: Millis) {
        self.rec.events.get_or_create(&[("type", kind.to_string())]).inc();
        // Only events about a master itself (`master <name> <ip> <port> ...`) count below.
        let parts = event_parts(kind, msg);
        let Some(master) = parts.master.filter(|_| parts.instance == Some("master")) else { return };
        let by_master = [("master_name", master.to_string())];
        match kind {
            "+try-failover" => {
                self.rec.failovers_started.get_or_create(&by_master).inc();
                self.failover_started_at.insert(master.to_string(), now);
            }
            "+failover-end" => {
                self.rec.failovers_succeeded.get_or_create(&by_master).inc();
                if let Some(start) = self.failover_started_at.remove(master) {
                    self.rec.failover_duration.observe(seconds(now.saturating_sub(start)));
                }
            }
            "+odown" => {
                if let Some(m) = core.master_by_name(master) {
                    let (odown, sdown) = (m.inst.o_down_since_time, m.inst.s_down_since_time);
                    let took = odown.zip(sdown).map_or(0, |(o, s)| o.saturating_sub(s));
                    self.rec.time_to_odown.observe(seconds(took));
                }
            }
            _ => {
                if let Some(reason) = kind.strip_prefix(ABORT_PREFIX) {
                    let labels = [("master_name", master.to_string()), ("reason", reason.to_string())];
                    self.rec.failovers_aborted.get_or_create(&labels).inc();
                    self.failover_started_at.remove(master);
                }
            }
        }
    }

    /// Count a reconnection: a connection established again.
    pub fn link_event(&mut self, ev: &LinkEvent) {
        if let LinkEvent::Connected { link, conn, .. } = ev {
            if !self.connected_once.insert((*link, *conn)) {
                let name = match conn {
                    Conn::Command => "cmd",
                    Conn::PubSub => "pubsub",
                };
                self.rec.link_reconnects.get_or_create(&[("connection", name)]).inc();
            }
        }
    }
}

fn seconds(ms: Millis) -> f64 {
    ms as f64 / 1000.0
}
