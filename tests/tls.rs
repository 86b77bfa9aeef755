//! TLS: a TLS-only deployment (every redis-server and sentinel on a `tls-port` with `port 0`,
//! `tls-replication yes`) of rsentinels, of redis-sentinels and of a mix: discovery,
//! SDOWN/ODOWN, failover, clients finding the master (redis-cli `--tls`, redis-py with
//! `ssl=True`); no clear text on any link; start-up refusals; certificate rotation;
//! `tls-auth-clients`; handshake failures logged without flooding; hostname verification.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use common::scenario::{mix_for_env, switch_payload, wait_event_on_all, Payload, DOWN_AFTER_MS};
use common::tls_certs::{common_name, register_tls_port, Leaf, TestCerts};
use common::{
    free_port, process, unique_name, wait_until, Client, Deployment, Kind, RedisServer, SentinelOptions,
    SentinelProc,
};
use Kind::{Redis as R, Rsentinel as RS};

const DISCOVERY: Duration = Duration::from_secs(40);
const EVENT: Duration = Duration::from_secs(40);
const FAILOVER: Duration = Duration::from_secs(90);

fn tls_options() -> SentinelOptions {
    SentinelOptions { tls: true, ..SentinelOptions::default() }
}

/// `redis-cli --tls ... -p <port> <args>` with the test client certificate.
fn redis_cli_tls(port: u16, args: &[&str]) -> String {
    let certs = TestCerts::shared();
    let out = Command::new(common::tool_path("RSENTINEL_REDIS_CLI", "redis-cli"))
        .args(certs.cli_args())
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("run redis-cli");
    assert!(out.status.success(), "redis-cli failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// redis-py over TLS: discover the master through the sentinels, write and read a key on it.
/// Prints `<ip> <port> <value>`.
const REDIS_PY_TLS: &str = r#"
import sys
from redis.sentinel import Sentinel
name, ca, cert, key, ports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], [int(p) for p in sys.argv[5:]]
tls = dict(ssl=True, ssl_ca_certs=ca, ssl_certfile=cert, ssl_keyfile=key)
sentinel = Sentinel([("127.0.0.1", p) for p in ports], sentinel_kwargs=dict(tls, socket_timeout=2), socket_timeout=2, **tls)
ip, port = sentinel.discover_master(name)
master = sentinel.master_for(name, socket_timeout=2, **tls)
master.set("tls-key", "over-tls")
print(ip, port, master.get("tls-key").decode())
"#;

fn redis_py_discovers(name: &str, sentinel_ports: &[u16]) -> String {
    let certs = TestCerts::shared();
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.args(["-c", REDIS_PY_TLS, name, &certs.ca(), &certs.path("client.crt"), &certs.path("client.key")]);
    cmd.args(sentinel_ports.iter().map(u16::to_string));
    let out = cmd.output().expect("run python3");
    assert!(out.status.success(), "redis-py failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The whole TLS-only scenario for one mix of sentinel kinds.
fn tls_only_deployment(mix: &[Kind]) {
    let mix = mix_for_env(mix);
    eprintln!("=== TLS-only mix {mix:?}");
    let mut d = Deployment::builder()
        .master_name(&unique_name("tls"))
        .replicas(2)
        .sentinel_kinds(&mix)
        .quorum(2)
        .down_after_ms(DOWN_AFTER_MS)
        .failover_timeout_ms(10_000)
        .redis_args(&["--repl-diskless-sync-delay", "0"])
        .tls()
        .start();
    // Discovery: replicas through INFO, peers through hellos, all over TLS.
    d.wait_for_discovery(DISCOVERY);
    for s in &d.sentinels {
        let peers: Vec<i64> = s.instances("SENTINELS", &d.name).iter().filter_map(|p| p.field_int("port")).collect();
        for other in d.sentinels.iter().filter(|o| o.port() != s.port()) {
            assert!(peers.contains(&i64::from(other.port())), "{}: peers {peers:?} list the TLS port", s.kind());
        }
    }
    // Clients find the master over TLS.
    let master_port = d.master.port();
    let reply = redis_cli_tls(d.sentinels[0].port(), &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &d.name]);
    assert_eq!(reply.split_whitespace().collect::<Vec<_>>(), vec!["127.0.0.1", &master_port.to_string()]);
    let ports: Vec<u16> = d.sentinels.iter().map(SentinelProc::port).collect();
    assert_eq!(redis_py_discovers(&d.name, &ports), format!("127.0.0.1 {master_port} over-tls"));

    // SDOWN, ODOWN and a failover, agreed on by every sentinel.
    let mut subs = d.subscribe_all(&["*"]);
    d.master.kill();
    let master = format!("master {} 127.0.0.1 {master_port}", d.name);
    wait_event_on_all(&mut subs, "+sdown", &Payload::Is(master.clone()), EVENT);
    let new = d.wait_for_new_master(master_port, FAILOVER);
    wait_event_on_all(&mut subs, "+switch-master", &Payload::Is(switch_payload(&d.name, master_port, new)), EVENT);
    // The leader reached ODOWN through the others' answers over TLS (a follower may learn the
    // new configuration from a hello before its own ODOWN).
    let odown = Payload::StartsWith(format!("{master} #quorum "));
    assert!(
        subs.iter().any(|s| s.seen().iter().any(|m| m.channel == "+odown" && odown.matches(&m.payload))),
        "{mix:?}: some sentinel reached +odown"
    );
    assert_eq!(d.server(new).expect("new master").role(), "master");
    let other = d.replicas.iter().find(|r| r.port() != new).expect("other replica");
    wait_until(FAILOVER, "the other replica follows the new master over TLS", || {
        other.replication_field("master_port") == Some(new.to_string())
            && other.replication_field("master_link_status").as_deref() == Some("up")
    });
    assert_eq!(redis_py_discovers(&d.name, &ports), format!("127.0.0.1 {new} over-tls"));
}

#[test]
fn tls_only_deployment_of_rsentinels() {
    tls_only_deployment(&[RS, RS, RS]);
}

#[test]
fn tls_only_deployment_of_redis_sentinels() {
    tls_only_deployment(&[R, R, R]);
}

#[test]
fn tls_only_mixed_deployment_two_rsentinels() {
    tls_only_deployment(&[RS, RS, R]);
}

#[test]
fn tls_only_mixed_deployment_two_redis_sentinels() {
    tls_only_deployment(&[R, R, RS]);
}
