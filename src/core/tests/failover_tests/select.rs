//! Replica selection: the exclusion rules (a)-(f) one at a time, and the ordering.

use super::*;
use crate::core::select::Ineligible;

/// One healthy replica on 6380; returns the world and checks the replica qualifies.
fn one_replica(master_sdown: bool) -> World {
    let mut w = World::new(&[6380], 0, 1);
    if master_sdown {
        w.set_odown();
    }
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6380)));
    w
}

fn verdict(w: &World) -> Result<(), Ineligible> {
    let m = w.master();
    w.s.check_promotable(m, &m.replicas[&replica_key(6380)], w.now)
}

fn assert_excluded(w: &World, why: Ineligible) {
    assert_eq!(verdict(w), Err(why));
    assert_eq!(w.s.select_slave(w.id, w.now), None);
}

#[test]
fn a_replica_that_is_down_is_excluded() {
    let mut w = one_replica(false);
    w.replica_mut(6380).flags |= flags::S_DOWN;
    assert_excluded(&w, Ineligible::Down);
    let mut w = one_replica(false);
    w.replica_mut(6380).flags |= flags::O_DOWN;
    assert_excluded(&w, Ineligible::Down);
}

#[test]
fn b_a_disconnected_replica_is_excluded() {
    let mut w = one_replica(false);
    w.link_of(6380).cc = false;
    assert_excluded(&w, Ineligible::Disconnected);
}

#[test]
fn c_a_replica_without_a_recent_ping_reply_is_excluded() {
    let mut w = one_replica(false);
    w.advance(5_000);
    w.replica_mut(6380).info_refresh = Some(w.now);
    assert_eq!(verdict(&w), Ok(()), "5 ping periods exactly is still fine");
    w.advance(1);
    w.replica_mut(6380).info_refresh = Some(w.now);
    assert_excluded(&w, Ineligible::NotAvailable);
}

#[test]
fn d_priority_zero_is_never_promoted() {
    let mut w = one_replica(false);
    w.replica_mut(6380).slave_priority = 0;
    assert_excluded(&w, Ineligible::PriorityZero);
}

#[test]
fn e_stale_info_is_excluded_5s_with_master_sdown_30s_otherwise() {
    let mut w = one_replica(true);
    w.advance(5_000);
    w.link_of(6380).last_avail_time = w.now;
    assert_eq!(verdict(&w), Ok(()));
    w.advance(1);
    w.link_of(6380).last_avail_time = w.now;
    assert_excluded(&w, Ineligible::StaleInfo);

    let mut w = one_replica(false);
    w.advance(30_000);
    w.link_of(6380).last_avail_time = w.now;
    assert_eq!(verdict(&w), Ok(()));
    w.advance(1);
    w.link_of(6380).last_avail_time = w.now;
    assert_excluded(&w, Ineligible::StaleInfo);

    // Never INFO'd at all.
    let mut w = one_replica(false);
    w.replica_mut(6380).info_refresh = None;
    assert_excluded(&w, Ineligible::StaleInfo);
}

#[test]
fn f_a_replica_disconnected_from_its_master_for_too_long_is_excluded() {
    // down-after is 5 s: the bound is 50 s, plus the master's SDOWN time when SDOWN.
    let mut w = one_replica(false);
    w.replica_mut(6380).master_link_down_time = 50_000;
    assert_eq!(verdict(&w), Ok(()));
    w.replica_mut(6380).master_link_down_time = 50_001;
    assert_excluded(&w, Ineligible::LinkDownTooLong);

    let mut w = one_replica(true);
    w.master_mut().inst.s_down_since_time = Some(w.now - 7_000);
    w.replica_mut(6380).master_link_down_time = 57_000;
    assert_eq!(verdict(&w), Ok(()));
    w.replica_mut(6380).master_link_down_time = 57_001;
    assert_excluded(&w, Ineligible::LinkDownTooLong);

    // "Never connected" (-1 s in INFO) is not a long disconnection.
    let mut w = one_replica(false);
    w.replica_mut(6380).master_link_down_time = -1000;
    assert_eq!(verdict(&w), Ok(()));
}

#[test]
fn unannounced_replicas_can_be_promoted() {
    let mut w = one_replica(false);
    w.replica_mut(6380).replica_announced = false;
    assert_eq!(verdict(&w), Ok(()));
}

#[test]
fn lower_priority_wins_first() {
    let mut w = World::new(&[6380, 6381, 6382], 0, 1);
    w.replica_mut(6380).slave_priority = 100;
    w.replica_mut(6381).slave_priority = 10;
    w.replica_mut(6381).slave_repl_offset = 1;
    w.replica_mut(6382).slave_priority = 50;
    w.replica_mut(6382).slave_repl_offset = 1_000_000;
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6381)));
}

#[test]
fn then_the_higher_offset() {
    let mut w = World::new(&[6380, 6381, 6382], 0, 1);
    w.replica_mut(6380).slave_repl_offset = 10;
    w.replica_mut(6381).slave_repl_offset = 30;
    w.replica_mut(6382).slave_repl_offset = 20;
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6381)));
}

#[test]
fn then_the_smaller_runid_case_insensitively_unknown_last() {
    let mut w = World::new(&[6380, 6381, 6382], 0, 1);
    w.replica_mut(6380).runid = None;
    w.replica_mut(6381).runid = Some("Bbbb".into());
    w.replica_mut(6382).runid = Some("aZZZ".into());
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6382)));
    w.replica_mut(6382).runid = Some("c".into());
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6381)));
    w.replica_mut(6381).runid = None;
    w.replica_mut(6382).runid = None;
    // Full tie: key order, deterministic.
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6380)));
    w.replica_mut(6382).runid = Some("z".into());
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6382)));
}

#[test]
fn excluded_replicas_are_skipped_for_the_next_best() {
    let mut w = World::new(&[6380, 6381], 0, 1);
    w.replica_mut(6380).slave_priority = 1;
    w.replica_mut(6380).flags |= flags::S_DOWN;
    assert_eq!(w.s.select_slave(w.id, w.now), Some(replica_key(6381)));
    assert_eq!(w.s.select_slave(MasterId(77), w.now), None);
}

/// A sole sentinel (quorum 1) elected for a failover of a master with replica 6380, in
/// SELECT_SLAVE, before the selection tick.
fn selecting() -> World {
    let mut w = one_replica(false);
    w.set_odown();
    w.tick();
    assert_eq!(w.master().failover_state_str(), "select_slave");
    w.advance(100);
    w
}

#[test]
fn selection_waits_for_a_replica_whose_link_is_being_restored() {
    // Another master name's promotion transaction on the same server just cut the link:
    // it answered PINGs moments ago, so the failover waits for the reconnection.
    let mut w = selecting();
    w.disconnect(6380);
    assert!(w.s.replica_link_being_restored(w.id, w.now));
    assert!(w.tick().is_empty(), "no abort while the link comes back");
    w.advance(100);
    w.set_healthy(6380);
    let a = w.tick();
    assert_eq!(kinds(&a)[0], "+selected-slave");
}

#[test]
fn selection_waits_for_the_link_at_most_five_ping_periods() {
    let mut w = selecting();
    let entered = w.master().failover.as_ref().unwrap().state_change_time;
    w.disconnect(6380);
    // The link keeps being cut right after each reconnection: PINGs answered, never up at
    // the selection tick.
    w.now = entered + 5_000;
    w.link_of(6380).last_avail_time = w.now;
    assert!(w.tick().is_empty());
    w.now = entered + 5_001;
    w.link_of(6380).last_avail_time = w.now;
    assert_eq!(kinds(&w.tick()), ["-failover-abort-no-good-slave"]);
}

#[test]
fn selection_does_not_wait_for_a_replica_a_reconnection_cannot_make_eligible() {
    // Disconnected and silent for more than 5 ping periods (rule c): gone, not reconnecting.
    let mut w = selecting();
    w.disconnect(6380);
    w.link_of(6380).last_avail_time = w.now - 5_001;
    assert!(!w.s.replica_link_being_restored(w.id, w.now));
    assert_eq!(kinds(&w.tick()), ["-failover-abort-no-good-slave"]);
    // Disconnected, but priority 0 (rule d): a reconnection changes nothing.
    let mut w = selecting();
    w.disconnect(6380);
    w.replica_mut(6380).slave_priority = 0;
    assert_eq!(kinds(&w.tick()), ["-failover-abort-no-good-slave"]);
}

#[test]
fn selection_waits_for_fresh_info_after_a_reconnection() {
    // Reconnected, but the INFO replies were lost with the cut connections: the next INFO
    // poll (every second during a failover) brings it, so the failover waits for it too.
    let mut w = selecting();
    w.replica_mut(6380).info_refresh = Some(w.now - 5_001);
    assert!(w.s.replica_link_being_restored(w.id, w.now));
    assert!(w.tick().is_empty());
    w.advance(100);
    w.refresh();
    assert_eq!(kinds(&w.tick())[0], "+selected-slave");
}
