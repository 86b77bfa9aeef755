//! Why no failover (`no_failover.rs`): each reason is recorded on the master and logged once,
//! with every replica's selection verdict.

use super::*;
use crate::core::no_failover::NoFailover;
use crate::core::select::Ineligible;

/// The log lines of `actions` with their levels.
fn log_lines(actions: &[Action]) -> Vec<(Level, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log { level, msg } => Some((*level, msg.clone())),
            _ => None,
        })
        .collect()
}

/// The "No failover of ..." lines of `actions`.
fn no_failover_lines(actions: &[Action]) -> Vec<(Level, String)> {
    log_lines(actions).into_iter().filter(|(_, m)| m.starts_with("No failover of ")).collect()
}

/// The standing-reason check as the master tick runs it; returns its actions.
fn explain(w: &mut World) -> Vec<Action> {
    let (id, now) = (w.id, w.now);
    w.s.explain_no_failover(id, now);
    w.s.drain_actions()
}

fn reason(w: &World) -> Option<&'static str> {
    w.master().no_failover.as_ref().map(NoFailover::label)
}

/// Replicas 6380-6384, each broken in its own way except 6384, which is healthy.
fn mixed_replicas() -> World {
    let mut w = World::new(&[6380, 6381, 6382, 6383, 6384], 0, 1);
    w.replica_mut(6380).flags |= flags::S_DOWN;
    w.disconnect(6381);
    w.replica_mut(6382).slave_priority = 0;
    w.replica_mut(6383).info_refresh = Some(w.now - 6_000);
    w.replica_mut(6384).master_link_down_time = 1_000_000;
    w
}

#[test]
fn every_replica_gets_the_rule_that_rejects_it() {
    let mut w = mixed_replicas();
    w.set_odown();
    let m = w.master();
    let verdicts: Vec<(String, &str)> =
        w.s.replica_verdicts(m, w.now)
            .into_iter()
            .map(|(r, v)| (r.name.clone(), crate::core::no_failover::verdict_label(v)))
            .collect();
    assert_eq!(
        verdicts,
        [
            (replica_key(6380), "down"),
            (replica_key(6381), "disconnected"),
            (replica_key(6382), "priority_zero"),
            (replica_key(6383), "stale_info"),
            (replica_key(6384), "link_down_too_long"),
        ]
    );
    w.replica_mut(6384).master_link_down_time = 0;
    let m = w.master();
    assert_eq!(w.s.replica_verdicts(m, w.now)[4].1, Ok(()));
    assert_eq!(Ineligible::NotAvailable.label(), "no_ping_reply");
}

#[test]
fn no_good_slave_logs_one_warning_with_each_replica_rule() {
    // No replica that a working link would repair (those are waited for, see
    // `failover_select_slave`): 6381 is disconnected and silent, 6383 does not exist.
    let mut w = World::new(&[6380, 6381, 6382, 6384], 0, 1);
    w.replica_mut(6380).flags |= flags::S_DOWN;
    w.disconnect(6381);
    w.link_of(6381).last_avail_time = w.now - 6_000;
    w.replica_mut(6382).slave_priority = 0;
    w.replica_mut(6384).master_link_down_time = 1_000_000;
    w.set_odown();
    let mut all = w.tick();
    w.advance(100);
    all.extend(w.tick());
    assert!(kinds(&all).contains(&"-failover-abort-no-good-slave".to_string()), "{:?}", kinds(&all));
    let lines = no_failover_lines(&all);
    assert_eq!(
        lines,
        [(
            Level::Warning,
            format!(
                "No failover of {}: no replica can be promoted. Replicas: 127.0.0.1:6380 down (SDOWN or ODOWN); \
                 127.0.0.1:6381 disconnected; 127.0.0.1:6382 replica-priority 0; \
                 127.0.0.1:6384 link to the master down for too long",
                MASTER_PREFIX
            )
        )]
    );
    // The log line comes right after the abort event.
    let abort = event_pos(&all, "-failover-abort-no-good-slave").unwrap();
    assert!(matches!(&all[abort + 1], Action::Log { msg, .. } if msg.starts_with("No failover of")));
    assert_eq!(reason(&w), Some("no_good_replica"));

    // The back-off that follows keeps the reason and says nothing more.
    w.advance(1_000);
    let a = explain(&mut w);
    assert!(no_failover_lines(&a).is_empty(), "{:?}", a);
    assert_eq!(reason(&w), Some("no_good_replica"));

    // The master comes back: nothing to explain any more.
    w.master_mut().inst.flags &= !(flags::S_DOWN | flags::O_DOWN);
    assert!(explain(&mut w).is_empty());
    assert_eq!(reason(&w), None);

    // Down again within 2 x failover-timeout of that attempt: the back-off itself is the reason.
    w.advance(1_000);
    w.set_odown();
    let a = w.tick();
    assert!(kinds(&a).is_empty(), "still backing off: {:?}", a);
    let a = explain(&mut w);
    let lines = no_failover_lines(&a);
    assert_eq!(lines.len(), 1, "{:?}", a);
    assert!(lines[0].1.contains(": failover-timeout back-off: "), "{:?}", lines);
    assert_eq!(reason(&w), Some("backoff"));
    assert!(explain(&mut w).is_empty(), "said once");
}

/// A failover of ours in WAIT_START with `peers` peers and `quorum`.
fn waiting(peers: usize, quorum: u32) -> World {
    let mut w = World::new(&[6380], peers, quorum);
    w.set_odown();
    let a = w.tick();
    assert_eq!(kinds(&a)[..2], ["+new-epoch", "+try-failover"]);
    w
}

/// Let the election time out and return the actions of the abort.
fn election_times_out(w: &mut World) -> Vec<Action> {
    // The start time carries a random delay of up to 1 s.
    w.advance(11_001);
    w.refresh();
    let a = w.tick();
    assert!(kinds(&a).contains(&"-failover-abort-not-elected".to_string()), "{:?}", kinds(&a));
    assert_eq!(w.master().failover_state_str(), "none");
    a
}

#[test]
fn not_elected_without_a_majority() {
    let mut w = waiting(2, 2);
    let a = election_times_out(&mut w);
    let lines = no_failover_lines(&a);
    assert_eq!(
        lines,
        [(
            Level::Warning,
            format!(
                "No failover of {}: not elected in epoch 1: no majority, the most voted sentinel had 1 of the 2 votes \
                 needed (3 sentinels known). Replicas: 127.0.0.1:6380 promotable",
                MASTER_PREFIX
            )
        )]
    );
    assert_eq!(reason(&w), Some("no_majority"));
}

#[test]
fn not_elected_below_the_quorum() {
    // 3 sentinels, majority 2, quorum 3: one peer's vote plus ours is a majority, not the quorum.
    let mut w = waiting(2, 3);
    w.peer_votes(0, &myid(), 1);
    let a = election_times_out(&mut w);
    let lines = no_failover_lines(&a);
    assert_eq!(lines.len(), 1, "{:?}", a);
    assert!(
        lines[0].1.contains(
            "not elected in epoch 1: the most voted sentinel had 2 votes, fewer than the quorum of 3"
        ),
        "{:?}",
        lines
    );
    assert_eq!(reason(&w), Some("votes_below_quorum"));
}

#[test]
fn outvoted_by_another_leader_is_only_a_notice() {
    let mut w = waiting(2, 2);
    w.peer_votes(0, &peer_id(0), 1);
    w.peer_votes(1, &peer_id(0), 1);
    let a = election_times_out(&mut w);
    let lines = no_failover_lines(&a);
    assert_eq!(lines.len(), 1, "{:?}", a);
    assert_eq!(lines[0].0, Level::Notice);
    assert!(
        lines[0].1.contains(&format!("sentinel {} leads the failover of epoch 1", peer_id(0))),
        "{:?}",
        lines
    );
    assert_eq!(reason(&w), Some("other_leader"));
    // The back-off after it is that leader's failover, not news.
    w.advance(1_000);
    assert!(explain(&mut w).is_empty());
}

#[test]
fn a_vote_for_another_sentinel_is_a_notice_not_a_warning() {
    let mut w = World::new(&[6380], 1, 1);
    let (id, now) = (w.id, w.now);
    w.s.vote_leader(id, 1, &peer_id(0), now);
    w.s.drain_actions();
    w.set_odown();
    w.advance(100);
    w.tick();
    let lines = no_failover_lines(&explain(&mut w));
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].0, Level::Notice, "{:?}", lines);
    assert_eq!(reason(&w), Some("other_leader"));
}

#[test]
fn a_promotion_that_times_out_is_explained() {
    let mut w = World::new(&[6380], 0, 1);
    w.run_to_wait_promotion();
    w.advance(FAILOVER_TIMEOUT + 1);
    let a = w.tick();
    assert!(kinds(&a).contains(&"-failover-abort-slave-timeout".to_string()));
    let lines = no_failover_lines(&a);
    assert_eq!(lines.len(), 1, "{:?}", a);
    assert!(lines[0].1.contains("the selected replica did not turn into a master within failover-timeout"));
    assert_eq!(reason(&w), Some("promotion_timeout"));
}

#[test]
fn no_odown_quorum_is_explained_once_peers_had_time_to_answer() {
    let mut w = World::new(&[6380], 2, 2);
    let now = w.now;
    let m = w.master_mut();
    m.inst.flags |= flags::S_DOWN;
    m.inst.s_down_since_time = Some(now);
    assert!(explain(&mut w).is_empty(), "peers are still being asked");
    w.advance(5_000);
    assert!(explain(&mut w).is_empty());
    w.advance(1);
    w.refresh();
    let lines = no_failover_lines(&explain(&mut w));
    assert_eq!(
        lines,
        [(
            Level::Warning,
            format!(
                "No failover of {}: no quorum: 1 of the 2 sentinels needed agree that it is down (no ODOWN). \
                 Replicas: 127.0.0.1:6380 promotable",
                MASTER_PREFIX
            )
        )]
    );
    assert_eq!(reason(&w), Some("no_quorum"));
    w.advance(1_000);
    assert!(explain(&mut w).is_empty(), "once per episode");
}

#[test]
fn tilt_is_explained() {
    let mut w = World::new(&[6380], 0, 1);
    w.set_odown();
    w.s.tilt = true;
    w.s.tilt_start_time = w.now;
    let lines = no_failover_lines(&explain(&mut w));
    assert_eq!(lines.len(), 1);
    assert!(lines[0].1.contains(": TILT mode: no action for 30 more seconds."), "{:?}", lines);
    assert_eq!(reason(&w), Some("tilt"));
}

#[test]
fn a_running_failover_or_a_healthy_master_needs_no_explanation() {
    let mut w = World::new(&[6380], 0, 1);
    assert!(explain(&mut w).is_empty());
    w.set_odown();
    w.tick();
    assert!(w.master().failover_in_progress());
    assert!(explain(&mut w).is_empty());
    assert_eq!(reason(&w), None);
}
