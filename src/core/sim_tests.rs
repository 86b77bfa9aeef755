//! Scenarios run on the deterministic simulator (`sim.rs`).

use super::sim::{Node, Sim};

#[test]
fn discovery_of_replicas_and_peers() {
    let mut sim = Sim::new(1, 2, 3, 2, 5000);
    sim.run(6000);
    for s in &sim.sentinels {
        let m = s.core.master_by_name("mymaster").unwrap();
        assert_eq!(m.replicas.len(), 2, "replicas seen by {}", s.port);
        assert_eq!(m.sentinels.len(), 2, "peers seen by {}", s.port);
        assert!(s.flushes > 0, "discoveries are persisted");
    }
    for i in 0..3 {
        assert_eq!(sim.count(i, "+slave"), 2);
        assert_eq!(sim.count(i, "+sentinel"), 2);
        assert_eq!(sim.count(i, "+sdown"), 0);
    }
}

#[test]
fn stopped_master_goes_odown_everywhere_and_recovers() {
    let mut sim = Sim::new(2, 2, 3, 2, 5000);
    // No replica may be promoted, so the ODOWN is not cut short by a failover.
    for p in [6380, 6381] {
        sim.redis.get_mut(&p).unwrap().priority = 0;
    }
    sim.run(6000);
    // SIGSTOP: the master stops answering; connections stay open but nothing comes back.
    for i in 0..3 {
        sim.partition(Node::Sentinel(i), Node::Redis(6379), true);
    }
    sim.run(8000);
    for i in 0..3 {
        assert!(sim.count(i, "+sdown") >= 1, "sentinel {} {:?}", i, sim.kinds(i));
        assert!(sim.count(i, "+odown") >= 1, "sentinel {} {:?}", i, sim.kinds(i));
    }
}

#[test]
fn a_minority_does_not_reach_odown() {
    let mut sim = Sim::new(3, 1, 3, 2, 5000);
    sim.run(6000);
    // Only sentinel 0 loses the master.
    sim.partition(Node::Sentinel(0), Node::Redis(6379), true);
    sim.run(10_000);
    assert!(sim.count(0, "+sdown") >= 1);
    assert_eq!(sim.count(0, "+odown"), 0, "{:?}", sim.kinds(0));
    assert_eq!(sim.count(1, "+sdown"), 0);
}

#[test]
fn killed_replica_goes_sdown_and_its_restart_is_a_reboot() {
    let mut sim = Sim::new(4, 2, 3, 2, 3000);
    sim.run(6000);
    sim.kill_redis(6380);
    sim.run(5000);
    for i in 0..3 {
        let sdowns: Vec<_> = sim.sentinels[i].events.iter().filter(|(_, k, _)| k == "+sdown").collect();
        assert_eq!(sdowns.len(), 1, "{:?}", sim.kinds(i));
        assert!(sdowns[0].2.starts_with("slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster"));
    }
    sim.restart_redis(6380);
    sim.run(12_000);
    for i in 0..3 {
        assert_eq!(sim.count(i, "-sdown"), 1, "{:?}", sim.kinds(i));
        assert_eq!(sim.count(i, "+reboot"), 1, "{:?}", sim.kinds(i));
        assert_eq!(sim.count(i, "+odown"), 0);
    }
    assert_eq!(sim.reported_masters(), [6379, 6379, 6379]);
}

#[test]
fn killed_master_is_failed_over_and_rejoins_as_replica() {
    let mut sim = Sim::new(5, 2, 3, 2, 5000);
    sim.run(6000);
    sim.kill_redis(6379);
    sim.run(30_000);
    let reported = sim.reported_masters();
    assert!(reported.iter().all(|p| *p == reported[0] && *p != 6379), "{:?}", reported);
    let new = reported[0];
    let leaders: Vec<usize> = (0..3).filter(|i| sim.count(*i, "+elected-leader") > 0).collect();
    assert_eq!(leaders.len(), 1, "exactly one leader");
    let l = leaders[0];
    let kinds = sim.kinds(l);
    let expected = [
        "+sdown",
        "+odown",
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
        "+slave-reconf-inprog",
        "+slave-reconf-done",
        "+failover-end",
        "+switch-master",
    ];
    let mut pos = 0;
    for k in &kinds {
        if pos < expected.len() && k == expected[pos] {
            pos += 1;
        }
    }
    assert_eq!(pos, expected.len(), "leader's events out of order: {:?}", kinds);
    for i in 0..3 {
        assert_eq!(sim.count(i, "+switch-master"), 1, "{:?}", sim.kinds(i));
    }
    let other = if new == 6380 { 6381 } else { 6380 };
    assert_eq!(sim.redis[&other].master, Some(new));
    // The old master comes back still configured as a master: it gets demoted.
    sim.restart_redis(6379);
    sim.run(20_000);
    assert_eq!(sim.redis[&6379].master, Some(new), "old master follows the new one");
    assert!((0..3).map(|i| sim.count(i, "+convert-to-slave")).sum::<usize>() >= 1);
    assert_eq!(sim.reported_masters(), [new, new, new]);
}

#[test]
fn no_failover_without_a_majority_of_sentinels() {
    let mut sim = Sim::new(6, 2, 3, 1, 5000);
    sim.run(6000);
    // Sentinel 0 alone loses the master and its peers: quorum 1 gives it ODOWN, but it can't
    // get a majority of votes, so it must not fail over.
    sim.partition(Node::Sentinel(0), Node::Redis(6379), true);
    sim.partition(Node::Sentinel(0), Node::Sentinel(1), true);
    sim.partition(Node::Sentinel(0), Node::Sentinel(2), true);
    sim.run(40_000);
    assert!(sim.count(0, "+odown") >= 1);
    assert!(sim.count(0, "+try-failover") >= 1);
    assert_eq!(sim.count(0, "+elected-leader"), 0, "{:?}", sim.kinds(0));
    assert!(sim.count(0, "-failover-abort-not-elected") >= 1);
    assert_eq!(sim.redis[&6379].role, crate::core::Role::Master);
    assert_eq!(sim.reported_masters(), [6379, 6379, 6379]);
}

/// Random fault schedules: the master dies at a random moment, the network partitions, drops
/// connections, and delays and reorders messages at random, a sentinel may crash (even in the
/// middle of an election) and restart from what it had flushed. The invariants are checked as
/// events happen (one leader and one promotion per epoch, no sentinel voting twice in an
/// epoch across restarts); after everything heals, the deployment must converge.
///
/// `RSENTINEL_SIM_SCHEDULES` sets how many schedules run (200 by default), from seed
/// `RSENTINEL_SIM_FIRST_SEED` (0); `bench/sim.sh` runs 10,000 in release.
#[test]
fn random_fault_schedules_are_safe_and_converge() {
    let env =
        |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
    let first = env("RSENTINEL_SIM_FIRST_SEED", 0);
    let schedules = env("RSENTINEL_SIM_SCHEDULES", 200);
    for seed in first..first + schedules {
        run_schedule(seed);
    }
}

/// Violations of the invariants so far, as a panic naming the seed.
fn assert_safe(sim: &Sim, seed: u64) {
    assert!(sim.violations.is_empty(), "seed {}: {:?}", seed, sim.violations);
}

/// One step of a random fault schedule: sentinel `crash.0` crashes at step `crash.1` and
/// restarts at step `crash.2`; with probability 0.3 a random sentinel is cut from a random
/// sentinel or server.
fn random_faults(sim: &mut Sim, r: &mut impl rand::Rng, crash: Option<(usize, u32, u32)>, step: u32) {
    let sentinels = sim.sentinels.len();
    if let Some((c, crash_at, restart_at)) = crash {
        if step == crash_at {
            sim.crash_sentinel(c);
        }
        if step == restart_at {
            sim.restart_sentinel(c);
        }
    }
    if r.gen_bool(0.3) {
        let a = r.gen_range(0..sentinels);
        let b = if r.gen_bool(0.5) {
            Node::Sentinel(r.gen_range(0..sentinels))
        } else {
            Node::Redis(*[6379u16, 6380, 6381].get(r.gen_range(0..3)).unwrap())
        };
        if b != Node::Sentinel(a) {
            sim.partition(Node::Sentinel(a), b, true);
        }
    }
}

/// Liveness after healing: every live sentinel reports the same master, a live server in the
/// master role, which every other live server follows. Returns it.
fn assert_converged(sim: &Sim, seed: u64) -> u16 {
    use crate::core::Role;
    let reported = sim.reported_masters();
    assert!(reported.iter().all(|p| *p == reported[0]), "seed {}: sentinels disagree: {:?}", seed, reported);
    let master = reported[0];
    let m = &sim.redis[&master];
    assert!(m.alive && m.role == Role::Master, "seed {}: reported master {} is {:?}", seed, master, m);
    for (port, rd) in &sim.redis {
        if *port != master && rd.alive {
            assert_eq!(
                rd.master,
                Some(master),
                "seed {}: {} follows {:?}, not {}",
                seed,
                port,
                rd.master,
                master
            );
        }
    }
    master
}

fn run_schedule(seed: u64) {
    use rand::{Rng, SeedableRng};
    {
        let mut r = rand::rngs::StdRng::seed_from_u64(seed);
        let sentinels = if r.gen_bool(0.5) { 3 } else { 5 };
        let quorum = r.gen_range(1..=(sentinels as u32 / 2 + 1));
        let mut sim = Sim::new(seed, 2, sentinels, quorum, 3000);
        sim.max_delay = *[0u64, 5, 50, 300].get(r.gen_range(0..4)).unwrap();
        sim.crash_after_vote = if r.gen_bool(0.5) { 0.3 } else { 0.0 };
        sim.run(r.gen_range(4000..8000));
        assert_safe(&sim, seed);
        sim.drop_rate = if r.gen_bool(0.5) { r.gen_range(0.0..0.05) } else { 0.0 };
        let kill_master = r.gen_bool(0.8);
        let crash = r.gen_bool(0.4).then(|| r.gen_range(0..sentinels));
        let (crash_at, restart_at) = (r.gen_range(2..6), r.gen_range(6..9));
        for step in 0..10 {
            if kill_master && step == 2 {
                sim.kill_redis(6379);
            }
            random_faults(&mut sim, &mut r, crash.map(|c| (c, crash_at, restart_at)), step);
            sim.run(r.gen_range(500..4000));
            assert_safe(&sim, seed);
        }
        sim.heal();
        sim.drop_rate = 0.0;
        sim.run(120_000);
        assert_safe(&sim, seed);

        // Safety: one leader and one promotion per epoch.
        let mut seen: std::collections::HashMap<(String, u64), usize> = Default::default();
        for (kind, epoch, who, msg) in &sim.leaders {
            if let Some(prev) = seen.insert((kind.clone(), *epoch), *who) {
                assert_eq!(prev, *who, "seed {}: two sentinels {} in epoch {} ({})", seed, kind, epoch, msg);
            }
        }
        let master = assert_converged(&sim, seed);
        if !kill_master && sim.leaders.is_empty() {
            assert_eq!(master, 6379, "seed {}: no failover needed", seed);
        }
    }
}

/// `SENTINEL FAILOVER mymaster COORDINATED` to sentinel `i`.
fn coordinated(sim: &mut Sim, i: usize) -> Option<crate::core::input::CommandOutcome> {
    let cmd = crate::core::input::ClientCommand::Failover { name: b"mymaster".to_vec(), coordinated: true };
    sim.client_command(i, cmd)
}

/// A COORDINATED failover in a healthy deployment: elected, handed over by the old master
/// (no SLAVEOF NO ONE anywhere), no hello to a paused server, nothing paused afterwards, and
/// every sentinel and server on the new master.
#[test]
fn coordinated_failover_is_a_handover() {
    use crate::core::failover::ManualFailoverError;
    use crate::core::input::CommandOutcome;
    let mut sim = Sim::new(11, 2, 3, 2, 5000);
    sim.run(6000);
    assert_eq!(coordinated(&mut sim, 0), Some(CommandOutcome::Failover(Ok(()))));
    assert_eq!(
        coordinated(&mut sim, 0),
        Some(CommandOutcome::Failover(Err(ManualFailoverError::InProgress)))
    );
    sim.run(15_000);
    assert_safe(&sim, 11);
    let reported = sim.reported_masters();
    let new = reported[0];
    assert!(new != 6379 && reported.iter().all(|p| *p == new), "{:?}", reported);
    assert_eq!(sim.slaveof_no_one, 0, "the handover needs no SLAVEOF NO ONE");
    assert_eq!(sim.redis[&6379].master, Some(new), "the old master handed over and follows");
    let other = if new == 6380 { 6381 } else { 6380 };
    assert_eq!(sim.redis[&other].master, Some(new));
    assert!(sim.redis.values().all(|r| r.paused_until <= sim.now && r.handover.is_none()));
    assert_eq!(sim.count(0, "+elected-leader"), 1, "{:?}", sim.kinds(0));
    assert_eq!(sim.count(0, "+promoted-slave"), 1);
    for i in 0..3 {
        assert_eq!(sim.count(i, "+switch-master"), 1, "{:?}", sim.kinds(i));
    }
}

/// COORDINATED failovers under random faults (partitions, dropped connections, delays, a
/// sentinel crash): the same safety invariants as automatic failovers (one leader per epoch:
/// a COORDINATED failover is elected, never forced), no hello to a paused server, no SLAVEOF
/// NO ONE while the old master is up, and after healing every sentinel agrees on one live
/// master that every other server follows, with nothing left paused.
#[test]
fn coordinated_failovers_under_random_faults_are_safe_and_converge() {
    use rand::{Rng, SeedableRng};
    for seed in 0..60u64 {
        let mut r = rand::rngs::StdRng::seed_from_u64(seed ^ 0xc0);
        let mut sim = Sim::new(seed, 2, 3, 2, 3000);
        sim.max_delay = *[0u64, 5, 50, 300].get(r.gen_range(0..4)).unwrap();
        sim.run(r.gen_range(5000..8000));
        sim.drop_rate = if r.gen_bool(0.5) { r.gen_range(0.0..0.05) } else { 0.0 };
        let crash = r.gen_bool(0.4).then(|| r.gen_range(0..3));
        let (crash_at, restart_at) = (r.gen_range(1..5), r.gen_range(5..8));
        for step in 0..8 {
            if step == 0 || r.gen_bool(0.2) {
                let i = r.gen_range(0..3);
                if sim.sentinels[i].alive {
                    coordinated(&mut sim, i);
                }
            }
            random_faults(&mut sim, &mut r, crash.map(|c| (c, crash_at, restart_at)), step);
            sim.run(r.gen_range(200..3000));
            assert_safe(&sim, seed);
        }
        if let Some(c) = crash {
            if !sim.sentinels[c].alive {
                sim.restart_sentinel(c);
            }
        }
        sim.heal();
        sim.drop_rate = 0.0;
        sim.run(120_000);
        assert_safe(&sim, seed);
        assert_converged(&sim, seed);
        for (port, rd) in &sim.redis {
            assert!(
                rd.paused_until <= sim.now && rd.handover.is_none(),
                "seed {}: {} left paused",
                seed,
                port
            );
        }
    }
}

/// Issue 13: sixteen master names point at one server (through 16 addresses) that has one
/// replica. When the server dies, every name fails over to that replica. The promotion
/// transaction of each name ends with `CLIENT KILL TYPE normal` / `pubsub`, which cuts every
/// sentinel link to the replica, the links of the names whose failover is a step behind (on
/// this sentinel or another) included. Every name must switch within the first attempt
/// (failover-timeout is 10 s here: a retry would come 20 s after the first try), none may give
/// up at replica selection, and no name's fresh link to its new master may stay cut long
/// enough to see it SDOWN.
#[test]
fn names_sharing_a_server_all_fail_over_to_its_replica() {
    let names: Vec<String> = (1..=16).map(|n| format!("m{n}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    for seed in 0..10 {
        let mut sim = Sim::with_names(seed, &names, 1, 3, 2, 2000);
        sim.run(5000);
        for s in &sim.sentinels {
            for name in &names {
                let m = s.core.master_by_name(name).unwrap();
                assert_eq!((m.replicas.len(), m.sentinels.len()), (1, 2), "seed {seed}: discovery of {name}");
            }
        }
        sim.kill_redis(6379);
        sim.run(15_000);
        for name in &names {
            assert_eq!(sim.reported_masters_of(name), [6380, 6380, 6380], "seed {seed}: {name}");
        }
        for i in 0..3 {
            assert_eq!(sim.count(i, "-failover-abort-no-good-slave"), 0, "seed {seed}: sentinel {i}");
            // The promotions' cuts must not keep a name's fresh link to its new master from
            // answering within down-after either.
            let new_master_down = sim.sentinels[i]
                .events
                .iter()
                .filter(|(_, k, m)| {
                    k == "+sdown" && m.starts_with("master ") && m.ends_with(" 127.0.0.1 6380")
                })
                .count();
            assert_eq!(new_master_down, 0, "seed {seed}: sentinel {i}: {:?}", sim.kinds(i));
        }
    }
}
