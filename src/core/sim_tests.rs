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
