//! The shipped example configs (config/demo/*.conf for scripts/demo.sh, docker/sentinel-*.conf
//! for docker-compose) load in a sentinel and mean what their comments say.
//!
//! Each file is started with `--port <free> --bind 127.0.0.1` on the command line (overriding
//! its own `port`), with the master name made unique and the demo master's port pointed at a
//! port nothing listens on, so a demo running on this machine is never joined by a test.

mod common;

use std::path::Path;

use common::{free_port, unique_name, Client, Kind, PortVia, Resp, SentinelOptions, SentinelProc};

fn repo_file(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn start_from_file(kind: Kind, text: &str) -> SentinelProc {
    let options = SentinelOptions { port_via: PortVia::CommandLine, ..Default::default() };
    SentinelProc::start_with(kind, text, options)
}

fn config_get(c: &mut Client, param: &str) -> Option<String> {
    c.cmd(&["SENTINEL", "CONFIG", "GET", param]).field(param)
}

fn check_demo_configs(kind: Kind) {
    for port in [26379, 26380, 26381] {
        let text = repo_file(&format!("config/demo/sentinel-{port}.conf"));
        assert!(text.contains(&format!("\nport {port}\n")), "sentinel-{port}.conf sets its port");
        let name = unique_name("demo");
        let dead = free_port();
        let text = text
            .replace("mymaster 127.0.0.1 6380 ", &format!("mymaster 127.0.0.1 {dead} "))
            .replace("mymaster", &name);
        let s = start_from_file(kind, &text);
        let m = s.client().cmd(&["SENTINEL", "MASTER", &name]);
        assert_eq!(m.field("ip").as_deref(), Some("127.0.0.1"), "{kind} sentinel-{port}.conf: {m}");
        assert_eq!(m.field_int("port"), Some(i64::from(dead)));
        assert_eq!(m.field_int("quorum"), Some(2));
        assert_eq!(m.field_int("down-after-milliseconds"), Some(5000));
        assert_eq!(m.field_int("failover-timeout"), Some(60000));
        assert_eq!(m.field_int("parallel-syncs"), Some(1));
    }
}

fn check_docker_configs(kind: Kind) {
    for i in 1..=3 {
        let text = repo_file(&format!("docker/sentinel-{i}.conf"));
        assert!(text.contains("\ndir /data\n"), "docker config keeps its state in the /data volume");
        let name = unique_name("docker");
        // The container path /data does not exist here: point `dir` at a temp dir.
        let data = tempfile::tempdir().expect("temp dir");
        let text = text
            .replace("\ndir /data\n", &format!("\ndir {}\n", data.path().display()))
            .replace("mymaster", &name);
        let s = start_from_file(kind, &text);
        let mut c = s.client();
        // The master is a compose service name: accepted unresolved, reported as the name.
        let m = c.cmd(&["SENTINEL", "MASTER", &name]);
        assert_eq!(m.field("ip").as_deref(), Some("redis-master"), "{kind} docker/sentinel-{i}.conf: {m}");
        assert_eq!(m.field_int("port"), Some(6379));
        assert_eq!(m.field_int("quorum"), Some(2));
        assert_eq!(m.field_int("down-after-milliseconds"), Some(5000));
        assert_eq!(m.field_int("failover-timeout"), Some(60000));
        assert_eq!(config_get(&mut c, "resolve-hostnames").as_deref(), Some("yes"));
        assert_eq!(config_get(&mut c, "announce-hostnames").as_deref(), Some("yes"));
        assert_eq!(config_get(&mut c, "announce-ip").as_deref(), Some(format!("sentinel-{i}").as_str()));
        assert!(matches!(c.cmd(&["PING"]), Resp::Simple(ref p) if p == "PONG"));
    }
}

#[test]
fn demo_configs_load_in_redis_sentinel() {
    check_demo_configs(Kind::Redis);
}

#[test]
fn docker_configs_load_in_redis_sentinel() {
    check_docker_configs(Kind::Redis);
}

#[test]
fn demo_configs_load_in_rsentinel() {
    check_demo_configs(Kind::Rsentinel);
}

#[test]
fn docker_configs_load_in_rsentinel() {
    check_docker_configs(Kind::Rsentinel);
}
