//! A whole Sentinel deployment for one test: 1 master, N replicas, M sentinels of any mix of
//! kinds, all on free loopback ports, watching a master name unique to the test (or several
//! names for the same master, one per loopback address).

use std::time::Duration;

use super::client::{Client, Subscriber};
use super::redis::{RedisServer, ServerKind};
use super::resp::Resp;
use super::sentinel::{Kind, SentinelOptions, SentinelProc};
use super::{unique_name, wait_until};

/// How long replicas may take to report `master_link_status:up` at start.
const REPLICATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Redis's limit on `bind` addresses, and so on the names one master can be watched under.
pub const MAX_NAMES_PER_MASTER: usize = 16;

/// Builder for [`Deployment`]. Defaults: 2 replicas, 3 `redis-sentinel`s, quorum 2,
/// down-after-milliseconds 2000, failover-timeout 10000 (values short enough for tests and
/// long enough not to flap on a loaded 2-core machine).
#[derive(Clone, Debug)]
pub struct DeploymentBuilder {
    name: Option<String>,
    names_per_master: usize,
    replicas: usize,
    sentinels: Vec<Kind>,
    quorum: u32,
    down_after_ms: u64,
    failover_timeout_ms: u64,
    parallel_syncs: Option<u32>,
    extra_sentinel_config: String,
    redis_args: Vec<String>,
    data_kind: ServerKind,
    sentinel_options: SentinelOptions,
    sentinel_debug: Vec<(String, String)>,
    tls: bool,
}

impl Default for DeploymentBuilder {
    fn default() -> Self {
        DeploymentBuilder {
            name: None,
            names_per_master: 1,
            replicas: 2,
            sentinels: vec![Kind::Redis; 3],
            quorum: 2,
            down_after_ms: 2000,
            failover_timeout_ms: 10000,
            parallel_syncs: None,
            extra_sentinel_config: String::new(),
            redis_args: Vec::new(),
            data_kind: ServerKind::Redis,
            sentinel_options: SentinelOptions::default(),
            sentinel_debug: Vec::new(),
            tls: false,
        }
    }
}

impl DeploymentBuilder {
    /// The master name (default: `unique_name("m")`). Keep it unique per test.
    pub fn master_name(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }

    /// Watch the master under `n` names, `<name>-1` .. `<name>-<n>`, the k-th at address
    /// 127.0.0.k (the master and the replicas listen on all `n` addresses; at most
    /// [`MAX_NAMES_PER_MASTER`]). A sentinel tells masters apart by address (hellos,
    /// is-master-down-by-addr), so names sharing a server need an address each. With `n == 1`
    /// (the default) the name is used as is, at 127.0.0.1.
    pub fn master_names(mut self, n: usize) -> Self {
        assert!((1..=MAX_NAMES_PER_MASTER).contains(&n), "1 to {MAX_NAMES_PER_MASTER} names per master");
        self.names_per_master = n;
        self
    }

    pub fn replicas(mut self, n: usize) -> Self {
        self.replicas = n;
        self
    }

    /// `n` sentinels of one kind.
    pub fn sentinels(mut self, n: usize, kind: Kind) -> Self {
        self.sentinels = vec![kind; n];
        self
    }

    /// One sentinel per entry, in this order (a mixed deployment).
    pub fn sentinel_kinds(mut self, kinds: &[Kind]) -> Self {
        self.sentinels = kinds.to_vec();
        self
    }

    pub fn quorum(mut self, q: u32) -> Self {
        self.quorum = q;
        self
    }

    pub fn down_after_ms(mut self, ms: u64) -> Self {
        self.down_after_ms = ms;
        self
    }

    pub fn failover_timeout_ms(mut self, ms: u64) -> Self {
        self.failover_timeout_ms = ms;
        self
    }

    pub fn parallel_syncs(mut self, n: u32) -> Self {
        self.parallel_syncs = Some(n);
        self
    }

    /// Lines appended to every sentinel's config (after the per-master lines).
    pub fn sentinel_config(mut self, lines: &str) -> Self {
        self.extra_sentinel_config.push_str(lines);
        if !lines.ends_with('\n') {
            self.extra_sentinel_config.push('\n');
        }
        self
    }

    /// Extra `redis-server` arguments for the master and every replica.
    pub fn redis_args(mut self, args: &[&str]) -> Self {
        self.redis_args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    /// The binary of the master and the replicas (default redis-server).
    pub fn data_nodes(mut self, kind: ServerKind) -> Self {
        self.data_kind = kind;
        self
    }

    pub fn sentinel_options(mut self, options: SentinelOptions) -> Self {
        self.sentinel_options = options;
        self
    }

    /// TLS everywhere: every redis-server and sentinel listens on a TLS port only (`port 0`)
    /// and every link (replication, sentinel links) uses TLS, with the shared test
    /// certificates.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self.sentinel_options.tls = true;
        self
    }

    /// `SENTINEL DEBUG` settings applied to every sentinel right after it starts, e.g.
    /// `&[("info-period", "1000")]`.
    pub fn sentinel_debug(mut self, params: &[(&str, &str)]) -> Self {
        self.sentinel_debug.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self
    }

    /// Start the master, the replicas (waiting for their replication links), then the
    /// sentinels. Does not wait for discovery: call [`Deployment::wait_for_discovery`].
    pub fn start(self) -> Deployment {
        let name = self.name.clone().unwrap_or_else(|| unique_name("m"));
        let names: Vec<String> = match self.names_per_master {
            1 => vec![name],
            n => (1..=n).map(|k| format!("{name}-{k}")).collect(),
        };
        let mut redis_args: Vec<&str> = self.redis_args.iter().map(String::as_str).collect();
        let binds: Vec<String> = (1..=names.len()).map(|k| format!("127.0.0.{k}")).collect();
        if names.len() > 1 {
            // After RedisServer's own `--bind 127.0.0.1`: the last one wins.
            redis_args.push("--bind");
            redis_args.extend(binds.iter().map(String::as_str));
        }
        let master = RedisServer::start_opts(self.data_kind, &redis_args, self.tls);
        let master_port = master.port().to_string();
        let replicas: Vec<RedisServer> = (0..self.replicas)
            .map(|_| {
                let mut args = vec!["--replicaof", "127.0.0.1", &master_port];
                args.extend_from_slice(&redis_args);
                RedisServer::start_opts(self.data_kind, &args, self.tls)
            })
            .collect();
        for r in &replicas {
            r.wait_link_up(REPLICATION_TIMEOUT);
        }
        let config = self.config_text(&names, master.port());
        let debug: Vec<(&str, &str)> =
            self.sentinel_debug.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let sentinels = self
            .sentinels
            .iter()
            .map(|&kind| {
                let s = SentinelProc::start_with(kind, &config, self.sentinel_options.clone());
                if !debug.is_empty() {
                    s.debug_set(&debug);
                }
                s
            })
            .collect();
        Deployment {
            name: names[0].clone(),
            names,
            master,
            replicas,
            sentinels,
            config,
            options: self.sentinel_options.clone(),
            debug: self.sentinel_debug.clone(),
        }
    }

    /// The sentinel config (without port/bind, which [`SentinelProc`] adds): the k-th name at
    /// 127.0.0.k.
    fn config_text(&self, names: &[String], master_port: u16) -> String {
        let mut c = String::new();
        for (k, name) in names.iter().enumerate() {
            c.push_str(&format!(
                "sentinel monitor {name} 127.0.0.{host} {master_port} {q}\n\
                 sentinel down-after-milliseconds {name} {da}\n\
                 sentinel failover-timeout {name} {ft}\n",
                host = k + 1,
                q = self.quorum,
                da = self.down_after_ms,
                ft = self.failover_timeout_ms,
            ));
            if let Some(ps) = self.parallel_syncs {
                c.push_str(&format!("sentinel parallel-syncs {name} {ps}\n"));
            }
        }
        c.push_str(&self.extra_sentinel_config);
        c
    }
}

/// A running deployment. Fields are public so tests can kill / stop / restart any part.
/// Dropping it kills every process.
pub struct Deployment {
    /// The master name the sentinels monitor (the first one, with several names).
    pub name: String,
    /// Every name the sentinels monitor the master under (just `name` unless
    /// [`DeploymentBuilder::master_names`] asked for more).
    pub names: Vec<String>,
    /// The server that was master at start (it may be a replica after a failover).
    pub master: RedisServer,
    pub replicas: Vec<RedisServer>,
    pub sentinels: Vec<SentinelProc>,
    /// The sentinel config every sentinel started from.
    pub config: String,
    options: SentinelOptions,
    debug: Vec<(String, String)>,
}

impl Deployment {
    pub fn builder() -> DeploymentBuilder {
        DeploymentBuilder::default()
    }

    /// Every redis-server of the deployment, the initial master first.
    pub fn servers(&self) -> impl Iterator<Item = &RedisServer> {
        std::iter::once(&self.master).chain(self.replicas.iter())
    }

    /// The redis-server listening on `port`.
    pub fn server(&self, port: u16) -> Option<&RedisServer> {
        self.servers().find(|s| s.port() == port)
    }

    pub fn server_mut(&mut self, port: u16) -> Option<&mut RedisServer> {
        std::iter::once(&mut self.master).chain(self.replicas.iter_mut()).find(|s| s.port() == port)
    }

    /// Start one more sentinel of `kind` from the same config and options.
    pub fn add_sentinel(&mut self, kind: Kind) -> &SentinelProc {
        let s = SentinelProc::start_with(kind, &self.config, self.options.clone());
        if !self.debug.is_empty() {
            let debug: Vec<(&str, &str)> = self.debug.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            s.debug_set(&debug);
        }
        self.sentinels.push(s);
        self.sentinels.last().expect("just pushed")
    }

    /// One `PSUBSCRIBE` connection per sentinel, in the order of `sentinels`.
    pub fn subscribe_all(&self, patterns: &[&str]) -> Vec<Subscriber> {
        self.sentinels.iter().map(|s| s.psubscribe(patterns)).collect()
    }

    /// Wait until every running sentinel lists, for every name, every replica and every other
    /// sentinel, none of them flagged down or disconnected.
    pub fn wait_for_discovery(&mut self, timeout: Duration) {
        let want_replicas: Vec<String> = self.replicas.iter().map(RedisServer::addr).collect();
        let peers = self.sentinels.len() - 1;
        for (s, name) in self.sentinels.iter().flat_map(|s| self.names.iter().map(move |n| (s, n))) {
            let what = format!(
                "{} :{} to list replicas {want_replicas:?} and {peers} sentinels of {name}",
                s.kind(),
                s.port()
            );
            wait_until(timeout, &what, || {
                let replicas = s.instances("REPLICAS", name);
                let sentinels = s.instances("SENTINELS", name);
                let mut names: Vec<String> = replicas.iter().filter_map(|r| r.field("name")).collect();
                names.sort();
                let mut want = want_replicas.clone();
                want.sort();
                names == want
                    && sentinels.len() == peers
                    && replicas.iter().chain(sentinels.iter()).all(healthy_flags)
            });
        }
    }

    /// The master port every sentinel reports with GET-MASTER-ADDR-BY-NAME for every name,
    /// once they all agree on one other than `old_port`. Panics after `timeout` with what each
    /// said.
    pub fn wait_for_new_master(&self, old_port: u16, timeout: Duration) -> u16 {
        let what = format!("all sentinels of {:?} to report a master other than :{old_port}", self.names);
        let mut port = None;
        super::scenario::wait_until_shows(timeout, &what, || {
            let addrs = self.all_master_addrs();
            let first = addrs.first().and_then(|(_, a)| a.clone());
            port = first
                .filter(|f| f.1 != old_port && addrs.iter().all(|(_, a)| a.as_ref() == Some(f)))
                .map(|f| f.1);
            let seen: Vec<String> = addrs.iter().map(|(who, a)| format!("{who}: {a:?}")).collect();
            (port.is_some(), seen.join("\n"))
        });
        port.expect("wait_until_shows returned, so a port was found")
    }

    /// What every sentinel answers to GET-MASTER-ADDR-BY-NAME for every name, each answer
    /// labelled `<kind> :<port> <name>`.
    fn all_master_addrs(&self) -> Vec<(String, Option<(String, u16)>)> {
        let mut out = Vec::new();
        for s in &self.sentinels {
            for name in &self.names {
                out.push((format!("{} :{} {name}", s.kind(), s.port()), s.master_addr(name)));
            }
        }
        out
    }

    /// What each sentinel answers to GET-MASTER-ADDR-BY-NAME (for failure messages).
    pub fn master_addrs(&self) -> Vec<Option<(String, u16)>> {
        self.sentinels.iter().map(|s| s.master_addr(&self.name)).collect()
    }

    /// A connection to sentinel `i`.
    pub fn sentinel_client(&self, i: usize) -> Client {
        self.sentinels[i].client()
    }

    /// `SENTINEL MASTER <name>` from sentinel `i`.
    pub fn master_info(&self, i: usize) -> Resp {
        self.sentinel_client(i).cmd(&["SENTINEL", "MASTER", &self.name])
    }
}

/// `flags` of an instance map contain neither a down flag nor `disconnected`.
fn healthy_flags(instance: &Resp) -> bool {
    instance
        .field("flags")
        .is_some_and(|f| f.split(',').all(|fl| !matches!(fl, "s_down" | "o_down" | "disconnected")))
}
