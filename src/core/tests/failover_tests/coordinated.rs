//! Valkey 9.0's `SENTINEL FAILOVER <name> COORDINATED` (`core::coordinated`).

use super::*;
use crate::core::failover::ManualFailoverError;
use crate::core::{Action, FailoverKind, FailoverState, InstanceRef, LinkId, Reply, ReplyTag};

/// The commands sent on `link`, each as its words joined by spaces.
fn sent_on(a: &[Action], link: LinkId) -> Vec<String> {
    a.iter()
        .filter_map(|x| match x {
            Action::Send { link: l, cmd, .. } if *l == link => Some(
                cmd.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect::<Vec<_>>().join(" "),
            ),
            _ => None,
        })
        .collect()
}

impl World {
    fn master_link(&self) -> LinkId {
        self.master().inst.link
    }

    fn replica_link(&self, port: u16) -> LinkId {
        self.replica(port).link
    }

    /// The master's INFO showed `master_failover_state:no-failover` (it has FAILOVER).
    fn master_supports_failover(&mut self) {
        let now = self.now;
        let m = self.master_mut();
        m.inst.node_failover_state = Some("no-failover".into());
        m.inst.node_failover_state_time = now;
    }

    /// Peer `i`'s link is up, so it can be asked for its vote.
    fn connect_peer(&mut self, i: usize) {
        let link = self.master().sentinels[&peer_id(i)].link;
        let l = self.s.links.get_mut(&link).unwrap();
        l.cc = true;
        l.cc_up = true;
    }

    fn coordinated(&mut self) -> Result<(), ManualFailoverError> {
        let (id, now) = (self.id, self.now);
        self.s.coordinated_failover(id, now)
    }

    /// A COORDINATED failover started as the only sentinel (quorum 1), driven to
    /// SEND_SLAVEOF_NOONE (elected, replica selected).
    fn coordinated_to_send_state(&mut self) {
        self.master_supports_failover();
        assert_eq!(self.coordinated(), Ok(()));
        self.s.drain_actions();
        for _ in 0..2 {
            self.advance(100);
            self.refresh();
            self.tick();
        }
        assert_eq!(self.master().failover_state_str(), "send_slaveof_noone");
    }

    /// [`World::coordinated_to_send_state`], then one more tick to WAIT_PROMOTION: returns the
    /// actions of the SEND_SLAVEOF_NOONE step.
    fn coordinated_to_wait_promotion(&mut self) -> Vec<Action> {
        self.coordinated_to_send_state();
        self.advance(100);
        let a = self.tick();
        assert_eq!(self.master().failover_state_str(), "wait_promotion");
        a
    }
}

#[test]
fn refusals_come_in_valkeys_order() {
    let mut w = World::new(&[6380], 0, 1);
    // Never reported master_failover_state: no FAILOVER command on that master.
    assert_eq!(w.coordinated(), Err(ManualFailoverError::NoGoodPrimary));
    assert_eq!(
        ManualFailoverError::NoGoodPrimary.to_string(),
        "NOGOODPRIMARY Primary does not support FAILOVER command"
    );
    assert!(w.s.drain_actions().is_empty());
    w.master_supports_failover();
    w.replica_mut(6380).slave_priority = 0;
    assert_eq!(w.coordinated(), Err(ManualFailoverError::NoGoodSlave));
    w.replica_mut(6380).slave_priority = 100;
    assert_eq!(w.coordinated(), Ok(()));
    assert!(w.master().failover_is(FailoverKind::Coordinated));
    assert!(!w.master().failover_is(FailoverKind::Forced), "it must win an election");
    assert_eq!(w.coordinated(), Err(ManualFailoverError::InProgress));
    // NOGOODPRIMARY is checked before INPROG.
    w.master_mut().inst.node_failover_state = None;
    assert_eq!(w.coordinated(), Err(ManualFailoverError::NoGoodPrimary));
    // A master without replicas.
    let mut w = World::new(&[], 0, 1);
    w.master_supports_failover();
    assert_eq!(w.coordinated(), Err(ManualFailoverError::NoGoodSlave));
}

#[test]
fn it_asks_every_peer_for_its_vote_at_once_and_needs_a_majority() {
    let mut w = World::new(&[6380], 2, 2);
    w.connect_peer(0);
    w.connect_peer(1);
    w.master_supports_failover();
    assert_eq!(w.coordinated(), Ok(()));
    let a = w.s.drain_actions();
    assert_eq!(kinds(&a), ["+new-epoch", "+try-failover"]);
    let asks: Vec<_> = a
        .iter()
        .filter_map(|x| match x {
            Action::Send { cmd, tag: ReplyTag::IsMasterDown { .. }, .. } => Some(cmd[1..].to_vec()),
            _ => None,
        })
        .collect();
    let want: Vec<Vec<u8>> = ["is-master-down-by-addr", "127.0.0.1", "6379", "1", &myid()]
        .iter()
        .map(|w| w.as_bytes().to_vec())
        .collect();
    assert_eq!(asks, vec![want.clone(), want], "a vote request to each peer, with our run id");
    assert!(!w.master().inst.has(flags::S_DOWN), "the master is not marked down");

    // Our own vote alone is 1 of 3: no leader yet.
    w.advance(100);
    assert_eq!(kinds(&w.tick()), ["+vote-for-leader"]);
    // While the election runs the peers are asked again (the master is not SDOWN).
    w.advance(1100);
    let (id, now) = (w.id, w.now);
    w.s.ask_master_state_to_other_sentinels(id, now, false);
    assert_eq!(w.s.drain_actions().iter().filter(|x| matches!(x, Action::Send { .. })).count(), 2);
    // A peer's vote makes a majority: elected.
    w.peer_votes(1, &myid(), 1);
    w.advance(100);
    assert_eq!(kinds(&w.tick()), ["+elected-leader", "+failover-state-select-slave"]);
}

#[test]
fn without_the_votes_it_is_not_elected() {
    let mut w = World::new(&[6380], 2, 2);
    w.master_supports_failover();
    assert_eq!(w.coordinated(), Ok(()));
    w.s.drain_actions();
    let start = w.master().failover_start_time.unwrap();
    w.now = start + 10_001;
    assert_eq!(kinds(&w.tick()), ["+vote-for-leader", "-failover-abort-not-elected"]);
    assert!(!w.master().failover_in_progress());
    // Once the election is over, peers are no longer asked about a master that is up.
    w.connect_peer(0);
    w.advance(2000);
    let (id, now) = (w.id, w.now);
    w.s.ask_master_state_to_other_sentinels(id, now, false);
    assert!(w.s.drain_actions().is_empty());
}

#[test]
fn the_old_master_is_asked_to_hand_over_with_writes_paused() {
    let mut w = World::new(&[6380, 6381], 0, 1);
    w.replica_mut(6381).slave_repl_offset = 10;
    let a = w.coordinated_to_wait_promotion();
    // t = failover-timeout minus the 100 ms spent in SEND_SLAVEOF_NOONE.
    let t = (FAILOVER_TIMEOUT - 100).to_string();
    assert_eq!(
        sent_on(&a, w.master_link()),
        [
            "MULTI".to_string(),
            format!("CLIENT PAUSE {t} WRITE"),
            format!("FAILOVER TO 127.0.0.1 6381 TIMEOUT {t}"),
            "EXEC".to_string(),
        ]
    );
    assert!(w.slaveofs(&a).is_empty(), "no SLAVEOF NO ONE to the replica");
    assert!(sent_on(&a, w.replica_link(6381)).is_empty());
    assert_eq!(events(&a), [("+failover-state-wait-promotion".to_string(), slave_prefix(6381))]);
    let pause_until = match w.master().failover_state() {
        Some(FailoverState::WaitPromotion { pause_until, .. }) => *pause_until,
        other => panic!("not waiting for the promotion: {other:?}"),
    };
    assert_eq!(pause_until, Some(w.now + FAILOVER_TIMEOUT - 100));
}

#[test]
fn renamed_commands_are_used_in_the_handover() {
    let mut w = World::new(&[6380], 0, 1);
    w.master_mut().renamed_commands = vec![("FAILOVER".into(), "FO".into()), ("CLIENT".into(), "CL".into())];
    let a = w.coordinated_to_wait_promotion();
    let sent = sent_on(&a, w.master_link());
    assert!(
        sent[1].starts_with("CL PAUSE ") && sent[2].starts_with("FO TO 127.0.0.1 6380 TIMEOUT "),
        "{sent:?}"
    );
}

#[test]
fn the_promotion_unpauses_and_disconnects_clients_on_both_nodes() {
    let mut w = World::new(&[6380, 6381], 0, 1);
    w.coordinated_to_wait_promotion();
    assert!(w.master().failover_is(FailoverKind::Coordinated));
    let a = w.confirm_promotion();
    let cleanup = [
        "MULTI",
        "CONFIG REWRITE",
        "CLIENT KILL TYPE normal",
        "CLIENT KILL TYPE pubsub",
        "CLIENT UNPAUSE",
        "EXEC",
    ];
    assert_eq!(sent_on(&a, w.master_link()), cleanup);
    assert_eq!(sent_on(&a, w.replica_link(6380)), cleanup);
    assert!(sent_on(&a, w.replica_link(6381)).is_empty());
    assert_eq!(kinds(&a), ["+promoted-slave", "+failover-state-reconf-slaves"]);
    // Both EXECs are awaited; until they are answered no hello goes to those nodes.
    let execs = exec_tags(&a);
    assert_eq!(execs.len(), 2, "{execs:?}");
    assert_eq!(w.master().unpause_owed.as_ref().map_or(0, |o| o.nodes.len()), 2);
    let (id, master) = (w.id, InstanceRef::Master(w.id));
    assert!(w.s.hello_would_block(&master));
    for (link, tag) in execs {
        w.s.on_reply(link, tag, Reply::Array(vec![]), w.now);
    }
    assert!(w.master().unpause_owed.is_none());
    assert!(!w.s.hello_would_block(&master));
    assert!(!w.s.hello_would_block(&InstanceRef::Replica(id, replica_key(6380))));
    // The rest is the ordinary failover: the other replica is pointed at the new master.
    w.advance(100);
    let a = w.tick();
    assert_eq!(w.slaveofs(&a), [(replica_key(6381), "127.0.0.1 6380".to_string())]);
}

#[test]
fn an_unreachable_old_master_ends_it_with_master_timeout_and_no_fallback() {
    let mut w = World::new(&[6380], 0, 1);
    w.coordinated_to_send_state();
    let link = w.master_link();
    w.s.on_conn_closed(link, crate::core::Conn::Command);
    let entered = w.master().failover.as_ref().unwrap().state_change_time;
    // Retried on every tick, never SLAVEOF NO ONE to the replica.
    let mut all = Vec::new();
    while w.now + 100 < entered + FAILOVER_TIMEOUT - 1000 {
        w.advance(100);
        all.extend(w.tick());
    }
    assert!(all.iter().all(|a| !matches!(a, Action::Send { .. } | Action::Event { .. })), "{all:?}");
    w.advance(200);
    assert_eq!(kinds(&w.tick()), ["-failover-abort-master-timeout"]);
    let m = w.master();
    assert_eq!(m.failover_state_str(), "none");
    assert!(!m.failover_in_progress());
    assert!(!w.replica(6380).has(flags::PROMOTED));
}

#[test]
fn a_master_seen_down_is_not_sent_the_handover() {
    let mut w = World::new(&[6380], 0, 1);
    w.coordinated_to_send_state();
    w.master_mut().inst.flags |= flags::S_DOWN;
    w.advance(100);
    assert!(w.tick().is_empty(), "a hung master would run it whenever it wakes up");
    assert_eq!(w.master().failover_state_str(), "send_slaveof_noone");
    // Nor on a connection still being opened (to a master that may be dead).
    w.master_mut().inst.flags &= !flags::S_DOWN;
    let link = w.master_link();
    w.s.on_conn_closed(link, crate::core::Conn::Command);
    w.s.links.get_mut(&link).unwrap().cc = true;
    w.advance(100);
    assert!(w.tick().is_empty());
    w.s.links.get_mut(&link).unwrap().cc_up = true;
    w.advance(100);
    assert_eq!(kinds(&w.tick()), ["+failover-state-wait-promotion"]);
}

#[test]
fn a_failed_handover_times_out_and_tells_the_old_master_to_give_up() {
    let mut w = World::new(&[6380], 0, 1);
    w.coordinated_to_wait_promotion();
    w.advance(FAILOVER_TIMEOUT + 1);
    let a = w.tick();
    assert_eq!(kinds(&a), ["-failover-abort-slave-timeout"]);
    assert_eq!(sent_on(&a, w.master_link()), ["MULTI", "FAILOVER ABORT", "CLIENT UNPAUSE", "EXEC"]);
    assert!(!w.master().failover_in_progress());
    // A plain failover's abort sends nothing.
    let mut w = World::new(&[6380], 0, 1);
    w.run_to_wait_promotion();
    w.advance(FAILOVER_TIMEOUT + 1);
    let a = w.tick();
    assert_eq!(kinds(&a), ["-failover-abort-slave-timeout"]);
    assert!(sent_on(&a, w.master_link()).is_empty());
}

#[test]
fn no_hellos_to_nodes_that_may_be_paused() {
    let mut w = World::new(&[6380, 6381], 1, 1);
    let (id, master) = (w.id, InstanceRef::Master(w.id));
    let replica = InstanceRef::Replica(id, replica_key(6380));
    let peer = InstanceRef::Sentinel(id, peer_id(0));
    assert!(!w.s.hello_would_block(&master));
    w.peer_votes(0, &myid(), 1);
    w.coordinated_to_wait_promotion();
    assert!(w.s.hello_would_block(&master));
    assert!(w.s.hello_would_block(&replica));
    assert!(!w.s.hello_would_block(&peer), "sentinels are never paused");
    let a = w.confirm_promotion();
    assert!(w.s.hello_would_block(&master), "until the UNPAUSE is answered");
    for (link, tag) in exec_tags(&a) {
        w.s.on_reply(link, tag, Reply::Array(vec![]), w.now);
    }
    assert!(!w.s.hello_would_block(&master), "unpaused with the promotion");
    // A node that reports a FAILOVER of its own gets no hello either.
    w.replica_mut(6381).node_failover_state = Some("waiting-for-sync".into());
    assert!(w.s.hello_would_block(&InstanceRef::Replica(id, replica_key(6381))));
}

#[test]
fn a_node_without_a_link_at_promotion_is_unpaused_when_its_link_is_back() {
    let mut w = World::new(&[6380], 0, 1);
    w.coordinated_to_wait_promotion();
    // The command link to the old master is killed during WAIT_PROMOTION.
    let (id, link) = (w.id, w.master_link());
    w.s.on_conn_closed(link, crate::core::Conn::Command);
    let a = w.confirm_promotion();
    assert!(sent_on(&a, link).is_empty());
    assert_eq!(kinds(&a), ["+promoted-slave", "+failover-state-reconf-slaves"], "the failover goes on");
    let master = InstanceRef::Master(id);
    assert!(w.s.hello_would_block(&master), "still paused");
    // The link comes back: the transaction goes out, once per connection.
    reconnect(&mut w, link, 1);
    w.s.send_owed_unpause(&master);
    let a = w.s.drain_actions();
    assert_eq!(sent_on(&a, link).len(), 6);
    assert!(sent_on(&a, link).contains(&"CLIENT UNPAUSE".to_string()));
    w.s.send_owed_unpause(&master);
    assert!(w.s.drain_actions().is_empty(), "on its way already");
    // That connection drops before the EXEC is answered: sent again on the next one.
    w.s.on_conn_closed(link, crate::core::Conn::Command);
    reconnect(&mut w, link, 2);
    w.s.send_owed_unpause(&master);
    let a = w.s.drain_actions();
    assert_eq!(sent_on(&a, link).len(), 6);
    let (exec_link, tag) = exec_tags(&a).pop().expect("tagged EXEC");
    assert_eq!(exec_link, link);
    w.s.on_reply(link, tag, Reply::Array(vec![]), w.now);
    assert!(!w.s.hello_would_block(&master), "answered: unpaused");
    w.s.send_owed_unpause(&master);
    assert!(w.s.drain_actions().is_empty());
}

/// A new command connection on `link`, opened `n` ms after the current time.
fn reconnect(w: &mut World, link: LinkId, n: Millis) {
    let now = w.now + n;
    let l = w.s.links.get_mut(&link).unwrap();
    (l.cc, l.cc_up, l.cc_conn_time) = (true, true, now);
}

/// The EXECs whose replies are awaited, with their links.
fn exec_tags(a: &[Action]) -> Vec<(LinkId, ReplyTag)> {
    a.iter()
        .filter_map(|x| match x {
            Action::Send { link, tag: tag @ ReplyTag::Unpaused { .. }, cmd } => {
                assert_eq!(cmd[0], b"EXEC");
                Some((*link, tag.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn an_owed_unpause_expires_with_the_pause() {
    let mut w = World::new(&[6380], 0, 1);
    w.coordinated_to_wait_promotion();
    let link = w.master_link();
    w.s.on_conn_closed(link, crate::core::Conn::Command);
    w.confirm_promotion();
    let (id, until) = (w.id, w.master().unpause_owed.as_ref().unwrap().pause_until);
    w.s.expire_owed_unpause(id, until - 1);
    assert!(w.master().unpause_owed.is_some());
    w.s.expire_owed_unpause(id, until);
    assert!(w.master().unpause_owed.is_none());
    assert!(!w.s.hello_would_block(&InstanceRef::Master(id)));
}

#[test]
fn crash_after_promotion_exits_before_the_cleanup() {
    let mut w = World::new(&[6380], 0, 1);
    w.coordinated_to_wait_promotion();
    w.s.simulate_failure_flags = crate::core::failover::SIMFAILURE_CRASH_AFTER_PROMOTION;
    let a = w.confirm_promotion();
    assert!(a.contains(&Action::Exit { code: 99 }));
    assert!(sent_on(&a, w.master_link()).is_empty());
}

#[test]
fn a_replica_stuck_in_a_failover_gets_failover_abort_first() {
    let mut w = World::new(&[6380], 0, 1);
    let (id, now) = (w.id, w.now);
    let master = InstanceRef::Master(id);
    let replica = InstanceRef::Replica(id, replica_key(6380));
    crate::core::testkit::info(&mut w.s, &master, &crate::core::testkit::master_info("m", &[6380]), now);
    let stuck = crate::core::testkit::replica_info(&"r".repeat(40), 6379, 100)
        + "master_failover_state:failover-in-progress\r\n";
    crate::core::testkit::info(&mut w.s, &replica, &stuck, now);
    assert!(w.s.drain_actions().iter().all(|a| !matches!(a, Action::Send { .. })), "not stuck yet");
    // Longer than failover-timeout in that state, master sane: repaired.
    w.advance(FAILOVER_TIMEOUT + 1);
    let now = w.now;
    crate::core::testkit::info(&mut w.s, &master, &crate::core::testkit::master_info("m", &[6380]), now);
    crate::core::testkit::info(&mut w.s, &replica, &stuck, now);
    let a = w.s.drain_actions();
    assert_eq!(kinds(&a), ["+fix-slave-config"]);
    let sent = sent_on(&a, w.replica_link(6380));
    assert_eq!(sent[..3], ["MULTI", "FAILOVER ABORT", "SLAVEOF 127.0.0.1 6379"]);
    // A replica reporting no-failover gets no FAILOVER ABORT in its SLAVEOF transaction.
    let fine = crate::core::testkit::replica_info(&"r".repeat(40), 6379, 100)
        + "master_failover_state:no-failover\r\n";
    crate::core::testkit::info(&mut w.s, &replica, &fine, now);
    w.s.drain_actions();
    assert!(w.s.send_slaveof(&replica, Some(("127.0.0.1", 6379))));
    let sent = sent_on(&w.s.drain_actions(), w.replica_link(6380));
    assert_eq!(sent[..2], ["MULTI", "SLAVEOF 127.0.0.1 6379"]);
}

#[test]
fn the_node_failover_state_and_its_change_time_are_recorded() {
    let mut w = World::new(&[6380], 0, 1);
    let master = InstanceRef::Master(w.id);
    let link = w.master_link();
    let info = |state: &str| {
        Reply::Bulk(
            format!("run_id:{}\r\nrole:master\r\nmaster_failover_state:{state}\r\n", "m".repeat(40))
                .into_bytes(),
        )
    };
    let t0 = w.now;
    w.s.on_reply(link, ReplyTag::Info(master.clone()), info("no-failover"), t0);
    w.s.on_reply(link, ReplyTag::Info(master.clone()), info("no-failover"), t0 + 500);
    assert_eq!(w.master().inst.node_failover_state.as_deref(), Some("no-failover"));
    assert_eq!(w.master().inst.node_failover_state_time, t0);
    w.s.on_reply(link, ReplyTag::Info(master), info("waiting-for-sync"), t0 + 900);
    assert!(w.master().inst.node_failover_running());
    assert_eq!(w.master().inst.node_failover_state_time, t0 + 900);
}
