//! The failover from start to switch, its aborts, SENTINEL FAILOVER and simulated crashes.

use super::*;
use crate::core::failover::ManualFailoverError;
use crate::core::{Action, FailoverKind};

/// R7's observed leader sequence (§5.2) from `+try-failover` on, minus what monitoring emits
/// (`-role-change`, `+slave-reconf-inprog`, `+slave-reconf-done`, `-odown`).
const LEADER_SEQUENCE: &[&str] = &[
    "+new-epoch",
    "+try-failover",
    "+vote-for-leader",
    "+elected-leader",
    "+failover-state-select-slave",
    "+selected-slave",
    "+failover-state-send-slaveof-noone",
    "+failover-state-wait-promotion",
    "+promoted-slave",
    "+failover-state-reconf-slaves",
    "+slave-reconf-sent",
    "+failover-end",
    "+switch-master",
    "+slave",
    "+slave",
];

#[test]
fn elected_leader_runs_the_whole_failover_and_switches() {
    // Three sentinels, quorum 2: we need one peer's vote.
    let mut w = World::new(&[6380, 6381], 2, 2);
    w.master_mut().client_reconfig_script = Some("/bin/reconf.sh".into());
    w.replica_mut(6380).slave_repl_offset = 200;
    w.replica_mut(6381).slave_repl_offset = 100;
    w.set_odown();
    let mut all = Vec::new();

    // Start: new epoch, our own vote, not elected yet (1 of 3 votes).
    let a = w.tick();
    assert_eq!(kinds(&a), ["+new-epoch", "+try-failover", "+vote-for-leader"]);
    let ev = events(&a);
    assert_eq!(ev[0].1, "1");
    assert_eq!(ev[1].1, MASTER_PREFIX);
    assert_eq!(ev[2].1, format!("{} 1", myid()));
    // The vote is persisted before it is announced.
    let flush = position(&a, |a| *a == Action::FlushConfig).expect("vote flushed");
    assert!(flush < event_pos(&a, "+vote-for-leader").unwrap());
    assert_eq!(w.master().failover_state_str(), "wait_start");
    assert_eq!(w.s.current_epoch, 1);
    assert_eq!(w.master().failover.as_ref().unwrap().epoch, 1);
    all.extend(a);

    // Still no peer vote: nothing happens.
    w.advance(100);
    assert!(kinds(&w.tick()).is_empty());

    // One peer votes for us in epoch 1: elected.
    w.peer_votes(0, &myid(), 1);
    w.advance(100);
    let a = w.tick();
    assert_eq!(kinds(&a), ["+elected-leader", "+failover-state-select-slave"]);
    assert!(events(&a).iter().all(|(_, m)| m == MASTER_PREFIX));
    all.extend(a);

    // Select: the replica with the higher offset.
    w.advance(100);
    w.refresh();
    let a = w.tick();
    assert_eq!(
        events(&a),
        [
            ("+selected-slave".to_string(), slave_prefix(6380)),
            ("+failover-state-send-slaveof-noone".to_string(), slave_prefix(6380)),
        ]
    );
    assert!(w.replica(6380).has(flags::PROMOTED));
    all.extend(a);

    // SLAVEOF NO ONE in the transaction, to the promoted replica only.
    w.advance(100);
    let a = w.tick();
    let promoted_link = w.replica(6380).link;
    let sends: Vec<(crate::core::LinkId, Vec<u8>)> = a
        .iter()
        .filter_map(|x| match x {
            Action::Send { link, cmd, .. } => Some((*link, cmd.join(&b' '))),
            _ => None,
        })
        .collect();
    let expected: Vec<(crate::core::LinkId, Vec<u8>)> = [
        "MULTI",
        "SLAVEOF NO ONE",
        "CONFIG REWRITE",
        "CLIENT KILL TYPE normal",
        "CLIENT KILL TYPE pubsub",
        "EXEC",
        // rsentinel asks for INFO right away to see the promotion without waiting a poll.
        "INFO",
    ]
    .iter()
    .map(|c| (promoted_link, c.as_bytes().to_vec()))
    .collect();
    assert_eq!(sends, expected);
    assert_eq!(kinds(&a), ["+failover-state-wait-promotion"]);
    assert_eq!(events(&a)[0].1, slave_prefix(6380));
    // The transaction goes out before the state is announced.
    assert!(
        position(&a, |x| matches!(x, Action::Send { .. })).unwrap()
            < event_pos(&a, "+failover-state-wait-promotion").unwrap()
    );
    all.extend(a);

    // Waiting for INFO: nothing to do.
    w.advance(100);
    assert!(w.tick().is_empty());
    assert_eq!(w.master().failover_state_str(), "wait_promotion");

    // INFO shows role:master: committed.
    let a = w.confirm_promotion();
    assert_eq!(kinds(&a), ["+promoted-slave", "+failover-state-reconf-slaves"]);
    assert_eq!(events(&a)[0].1, slave_prefix(6380));
    assert_eq!(events(&a)[1].1, MASTER_PREFIX);
    assert_eq!(a[0], Action::FlushConfig, "flushed before +promoted-slave");
    assert_eq!(w.master().config_epoch, 1);
    assert_eq!(w.master().failover_state_str(), "reconf_slaves");
    // Hellos are forced out, and clients now get the new address.
    assert_eq!(w.master().inst.last_pub_time, None);
    let cur = w.s.current_master_addr(w.master()).clone();
    assert_eq!(cur.port, 6380);
    let job = w.s.scripts.jobs.last().expect("client reconfig script queued");
    assert_eq!(job.path, "/bin/reconf.sh");
    assert_eq!(job.args, ["mymaster", "leader", "start", "127.0.0.1", "6379", "127.0.0.1", "6380"]);
    all.extend(a);

    // RECONF_SLAVES: the other replica is pointed at the new master.
    w.advance(100);
    let a = w.tick();
    assert_eq!(w.slaveofs(&a), [(replica_key(6381), "127.0.0.1 6380".to_string())]);
    assert_eq!(events(&a), [("+slave-reconf-sent".to_string(), slave_prefix(6381))]);
    assert!(w.replica(6381).has(flags::RECONF_SENT));
    all.extend(a);

    // Not done until INFO says so.
    w.advance(100);
    assert!(kinds(&w.tick()).is_empty());

    // INFO: synced. The failover ends and the switch happens in the same tick.
    w.replica_synced(6381);
    w.advance(100);
    let a = w.tick();
    assert_eq!(
        events(&a),
        [
            ("+failover-end".to_string(), MASTER_PREFIX.to_string()),
            ("+switch-master".to_string(), "mymaster 127.0.0.1 6379 127.0.0.1 6380".to_string()),
            (
                "+slave".to_string(),
                "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6380".to_string()
            ),
            (
                "+slave".to_string(),
                "slave 127.0.0.1:6379 127.0.0.1 6379 @ mymaster 127.0.0.1 6380".to_string()
            ),
        ]
    );
    assert_eq!(a.last(), Some(&Action::FlushConfig));
    all.extend(a);

    assert_eq!(kinds(&all), LEADER_SEQUENCE);

    // The master is now the promoted replica; the old master is a replica; sentinels kept.
    let m = w.master();
    assert_eq!(m.inst.addr.port, 6380);
    assert_eq!(m.replicas.keys().cloned().collect::<Vec<_>>(), [replica_key(6379), replica_key(6381)]);
    assert_eq!(m.sentinels.len(), 2);
    assert_eq!(m.failover_state_str(), "none");
    assert_eq!(m.inst.flags, 0);
    assert_eq!(m.config_epoch, 1);
    assert_eq!(m.promoted_slave().cloned(), None);
    // The client-reconfig script ran once only (at promotion), not again at the switch.
    assert_eq!(w.s.scripts.jobs.iter().filter(|j| j.path == "/bin/reconf.sh").count(), 1);
}

#[test]
fn event_levels_match_redis() {
    let mut w = World::new(&[6380, 6381], 0, 1);
    let mut all = w.run_to_wait_promotion();
    all.extend(w.confirm_promotion());
    w.advance(100);
    all.extend(w.tick());
    w.replica_synced(6381);
    w.advance(100);
    all.extend(w.tick());
    use crate::core::Level::{Notice, Warning};
    for (kind, level) in [
        ("+new-epoch", Warning),
        ("+try-failover", Warning),
        ("+vote-for-leader", Warning),
        ("+elected-leader", Warning),
        ("+failover-state-select-slave", Warning),
        ("+selected-slave", Warning),
        ("+failover-state-send-slaveof-noone", Notice),
        ("+failover-state-wait-promotion", Notice),
        ("+promoted-slave", Warning),
        ("+failover-state-reconf-slaves", Warning),
        ("+slave-reconf-sent", Notice),
        ("+failover-end", Warning),
        ("+switch-master", Warning),
        ("+slave", Notice),
    ] {
        assert_eq!(level_of(&all, kind), Some(level), "{}", kind);
    }
}

#[test]
fn sole_sentinel_with_quorum_1_elects_itself_in_the_first_tick() {
    let mut w = World::new(&[6380], 0, 1);
    w.set_odown();
    let a = w.tick();
    assert_eq!(
        kinds(&a),
        [
            "+new-epoch",
            "+try-failover",
            "+vote-for-leader",
            "+elected-leader",
            "+failover-state-select-slave"
        ]
    );
}

#[test]
fn nothing_starts_without_odown() {
    let mut w = World::new(&[6380], 0, 1);
    w.master_mut().inst.flags |= flags::S_DOWN;
    assert!(w.tick().is_empty());
    assert_eq!(w.master().failover_state_str(), "none");
}

#[test]
fn not_elected_aborts_after_election_timeout_and_retries_after_twice_failover_timeout() {
    let mut w = World::new(&[6380], 2, 2);
    w.set_odown();
    let a = w.tick();
    assert_eq!(kinds(&a), ["+new-epoch", "+try-failover", "+vote-for-leader"]);
    let start = w.master().failover_start_time.unwrap();
    assert!(start >= w.now && start < w.now + 1000, "start time gets a 0-999 ms desync");

    // Up to the election timeout (10 s, below failover-timeout) we keep waiting.
    w.now = start + 10_000;
    assert!(kinds(&w.tick()).is_empty());
    assert_eq!(w.master().failover_state_str(), "wait_start");
    w.now = start + 10_001;
    let a = w.tick();
    assert_eq!(events(&a), [("-failover-abort-not-elected".to_string(), MASTER_PREFIX.to_string())]);
    assert_eq!(level_of(&a, "-failover-abort-not-elected"), Some(crate::core::Level::Warning));
    assert_eq!(w.master().failover_state_str(), "none");
    assert!(!w.master().failover_in_progress());
    assert_eq!(w.master().failover_start_time, Some(start), "abort keeps the start time");

    // Still ODOWN: no new attempt before start + 2 x failover-timeout; the delay is logged once.
    w.advance(100);
    let a = w.tick();
    assert!(kinds(&a).is_empty());
    let l = logs(&a);
    assert_eq!(l.len(), 1);
    assert!(l[0].starts_with("Next failover delay: I will not start a failover before "), "{}", l[0]);
    w.advance(100);
    assert!(w.tick().is_empty(), "logged once per attempt");

    w.now = start + 2 * FAILOVER_TIMEOUT - 1;
    assert!(w.tick().is_empty());
    w.now = start + 2 * FAILOVER_TIMEOUT;
    let a = w.tick();
    assert_eq!(kinds(&a), ["+new-epoch", "+try-failover", "+vote-for-leader"]);
    assert_eq!(events(&a)[0].1, "2");
    assert_eq!(w.master().failover.as_ref().unwrap().epoch, 2);
}

#[test]
fn election_timeout_is_capped_by_failover_timeout() {
    let mut w = World::new(&[6380], 2, 2);
    w.master_mut().failover_timeout = 3_000;
    w.set_odown();
    w.tick();
    let start = w.master().failover_start_time.unwrap();
    w.now = start + 3_000;
    assert!(w.tick().is_empty());
    w.now = start + 3_001;
    assert_eq!(kinds(&w.tick()), ["-failover-abort-not-elected"]);
}

#[test]
fn no_good_replica_aborts_at_select() {
    // §13's reproducible path: a sole sentinel with quorum 1 and no usable replica.
    let mut w = World::new(&[6380], 0, 1);
    w.replica_mut(6380).slave_priority = 0;
    w.set_odown();
    let mut a = w.tick();
    w.advance(100);
    a.extend(w.tick());
    assert_eq!(
        kinds(&a),
        [
            "+new-epoch",
            "+try-failover",
            "+vote-for-leader",
            "+elected-leader",
            "+failover-state-select-slave",
            "-failover-abort-no-good-slave"
        ]
    );
    assert_eq!(events(&a)[5].1, MASTER_PREFIX);
    assert_eq!(w.master().failover_state_str(), "none");
    assert!(!w.master().failover_in_progress());
}

#[test]
fn promotion_timeout_aborts_and_unmarks_the_replica() {
    let mut w = World::new(&[6380, 6381], 0, 1);
    w.run_to_wait_promotion();
    let changed = w.master().failover.as_ref().unwrap().state_change_time;
    w.now = changed + FAILOVER_TIMEOUT;
    assert!(w.tick().is_empty());
    w.now = changed + FAILOVER_TIMEOUT + 1;
    let a = w.tick();
    assert_eq!(events(&a), [("-failover-abort-slave-timeout".to_string(), MASTER_PREFIX.to_string())]);
    assert_eq!(w.master().failover_state_str(), "none");
    assert_eq!(w.master().promoted_slave().cloned(), None);
    assert!(!w.replica(6380).has(flags::PROMOTED));
    // A late role:master report no longer counts.
    let (id, now) = (w.id, w.now);
    w.s.on_promotion_confirmed(id, now);
    assert!(w.s.drain_actions().is_empty());
    assert_eq!(w.master().config_epoch, 0);
}

#[test]
fn unreachable_promoted_replica_is_retried_then_aborted() {
    let mut w = World::new(&[6380], 0, 1);
    w.set_odown();
    w.tick(); // through select-slave state
    w.advance(100);
    w.tick(); // selected: SEND_SLAVEOF_NOONE
    assert_eq!(w.master().failover_state_str(), "send_slaveof_noone");
    w.disconnect(6380);
    w.advance(100);
    assert!(w.tick().is_empty(), "nothing sent while disconnected");
    // It comes back in time: the transaction goes out.
    w.set_healthy(6380);
    w.advance(100);
    let a = w.tick();
    assert_eq!(w.slaveofs(&a), [(replica_key(6380), "NO ONE".to_string())]);

    // Same again, but it never comes back.
    let mut w = World::new(&[6380], 0, 1);
    w.set_odown();
    w.tick();
    w.advance(100);
    w.tick();
    let changed = w.master().failover.as_ref().unwrap().state_change_time;
    w.disconnect(6380);
    w.now = changed + FAILOVER_TIMEOUT;
    assert!(w.tick().is_empty());
    w.now = changed + FAILOVER_TIMEOUT + 1;
    let a = w.tick();
    assert_eq!(kinds(&a), ["-failover-abort-slave-timeout"]);
    assert!(!w.replica(6380).has(flags::PROMOTED));
}

#[test]
fn failover_is_not_abortable_after_promotion() {
    let mut w = World::new(&[6380, 6381], 0, 1);
    w.run_to_wait_promotion();
    w.confirm_promotion();
    let id = w.id;
    w.s.abort_failover(id);
    assert_eq!(w.master().failover_state_str(), "reconf_slaves");
    assert!(w.master().failover_in_progress());
}

#[test]
fn newer_config_from_a_hello_cancels_our_failover_silently() {
    // Mid-election.
    let mut w = World::new(&[6380, 6381], 2, 2);
    w.set_odown();
    w.tick();
    let (id, now) = (w.id, w.now);
    w.s.reset_master_and_change_address(id, "127.0.0.1", 6381, now).unwrap();
    w.s.drain_actions();
    assert_eq!(w.master().failover_state_str(), "none");
    assert_eq!(w.master().inst.flags, 0);
    for _ in 0..5 {
        w.advance(20_000);
        assert!(w.tick().is_empty(), "no abort event, no switch, no restart");
    }

    // Mid-reconfiguration (already committed by us, but a newer epoch wins).
    let mut w = World::new(&[6380, 6381, 6382], 0, 1);
    w.run_to_wait_promotion();
    w.confirm_promotion();
    w.advance(100);
    w.tick();
    let (id, now) = (w.id, w.now);
    w.s.reset_master_and_change_address(id, "127.0.0.1", 6382, now).unwrap();
    w.s.drain_actions();
    assert_eq!(w.master().failover_state_str(), "none");
    assert_eq!(w.master().inst.addr.port, 6382);
    w.advance(100);
    assert!(w.tick().is_empty());
    // The failover can start again right away (the reset cleared the start time).
    w.set_odown();
    assert_eq!(kinds(&w.tick())[..2], ["+new-epoch", "+try-failover"]);
}

#[test]
fn manual_failover_refusals() {
    let mut w = World::new(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    w.replica_mut(6380).slave_priority = 0;
    assert_eq!(w.s.manual_failover(id, now), Err(ManualFailoverError::NoGoodSlave));
    assert_eq!(ManualFailoverError::NoGoodSlave.to_string(), "NOGOODSLAVE No suitable replica to promote");
    // Nothing happens but one warning that says why, replica by replica.
    let a = w.s.drain_actions();
    assert_eq!(
        a,
        [Action::Log {
            level: Level::Warning,
            msg: format!(
                "No failover of {}: SENTINEL FAILOVER refused, no replica can be promoted. Replicas: 127.0.0.1:6380 replica-priority 0",
                MASTER_PREFIX
            ),
        }]
    );
    w.replica_mut(6380).slave_priority = 100;
    assert_eq!(w.s.manual_failover(id, now), Ok(()));
    w.s.drain_actions();
    assert_eq!(w.s.manual_failover(id, now), Err(ManualFailoverError::InProgress));
    assert_eq!(ManualFailoverError::InProgress.to_string(), "INPROG Failover already in progress");
    assert_eq!(w.s.manual_failover(MasterId(999), now), Err(ManualFailoverError::NoGoodSlave));
}

#[test]
fn manual_failover_skips_the_election_and_the_retry_delay() {
    let mut w = World::new(&[6380], 2, 2);
    // A failover attempt just failed: the retry delay is running.
    w.set_odown();
    w.tick();
    let start = w.master().failover_start_time.unwrap();
    w.now = start + 10_001;
    assert_eq!(kinds(&w.tick()), ["-failover-abort-not-elected"]);
    // The master is fine again; the user asks anyway.
    w.master_mut().inst.flags &= !(flags::S_DOWN | flags::O_DOWN);
    w.refresh();
    let (id, now) = (w.id, w.now);
    w.s.manual_failover(id, now).unwrap();
    let a = w.s.drain_actions();
    assert_eq!(logs(&a), ["Executing user requested FAILOVER of 'mymaster'"]);
    assert_eq!(kinds(&a), ["+new-epoch", "+try-failover"]);
    assert!(w.master().failover_is(FailoverKind::Forced));
    // No peer voted for us, yet we are "elected".
    w.advance(100);
    let a = w.tick();
    assert_eq!(kinds(&a), ["+vote-for-leader", "+elected-leader", "+failover-state-select-slave"]);
    w.advance(100);
    w.refresh();
    assert_eq!(kinds(&w.tick()), ["+selected-slave", "+failover-state-send-slaveof-noone"]);
}

#[test]
fn simulated_crash_after_election() {
    let mut w = World::new(&[6380], 0, 1);
    w.s.simulate_failure_flags = 1;
    w.set_odown();
    let a = w.tick();
    let crash = event_pos(&a, "+elected-leader").unwrap() + 1;
    assert_eq!(
        a[crash..],
        [
            Action::Log {
                level: crate::core::Level::Warning,
                msg: "Sentinel CRASH because of SENTINEL simulate-failure".into()
            },
            Action::Exit { code: 99 },
        ]
    );
}

#[test]
fn simulated_crash_after_promotion() {
    let mut w = World::new(&[6380], 0, 1);
    w.s.simulate_failure_flags = 2;
    let a = w.run_to_wait_promotion();
    assert!(!a.iter().any(|x| matches!(x, Action::Exit { .. })), "not at election");
    let a = w.confirm_promotion();
    assert_eq!(kinds(&a), ["+promoted-slave"]);
    assert_eq!(a.last(), Some(&Action::Exit { code: 99 }));
    // The promotion was flushed before dying, so a restart knows the new config epoch.
    assert_eq!(a[0], Action::FlushConfig);
}

#[test]
fn state_machine_is_idle_without_a_failover() {
    let mut w = World::new(&[6380], 0, 1);
    let (id, now) = (w.id, w.now);
    w.s.failover_state_machine(id, now);
    w.s.switch_to_promoted_slave_if_needed(id, now);
    w.s.on_promotion_confirmed(id, now);
    w.s.abort_failover(id);
    assert!(w.s.drain_actions().is_empty());
    // Unknown masters are ignored too.
    let id = MasterId(42);
    assert!(!w.s.start_failover_if_needed(id, now));
    w.s.failover_state_machine(id, now);
    w.s.switch_to_promoted_slave_if_needed(id, now);
    w.s.force_hello_update(id);
    assert!(w.s.drain_actions().is_empty());
}

#[test]
fn forced_hello_makes_every_hello_due() {
    let mut w = World::new(&[6380], 2, 1);
    // Even one published right after the clock started (Redis's move back by a publish period
    // would not make it due).
    w.master_mut().sentinels.get_mut(&peer_id(1)).unwrap().last_pub_time = Some(1000);
    let id = w.id;
    w.s.force_hello_update(id);
    let m = w.master();
    assert_eq!(m.inst.last_pub_time, None);
    assert_eq!(m.replicas[&replica_key(6380)].last_pub_time, None);
    assert_eq!(m.sentinels[&peer_id(0)].last_pub_time, None);
    assert_eq!(m.sentinels[&peer_id(1)].last_pub_time, None);
}
