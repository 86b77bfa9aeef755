//! Side by side with the real redis-sentinel 7.0.15: the same config file is rewritten by
//! redis-sentinel (SENTINEL FLUSHCONFIG / SET / REMOVE over a raw socket) and by our `save`
//! (applied to the equivalent state); the resulting files must hold the same directives.
//!
//! Known, deliberate differences are normalised away: R7 also writes
//! `latency-tracking-info-percentiles` and a `user default ...` line (both Redis defaults),
//! and it never removes `known-slave` lines (we treat them as `known-replica` lines).

mod config_common;

use std::path::Path;

use config_common::{free_port, sentinel_lines, RealSentinel};
use rsentinel::config::{load, save, LoadedConfig};

const ID: &str = "ce62ffdda3519202bed73d2c3dc22fdbf1c7cadc";

/// Everything that is not a `sentinel` line, as word lists, minus R7's default-only extras.
fn generic_lines(text: &str) -> Vec<Vec<String>> {
    let mut v: Vec<Vec<String>> = text
        .lines()
        .filter_map(|l| rsentinel::config::lexer::split_args(l.trim()))
        .filter(|w| !w.is_empty() && !w[0].starts_with('#'))
        .filter(|w| !w[0].eq_ignore_ascii_case("sentinel"))
        .filter(|w| w[0] != "latency-tracking-info-percentiles")
        .filter(|w| !(w[0] == "user" && w.get(1).map(String::as_str) == Some("default")))
        .collect();
    v.sort();
    v
}

fn dedup(mut v: Vec<Vec<String>>) -> Vec<Vec<String>> {
    v.dedup();
    v
}

struct Case {
    real: RealSentinel,
    ours: LoadedConfig,
    real_path: std::path::PathBuf,
    ours_path: std::path::PathBuf,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

/// Write `body` (with `dir` pointing at the real sentinel's directory, so both sides write
/// the same `dir`) for both sides, start the real sentinel, load ours with the same
/// command-line options.
fn setup(body: &str) -> Case {
    let real_dir = tempfile::tempdir().unwrap();
    let ours_dir = tempfile::tempdir().unwrap();
    let text = format!("dir {}\n{}", real_dir.path().display(), body);
    let real_path = real_dir.path().join("s.conf");
    let ours_path = ours_dir.path().join("s.conf");
    std::fs::write(&real_path, &text).unwrap();
    std::fs::write(&ours_path, &text).unwrap();
    let real = RealSentinel::start(&real_path);
    let port = real.port.to_string();
    let overrides: Vec<String> =
        ["--port", &port, "--bind", "127.0.0.1"].iter().map(|s| s.to_string()).collect();
    let ours = load(&ours_path, &overrides).unwrap();
    Case { real, ours, real_path, ours_path, _dirs: (real_dir, ours_dir) }
}

impl Case {
    fn real_cmd(&self, args: &[&str]) {
        let reply = self.real.command(args).unwrap();
        assert_eq!(reply, "+OK\r\n", "{:?}", args);
    }

    fn save_ours(&self) {
        save(&self.ours_path, &self.ours.server, &self.ours.sentinel).unwrap();
    }

    fn compare(&self) {
        let real = std::fs::read_to_string(&self.real_path).unwrap();
        let ours = std::fs::read_to_string(&self.ours_path).unwrap();
        assert_eq!(
            dedup(sentinel_lines(&ours)),
            dedup(sentinel_lines(&real)),
            "sentinel lines differ\n--- ours\n{}\n--- redis-sentinel\n{}",
            ours,
            real
        );
        assert_eq!(
            generic_lines(&ours),
            generic_lines(&real),
            "generic lines differ\n--- ours\n{}\n--- redis-sentinel\n{}",
            ours,
            real
        );
        // Comments survive on both sides, in the same order.
        let comments =
            |t: &str| t.lines().filter(|l| l.starts_with('#')).map(String::from).collect::<Vec<_>>();
        assert_eq!(comments(&ours), comments(&real));
    }
}

#[test]
fn hand_written_config_flushconfig() {
    let (p1, p2) = (free_port(), free_port());
    let c = setup(&format!(
        "# a hand-written sentinel\ndaemonize no\nlogfile \"\"\n\
         sentinel monitor mymaster 127.0.0.1 {p1} 2\nsentinel down-after-milliseconds mymaster 3000\n\
         # trailing comment\nsentinel failover-timeout mymaster 20000\nsentinel myid {ID}\n\
         sentinel known-replica mymaster 127.0.0.1 {p2}\n"
    ));
    c.real_cmd(&["SENTINEL", "FLUSHCONFIG"]);
    c.save_ours();
    c.compare();
}

#[test]
fn every_option_flushconfig() {
    let ports: Vec<u16> = (0..6).map(|_| free_port()).collect();
    let c = setup(&format!(
        "sentinel myid {ID}\nsentinel current-epoch 5\nsentinel deny-scripts-reconfig no\n\
         SENTINEL resolve-hostnames no\nsentinel announce-hostnames no\nsentinel announce-ip 10.9.9.9\n\
         sentinel announce-port 26999\nsentinel sentinel-user su\nsentinel sentinel-pass sp\n\
         maxclients 500\n\
         sentinel monitor m1 127.0.0.1 {} 2\nsentinel down-after-milliseconds m1 30000\n\
         sentinel failover-timeout m1 60000\nsentinel parallel-syncs m1 5\n\
         sentinel notification-script m1 /bin/true\nsentinel client-reconfig-script m1 /bin/true\n\
         sentinel auth-pass m1 secret\nsentinel auth-user m1 admin\n\
         sentinel master-reboot-down-after-period m1 1000\nsentinel config-epoch m1 4\nsentinel leader-epoch m1 5\n\
         sentinel known-replica m1 127.0.0.1 {}\nsentinel known-slave m1 127.0.0.1 {}\n\
         sentinel known-sentinel m1 127.0.0.1 {} 1111111111111111111111111111111111111111\n\
         sentinel rename-command m1 CONFIG GUESSME\n\
         sentinel monitor m2 127.0.0.1 {} 1\nsentinel parallel-syncs m2 1\n\
         sentinel known-sentinel m2 127.0.0.1 {} 2222222222222222222222222222222222222222\n",
        ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]
    ));
    c.real_cmd(&["SENTINEL", "FLUSHCONFIG"]);
    c.save_ours();
    c.compare();
}

#[test]
fn set_and_remove_rewrite_the_same_lines() {
    let ports: Vec<u16> = (0..4).map(|_| free_port()).collect();
    let mut c = setup(&format!(
        "sentinel myid {ID}\nsentinel monitor a 127.0.0.1 {} 2\nsentinel known-replica a 127.0.0.1 {}\n\
         sentinel down-after-milliseconds a 5000\nsentinel monitor b 127.0.0.1 {} 1\n\
         sentinel known-replica b 127.0.0.1 {}\nsentinel auth-pass b pw\n",
        ports[0], ports[1], ports[2], ports[3]
    ));
    // SENTINEL SET and REMOVE flush the config in Redis; apply the same change to ours.
    c.real_cmd(&[
        "SENTINEL",
        "SET",
        "b",
        "down-after-milliseconds",
        "1234",
        "quorum",
        "3",
        "parallel-syncs",
        "2",
    ]);
    c.real_cmd(&["SENTINEL", "REMOVE", "a"]);
    c.ours.sentinel.masters.retain(|m| m.name != "a");
    let b = &mut c.ours.sentinel.masters[0];
    b.down_after_ms = 1234;
    b.quorum = 3;
    b.parallel_syncs = 2;
    c.save_ours();
    c.compare();
    let ours = std::fs::read_to_string(&c.ours_path).unwrap();
    assert!(!ours.contains(" a "), "{}", ours);
}

#[test]
fn empty_config_gets_the_same_generated_lines() {
    let c = setup(&format!("sentinel myid {ID}\n"));
    c.real_cmd(&["SENTINEL", "FLUSHCONFIG"]);
    c.save_ours();
    c.compare();
    assert!(Path::new(&c.ours_path).exists());
}
