//! Votes (`vote_leader`) and leader election (`get_leader`).

use super::*;
use crate::core::{Action, FailoverKind};

/// A failover in WAIT_START in epoch 1 (our own vote not cast yet).
fn waiting(replicas: &[u16], peers: usize, quorum: u32) -> World {
    let mut w = World::new(replicas, peers, quorum);
    w.set_odown();
    let (id, now) = (w.id, w.now);
    w.s.start_failover(id, FailoverKind::Elected, now);
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
    let pushed = w.master().failover_start_time.unwrap();
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
    assert_eq!(w.master().failover_start_time, None);
}

#[test]
fn leader_needs_majority_of_all_known_sentinels() {
    // 5 sentinels (4 peers + us), quorum 2: majority is 3.
    let mut w = waiting(&[6380], 4, 2);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), None, "2 of 5 votes");
    w.peer_votes(1, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some((myid(), 1)), "3 of 5 votes");
}

#[test]
fn leader_needs_quorum_votes_even_with_a_majority() {
    // 3 sentinels, quorum 3: a majority of 2 is not enough.
    let mut w = waiting(&[6380], 2, 3);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), None);
    w.peer_votes(1, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some((myid(), 1)));
}

#[test]
fn we_vote_for_the_candidate_most_voted_by_peers() {
    let mut w = waiting(&[6380], 3, 2);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &peer_id(2), 1);
    w.peer_votes(1, &peer_id(2), 1);
    w.peer_votes(2, &peer_id(2), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some((peer_id(2), 1)));
    let a = w.s.drain_actions();
    assert_eq!(events(&a), [("+vote-for-leader".to_string(), format!("{} 1", peer_id(2)))]);
    assert_eq!(w.master().leader, Some(peer_id(2)));

    // In the state machine, another sentinel's win means we wait, then give up.
    w.advance(100);
    let a = w.tick();
    assert!(kinds(&a).is_empty());
    assert_eq!(w.master().failover_state_str(), "wait_start");
}

#[test]
fn peer_votes_from_another_epoch_do_not_count() {
    let mut w = waiting(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    // A stale vote for us from epoch 0 does not make us leader in epoch 1.
    w.peer_votes(0, &myid(), 0);
    assert_eq!(w.s.get_leader(id, 1, now), None);
    w.peer_votes(0, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some((myid(), 1)));
}

#[test]
fn votes_of_two_epochs_are_never_added_together() {
    // §12: Redis counts the peers' votes cast in the current epoch together with its own vote
    // cast in the failover epoch. Three sentinels (majority 2); our failover and our vote are
    // in epoch 1, then a hello moves our current epoch to 2.
    let mut w = waiting(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    w.s.vote_leader(id, 1, &myid(), now);
    w.s.current_epoch = 2;
    // One peer voted for us in epoch 2 (our vote requests carry the current epoch). With
    // Redis's rule, that vote plus our own from epoch 1 would make us leader; but the other
    // peer may have given its epoch-2 vote to someone else, who could then win epoch 2 too.
    w.peer_votes(0, &myid(), 2);
    assert_eq!(w.s.get_leader(id, 1, now), None);
    // The other peer's vote for us in epoch 1: a majority of epoch 1 (with ours).
    w.peer_votes(1, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some((myid(), 1)));
    // Or in epoch 2: a majority of epoch 2 (without ours, which is in epoch 1).
    w.peer_votes(1, &myid(), 2);
    assert_eq!(w.s.get_leader(id, 1, now), Some((myid(), 2)));
}

#[test]
fn a_failover_elected_in_a_later_epoch_takes_that_epoch() {
    // Five sentinels (majority 3). Our failover runs in epoch 1; peer 1 then starts its own
    // attempt in epoch 2 and we vote for it, which moves us to epoch 2. The peers had not
    // voted for us in epoch 1; our next requests carry epoch 2, and three peers vote for us
    // there.
    let mut w = waiting(&[6380], 4, 2);
    let (id, now) = (w.id, w.now);
    w.s.vote_leader(id, 1, &myid(), now);
    w.s.vote_leader(id, 2, &peer_id(1), now);
    assert_eq!(w.s.current_epoch, 2);
    assert_eq!(w.s.get_leader(id, 1, now), None);
    for i in [0, 2, 3] {
        w.peer_votes(i, &myid(), 2);
    }
    // Three votes for us in epoch 2; our own went to peer 1 there.
    assert_eq!(w.s.get_leader(id, 1, now), Some((myid(), 2)));
    w.s.drain_actions();
    w.advance(100);
    assert_eq!(kinds(&w.tick())[0], "+elected-leader");
    assert_eq!(w.master().failover.as_ref().unwrap().epoch, 2, "won in epoch 2");
    for _ in 0..2 {
        w.advance(100);
        w.refresh();
        w.tick();
    }
    assert_eq!(w.master().failover_state_str(), "wait_promotion");
    w.confirm_promotion();
    assert_eq!(w.master().config_epoch, 2, "the new configuration carries the epoch it was won in");
}

#[test]
fn a_failover_elected_in_its_own_epoch_keeps_it_after_the_epoch_moved() {
    // Many names failing over at once: we started this one in epoch 1 and the next ones in
    // epochs 2 and 3 within the same pass; the peers voted for us when asked, in epoch 1.
    let mut w = waiting(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    w.s.current_epoch = 3;
    w.peer_votes(0, &myid(), 1);
    w.peer_votes(1, &myid(), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some((myid(), 1)));
    w.s.drain_actions();
    w.advance(100);
    assert_eq!(kinds(&w.tick())[0], "+elected-leader");
    assert_eq!(w.master().failover.as_ref().unwrap().epoch, 1);
}

#[test]
fn our_vote_counts_for_whoever_got_it_in_the_current_epoch() {
    let mut w = waiting(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    // We gave our epoch-2 vote to peer 0 and peer 1 did too: peer 0 leads epoch 2, not us,
    // although our failover started in epoch 1.
    w.s.vote_leader(id, 2, &peer_id(0), now);
    w.peer_votes(1, &peer_id(0), 2);
    assert_eq!(w.s.get_leader(id, 1, now), Some((peer_id(0), 2)));
    w.s.drain_actions();
    w.advance(100);
    assert!(kinds(&w.tick()).is_empty(), "not elected: wait");
}

#[test]
fn tie_goes_to_the_first_candidate_seen() {
    // Peers 0 and 1 vote for different candidates; our vote breaks the tie for the first.
    let mut w = waiting(&[6380], 2, 2);
    let (id, now) = (w.id, w.now);
    w.peer_votes(0, &peer_id(0), 1);
    w.peer_votes(1, &peer_id(1), 1);
    assert_eq!(w.s.get_leader(id, 1, now), Some((peer_id(0), 1)));
    assert_eq!(w.master().leader, Some(peer_id(0)));
}
