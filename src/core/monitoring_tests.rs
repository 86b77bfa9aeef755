//! Core tests for monitoring, discovery, hello gossip, ODOWN, votes and TILT: each feeds the
//! state machine events and asserts on the actions it returns.

use super::instance::flags;
use super::testkit::*;
use super::types::{Action, Conn, InstanceRef, Level, Reply, ReplyTag};
use crate::config::{MasterConfig, SentinelConfig};
use crate::core::{Sentinel, Settings};

#[test]
fn first_tick_connects_both_connections_with_redis_init_sequence() {
    let (mut s, id) = sentinel(2, 5000);
    s.masters.get_mut(&id).unwrap().auth_pass = Some("secret".into());
    s.tick_master(id, 2000);
    let a = s.drain_actions();
    let connects: Vec<_> = a
        .iter()
        .filter_map(|x| match x {
            Action::Connect { conn, ip, port, init, .. } => Some((*conn, ip.clone(), *port, init.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(connects.len(), 2);
    let words = |init: &Vec<(Vec<Vec<u8>>, ReplyTag)>| -> Vec<String> {
        init.iter()
            .map(|(c, _)| {
                c.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect::<Vec<_>>().join(" ")
            })
            .collect()
    };
    assert_eq!(connects[0].0, Conn::Command);
    assert_eq!((connects[0].1.as_str(), connects[0].2), ("127.0.0.1", 6379));
    assert_eq!(words(&connects[0].3), ["AUTH secret", "CLIENT SETNAME sentinel-00000000-cmd", "PING"]);
    assert_eq!(connects[1].0, Conn::PubSub);
    assert_eq!(
        words(&connects[1].3),
        ["AUTH secret", "CLIENT SETNAME sentinel-00000000-pubsub", "SUBSCRIBE __sentinel__:hello"]
    );
    // INFO goes out in the same tick: the instance has never been INFOed.
    assert!(sends(&a).iter().any(|(_, c, _)| c == "INFO"));
    // No reconnect while connected, and none within a ping period after a drop.
    let link = link_of(&s, &InstanceRef::Master(id));
    s.on_conn_closed(link, Conn::PubSub);
    s.tick_master(id, 2500);
    assert!(!s.drain_actions().iter().any(|x| matches!(x, Action::Connect { .. })));
    s.tick_master(id, 3001);
    let a = s.drain_actions();
    assert_eq!(a.iter().filter(|x| matches!(x, Action::Connect { conn: Conn::PubSub, .. })).count(), 1);
    assert!(!a.iter().any(|x| matches!(x, Action::Connect { conn: Conn::Command, .. })));
}

/// The clock starts at 0 (no time means "never"): the first tick at time 0 connects, sends
/// INFO and PING without waiting a period, and enters no TILT; a hello goes out once forced.
#[test]
fn a_core_started_at_time_zero_monitors_at_once() {
    let mut s =
        Sentinel::new(&config(2, 5000), Settings { port: 26379, ..Settings::default() }, 0, 7).unwrap();
    s.drain_actions();
    let id = s.master_id("mymaster").unwrap();
    s.handle_timeout(0);
    let a = s.drain_actions();
    assert_eq!(a.iter().filter(|x| matches!(x, Action::Connect { .. })).count(), 2, "{a:?}");
    assert!(sends(&a).iter().any(|(_, c, _)| c == "INFO"), "{a:?}");
    assert!(!s.tilt);
    let link = link_of(&s, &InstanceRef::Master(id));
    s.on_link_up(link, Conn::Command, "127.0.0.1".into());
    s.on_link_up(link, Conn::PubSub, "127.0.0.1".into());
    s.force_hello_update(id);
    s.tick_master(id, 50);
    assert!(sends(&s.drain_actions()).iter().any(|(_, c, _)| c.starts_with("PUBLISH __sentinel__:hello")));
}

#[test]
fn a_link_that_answered_is_reconnected_at_the_next_tick_after_a_server_side_close() {
    // A promotion transaction (CLIENT KILL TYPE normal / pubsub) closes the connections of a
    // link that was working: no need to wait out the ping period since the last attempt.
    let (mut s, id) = sentinel(2, 5000);
    let master = InstanceRef::Master(id);
    s.tick_master(id, 2000);
    s.drain_actions();
    let link = link_of(&s, &master);
    pong(&mut s, &master, 2010);
    s.on_conn_closed(link, Conn::Command);
    s.on_conn_closed(link, Conn::PubSub);
    s.tick_master(id, 2100);
    let a = s.drain_actions();
    assert_eq!(a.iter().filter(|x| matches!(x, Action::Connect { .. })).count(), 2, "{a:?}");
    // The new connections have not answered yet: a second close waits for the ping period.
    s.on_conn_closed(link, Conn::Command);
    s.tick_master(id, 2200);
    assert!(!s.drain_actions().iter().any(|x| matches!(x, Action::Connect { .. })));
    s.tick_master(id, 3101);
    let a = s.drain_actions();
    assert_eq!(a.iter().filter(|x| matches!(x, Action::Connect { .. })).count(), 1, "{a:?}");
}

#[test]
fn renamed_commands_are_used_on_the_wire() {
    let (mut s, id) = sentinel(2, 5000);
    s.masters.get_mut(&id).unwrap().renamed_commands = vec![("PING".into(), "MYPING".into())];
    s.tick_master(id, 2000);
    let a = s.drain_actions();
    let Action::Connect { init, .. } = &a[0] else { panic!("{:?}", a) };
    assert_eq!(init.last().unwrap().0, vec![b"MYPING".to_vec()]);
}

#[test]
fn sdown_after_down_after_without_valid_ping_reply_and_back() {
    let (mut s, id) = sentinel(2, 5000);
    let m = InstanceRef::Master(id);
    connect_all(&mut s, id, 2000);
    // The link was created at t=1000, so the oldest unanswered ping dates from then.
    assert!(!event_kinds(&advance(&mut s, id, 2000, 6000)).contains(&"+sdown".to_string()));
    let ev = events(&advance(&mut s, id, 6000, 6001));
    assert!(ev.contains(&("+sdown".into(), "master mymaster 127.0.0.1 6379".into())), "{:?}", ev);
    assert!(s.instance(&m).unwrap().has(flags::S_DOWN));
    // An unacceptable reply (NOAUTH) does not count as up.
    let link = link_of(&s, &m);
    s.on_reply(link, ReplyTag::Ping(m.clone()), Reply::Error("NOAUTH Authentication required.".into()), 6050);
    s.tick_master(id, 6060);
    assert!(!event_kinds(&s.drain_actions()).contains(&"-sdown".to_string()));
    // LOADING does.
    s.on_reply(link, ReplyTag::Ping(m.clone()), Reply::Error("LOADING Redis is loading".into()), 6100);
    s.tick_master(id, 6200);
    assert!(event_kinds(&s.drain_actions()).contains(&"-sdown".to_string()));
    assert!(!s.instance(&m).unwrap().has(flags::S_DOWN));
}

#[test]
fn pings_follow_the_ping_period() {
    let (mut s, id) = sentinel(2, 5000);
    let m = InstanceRef::Master(id);
    connect_all(&mut s, id, 2000);
    pong(&mut s, &m, 2010);
    s.tick_master(id, 2900);
    assert!(!sends(&s.drain_actions()).iter().any(|(_, c, _)| c == "PING"));
    s.tick_master(id, 3011);
    assert!(sends(&s.drain_actions()).iter().any(|(_, c, _)| c == "PING"));
    // Not resent while the last one is younger than half a period.
    s.tick_master(id, 3200);
    assert!(!sends(&s.drain_actions()).iter().any(|(_, c, _)| c == "PING"));
}

#[test]
fn master_info_discovers_replicas_and_persists_them() {
    let (mut s, id) = sentinel(2, 5000);
    connect_all(&mut s, id, 2000);
    info(&mut s, &InstanceRef::Master(id), &master_info(&"a".repeat(40), &[6380, 6381]), 2100);
    let a = s.drain_actions();
    let ev = events(&a);
    assert_eq!(
        ev,
        vec![
            (
                "+slave".to_string(),
                "slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379".to_string()
            ),
            (
                "+slave".to_string(),
                "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6379".to_string()
            ),
        ]
    );
    assert_eq!(a.iter().filter(|x| matches!(x, Action::FlushConfig)).count(), 2);
    let cfg = s.to_config();
    assert_eq!(cfg.masters[0].known_replicas.len(), 2);
    // The same INFO again adds nothing.
    info(&mut s, &InstanceRef::Master(id), &master_info(&"a".repeat(40), &[6380, 6381]), 2200);
    assert!(events(&s.drain_actions()).is_empty());
    // A new run id is a reboot.
    info(&mut s, &InstanceRef::Master(id), &master_info(&"b".repeat(40), &[6380, 6381]), 2300);
    assert_eq!(event_kinds(&s.drain_actions()), ["+reboot"]);
}

#[test]
fn replica_info_fields_and_role_change() {
    let (mut s, id) = sentinel(2, 5000);
    let key = s.create_replica(id, "127.0.0.1", 6380, 1000).unwrap();
    let r = InstanceRef::Replica(id, key);
    info(&mut s, &r, &replica_info(&"c".repeat(40), 6379, 555), 2000);
    let i = s.instance(&r).unwrap();
    assert_eq!(i.slave_repl_offset, 555);
    assert_eq!(i.slave_master_port, 6379);
    assert!(i.slave_master_link_up);
    assert!(events(&s.drain_actions()).is_empty());
    // The replica now says it is a master: -role-change (not what we expect of a replica).
    info(&mut s, &r, &master_info(&"c".repeat(40), &[]), 3000);
    let ev = events(&s.drain_actions());
    assert_eq!(ev[0].0, "-role-change");
    assert!(ev[0].1.ends_with("new reported role is master"), "{:?}", ev);
}

#[test]
fn returning_old_master_is_converted_to_replica_after_eight_seconds() {
    let (mut s, id) = sentinel(2, 5000);
    connect_all(&mut s, id, 2000);
    let key = s.create_replica(id, "127.0.0.1", 6380, 2000).unwrap();
    let r = InstanceRef::Replica(id, key);
    s.tick_master(id, 2100);
    s.drain_actions();
    let m = InstanceRef::Master(id);
    info(&mut s, &m, &master_info(&"a".repeat(40), &[6380]), 2200);
    info(&mut s, &r, &master_info(&"c".repeat(40), &[]), 2200);
    s.drain_actions();
    info(&mut s, &m, &master_info(&"a".repeat(40), &[6380]), 10_000);
    info(&mut s, &r, &master_info(&"c".repeat(40), &[]), 10_100);
    assert!(!event_kinds(&s.drain_actions()).contains(&"+convert-to-slave".to_string()));
    info(&mut s, &r, &master_info(&"c".repeat(40), &[]), 10_300);
    let a = s.drain_actions();
    assert!(event_kinds(&a).contains(&"+convert-to-slave".to_string()));
    let cmds: Vec<String> = sends(&a).into_iter().map(|(_, c, _)| c).collect();
    assert_eq!(
        cmds,
        [
            "MULTI",
            "SLAVEOF 127.0.0.1 6379",
            "CONFIG REWRITE",
            "CLIENT KILL TYPE normal",
            "CLIENT KILL TYPE pubsub",
            "EXEC",
            "INFO"
        ]
    );
}

#[test]
fn hello_adds_sentinel_adopts_epoch_and_switches_master() {
    let (mut s, id) = sentinel(2, 5000);
    s.create_replica(id, "127.0.0.1", 6380, 1000).unwrap();
    s.create_replica(id, "127.0.0.1", 6381, 1000).unwrap();
    s.process_hello(&hello(PEER1, 26380, 0, 6379, 0), 2000);
    let a = s.drain_actions();
    assert_eq!(
        events(&a),
        [("+sentinel".to_string(), format!("sentinel {} 127.0.0.1 26380 @ mymaster 127.0.0.1 6379", PEER1))]
    );
    assert!(a.contains(&Action::FlushConfig));
    // Known peer: nothing new.
    s.process_hello(&hello(PEER1, 26380, 0, 6379, 0), 2100);
    assert!(s.drain_actions().is_empty());
    // Higher current epoch is adopted and persisted.
    s.process_hello(&hello(PEER1, 26380, 5, 6379, 0), 2200);
    let a = s.drain_actions();
    assert_eq!(events(&a), [("+new-epoch".to_string(), "5".to_string())]);
    assert_eq!(s.current_epoch, 5);
    // A newer config for the master at another address: switch as an observer.
    s.process_hello(&hello(PEER1, 26380, 5, 6380, 5), 2300);
    let ev = events(&s.drain_actions());
    let kinds: Vec<&str> = ev.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["+config-update-from", "+switch-master", "+slave", "+slave"]);
    assert_eq!(ev[1].1, "mymaster 127.0.0.1 6379 127.0.0.1 6380");
    let m = s.master_by_name("mymaster").unwrap();
    assert_eq!(m.inst.addr.port, 6380);
    assert_eq!(m.config_epoch, 5);
    let mut keys: Vec<&String> = m.replicas.keys().collect();
    keys.sort();
    assert_eq!(keys, ["127.0.0.1:6379", "127.0.0.1:6381"]);
    assert!(m.sentinels.contains_key(PEER1), "sentinels are kept across the switch");
}

#[test]
fn bad_hellos_are_ignored_and_change_nothing() {
    let (mut s, id) = sentinel(2, 5000);
    let before = s.to_config();
    for bad in [
        b"garbage".to_vec(),
        b"127.0.0.1,notaport,abc,0,mymaster,127.0.0.1,6379,0".to_vec(),
        b"127.0.0.1,26380,,0,mymaster,127.0.0.1,6379,0".to_vec(),
        hello(MYID, 26399, 9, 6379, 9),
        b"127.0.0.1,26380,abc,0,othermaster,127.0.0.1,6379,0".to_vec(),
        vec![0xff, 0x00, 0x2c],
    ] {
        s.process_hello(&bad, 2000);
    }
    assert!(events(&s.drain_actions()).is_empty());
    assert_eq!(s.to_config(), before);
    // The unparsable ones are counted (only the one with our own id is well formed).
    assert_eq!(s.hellos_malformed, 5);
    // Via pub/sub, anything that mentions our id is dropped before parsing.
    let link = link_of(&s, &InstanceRef::Master(id));
    let mut echoed = hello(PEER1, 26380, 3, 6379, 0);
    echoed.extend_from_slice(MYID.as_bytes());
    s.on_pubsub_message(link, b"__sentinel__:hello", &echoed, 2100);
    assert!(s.drain_actions().is_empty());
}

#[test]
fn peer_moving_to_a_new_address_is_an_address_switch() {
    let (mut s, _id) = sentinel(2, 5000);
    s.process_hello(&hello(PEER1, 26380, 0, 6379, 0), 2000);
    s.drain_actions();
    s.process_hello(&hello(PEER1, 26390, 0, 6379, 0), 2100);
    let ev = events(&s.drain_actions());
    assert_eq!(ev[0].0, "+sentinel-address-switch");
    assert!(ev[0].1.ends_with(&format!("ip 127.0.0.1 port 26390 for {}", PEER1)), "{:?}", ev);
    assert_eq!(s.master_by_name("mymaster").unwrap().sentinels[PEER1].addr.port, 26390);
    // Another run id at that address replaces it.
    s.process_hello(&hello(PEER2, 26390, 0, 6379, 0), 2200);
    let kinds = event_kinds(&s.drain_actions());
    assert_eq!(kinds, ["+sentinel-invalid-addr", "+sentinel"]);
    let m = s.master_by_name("mymaster").unwrap();
    assert!(!m.sentinels.contains_key(PEER1) && m.sentinels.contains_key(PEER2));
}

#[test]
fn peer_link_is_shared_between_masters() {
    let cfg = SentinelConfig {
        myid: Some(MYID.into()),
        masters: ["a", "b"]
            .iter()
            .enumerate()
            .map(|(i, n)| MasterConfig {
                name: n.to_string(),
                host: "127.0.0.1".into(),
                port: 6379 + i as u16,
                quorum: 2,
                ..MasterConfig::default()
            })
            .collect(),
        ..SentinelConfig::default()
    };
    let mut s = Sentinel::new(&cfg, Settings::default(), 1000, 1).unwrap();
    for name in ["a", "b"] {
        let id = s.master_id(name).unwrap();
        s.create_sentinel(id, "127.0.0.1", 26380, PEER1, 1000).unwrap();
    }
    let la = s.master_by_name("a").unwrap().sentinels[PEER1].link;
    let lb = s.master_by_name("b").unwrap().sentinels[PEER1].link;
    assert_eq!(la, lb);
    assert_eq!(s.links[&la].refcount, 2);
    // Removing one master keeps the link for the other.
    let a = s.master_id("a").unwrap();
    s.remove_master(a);
    assert_eq!(s.links[&lb].refcount, 1);
    assert!(!s.drain_actions().iter().any(|x| matches!(x, Action::DropLink { link } if *link == lb)));
}

/// Drive a master into SDOWN with one connected peer; returns the peer's link.
fn sdown_with_peer(s: &mut Sentinel, id: crate::core::MasterId) -> crate::core::LinkId {
    s.create_sentinel(id, "127.0.0.1", 26380, PEER1, 1000).unwrap();
    connect_all(s, id, 2000);
    let peer = InstanceRef::Sentinel(id, PEER1.into());
    let mut t = 2000;
    while t < 6001 {
        t += 100;
        pong(s, &peer, t);
        s.tick_master(id, t.min(6001));
    }
    s.drain_actions();
    assert!(s.masters[&id].inst.has(flags::S_DOWN));
    link_of(s, &peer)
}

#[test]
fn odown_needs_quorum_of_fresh_peer_opinions() {
    let (mut s, id) = sentinel(2, 5000);
    let peer_link = sdown_with_peer(&mut s, id);
    // While SDOWN we ask the peer every ask period, without a vote request.
    let a = advance(&mut s, id, 6100, 7100);
    let asks: Vec<_> = sends(&a).into_iter().filter(|(_, c, _)| c.starts_with("SENTINEL")).collect();
    assert_eq!(asks.len(), 1, "one question per ask period even to a silent peer");
    assert_eq!(asks[0].0, peer_link);
    assert_eq!(asks[0].1, "SENTINEL is-master-down-by-addr 127.0.0.1 6379 0 *");
    let tag = asks[0].2.clone();
    s.on_reply(
        peer_link,
        tag.clone(),
        Reply::Array(vec![Reply::Integer(1), Reply::Bulk(b"*".to_vec()), Reply::Integer(0)]),
        7150,
    );
    s.tick_master(id, 7200);
    let ev = events(&s.drain_actions());
    assert!(ev.contains(&("+odown".into(), "master mymaster 127.0.0.1 6379 #quorum 2/2".into())), "{:?}", ev);
    // A garbage answer is ignored; the old opinion expires after 5 s and ODOWN clears.
    s.on_reply(peer_link, tag, Reply::Status("OK".into()), 7300);
    assert!(!event_kinds(&advance(&mut s, id, 7200, 12_150)).contains(&"-odown".to_string()));
    assert!(event_kinds(&advance(&mut s, id, 12_150, 12_300)).contains(&"-odown".to_string()));
}

#[test]
fn quorum_one_gives_odown_on_own_sdown() {
    let (mut s, id) = sentinel(1, 5000);
    connect_all(&mut s, id, 2000);
    let ev = events(&advance(&mut s, id, 2000, 6001));
    assert!(ev.contains(&("+odown".into(), "master mymaster 127.0.0.1 6379 #quorum 1/1".into())), "{:?}", ev);
}

#[test]
fn votes_once_per_epoch_and_persists_before_answering() {
    let (mut s, id) = sentinel(2, 5000);
    let r = s.is_master_down_by_addr("127.0.0.1", 6379, 3, PEER1, 2000);
    assert_eq!((r.down, r.leader.as_str(), r.leader_epoch), (false, PEER1, 3));
    let a = s.drain_actions();
    let first_flush = a.iter().position(|x| matches!(x, Action::FlushConfig)).unwrap();
    let vote_event =
        a.iter().position(|x| matches!(x, Action::Event { kind, .. } if kind == "+vote-for-leader")).unwrap();
    assert!(first_flush < vote_event);
    assert_eq!(
        events(&a),
        [("+new-epoch".into(), "3".into()), ("+vote-for-leader".into(), format!("{} 3", PEER1))]
    );
    // Same epoch, other candidate: the first vote stands. An older epoch gets the current vote.
    let r = s.is_master_down_by_addr("127.0.0.1", 6379, 3, PEER2, 2100);
    assert_eq!((r.leader.as_str(), r.leader_epoch), (PEER1, 3));
    let r = s.is_master_down_by_addr("127.0.0.1", 6379, 2, PEER2, 2100);
    assert_eq!((r.leader.as_str(), r.leader_epoch), (PEER1, 3));
    assert!(s.drain_actions().is_empty());
    // Voting for another sentinel holds back our own failover attempts.
    assert!(s.masters[&id].failover_start_time >= Some(2000));
    // Unknown address or `*`: no vote.
    let r = s.is_master_down_by_addr("127.0.0.1", 1, 9, PEER2, 2200);
    assert_eq!((r.down, r.leader.as_str(), r.leader_epoch), (false, "*", 0));
    let r = s.is_master_down_by_addr("127.0.0.1", 6379, 9, "*", 2200);
    assert_eq!((r.leader.as_str(), r.leader_epoch), ("*", 0));
    assert_eq!(s.to_config().masters[0].leader_epoch, 3);
}

#[test]
fn tilt_on_stall_suspends_judgement_for_tilt_period() {
    let (mut s, id) = sentinel(2, 5000);
    connect_all(&mut s, id, 2000);
    s.tick_master(id, 2100);
    s.drain_actions();
    // The process stalls for 5 s: the master would look down, but we distrust our clock.
    s.tick_master(id, 7100);
    let a = s.drain_actions();
    let ev = events(&a);
    assert_eq!(ev[0], ("+tilt".into(), "#tilt mode entered".into()));
    assert!(!event_kinds(&a).contains(&"+sdown".to_string()));
    assert!(a
        .iter()
        .any(|x| matches!(x, Action::Event { level: Level::Warning, kind, .. } if kind == "+tilt")));
    assert_eq!(s.tilt_since_seconds(9100), 2);
    // Voting still happens in TILT, but we never claim the master is down.
    s.masters.get_mut(&id).unwrap().inst.flags |= flags::S_DOWN;
    assert!(!s.is_master_down_by_addr("127.0.0.1", 6379, 0, "*", 8000).down);
    s.masters.get_mut(&id).unwrap().inst.flags &= !flags::S_DOWN;
    let mut t = 7100;
    while t < 37_000 {
        t += 100;
        s.tick_master(id, t);
        let kinds = event_kinds(&s.drain_actions());
        assert!(!kinds.contains(&"+sdown".to_string()) && !kinds.contains(&"-tilt".to_string()));
    }
    s.tick_master(id, 37_100);
    let kinds = event_kinds(&s.drain_actions());
    assert_eq!(kinds[0], "-tilt");
    assert!(kinds.contains(&"+sdown".to_string()), "judgement resumes: {:?}", kinds);
    assert_eq!(s.tilt_since_seconds(37_100), -1);
}

#[test]
fn busy_master_gets_one_script_kill() {
    let (mut s, id) = sentinel(2, 5000);
    let m = InstanceRef::Master(id);
    connect_all(&mut s, id, 2000);
    advance(&mut s, id, 2000, 6001);
    let link = link_of(&s, &m);
    for t in [6100, 6200] {
        s.on_reply(
            link,
            ReplyTag::Ping(m.clone()),
            Reply::Error("BUSY Redis is busy running a script.".into()),
            t,
        );
    }
    let kills = sends(&s.drain_actions()).into_iter().filter(|(_, c, _)| c == "SCRIPT KILL").count();
    assert_eq!(kills, 1);
}

#[test]
fn silent_pubsub_connection_is_recycled() {
    let (mut s, id) = sentinel(2, 60_000);
    connect_all(&mut s, id, 2000);
    let m = InstanceRef::Master(id);
    let link = link_of(&s, &m);
    let mut t = 2000;
    let mut closed_at = Vec::new();
    while t < 20_000 {
        t += 100;
        pong(&mut s, &m, t);
        s.tick_master(id, t);
        if s.drain_actions().contains(&Action::Close { link, conn: Conn::PubSub }) {
            closed_at.push(t);
        }
        if t == 12_000 {
            // Activity on the pub/sub connection keeps it alive.
            s.on_pubsub_activity(link, t);
        }
    }
    // Connected at 2000: recycled once it is older than 15 s and silent for 6 s.
    assert_eq!(closed_at, [18_100]);
}

#[test]
fn is_master_down_by_addr_follows_the_master_to_its_new_address() {
    let (mut s, id) = sentinel(2, 5000);
    s.masters.get_mut(&id).unwrap().inst.flags |= flags::S_DOWN;
    assert!(s.is_master_down_by_addr("127.0.0.1", 6379, 0, "*", 2000).down);
    s.reset_master_and_change_address(id, "127.0.0.1", 6390, 2000).unwrap();
    s.masters.get_mut(&id).unwrap().inst.flags |= flags::S_DOWN;
    assert!(!s.is_master_down_by_addr("127.0.0.1", 6379, 0, "*", 2100).down);
    assert!(s.is_master_down_by_addr("127.0.0.1", 6390, 0, "*", 2100).down);
    s.remove_master(id);
    assert!(!s.is_master_down_by_addr("127.0.0.1", 6390, 0, "*", 2200).down);
}

#[test]
fn a_connection_closed_after_it_was_accepted_gets_one_early_retry_per_ping_period() {
    // Killed after the server accepted it but before the PING reply came back.
    let (mut s, id) = sentinel(2, 5000);
    let link = link_of(&s, &InstanceRef::Master(id));
    let reconnects = |s: &mut Sentinel, now| {
        s.tick_master(id, now);
        s.drain_actions().iter().filter(|x| matches!(x, Action::Connect { .. })).count()
    };
    assert_eq!(reconnects(&mut s, 2000), 2);
    let up_and_killed = |s: &mut Sentinel| {
        s.on_link_up(link, Conn::Command, "127.0.0.1".into());
        s.on_link_up(link, Conn::PubSub, "127.0.0.1".into());
        s.on_conn_closed(link, Conn::Command);
        s.on_conn_closed(link, Conn::PubSub);
    };
    up_and_killed(&mut s);
    assert_eq!(reconnects(&mut s, 2100), 2, "early retry");
    up_and_killed(&mut s);
    assert_eq!(reconnects(&mut s, 2200), 0, "one early retry per ping period");
    assert_eq!(reconnects(&mut s, 3100), 2, "the ping period since the last attempt");
    // A connection that was never established waits for the ping period, as in Redis.
    s.on_conn_closed(link, Conn::Command);
    s.on_conn_closed(link, Conn::PubSub);
    assert_eq!(reconnects(&mut s, 3200), 0);
    assert_eq!(reconnects(&mut s, 4100), 2);
}

#[test]
fn a_master_moved_to_a_new_address_is_connected_at_the_next_tick() {
    // The old master is dead: its link was retried at 2000 (refused). A switch at 2100 must
    // not wait for the ping period since that attempt to connect to the new address.
    let (mut s, id) = sentinel(2, 5000);
    s.tick_master(id, 2000);
    s.drain_actions();
    let link = link_of(&s, &InstanceRef::Master(id));
    s.on_conn_closed(link, Conn::Command);
    s.on_conn_closed(link, Conn::PubSub);
    s.reset_master_and_change_address(id, "127.0.0.1", 6390, 2100).unwrap();
    s.drain_actions();
    s.tick_master(id, 2150);
    let ports: Vec<u16> = s
        .drain_actions()
        .iter()
        .filter_map(|a| match a {
            Action::Connect { link: l, port, .. } if *l == link => Some(*port),
            _ => None,
        })
        .collect();
    assert_eq!(ports, [6390, 6390], "both connections of the master's link, to the new address");
}

#[test]
fn own_id_is_found_anywhere_in_a_payload() {
    use crate::core::wire::contains_bytes;
    let id = MYID.as_bytes();
    assert!(contains_bytes(id, id));
    assert!(contains_bytes(&[b"x,".as_slice(), id, b",y"].concat(), id));
    assert!(contains_bytes(&[b"ab".as_slice(), id].concat(), id));
    // A near miss (last byte differs) and a prefix cut short are not matches.
    let mut near = id.to_vec();
    *near.last_mut().expect("40 bytes") ^= 1;
    assert!(!contains_bytes(&[near.as_slice(), b",", &id[..39]].concat(), id));
    assert!(!contains_bytes(b"", id));
    assert!(contains_bytes(b"anything", b""));
}

/// A tick handles the members as they are: the references built for one tick are reused while
/// nobody joins or leaves, and rebuilt when someone does.
#[test]
fn tick_members_follow_joins_and_departures() {
    let (mut s, id) = sentinel(2, 5000);
    let r1 = s.create_replica(id, "127.0.0.1", 6380, 1000).unwrap();
    s.create_sentinel(id, "127.0.0.1", 26380, &"b".repeat(40), 1000).unwrap();
    s.tick_master(id, 1000);
    let first = s.masters[&id].tick_refs.clone();
    let sentinel_b = InstanceRef::Sentinel(id, "b".repeat(40));
    assert_eq!(first, [InstanceRef::Replica(id, r1.clone()), sentinel_b.clone()]);
    let buffer = s.masters[&id].tick_refs.as_ptr();
    s.tick_master(id, 1100);
    assert_eq!(s.masters[&id].tick_refs.as_ptr(), buffer, "unchanged members: nothing rebuilt");
    let r2 = s.create_replica(id, "127.0.0.1", 6381, 1100).unwrap();
    s.tick_master(id, 1200);
    let expected = [InstanceRef::Replica(id, r1), InstanceRef::Replica(id, r2.clone()), sentinel_b];
    assert_eq!(s.masters[&id].tick_refs, expected);
    s.masters.get_mut(&id).unwrap().sentinels.clear();
    s.tick_master(id, 1300);
    assert_eq!(s.masters[&id].tick_refs[1..], [InstanceRef::Replica(id, r2)]);
}
