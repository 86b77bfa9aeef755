//! Helpers for driving the core in unit tests: build a sentinel, pretend links are up, feed
//! replies, and pick events out of the actions.

use super::types::{Action, Conn, InstanceRef, LinkId, MasterId, Millis, Reply, ReplyTag};
use super::{Sentinel, Settings};
use crate::config::{MasterConfig, SentinelConfig};

pub const MYID: &str = "0000000000000000000000000000000000000001";
pub const PEER1: &str = "1111111111111111111111111111111111111111";
pub const PEER2: &str = "2222222222222222222222222222222222222222";

/// The config of a sentinel with id MYID monitoring `mymaster` at 127.0.0.1:6379.
pub fn config(quorum: u32, down_after: Millis) -> SentinelConfig {
    SentinelConfig {
        myid: Some(MYID.into()),
        masters: vec![MasterConfig {
            name: "mymaster".into(),
            host: "127.0.0.1".into(),
            port: 6379,
            quorum,
            down_after_ms: down_after,
            ..MasterConfig::default()
        }],
        ..SentinelConfig::default()
    }
}

/// A sentinel built from `cfg` on port 26379 at time 1000, its start-up actions drained.
pub fn sentinel_from(cfg: &SentinelConfig, settings: Settings) -> (Sentinel, MasterId) {
    let mut s = Sentinel::new(cfg, Settings { port: 26379, ..settings }, 1_000, 7).unwrap();
    s.drain_actions();
    let id = s.master_id("mymaster").unwrap();
    (s, id)
}

/// A sentinel monitoring `mymaster` at 127.0.0.1:6379 with the given quorum and down-after.
pub fn sentinel(quorum: u32, down_after: Millis) -> (Sentinel, MasterId) {
    sentinel_from(&config(quorum, down_after), Settings::default())
}

/// Event (kind, msg) pairs among actions.
pub fn events(actions: &[Action]) -> Vec<(String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event { kind, msg, .. } => Some((kind.clone(), msg.clone())),
            _ => None,
        })
        .collect()
}

pub fn event_kinds(actions: &[Action]) -> Vec<String> {
    events(actions).into_iter().map(|(k, _)| k).collect()
}

/// Commands sent (link, first words joined by spaces).
pub fn sends(actions: &[Action]) -> Vec<(LinkId, String, ReplyTag)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { link, cmd, tag } => Some((
                *link,
                cmd.iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect::<Vec<_>>().join(" "),
                tag.clone(),
            )),
            _ => None,
        })
        .collect()
}

pub fn link_of(s: &Sentinel, r: &InstanceRef) -> LinkId {
    s.instance(r).unwrap().link
}

/// Tick once so the instance's link connects, and report the connections as up.
pub fn connect_all(s: &mut Sentinel, id: MasterId, now: Millis) -> Vec<Action> {
    s.tick_master(id, now);
    let actions = s.drain_actions();
    for a in &actions {
        if let Action::Connect { link, conn: Conn::Command, .. } = a {
            s.on_link_up(*link, Conn::Command, "127.0.0.1".into());
        }
    }
    actions
}

/// Answer the PING an instance was sent.
pub fn pong(s: &mut Sentinel, r: &InstanceRef, now: Millis) {
    let link = link_of(s, r);
    s.on_reply(link, ReplyTag::Ping(r.clone()), Reply::Status("PONG".into()), now);
}

/// Deliver an INFO text for an instance.
pub fn info(s: &mut Sentinel, r: &InstanceRef, text: &str, now: Millis) {
    let link = link_of(s, r);
    s.on_reply(link, ReplyTag::Info(r.clone()), Reply::Bulk(text.as_bytes().to_vec()), now);
}

pub fn master_info(run_id: &str, replicas: &[u16]) -> String {
    let mut s = format!("# Server\r\nrun_id:{}\r\n# Replication\r\nrole:master\r\n", run_id);
    for (i, p) in replicas.iter().enumerate() {
        s.push_str(&format!("slave{}:ip=127.0.0.1,port={},state=online,offset=100,lag=0\r\n", i, p));
    }
    s
}

pub fn replica_info(run_id: &str, master_port: u16, offset: u64) -> String {
    format!(
        "run_id:{}\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:{}\r\nmaster_link_status:up\r\n\
         slave_repl_offset:{}\r\nslave_priority:100\r\nreplica_announced:1\r\n",
        run_id, master_port, offset
    )
}

/// A hello from a peer sentinel.
pub fn hello(peer: &str, port: u16, epoch: u64, master_port: u16, config_epoch: u64) -> Vec<u8> {
    format!("127.0.0.1,{},{},{},mymaster,127.0.0.1,{},{}", port, peer, epoch, master_port, config_epoch)
        .into_bytes()
}

/// Tick a master every 100 ms from `from` (exclusive) to `to` (inclusive), as the shell does,
/// collecting every action. Large jumps would be (correctly) read as a stall and enter TILT.
pub fn advance(s: &mut Sentinel, id: MasterId, from: Millis, to: Millis) -> Vec<Action> {
    let mut all = Vec::new();
    let mut t = from;
    while t < to {
        t = (t + 100).min(to);
        s.tick_master(id, t);
        all.extend(s.drain_actions());
    }
    all
}
