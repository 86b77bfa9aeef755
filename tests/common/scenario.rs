//! Helpers for the scenario tests (tests/discovery.rs, tests/failover.rs, tests/mixed.rs):
//! which sentinel kinds a scenario runs against, the event payload shapes of spec §5.1, and
//! ordered checks over the events a [`Subscriber`] collected.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::client::{Message, Subscriber};
use super::sentinel::Kind;

/// `down-after-milliseconds` of the scenarios that wait for SDOWN. Not 1 s: on a loaded 2-core
/// machine redis-sentinel was seen to mark a just-promoted master SDOWN (after a switch the
/// master's link must answer a PING within down-after of the reset) and fail over a second time.
pub const DOWN_AFTER_MS: u64 = 2000;

/// The kinds a scenario runs against: those of `RSENTINEL_TEST_KINDS` when it is set, else
/// `default`. Expensive scenarios default to rsentinel alone; `RSENTINEL_TEST_KINDS=redis`
/// runs them against the real redis-sentinel (to check the test itself).
pub fn kinds_or(default: &[Kind]) -> Vec<Kind> {
    match std::env::var("RSENTINEL_TEST_KINDS") {
        Ok(s) if !s.trim().is_empty() => Kind::from_env(),
        _ => default.to_vec(),
    }
}

/// Run `scenario` once per kind of [`kinds_or`]`(default)`, saying on stderr which run this is
/// (the test harness shows it next to a failure).
pub fn run_for_kinds(default: &[Kind], scenario: impl Fn(Kind)) {
    for kind in kinds_or(default) {
        eprintln!("=== scenario against {kind}");
        scenario(kind);
    }
}

/// The sentinels of a mixed deployment: `mix` as given, unless `RSENTINEL_TEST_KINDS` selects
/// a single kind, which then replaces every entry (so the mixed scenarios can be checked
/// against redis-sentinel alone, or run against rsentinel alone).
pub fn mix_for_env(mix: &[Kind]) -> Vec<Kind> {
    match std::env::var("RSENTINEL_TEST_KINDS") {
        Ok(s) if !s.trim().is_empty() => match Kind::from_env().as_slice() {
            [only] => vec![*only; mix.len()],
            _ => mix.to_vec(),
        },
        _ => mix.to_vec(),
    }
}

// ---------------------------------------------------------------------------------------------
// Event payloads (spec §5.1: `<type> <name> <ip> <port>[ @ <master> <ip> <port>]`)

/// `master <name> 127.0.0.1 <port>`.
pub fn master_ref(name: &str, port: u16) -> String {
    format!("master {name} 127.0.0.1 {port}")
}

/// `slave 127.0.0.1:<port> 127.0.0.1 <port> @ <name> 127.0.0.1 <master_port>`.
pub fn replica_ref(port: u16, name: &str, master_port: u16) -> String {
    format!("slave 127.0.0.1:{port} 127.0.0.1 {port} @ {name} 127.0.0.1 {master_port}")
}

/// `sentinel <runid> 127.0.0.1 <port> @ <name> 127.0.0.1 <master_port>`.
pub fn sentinel_ref(runid: &str, port: u16, name: &str, master_port: u16) -> String {
    format!("sentinel {runid} 127.0.0.1 {port} @ {name} 127.0.0.1 {master_port}")
}

/// The `+switch-master` payload: `<name> 127.0.0.1 <old> 127.0.0.1 <new>`.
pub fn switch_payload(name: &str, old: u16, new: u16) -> String {
    format!("{name} 127.0.0.1 {old} 127.0.0.1 {new}")
}

// ---------------------------------------------------------------------------------------------
// Collected events

/// What an expected event's payload must look like.
#[derive(Clone, Debug)]
pub enum Payload {
    Any,
    Is(String),
    StartsWith(String),
}

impl Payload {
    pub fn matches(&self, payload: &str) -> bool {
        match self {
            Payload::Any => true,
            Payload::Is(p) => payload == p,
            Payload::StartsWith(p) => payload.starts_with(p.as_str()),
        }
    }
}

/// One expected event: channel (= event name) and payload.
#[derive(Clone, Debug)]
pub struct Step {
    pub channel: String,
    pub payload: Payload,
}

pub fn step(channel: &str, payload: Payload) -> Step {
    Step { channel: channel.to_string(), payload }
}

/// `+event payload` lines, one per message, for failure messages.
pub fn format_events(events: &[Message]) -> String {
    let mut out = String::new();
    for m in events {
        let _ = writeln!(out, "  {} {}", m.channel, m.payload);
    }
    out
}

/// Index of the first event at or after `from` on `channel` whose payload matches.
pub fn find_event(events: &[Message], from: usize, channel: &str, payload: &Payload) -> Option<usize> {
    events
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, m)| m.channel == channel && payload.matches(&m.payload))
        .map(|(i, _)| i)
}

/// How many events on `channel` match `payload`.
pub fn count_events(events: &[Message], channel: &str, payload: &Payload) -> usize {
    events.iter().filter(|m| m.channel == channel && payload.matches(&m.payload)).count()
}

/// Assert that `steps` occur in `events` in this order (other events may come in between).
pub fn assert_in_order(events: &[Message], steps: &[Step], who: &str) {
    let mut at = 0;
    for (i, s) in steps.iter().enumerate() {
        match find_event(events, at, &s.channel, &s.payload) {
            Some(found) => at = found + 1,
            None => panic!(
                "{who}: expected event #{i} {} {:?} (after the events matched before it) is missing; \
                 expected order: {:?}\nevents:\n{}",
                s.channel,
                s.payload,
                steps.iter().map(|s| s.channel.as_str()).collect::<Vec<_>>(),
                format_events(events)
            ),
        }
    }
}

/// Read into `sub.seen()` every message that is already there or arrives within 20 ms.
pub fn pump(sub: &mut Subscriber) {
    while sub.next_message(Duration::from_millis(20)).is_some() {}
}

/// Poll the events of `subs` until `f(index, events)` returns `Some` for one of them; panic
/// after `timeout` with every subscriber's events.
pub fn wait_any_events<T>(
    subs: &mut [Subscriber],
    timeout: Duration,
    what: &str,
    mut f: impl FnMut(usize, &[Message]) -> Option<T>,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        for (i, sub) in subs.iter_mut().enumerate() {
            pump(sub);
            if let Some(v) = f(i, sub.seen()) {
                return v;
            }
        }
        if Instant::now() >= deadline {
            let mut all = String::new();
            for sub in subs.iter() {
                let _ = write!(all, "events of :{}:\n{}", sub.port(), format_events(sub.seen()));
            }
            panic!("timed out after {timeout:?} waiting for: {what}\n{all}");
        }
        std::thread::sleep(super::POLL_INTERVAL);
    }
}

/// Wait until every subscriber has seen an event on `channel` matching `payload` (all sharing
/// one `timeout`).
pub fn wait_event_on_all(subs: &mut [Subscriber], channel: &str, payload: &Payload, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    for sub in subs.iter_mut() {
        let left = deadline.saturating_duration_since(Instant::now());
        sub.wait_for_event(channel, |p| payload.matches(p), left.max(Duration::from_millis(1)));
    }
}

/// Like [`super::wait_until`], for conditions worth showing when they fail: `probe` returns
/// whether the condition holds and a description of what it saw, and the last description is
/// in the panic message.
pub fn wait_until_shows(timeout: Duration, what: &str, mut probe: impl FnMut() -> (bool, String)) {
    let start = Instant::now();
    loop {
        let (done, seen) = probe();
        if done {
            return;
        }
        if start.elapsed() >= timeout {
            panic!("timed out after {timeout:?} waiting for: {what}\nlast seen:\n{seen}");
        }
        std::thread::sleep(super::POLL_INTERVAL);
    }
}

/// Every subscriber's events, for failure messages.
pub fn all_events(subs: &[Subscriber]) -> String {
    subs.iter().map(|s| format!("sentinel :{}\n{}", s.port(), format_events(s.seen()))).collect()
}

/// The index of the one subscriber (sentinel) that saw `+elected-leader`; panics if none or
/// several did. Call it once `+switch-master` reached everyone: it reads what is pending first.
pub fn sole_leader(subs: &mut [Subscriber], what: &str) -> usize {
    for sub in subs.iter_mut() {
        pump(sub);
    }
    let leaders: Vec<usize> = subs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.seen().iter().any(|m| m.channel == "+elected-leader"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(leaders.len(), 1, "{what}: exactly one sentinel is elected; events:\n{}", all_events(subs));
    leaders[0]
}
