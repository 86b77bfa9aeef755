//! RECONF_SLAVES: parallel-syncs pacing, the per-replica timeout, end detection and the
//! failover-timeout end with best-effort SLAVEOFs.

use super::*;

/// A committed failover (6380 promoted, the highest offset) with the other replicas waiting.
fn reconfiguring(others: &[u16], parallel_syncs: i64) -> World {
    let mut ports = vec![6380];
    ports.extend_from_slice(others);
    let mut w = World::new(&ports, 0, 1);
    w.replica_mut(6380).slave_repl_offset = 1_000;
    w.master_mut().parallel_syncs = parallel_syncs;
    w.run_to_wait_promotion();
    assert_eq!(w.master().promoted_slave().cloned(), Some(replica_key(6380)));
    w.confirm_promotion();
    w
}

fn targets(w: &World, a: &[crate::core::Action]) -> Vec<String> {
    w.slaveofs(a)
        .into_iter()
        .map(|(k, t)| {
            assert_eq!(t, "127.0.0.1 6380");
            k
        })
        .collect()
}

/// Tick and return the replicas sent SLAVEOF.
fn tick_targets(w: &mut World) -> Vec<String> {
    let a = w.tick();
    targets(w, &a)
}

#[test]
fn parallel_syncs_1_reconfigures_one_replica_at_a_time() {
    let mut w = reconfiguring(&[6381, 6382, 6383], 1);
    w.advance(100);
    let a = w.tick();
    assert_eq!(targets(&w, &a), [replica_key(6381)]);
    w.advance(100);
    assert!(tick_targets(&mut w).is_empty(), "slot taken while 6381 syncs");
    // INPROG still holds the slot.
    let r = w.replica_mut(6381);
    r.flags = (r.flags & !flags::RECONF_SENT) | flags::RECONF_INPROG;
    w.advance(100);
    assert!(tick_targets(&mut w).is_empty());
    w.replica_synced(6381);
    w.advance(100);
    assert_eq!(tick_targets(&mut w), [replica_key(6382)]);
    w.replica_synced(6382);
    w.advance(100);
    assert_eq!(tick_targets(&mut w), [replica_key(6383)]);
    w.replica_synced(6383);
    w.advance(100);
    assert_eq!(kinds(&w.tick())[..2], ["+failover-end", "+switch-master"]);
}

#[test]
fn parallel_syncs_2_reconfigures_two_at_once() {
    let mut w = reconfiguring(&[6381, 6382, 6383], 2);
    w.advance(100);
    let a = w.tick();
    assert_eq!(targets(&w, &a), [replica_key(6381), replica_key(6382)]);
    assert_eq!(kinds(&a), ["+slave-reconf-sent", "+slave-reconf-sent"]);
    w.replica_synced(6382);
    w.advance(100);
    assert_eq!(tick_targets(&mut w), [replica_key(6383)]);
}

#[test]
fn disconnected_replicas_are_skipped_by_the_pacing() {
    let mut w = reconfiguring(&[6381, 6382], 1);
    w.disconnect(6381);
    w.advance(100);
    assert_eq!(tick_targets(&mut w), [replica_key(6382)]);
}

#[test]
fn a_replica_stuck_in_sent_times_out_after_10s_even_when_all_slots_are_taken() {
    // §12: Redis never checks this timeout when in_progress >= parallel_syncs; we do.
    let mut w = reconfiguring(&[6381, 6382], 1);
    w.advance(100);
    assert_eq!(tick_targets(&mut w), [replica_key(6381)]);
    let sent = w.replica(6381).slave_reconf_sent_time.expect("sent");
    w.now = sent + 10_000;
    assert!(w.tick().is_empty());
    w.now = sent + 10_001;
    let a = w.tick();
    assert_eq!(
        events(&a),
        [
            ("-slave-reconf-sent-timeout".to_string(), slave_prefix(6381)),
            ("+slave-reconf-sent".to_string(), slave_prefix(6382)),
        ]
    );
    assert_eq!(level_of(&a, "-slave-reconf-sent-timeout"), Some(crate::core::Level::Notice));
    assert!(w.replica(6381).has(flags::RECONF_DONE));
    assert!(!w.replica(6381).has(flags::RECONF_SENT));
    assert_eq!(targets(&w, &a), [replica_key(6382)]);
}

#[test]
fn sdown_replicas_do_not_hold_up_the_end() {
    let mut w = reconfiguring(&[6381, 6382], 1);
    w.disconnect(6382);
    w.replica_mut(6382).flags |= flags::S_DOWN;
    w.advance(100);
    assert_eq!(tick_targets(&mut w), [replica_key(6381)]);
    w.replica_synced(6381);
    w.advance(100);
    let a = w.tick();
    assert_eq!(kinds(&a)[..2], ["+failover-end", "+switch-master"]);
    assert!(!kinds(&a).contains(&"+failover-end-for-timeout".to_string()));
}

#[test]
fn failover_timeout_ends_the_phase_with_best_effort_slaveofs() {
    // Per-replica timeout (10 s) longer than the failover timeout, so nothing frees a slot.
    let mut w = reconfiguring(&[6381, 6382, 6383, 6384], 1);
    w.master_mut().failover_timeout = 5_000;
    w.advance(100);
    assert_eq!(tick_targets(&mut w), [replica_key(6381)]);
    // 6382 made it to INPROG (via another path); 6383 is disconnected; 6384 waits.
    let r = w.replica_mut(6382);
    r.flags |= flags::RECONF_INPROG;
    w.disconnect(6383);
    let changed = w.master().failover.as_ref().unwrap().state_change_time;
    w.now = changed + 5_000;
    w.refresh();
    assert!(w.tick().is_empty());
    w.now = changed + 5_001;
    // The switch replaces the replica instances, so note whose link is whose first.
    let link_6382 = w.replica(6382).link;
    let link_6384 = w.replica(6384).link;
    let a = w.tick();
    assert_eq!(
        kinds(&a)[..5],
        [
            "+failover-end-for-timeout",
            "+failover-end",
            "+slave-reconf-sent-be",
            "+slave-reconf-sent-be",
            "+switch-master"
        ]
    );
    let be: Vec<String> =
        events(&a).into_iter().filter(|(k, _)| k == "+slave-reconf-sent-be").map(|(_, m)| m).collect();
    // INPROG replicas get one too (as in Redis); SENT and disconnected ones don't.
    assert_eq!(be, [slave_prefix(6382), slave_prefix(6384)]);
    let slaveof_links: Vec<crate::core::LinkId> = a
        .iter()
        .filter_map(|x| match x {
            crate::core::Action::Send { link, cmd, .. } if cmd[0] == b"SLAVEOF" => {
                assert_eq!(cmd[1..], [b"127.0.0.1".to_vec(), b"6380".to_vec()]);
                Some(*link)
            }
            _ => None,
        })
        .collect();
    assert_eq!(slaveof_links, [link_6382, link_6384]);
    assert_eq!(level_of(&a, "+failover-end-for-timeout"), Some(crate::core::Level::Warning));
    assert_eq!(level_of(&a, "+slave-reconf-sent-be"), Some(crate::core::Level::Notice));
    // And the switch happened.
    assert_eq!(w.master().inst.addr.port, 6380);
    assert_eq!(w.master().failover_state_str(), "none");
}

#[test]
fn no_end_while_the_promoted_replica_is_sdown() {
    let mut w = reconfiguring(&[6381], 1);
    w.replica_mut(6380).flags |= flags::S_DOWN;
    w.advance(100);
    w.tick();
    w.replica_synced(6381);
    w.advance(FAILOVER_TIMEOUT + 1);
    let a = w.tick();
    assert!(kinds(&a).is_empty(), "neither end nor timeout: {:?}", kinds(&a));
    assert_eq!(w.master().failover_state_str(), "reconf_slaves");
    w.replica_mut(6380).flags &= !flags::S_DOWN;
    w.advance(100);
    assert_eq!(kinds(&w.tick())[..3], ["+failover-end-for-timeout", "+failover-end", "+switch-master"]);
}

#[test]
fn non_positive_parallel_syncs_only_reconfigures_on_timeout() {
    let mut w = reconfiguring(&[6381], 0);
    w.advance(100);
    assert!(w.tick().is_empty());
    let changed = w.master().failover.as_ref().unwrap().state_change_time;
    w.now = changed + FAILOVER_TIMEOUT + 1;
    w.refresh();
    let a = w.tick();
    assert_eq!(kinds(&a)[..3], ["+failover-end-for-timeout", "+failover-end", "+slave-reconf-sent-be"]);
}

#[test]
fn the_hello_and_clients_see_the_new_address_from_reconf_on() {
    let mut w = World::new(&[6380], 0, 1);
    w.run_to_wait_promotion();
    assert_eq!(w.s.current_master_addr(w.master()).port, MASTER_PORT);
    w.confirm_promotion();
    assert_eq!(w.s.current_master_addr(w.master()).port, 6380);
    // The persisted config says the same.
    assert_eq!(w.s.to_config().masters[0].port, 6380);
}

/// A newer failover, elected while ours reconfigures replicas, put the master back at the old
/// address: its hello moves us from our promoted replica back there and ends our failover.
/// (Redis compares with the old address, keeps the newer epoch without moving, then switches
/// to its promoted replica under that epoch and never agrees with its peers again.)
#[test]
fn a_newer_config_naming_the_old_address_ends_our_reconfiguration() {
    let mut w = World::new(&[6380, 6381], 1, 1);
    w.peer_votes(0, &myid(), 1);
    w.run_to_wait_promotion();
    w.confirm_promotion();
    assert_eq!(w.master().failover_state_str(), "reconf_slaves");
    let epoch = w.master().config_epoch;
    let hello = format!(
        "127.0.0.1,26380,{},{},mymaster,127.0.0.1,{},{}",
        peer_id(0),
        epoch + 1,
        MASTER_PORT,
        epoch + 1
    );
    let now = w.now;
    w.s.process_hello(hello.as_bytes(), now);
    let a = w.s.drain_actions();
    let ev = events(&a);
    assert!(
        ev.contains(&(
            "+switch-master".to_string(),
            format!("mymaster 127.0.0.1 6380 127.0.0.1 {MASTER_PORT}")
        )),
        "{ev:?}"
    );
    assert_eq!(w.master().failover_state_str(), "none");
    assert_eq!(w.master().config_epoch, epoch + 1);
    assert_eq!(w.s.current_master_addr(w.master()).port, MASTER_PORT);
}
