//! Votes (`vote_leader`) and leader election (`get_leader`).

use super::*;
use crate::core::{Action, FailoverState};

/// A failover in WAIT_START in epoch 1 (our own vote not cast yet).
fn waiting(replicas: &[u16], peers: usize, quorum: u32) -> World {
    let mut w = World::new(replicas, peers, quorum);
    w.set_odown();
    let (id, now) = (w.id, w.now);
    w.s.start_failover(id, now);
    w.s.drain_actions();
    w
}

#[test]
fn one_vote_per_epoch_first_asker_wins() {
    let mut w = World::new(&[], 2, 2);
    let (id, now) = (w.id, w.now);
    let (leader, epoch) = w.s.vote_leader(id, 1, &peer_id(0), now);
    assert_eq!((leader.as_deref(), epoch), (Some(peer_id(0).as_str()), 1));
    let a = w.s.drain_actions();
    assert_eq!(
        events(&a),
        [
            ("+new-epoch".to_string(), "1".to_string()),
            ("+vote-for-leader".to_string(), format!("{} 1", peer_id(0)))
        ]
    );
    // A second candidate in the same epoch gets the existing vote back, and nothing changes.
    let (leader, epoch) = w.s.vote_leader(id, 1, &peer_id(1), now);
    assert_eq!((leader, epoch), (Some(peer_id(0)), 1));
    assert!(w.s.drain_actions().is_empty());
    // An older epoch too.
    assert_eq!(w.s.vote_leader(id, 0, &peer_id(1), now), (Some(peer_id(0)), 1));
    // A newer epoch gets a new vote.
    assert_eq!(w.s.vote_leader(id, 2, &peer_id(1), now), (Some(peer_id(1)), 2));
    assert_eq!(w.master().leader_epoch, 2);
}

#[test]
fn a_higher_epoch_is_adopted_and_persisted_before_voting() {
    let mut w = World::new(&[], 1, 1);
    let (id, now) = (w.id, w.now);
    w.s.vote_leader(id, 5, &peer_id(0), now);
    let a = w.s.drain_actions();
    assert_eq!(w.s.current_epoch, 5);
    assert_eq!(a[0], Action::FlushConfig);
    assert_eq!(events(&a)[0], ("+new-epoch".to_string(), "5".to_string()));
    let vote = event_pos(&a, "+vote-for-leader").unwrap();
    assert_eq!(a[vote - 1], Action::FlushConfig, "the vote is flushed before it is announced");
}

#[test]
fn voting_for_another_sentinel_holds_back_our_own_failover() {
    let mut w = World::new(&[6380], 1, 1);
    let (id, now) = (w.id, w.now);
    w.s.vote_leader(id, 1, &peer_id(0), now);
    w.s.drain_actions();
    let pushed = w.master().failover_start_time;
    assert!(pushed >= now && pushed < now + 1000);
    w.set_odown();
    w.advance(100);
    let a = w.tick();
    assert!(kinds(&a).is_empty(), "no failover of our own");
    assert_eq!(logs(&a).len(), 1);
    w.now = pushed + 2 * FAILOVER_TIMEOUT;
    assert_eq!(kinds(&w.tick())[..2], ["+new-epoch", "+try-failover"]);

    // Voting for ourselves does not push the start time.
    let mut w = World::new(&[6380], 1, 1);
    let (id, now) = (w.id, w.now);
    w.s.vote_leader(id, 1, &myid(), now);
    assert_eq!(w.master().failover_start_time, 0);
}

#[test]
fn leader_needs_majority_of_all_known_sentinels() {
    // 5 sentinels (4 peers + us), quorum 2: majority is 3.
    let mut w = waiting(&[6380], 4, 2);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), None, "2 of 5 votes");
    w.peer_votes(1, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some(myid()), "3 of 5 votes");
}

#[test]
fn leader_needs_quorum_votes_even_with_a_majority() {
    // 3 sentinels, quorum 3: a majority of 2 is not enough.
    let mut w = waiting(&[6380], 2, 3);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), None);
    w.peer_votes(1, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some(myid()));
}

#[test]
fn we_vote_for_the_candidate_most_voted_by_peers() {
    let mut w = waiting(&[6380], 3, 2);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &peer_id(2), 1);
    w.peer_votes(1, &peer_id(2), 1);
    w.peer_votes(2, &peer_id(2), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some(peer_id(2)));
    let a = w.s.drain_actions();
    assert_eq!(events(&a), [("+vote-for-leader".to_string(), format!("{} 1", peer_id(2)))]);
    assert_eq!(w.master().leader, Some(peer_id(2)));

    // In the state machine, another sentinel's win means we wait, then give up.
    w.advance(100);
    let a = w.tick();
    assert!(kinds(&a).is_empty());
    assert_eq!(w.master().failover_state, FailoverState::WaitStart);
}

#[test]
fn peer_votes_from_another_epoch_do_not_count() {
    let mut w = waiting(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    // A stale vote for us from epoch 0 does not make us leader in epoch 1.
    w.peer_votes(0, &myid(), 0);
    assert_eq!(w.s.get_leader(id, 1, now), None);
    w.peer_votes(0, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some(myid()));
}

#[test]
fn votes_are_counted_in_the_failover_epoch_even_after_the_current_epoch_moved() {
    // §12: Redis counts peer votes cast in the *current* epoch. We count those cast in the
    // failover epoch. Five sentinels (majority 3); our failover runs in epoch 1; then peer 1
    // starts its own attempt in epoch 2, and we adopt epoch 2 by voting for it.
    let mut w = waiting(&[6380], 4, 2);
    let (id, now) = (w.id, w.now);
    w.s.vote_leader(id, 1, &myid(), now);
    w.s.vote_leader(id, 2, &peer_id(1), now);
    assert_eq!(w.s.current_epoch, 2);
    // Three peers voted for us in epoch 2 (they saw our requests, which carry the current
    // epoch). With Redis's rule those votes would make us leader of epoch 1. They must not.
    for i in [0, 2, 3] {
        w.peer_votes(i, &myid(), 2);
    }
    assert_eq!(w.s.get_leader(id, 1, now), None);
    // Votes for us cast in epoch 1 do count: a real majority in our own epoch.
    for i in [0, 2, 3] {
        w.peer_votes(i, &myid(), 1);
    }
    assert_eq!(w.s.get_leader(id, 1, now), Some(myid()));
}

#[test]
fn our_vote_counts_only_if_cast_in_the_failover_epoch() {
    let mut w = waiting(&[6380], 0, 1);
    let (id, now) = (w.id, w.now);
    // We already voted in a later epoch (for someone else): no vote in epoch 1 is possible.
    w.s.vote_leader(id, 2, &peer_id(0), now);
    assert_eq!(w.s.get_leader(id, 1, now), None);
}

#[test]
fn tie_goes_to_the_first_candidate_seen() {
    // Peers 0 and 1 vote for different candidates; our vote breaks the tie for the first.
    let mut w = waiting(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &peer_id(0), 1);
    w.peer_votes(1, &peer_id(1), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some(peer_id(0)));
    assert_eq!(w.master().leader, Some(peer_id(0)));
}
