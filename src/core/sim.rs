//! A deterministic simulation of a Sentinel deployment: several sentinel cores, modelled
//! redis-servers, and a network that can drop connections, partition nodes, and delay and
//! reorder messages. Everything runs on a virtual clock as a discrete-event simulation (the next
//! thing to happen is a message delivery, a core's own deadline, or the 100 ms replication
//! step), so a whole failover (or thousands of randomised fault schedules) runs in milliseconds
//! and reproduces exactly from its seed.
//!
//! The cores are driven exactly as the daemon drives them: through `Sentinel::handle` with
//! [`Input`]s (peer commands included, as `Input::Command`), `handle_timeout` at
//! `next_deadline`, and their actions carried out in order. A crashed sentinel restarts from
//! the last snapshot it *flushed* (a `FlushConfig` action), not from its memory, and the
//! invariants are checked as events happen: at most one leader and one promotion per epoch, and
//! no sentinel voting twice in an epoch, across restarts.
//!
//! Messages: a command is executed by its target when it is sent; its reply, pub/sub messages
//! and connection set-ups arrive after a random delay (`max_delay`), in order on each
//! connection (TCP) but in any order across connections.
//!
//! The model of redis-server covers what Sentinel relies on: PING, INFO (role, replicas,
//! offsets, link status, run id, `master_failover_state`), the SLAVEOF transaction with its
//! `CLIENT KILL TYPE normal` and `CLIENT KILL TYPE pubsub` (every other sentinel connection to
//! the server drops), PUBLISH/SUBSCRIBE of hellos, and the COORDINATED failover's `CLIENT PAUSE
//! <t> WRITE`, `CLIENT UNPAUSE` and `FAILOVER TO <host> <port> TIMEOUT <t>` / `FAILOVER ABORT`:
//! a master handing over stops taking writes, waits for the target to have its offset, then
//! swaps roles with it in one step (redis-server's handover), or gives up at the timeout. A
//! hello PUBLISH to a write-paused server blocks its connection until the pause ends (as
//! redis-server does), and is a violation from the sentinel that paused it. Peer sentinels
//! answer PING, hello PUBLISHes and is-master-down-by-addr through their real cores. Several
//! master names may point at the same server through different addresses (127.0.0.1,
//! 127.0.0.2, ...), as a redis-server bound to several addresses allows.

use std::collections::{BTreeMap, HashMap, HashSet};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::input::{ClientCommand, CommandOutcome, Input};
use super::types::{Action, Conn, LinkId, Millis, Reply, ReplyTag, Role};
use super::{Sentinel, Settings};
use crate::config::{MasterConfig, SentinelConfig};

/// A modelled redis-server.
#[derive(Clone, Debug)]
pub struct RedisModel {
    pub port: u16,
    pub runid: String,
    pub alive: bool,
    pub role: Role,
    /// Port of the master it replicates from, when a replica.
    pub master: Option<u16>,
    /// The host it was told to replicate from (INFO's `master_host`).
    pub master_host: String,
    pub offset: u64,
    pub priority: i64,
    /// `FAILOVER TO`: the target's host and port, and when the handover gives up.
    pub handover: Option<(String, u16, Millis)>,
    /// `CLIENT PAUSE <t> WRITE` lasts until then, and which sentinel sent it.
    pub paused_until: Millis,
    pub paused_by: Option<usize>,
}

/// Who is at the other end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    Redis(u16),
    Sentinel(usize),
}

pub struct SimSentinel {
    pub core: Sentinel,
    pub port: u16,
    pub alive: bool,
    conns: HashMap<(LinkId, Conn), Node>,
    pub events: Vec<(Millis, String, String)>,
    pub flushes: usize,
    /// What is on this sentinel's disk: the state as of its last `FlushConfig`.
    pub flushed: SentinelConfig,
}

/// Something on its way to a sentinel.
#[derive(Clone, Debug)]
enum Delivery {
    LinkUp,
    /// The server closed the connection (CLIENT KILL), after what it had sent before.
    Closed,
    Reply {
        tag: ReplyTag,
        reply: Reply,
    },
    Message {
        payload: Vec<u8>,
    },
}

/// A delivery and where it goes: sentinel `to`, on its connection `(link, conn)` to `from`.
#[derive(Clone, Debug)]
struct InFlight {
    to: usize,
    link: LinkId,
    conn: Conn,
    from: Node,
    what: Delivery,
}

pub struct Sim {
    pub now: Millis,
    pub sentinels: Vec<SimSentinel>,
    pub redis: BTreeMap<u16, RedisModel>,
    /// Pub/sub subscribers per redis port: (sentinel index, link).
    subscribers: HashMap<u16, Vec<(usize, LinkId)>>,
    /// Pairs of nodes that cannot reach each other.
    cut: HashSet<(Node, Node)>,
    pub rng: StdRng,
    /// Probability (0..1) that any single command's connection drops instead of answering.
    pub drop_rate: f64,
    /// Every `+elected-leader` / `+promoted-slave`: (event, failover epoch, sentinel, message).
    pub leaders: Vec<(String, u64, usize, String)>,
    /// The largest delay of a delivery (ms); 0 delivers at once.
    pub max_delay: Millis,
    in_flight: BTreeMap<(Millis, u64), InFlight>,
    next_seq: u64,
    /// When the last delivery on each connection is due (deliveries on one connection keep
    /// their order).
    conn_due: HashMap<(usize, LinkId, Conn), Millis>,
    next_replication: Millis,
    next_req: u64,
    outcomes: HashMap<u64, CommandOutcome>,
    /// SLAVEOF NO ONE commands executed (a COORDINATED failover sends none).
    pub slaveof_no_one: usize,
    /// Every vote seen: (sentinel, epoch) -> the run id it voted for.
    votes: HashMap<(usize, u64), String>,
    /// Invariants broken so far (checked as events happen).
    pub violations: Vec<String>,
    /// Probability that a sentinel crashes right after it votes (its reply already sent), to
    /// restart from what it flushed 0.5 to 3 s later: the moment a vote that was announced
    /// but not saved would be lost.
    pub crash_after_vote: f64,
    crash_soon: Vec<usize>,
    restarts: Vec<(Millis, usize)>,
    /// Connections a server closed whose close is still on its way to their sentinel.
    killed: HashSet<(usize, LinkId, Conn)>,
    /// The master names every sentinel monitors, the n-th at 127.0.0.<n+1>:6379.
    pub names: Vec<String>,
}

fn runid(n: u64) -> String {
    format!("{:040x}", n)
}

impl Sim {
    /// A master on 6379 with `replicas` replicas on 6380.., watched by `sentinels` sentinels
    /// on 26379.. with the given quorum and down-after.
    pub fn new(seed: u64, replicas: u16, sentinels: usize, quorum: u32, down_after: Millis) -> Sim {
        Sim::with_names(seed, &["mymaster"], replicas, sentinels, quorum, down_after)
    }

    /// Like [`Sim::new`], with one master name per entry of `names` on the same server, the
    /// n-th monitored at 127.0.0.<n+1>:6379.
    pub fn with_names(
        seed: u64,
        names: &[&str],
        replicas: u16,
        sentinels: usize,
        quorum: u32,
        down_after: Millis,
    ) -> Sim {
        let mut redis = BTreeMap::new();
        redis.insert(
            6379,
            RedisModel {
                port: 6379,
                runid: runid(6379),
                alive: true,
                role: Role::Master,
                master: None,
                master_host: String::new(),
                offset: 0,
                priority: 100,
                handover: None,
                paused_until: 0,
                paused_by: None,
            },
        );
        for i in 0..replicas {
            let p = 6380 + i;
            redis.insert(
                p,
                RedisModel {
                    port: p,
                    runid: runid(p as u64),
                    alive: true,
                    role: Role::Slave,
                    master: Some(6379),
                    master_host: "127.0.0.1".into(),
                    offset: 0,
                    priority: 100,
                    handover: None,
                    paused_until: 0,
                    paused_by: None,
                },
            );
        }
        let mut sims = Vec::new();
        for i in 0..sentinels {
            let cfg = SentinelConfig {
                myid: Some(runid(1_000_000 + i as u64)),
                masters: names
                    .iter()
                    .enumerate()
                    .map(|(n, name)| MasterConfig {
                        name: name.to_string(),
                        host: format!("127.0.0.{}", n + 1),
                        port: 6379,
                        quorum,
                        down_after_ms: down_after,
                        failover_timeout_ms: 10_000,
                        ..MasterConfig::default()
                    })
                    .collect(),
                ..SentinelConfig::default()
            };
            let port = 26379 + i as u16;
            let settings = Settings { port, ..Settings::default() };
            let mut core =
                Sentinel::new(&cfg, settings, 0, seed.wrapping_mul(31).wrapping_add(i as u64)).unwrap();
            core.drain_actions();
            sims.push(SimSentinel {
                core,
                port,
                alive: true,
                conns: HashMap::new(),
                events: Vec::new(),
                flushes: 0,
                flushed: cfg,
            });
        }
        Sim {
            now: 0,
            sentinels: sims,
            redis,
            subscribers: HashMap::new(),
            cut: HashSet::new(),
            rng: StdRng::seed_from_u64(seed),
            drop_rate: 0.0,
            leaders: Vec::new(),
            max_delay: 20,
            in_flight: BTreeMap::new(),
            next_seq: 0,
            conn_due: HashMap::new(),
            next_replication: 1100,
            next_req: 1,
            outcomes: HashMap::new(),
            slaveof_no_one: 0,
            votes: HashMap::new(),
            violations: Vec::new(),
            crash_after_vote: 0.0,
            crash_soon: Vec::new(),
            restarts: Vec::new(),
            killed: HashSet::new(),
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    fn node_at(&self, port: u16) -> Option<Node> {
        if self.redis.contains_key(&port) {
            return Some(Node::Redis(port));
        }
        self.sentinels.iter().position(|s| s.port == port).map(Node::Sentinel)
    }

    fn node_alive(&self, n: Node) -> bool {
        match n {
            Node::Redis(p) => self.redis.get(&p).is_some_and(|r| r.alive),
            Node::Sentinel(i) => self.sentinels[i].alive,
        }
    }

    fn reachable(&self, a: Node, b: Node) -> bool {
        self.node_alive(a) && self.node_alive(b) && !self.cut.contains(&(a, b)) && !self.cut.contains(&(b, a))
    }

    /// Cut (or heal) the network between two nodes.
    pub fn partition(&mut self, a: Node, b: Node, cut: bool) {
        if cut {
            self.cut.insert((a, b));
        } else {
            self.cut.remove(&(a, b));
            self.cut.remove(&(b, a));
        }
    }

    /// Kill a redis-server: its connections drop.
    pub fn kill_redis(&mut self, port: u16) {
        if let Some(r) = self.redis.get_mut(&port) {
            r.alive = false;
        }
        self.drop_connections_to(Node::Redis(port));
    }

    /// Restart a dead sentinel from its persisted config: what it had flushed to its config
    /// file, nothing it only held in memory.
    pub fn restart_sentinel(&mut self, i: usize) {
        if self.sentinels[i].alive {
            return;
        }
        let cfg = self.sentinels[i].flushed.clone();
        let settings = self.sentinels[i].core.settings.clone();
        let seed = self.rng.gen();
        let mut core = Sentinel::new(&cfg, settings, self.now, seed).expect("persisted config loads");
        core.drain_actions();
        let s = &mut self.sentinels[i];
        s.core = core;
        s.alive = true;
        s.conns.clear();
    }

    /// Crash a sentinel: it stops, its connections drop.
    pub fn crash_sentinel(&mut self, i: usize) {
        self.sentinels[i].alive = false;
        self.drop_connections_to(Node::Sentinel(i));
        self.sentinels[i].conns.clear();
        for subs in self.subscribers.values_mut() {
            subs.retain(|(s, _)| *s != i);
        }
    }

    /// Heal every partition.
    pub fn heal(&mut self) {
        self.cut.clear();
    }

    /// Restart a redis-server with a new run id (its role stays what its config file says).
    pub fn restart_redis(&mut self, port: u16) {
        let n = self.rng.gen::<u32>() as u64;
        if let Some(r) = self.redis.get_mut(&port) {
            r.alive = true;
            r.runid = runid(n);
        }
    }

    /// `CLIENT KILL TYPE normal|pubsub` on redis `port`: every sentinel connection of that type
    /// to it is closed by the server, except `skip` (the sender's, `(sentinel, link, conn)`).
    /// The server executes nothing more from them; their sentinels learn of the close after
    /// whatever the server had sent them before it.
    fn kill_clients(&mut self, port: u16, kind: Conn, skip: (usize, LinkId, Conn)) {
        for i in 0..self.sentinels.len() {
            let gone: Vec<LinkId> = self.sentinels[i]
                .conns
                .iter()
                .filter(|((l, c), n)| **n == Node::Redis(port) && *c == kind && (i, *l, *c) != skip)
                .map(|((l, _), _)| *l)
                .filter(|l| !self.killed.contains(&(i, *l, kind)))
                .collect();
            for link in gone {
                self.killed.insert((i, link, kind));
                if let Some(subs) = self.subscribers.get_mut(&port) {
                    subs.retain(|(s, l)| !(*s == i && *l == link && kind == Conn::PubSub));
                }
                self.send_later(i, link, kind, Node::Redis(port), Delivery::Closed);
            }
        }
    }

    /// Drop what is still on its way on sentinel `i`'s connection `(link, conn)`: the
    /// connection is closed or replaced.
    fn forget_connection(&mut self, i: usize, link: LinkId, conn: Conn) {
        self.in_flight.retain(|_, f| !(f.to == i && f.link == link && f.conn == conn));
        self.conn_due.remove(&(i, link, conn));
        self.killed.remove(&(i, link, conn));
    }

    fn drop_connections_to(&mut self, target: Node) {
        for i in 0..self.sentinels.len() {
            let gone: Vec<(LinkId, Conn)> =
                self.sentinels[i].conns.iter().filter(|(_, n)| **n == target).map(|(k, _)| *k).collect();
            for (link, conn) in gone {
                self.sentinels[i].conns.remove(&(link, conn));
                self.sentinels[i].core.handle(Input::LinkClosed { link, conn }, self.now);
            }
        }
        if let Node::Redis(p) = target {
            self.subscribers.remove(&p);
        }
    }

    /// Drop connections between nodes that can no longer reach each other.
    fn enforce_partitions(&mut self) {
        for i in 0..self.sentinels.len() {
            let me = Node::Sentinel(i);
            let gone: Vec<(LinkId, Conn)> = self.sentinels[i]
                .conns
                .iter()
                .filter(|(_, n)| !self.reachable(me, **n))
                .map(|(k, _)| *k)
                .collect();
            for (link, conn) in gone {
                self.sentinels[i].conns.remove(&(link, conn));
                if self.sentinels[i].alive {
                    self.sentinels[i].core.handle(Input::LinkClosed { link, conn }, self.now);
                }
                for subs in self.subscribers.values_mut() {
                    subs.retain(|(s, l)| !(*s == i && *l == link));
                }
            }
        }
    }

    /// Run for `ms` of virtual time: deliveries, timers and replication steps in time order.
    pub fn run(&mut self, ms: Millis) {
        let end = self.now + ms;
        loop {
            self.crash_voters();
            let deliver = self.in_flight.keys().next().map(|k| k.0);
            let timers = self.sentinels.iter().filter(|s| s.alive).map(|s| s.core.next_deadline()).min();
            let restart = self.restarts.iter().map(|r| r.0).min();
            let t = [deliver, timers, restart, Some(self.next_replication)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(end);
            if t > end {
                self.now = end;
                return;
            }
            self.now = self.now.max(t);
            let now = self.now;
            let due: Vec<usize> = self.restarts.iter().filter(|r| r.0 <= now).map(|r| r.1).collect();
            self.restarts.retain(|r| r.0 > now);
            for i in due {
                self.restart_sentinel(i);
            }
            if self.next_replication <= now {
                self.next_replication = now + 100;
                self.replicate();
                self.enforce_partitions();
            }
            while let Some(entry) = self.in_flight.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                let f = entry.remove();
                self.deliver(f, now);
            }
            // The sentinels whose timers are due, in a random order (none is always first).
            let mut due: Vec<usize> = (0..self.sentinels.len())
                .filter(|&i| self.sentinels[i].alive && self.sentinels[i].core.next_deadline() <= now)
                .collect();
            for k in (1..due.len()).rev() {
                let j = self.rng.gen_range(0..=k);
                due.swap(k, j);
            }
            for i in due {
                if self.sentinels[i].alive {
                    self.sentinels[i].core.handle_timeout(now);
                    self.process_actions(i, now);
                }
            }
        }
    }

    /// Crash the sentinels that just voted and drew a crash; they restart a little later.
    fn crash_voters(&mut self) {
        for i in std::mem::take(&mut self.crash_soon) {
            if self.sentinels[i].alive {
                self.crash_sentinel(i);
                let at = self.now + self.rng.gen_range(500..3000);
                self.restarts.push((at, i));
            }
        }
    }

    /// Queue a delivery to sentinel `to` on `(link, conn)`, after a random delay, behind
    /// whatever that connection already has in flight.
    fn send_later(&mut self, to: usize, link: LinkId, conn: Conn, from: Node, what: Delivery) {
        let delay = if self.max_delay == 0 { 0 } else { self.rng.gen_range(0..=self.max_delay) };
        let key = (to, link, conn);
        let at = (self.now + delay).max(self.conn_due.get(&key).copied().unwrap_or(0));
        self.conn_due.insert(key, at);
        self.next_seq += 1;
        self.in_flight.insert((at, self.next_seq), InFlight { to, link, conn, from, what });
    }

    /// Hand a delivery to its sentinel, unless the connection it came on is gone.
    fn deliver(&mut self, f: InFlight, now: Millis) {
        let s = &self.sentinels[f.to];
        if !s.alive || s.conns.get(&(f.link, f.conn)) != Some(&f.from) {
            return;
        }
        let input = match f.what {
            Delivery::LinkUp => Input::LinkUp { link: f.link, conn: f.conn, local_ip: "127.0.0.1".into() },
            Delivery::Closed => {
                self.sentinels[f.to].conns.remove(&(f.link, f.conn));
                self.killed.remove(&(f.to, f.link, f.conn));
                Input::LinkClosed { link: f.link, conn: f.conn }
            }
            Delivery::Reply { tag, reply } => Input::Reply { link: f.link, tag, reply },
            Delivery::Message { payload } => {
                Input::PubSubMessage { link: f.link, channel: b"__sentinel__:hello".to_vec(), payload }
            }
        };
        self.sentinels[f.to].core.handle(input, now);
        self.process_actions(f.to, now);
    }

    /// A client command to sentinel `i` (what `redis-cli -p <its port>` would send), its actions
    /// carried out at once.
    pub fn client_command(&mut self, i: usize, cmd: ClientCommand) -> Option<CommandOutcome> {
        let now = self.now;
        self.peer_command(i, cmd, now)
    }

    /// Run a command on a peer sentinel's core as its server would, carrying out the actions it
    /// causes at once (its config flush comes before its reply), and return the outcome.
    fn peer_command(&mut self, j: usize, cmd: ClientCommand, now: Millis) -> Option<CommandOutcome> {
        let req = self.next_req;
        self.next_req += 1;
        self.sentinels[j].core.handle(Input::Command { req, cmd }, now);
        self.process_actions(j, now);
        self.outcomes.remove(&req)
    }

    /// Invariants checked on each event: one vote per sentinel and epoch (across restarts).
    fn check_event(&mut self, i: usize, kind: &str, msg: &str) {
        if kind == "+vote-for-leader" {
            let mut words = msg.rsplit(' ');
            let epoch = words.next().and_then(|e| e.parse::<u64>().ok()).unwrap_or(0);
            let runid = words.next().unwrap_or_default().to_string();
            if self.crash_after_vote > 0.0 && self.rng.gen_bool(self.crash_after_vote) {
                self.crash_soon.push(i);
            }
            if let Some(prev) = self.votes.insert((i, epoch), runid.clone()) {
                if prev != runid {
                    self.violations.push(format!(
                        "sentinel {} voted twice in epoch {}: for {} and for {}",
                        i, epoch, prev, runid
                    ));
                }
            }
        }
    }

    /// Masters' offsets grow (unless writes are paused); connected replicas follow their
    /// master's offset; handovers complete or time out.
    fn replicate(&mut self) {
        let now = self.now;
        let snapshot: BTreeMap<u16, (bool, Role, u64)> =
            self.redis.iter().map(|(p, r)| (*p, (r.alive, r.role, r.offset))).collect();
        for r in self.redis.values_mut() {
            if !r.alive {
                continue;
            }
            match r.role {
                Role::Master if r.paused_until > now || r.handover.is_some() => {}
                Role::Master => r.offset += 10,
                Role::Slave => {
                    if let Some((true, Role::Master, off)) = r.master.and_then(|m| snapshot.get(&m).copied())
                    {
                        r.offset = off;
                    }
                }
            }
        }
        let handovers: Vec<(u16, String, u16, Millis)> = self
            .redis
            .values()
            .filter_map(|r| r.handover.clone().map(|(host, t, until)| (r.port, host, t, until)))
            .collect();
        for (from, host, to, until) in handovers {
            self.step_handover(from, host, to, until, now);
        }
    }

    /// One replication step of `FAILOVER TO`: once the target has every write of the master
    /// (the master takes none meanwhile), the two swap roles at once; past the timeout, or if
    /// the target stopped replicating from it, the master gives up and stays master.
    fn step_handover(&mut self, from: u16, host: String, to: u16, until: Millis, now: Millis) {
        let (alive, offset) = (self.redis[&from].alive, self.redis[&from].offset);
        let target =
            self.redis.get(&to).filter(|t| t.alive && t.role == Role::Slave && t.master == Some(from));
        let caught_up = target.is_some_and(|t| t.offset == offset);
        if alive && caught_up {
            let m = self.redis.get_mut(&from).expect("exists");
            (m.role, m.master, m.master_host, m.handover) = (Role::Slave, Some(to), host, None);
            let t = self.redis.get_mut(&to).expect("exists");
            (t.role, t.master) = (Role::Master, None);
        } else if now >= until || target.is_none() {
            self.redis.get_mut(&from).expect("exists").handover = None;
        }
    }

    fn process_actions(&mut self, i: usize, now: Millis) {
        loop {
            let actions = self.sentinels[i].core.drain_actions();
            if actions.is_empty() {
                return;
            }
            for a in actions {
                self.apply(i, a, now);
            }
        }
    }

    fn apply(&mut self, i: usize, a: Action, now: Millis) {
        match a {
            Action::Connect { link, conn, port, init, .. } => {
                let me = Node::Sentinel(i);
                match self.node_at(port).filter(|n| self.reachable(me, *n)) {
                    Some(target) => {
                        self.sentinels[i].conns.insert((link, conn), target);
                        // A fresh connection: nothing of an older one is still on its way.
                        self.forget_connection(i, link, conn);
                        self.send_later(i, link, conn, target, Delivery::LinkUp);
                        for (cmd, tag) in init {
                            if let Some(reply) = self.execute(i, link, conn, target, &cmd, now) {
                                self.send_later(i, link, conn, target, Delivery::Reply { tag, reply });
                            }
                        }
                    }
                    None => self.sentinels[i].core.handle(Input::LinkClosed { link, conn }, self.now),
                }
            }
            Action::Send { link, cmd, tag } => {
                let Some(target) = self.sentinels[i].conns.get(&(link, Conn::Command)).copied() else {
                    return;
                };
                if self.killed.contains(&(i, link, Conn::Command)) {
                    return;
                }
                if self.drop_rate > 0.0 && self.rng.gen_bool(self.drop_rate) {
                    self.sentinels[i].conns.remove(&(link, Conn::Command));
                    self.sentinels[i].core.handle(Input::LinkClosed { link, conn: Conn::Command }, self.now);
                    return;
                }
                if let Some(reply) = self.execute(i, link, Conn::Command, target, &cmd, now) {
                    self.send_later(i, link, Conn::Command, target, Delivery::Reply { tag, reply });
                }
            }
            Action::Close { link, conn } => {
                self.sentinels[i].conns.remove(&(link, conn));
                self.forget_connection(i, link, conn);
                if conn == Conn::PubSub {
                    for subs in self.subscribers.values_mut() {
                        subs.retain(|(s, l)| !(*s == i && *l == link));
                    }
                }
            }
            Action::DropLink { link } => {
                self.sentinels[i].conns.retain(|(l, _), _| *l != link);
                for subs in self.subscribers.values_mut() {
                    subs.retain(|(s, l)| !(*s == i && *l == link));
                }
            }
            Action::Event { kind, msg, .. } => {
                if kind == "+elected-leader" || kind == "+promoted-slave" {
                    let forced = self.sentinels[i]
                        .core
                        .masters
                        .values()
                        .any(|m| m.failover_is(super::FailoverKind::Forced));
                    let epoch = self.sentinels[i]
                        .core
                        .masters
                        .values()
                        .filter_map(|m| m.failover.as_ref())
                        .map(|f| f.epoch)
                        .max()
                        .unwrap_or(0);
                    if !forced {
                        if let Some((_, _, who, _)) =
                            self.leaders.iter().find(|(k, e, w, _)| *k == kind && *e == epoch && *w != i)
                        {
                            self.violations.push(format!(
                                "two sentinels ({} and {}) {} in epoch {}",
                                who, i, kind, epoch
                            ));
                        }
                        self.leaders.push((kind.clone(), epoch, i, msg.clone()));
                    }
                }
                self.check_event(i, &kind, &msg);
                self.sentinels[i].events.push((now, kind, msg))
            }
            Action::FlushConfig => {
                let s = &mut self.sentinels[i];
                s.flushes += 1;
                s.flushed = s.core.to_config();
            }
            Action::Reply { req, outcome, .. } => {
                self.outcomes.insert(req, outcome);
            }
            Action::Exit { .. } => {
                self.sentinels[i].alive = false;
                self.drop_connections_to(Node::Sentinel(i));
            }
            Action::Log { .. }
            | Action::Resolve { .. }
            | Action::SpawnScript { .. }
            | Action::KillScript { .. } => {}
        }
    }

    /// Run one command against a node; `None` when the command gets no reply of its own
    /// (SUBSCRIBE on a pub/sub connection).
    fn execute(
        &mut self,
        from: usize,
        link: LinkId,
        conn: Conn,
        target: Node,
        cmd: &[Vec<u8>],
        now: Millis,
    ) -> Option<Reply> {
        let words: Vec<String> = cmd.iter().map(|w| String::from_utf8_lossy(w).into_owned()).collect();
        let name = words.first().map(|w| w.to_ascii_uppercase()).unwrap_or_default();
        let ok = || Some(Reply::Status("OK".into()));
        match (target, name.as_str()) {
            (_, "AUTH") | (_, "MULTI") | (_, "EXEC") | (_, "CONFIG") | (_, "SCRIPT") => ok(),
            (Node::Redis(p), "CLIENT") if words.get(1).is_some_and(|w| w.eq_ignore_ascii_case("KILL")) => {
                let kind = match words.get(3).map(|w| w.to_ascii_lowercase()).as_deref() {
                    Some("normal") => Conn::Command,
                    Some("pubsub") => Conn::PubSub,
                    _ => return Some(Reply::Error("ERR syntax error".into())),
                };
                // SKIPME yes: the connection sending the command survives.
                self.kill_clients(p, kind, (from, link, conn));
                Some(Reply::Integer(0))
            }
            (Node::Redis(p), "CLIENT") => {
                let r = self.redis.get_mut(&p)?;
                match words.get(1).map(|w| w.to_ascii_uppercase()).as_deref() {
                    Some("PAUSE") => {
                        r.paused_until = now + words.get(2).and_then(|t| t.parse().ok()).unwrap_or(0);
                        r.paused_by = Some(from);
                    }
                    Some("UNPAUSE") => r.paused_until = 0,
                    _ => {}
                }
                ok()
            }
            (_, "CLIENT") => ok(),
            (Node::Redis(p), "FAILOVER") => {
                let r = self.redis.get(&p)?;
                let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
                if upper.get(1).map(String::as_str) == Some("ABORT") {
                    if r.handover.is_none() {
                        return Some(Reply::Error("ERR No failover in progress.".into()));
                    }
                    self.redis.get_mut(&p)?.handover = None;
                    return ok();
                }
                let target: Option<u16> = words.get(3).and_then(|w| w.parse().ok());
                let timeout: Millis = words.get(5).and_then(|w| w.parse().ok()).unwrap_or(0);
                let online = target
                    .and_then(|t| self.redis.get(&t))
                    .is_some_and(|t| t.alive && t.role == Role::Slave && t.master == Some(p));
                if r.role != Role::Master || r.handover.is_some() || !online || timeout == 0 {
                    return Some(Reply::Error("ERR FAILOVER target replica is not online.".into()));
                }
                let host = words.get(2).cloned().unwrap_or_default();
                self.redis.get_mut(&p)?.handover = Some((host, target?, now + timeout));
                ok()
            }
            (_, "PING") => Some(Reply::Status("PONG".into())),
            (Node::Redis(p), "SUBSCRIBE") => {
                if conn == Conn::PubSub {
                    self.subscribers.entry(p).or_default().push((from, link));
                }
                None
            }
            (Node::Redis(p), "INFO") => Some(Reply::Bulk(self.info(p).into_bytes())),
            (Node::Redis(p), "SLAVEOF") => {
                let r = self.redis.get_mut(&p)?;
                if r.handover.is_some() {
                    return Some(Reply::Error("ERR REPLICAOF not allowed while failing over.".into()));
                }
                if words.get(1).is_some_and(|w| w.eq_ignore_ascii_case("NO")) {
                    self.slaveof_no_one += 1;
                    r.role = Role::Master;
                    r.master = None;
                } else {
                    r.role = Role::Slave;
                    r.master_host = words.get(1).cloned().unwrap_or_default();
                    r.master = words.get(2).and_then(|w| w.parse().ok());
                }
                ok()
            }
            (Node::Redis(p), "PUBLISH") => {
                let paused_until = self.redis[&p].paused_until;
                if paused_until > now {
                    // The sentinel that paused it must not publish there (Valkey's rule) while it
                    // remembers doing so; one that does not know (a peer, or one restarted
                    // since) gets its connection stuck behind the PUBLISH until the pause
                    // ends, as redis-server blocks it.
                    let paused_by_me = self.redis[&p].paused_by == Some(from)
                        && self.sentinels[from]
                            .core
                            .masters
                            .values()
                            .any(|m| m.failover_is(super::FailoverKind::Coordinated));
                    if paused_by_me {
                        self.violations
                            .push(format!("sentinel {} sent a hello PUBLISH to paused {}", from, p));
                    }
                    let due = self.conn_due.entry((from, link, conn)).or_insert(0);
                    *due = (*due).max(paused_until);
                }
                let payload = cmd.get(2).cloned().unwrap_or_default();
                let subs = self.subscribers.get(&p).cloned().unwrap_or_default();
                for (s, l) in &subs {
                    let payload = payload.clone();
                    self.send_later(*s, *l, Conn::PubSub, Node::Redis(p), Delivery::Message { payload });
                }
                Some(Reply::Integer(subs.len() as i64))
            }
            (Node::Sentinel(j), "PUBLISH") => {
                let payload = cmd.get(2).cloned().unwrap_or_default();
                self.sentinels[j].core.handle(Input::HelloPublished { payload }, now);
                self.process_actions(j, now);
                Some(Reply::Integer(1))
            }
            (Node::Sentinel(j), "SENTINEL") => {
                let port = words.get(3).and_then(|w| w.parse().ok()).unwrap_or(0);
                let epoch = words.get(4).and_then(|w| w.parse().ok()).unwrap_or(0);
                let runid = words.get(5).cloned().unwrap_or_default();
                let ip = words.get(2).cloned().unwrap_or_default();
                let cmd = ClientCommand::IsMasterDownByAddr { ip, port, epoch, runid };
                match self.peer_command(j, cmd, now)? {
                    CommandOutcome::MasterDown(r) => Some(Reply::Array(vec![
                        Reply::Integer(r.down as i64),
                        Reply::Bulk(r.leader.into_bytes()),
                        Reply::Integer(r.leader_epoch as i64),
                    ])),
                    other => Some(Reply::Error(format!("ERR unexpected {:?}", other))),
                }
            }
            _ => Some(Reply::Error(format!("ERR unknown command '{}'", name))),
        }
    }

    /// The INFO text a modelled redis-server would give.
    pub fn info(&self, port: u16) -> String {
        let r = &self.redis[&port];
        let mut s = format!("# Server\r\nrun_id:{}\r\ntcp_port:{}\r\n# Replication\r\n", r.runid, port);
        let state = if r.handover.is_some() { "waiting-for-sync" } else { "no-failover" };
        s.push_str(&format!("master_failover_state:{}\r\n", state));
        match r.role {
            Role::Master => {
                s.push_str("role:master\r\n");
                let replicas = self
                    .redis
                    .values()
                    .filter(|x| x.alive && x.role == Role::Slave && x.master == Some(port));
                for (n, rep) in replicas.enumerate() {
                    s.push_str(&format!(
                        "slave{}:ip=127.0.0.1,port={},state=online,offset={},lag=0\r\n",
                        n, rep.port, rep.offset
                    ));
                }
            }
            Role::Slave => {
                let m = r.master.unwrap_or(0);
                let up = self.redis.get(&m).is_some_and(|x| x.alive && x.role == Role::Master);
                s.push_str(&format!(
                    "role:slave\r\nmaster_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\n",
                    r.master_host,
                    m,
                    if up { "up" } else { "down" }
                ));
                if !up {
                    s.push_str("master_link_down_since_seconds:1\r\n");
                }
                s.push_str(&format!(
                    "slave_repl_offset:{}\r\nslave_priority:{}\r\nreplica_announced:1\r\n",
                    r.offset, r.priority
                ));
            }
        }
        s
    }

    /// What each live sentinel answers to GET-MASTER-ADDR-BY-NAME for the first name.
    pub fn reported_masters(&self) -> Vec<u16> {
        self.reported_masters_of(&self.names[0])
    }

    /// What each live sentinel answers to GET-MASTER-ADDR-BY-NAME for `name`.
    pub fn reported_masters_of(&self, name: &str) -> Vec<u16> {
        self.sentinels
            .iter()
            .filter(|s| s.alive)
            .map(|s| {
                let m = s.core.master_by_name(name).unwrap();
                s.core.current_master_addr(m).port
            })
            .collect()
    }

    /// Event kinds seen by sentinel `i`.
    pub fn kinds(&self, i: usize) -> Vec<String> {
        self.sentinels[i].events.iter().map(|(_, k, _)| k.clone()).collect()
    }

    pub fn count(&self, i: usize, kind: &str) -> usize {
        self.sentinels[i].events.iter().filter(|(_, k, _)| k == kind).count()
    }
}
