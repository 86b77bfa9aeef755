//! Tests for the failover state machine, replica selection, votes and the script queue.
//!
//! raft-rs style: a [`World`] holds one `Sentinel` built from a config, the tests set
//! instance and link fields the way monitoring would, call the entry points with an advancing
//! `now`, and assert on the actions that come out.

mod blocked;
mod coordinated;
mod election;
mod reconf;
mod scripts;
mod select;
mod state_machine;

use crate::config::{MasterConfig, SentinelConfig};
use crate::core::{flags, Action, Level, MasterId, Millis, Role, Sentinel, Settings};

/// The shell's clock never starts near 0 (Handle adds an offset); neither do the tests.
pub const T0: Millis = 1_000_000;
pub const MASTER_PORT: u16 = 6379;
pub const FAILOVER_TIMEOUT: Millis = 60_000;

pub fn myid() -> String {
    "a".repeat(40)
}

pub fn peer_id(i: usize) -> String {
    format!("{:0>40}", format!("{:x}", i + 0xb0))
}

pub fn replica_key(port: u16) -> String {
    format!("127.0.0.1:{}", port)
}

/// One sentinel watching `mymaster` at 127.0.0.1:6379.
pub struct World {
    pub s: Sentinel,
    pub id: MasterId,
    pub now: Millis,
}

impl World {
    /// A master with healthy replicas on `replica_ports` (run ids `r<port>...`), `peers` other
    /// sentinels, and the given quorum.
    pub fn new(replica_ports: &[u16], peers: usize, quorum: u32) -> World {
        let cfg = SentinelConfig {
            myid: Some(myid()),
            masters: vec![MasterConfig {
                name: "mymaster".into(),
                host: "127.0.0.1".into(),
                port: MASTER_PORT,
                quorum,
                failover_timeout_ms: FAILOVER_TIMEOUT,
                down_after_ms: 5_000,
                ..MasterConfig::default()
            }],
            ..SentinelConfig::default()
        };
        let mut s = Sentinel::new(&cfg, Settings::default(), T0, 7).expect("valid config");
        let id = s.master_id("mymaster").expect("configured");
        for p in replica_ports {
            let key = s.create_replica(id, "127.0.0.1", *p, T0).expect("new replica");
            s.masters.get_mut(&id).unwrap().replicas.get_mut(&key).unwrap().runid =
                Some(format!("r{}{}", p, "0".repeat(35)));
        }
        for i in 0..peers {
            s.create_sentinel(id, "127.0.0.1", 26380 + i as u16, &peer_id(i), T0).expect("new peer");
        }
        let mut w = World { s, id, now: T0 };
        for p in replica_ports {
            w.set_healthy(*p);
        }
        w.connect_master();
        w.s.drain_actions();
        w
    }

    pub fn master(&self) -> &crate::core::Master {
        &self.s.masters[&self.id]
    }

    pub fn master_mut(&mut self) -> &mut crate::core::Master {
        self.s.masters.get_mut(&self.id).unwrap()
    }

    pub fn replica(&self, port: u16) -> &crate::core::Instance {
        &self.master().replicas[&replica_key(port)]
    }

    pub fn replica_mut(&mut self, port: u16) -> &mut crate::core::Instance {
        self.master_mut().replicas.get_mut(&replica_key(port)).unwrap()
    }

    pub fn peer_mut(&mut self, i: usize) -> &mut crate::core::Instance {
        self.master_mut().sentinels.get_mut(&peer_id(i)).unwrap()
    }

    pub fn link_of(&mut self, port: u16) -> &mut crate::core::Link {
        let link = self.replica(port).link;
        self.s.links.get_mut(&link).unwrap()
    }

    fn connect_master(&mut self) {
        let link = self.master().inst.link;
        let l = self.s.links.get_mut(&link).unwrap();
        l.cc = true;
        l.pc = true;
        l.cc_up = true;
        l.pc_up = true;
    }

    /// What monitoring leaves behind for a healthy replica: both connections up, a fresh
    /// PING reply and INFO reporting `role:slave`.
    pub fn set_healthy(&mut self, port: u16) {
        let now = self.now;
        let r = self.replica_mut(port);
        r.info_refresh = Some(now);
        r.role_reported = Role::Slave;
        r.master_link_down_time = 0;
        let l = self.link_of(port);
        l.cc = true;
        l.pc = true;
        l.last_avail_time = now;
        l.act_ping_time = None;
    }

    /// Refresh every replica that is connected, as PING/INFO replies would.
    pub fn refresh(&mut self) {
        let ports: Vec<u16> = self.master().replicas.values().map(|r| r.addr.port).collect();
        for p in ports {
            if !self.link_of(p).disconnected() {
                let now = self.now;
                self.replica_mut(p).info_refresh = Some(now);
                self.link_of(p).last_avail_time = now;
            }
        }
    }

    pub fn disconnect(&mut self, port: u16) {
        let l = self.link_of(port);
        l.cc = false;
        l.pc = false;
    }

    /// The master is SDOWN and ODOWN (as monitoring would have decided).
    pub fn set_odown(&mut self) {
        let now = self.now;
        let m = self.master_mut();
        m.inst.flags |= flags::S_DOWN | flags::O_DOWN;
        m.inst.s_down_since_time = Some(now);
        m.inst.o_down_since_time = Some(now);
    }

    /// Peer `i` answered is-master-down-by-addr with a vote for `runid` in `epoch`.
    pub fn peer_votes(&mut self, i: usize, runid: &str, epoch: u64) {
        let p = self.peer_mut(i);
        p.leader = Some(runid.to_string());
        p.leader_epoch = epoch;
    }

    pub fn advance(&mut self, ms: Millis) {
        self.now += ms;
    }

    /// One master tick as the lead's monitoring runs it (minus monitoring itself).
    pub fn tick(&mut self) -> Vec<Action> {
        let (id, now) = (self.id, self.now);
        self.s.start_failover_if_needed(id, now);
        self.s.failover_state_machine(id, now);
        self.s.switch_to_promoted_slave_if_needed(id, now);
        self.s.drain_actions()
    }

    /// Drive a failover from ODOWN to WAIT_PROMOTION as the sole sentinel (quorum 1).
    /// Returns every action along the way.
    pub fn run_to_wait_promotion(&mut self) -> Vec<Action> {
        self.set_odown();
        let mut all = self.tick();
        for _ in 0..3 {
            self.advance(100);
            self.refresh();
            all.extend(self.tick());
        }
        assert_eq!(self.master().failover_state_str(), "wait_promotion");
        all
    }

    /// The promoted replica's INFO says `role:master` now.
    pub fn confirm_promotion(&mut self) -> Vec<Action> {
        let promoted = self.master().promoted_slave().cloned().unwrap();
        self.master_mut().replicas.get_mut(&promoted).unwrap().role_reported = Role::Master;
        let (id, now) = (self.id, self.now);
        self.s.on_promotion_confirmed(id, now);
        self.s.drain_actions()
    }

    /// Replica `port`'s INFO shows it synced with the promoted replica (what the lead's INFO
    /// code does: SENT -> INPROG -> DONE).
    pub fn replica_synced(&mut self, port: u16) {
        let r = self.replica_mut(port);
        r.flags = (r.flags & !(flags::RECONF_SENT | flags::RECONF_INPROG)) | flags::RECONF_DONE;
    }

    /// The replica key a link belongs to.
    pub fn key_of_link(&self, link: crate::core::LinkId) -> Option<String> {
        self.master().replicas.iter().find(|(_, r)| r.link == link).map(|(k, _)| k.clone())
    }

    /// The SLAVEOF commands in `actions`: (replica key, target args joined by spaces).
    pub fn slaveofs(&self, actions: &[Action]) -> Vec<(String, String)> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send { link, cmd, .. } if cmd.first().map(|c| c.as_slice()) == Some(b"SLAVEOF") => {
                    let args: Vec<String> =
                        cmd[1..].iter().map(|c| String::from_utf8_lossy(c).into()).collect();
                    Some((self.key_of_link(*link).unwrap_or_default(), args.join(" ")))
                }
                _ => None,
            })
            .collect()
    }
}

/// `(kind, msg)` of every event, in order.
pub fn events(actions: &[Action]) -> Vec<(String, String)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event { kind, msg, .. } => Some((kind.clone(), msg.clone())),
            _ => None,
        })
        .collect()
}

/// The event kinds, in order.
pub fn kinds(actions: &[Action]) -> Vec<String> {
    events(actions).into_iter().map(|(k, _)| k).collect()
}

/// The level of the first event of `kind`.
pub fn level_of(actions: &[Action], kind: &str) -> Option<Level> {
    actions.iter().find_map(|a| match a {
        Action::Event { kind: k, level, .. } if k == kind => Some(*level),
        _ => None,
    })
}

/// The plain log lines.
pub fn logs(actions: &[Action]) -> Vec<String> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Log { msg, .. } => Some(msg.clone()),
            _ => None,
        })
        .collect()
}

/// Position of the first action matching `pred`.
pub fn position(actions: &[Action], pred: impl Fn(&Action) -> bool) -> Option<usize> {
    actions.iter().position(pred)
}

/// Position of the first event of `kind`.
pub fn event_pos(actions: &[Action], kind: &str) -> Option<usize> {
    position(actions, |a| matches!(a, Action::Event { kind: k, .. } if k == kind))
}

pub fn slave_prefix(port: u16) -> String {
    format!("slave 127.0.0.1:{} 127.0.0.1 {} @ mymaster 127.0.0.1 6379", port, port)
}

pub const MASTER_PREFIX: &str = "master mymaster 127.0.0.1 6379";
