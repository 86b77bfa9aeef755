//! A real client library across a failover: redis-py's `redis.sentinel.Sentinel` (Debian's
//! python3-redis, installed by scripts/test.sh) writes a counter through `master_for()` while
//! the master is SIGKILLed. redis-py discovers the master with `SENTINEL MASTERS` and parses
//! every field, so this also checks our reply shapes the way a client reads them.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::deployment::Deployment;
use common::sentinel::Kind;
use common::wait_until;

const PYTHON: &str = "/usr/bin/python3";

const WRITER: &str = r#"
import sys, time
from redis.sentinel import Sentinel
from redis.exceptions import ConnectionError, TimeoutError, ReadOnlyError
name, seconds, ports = sys.argv[1], float(sys.argv[2]), [int(p) for p in sys.argv[3:]]
sentinel = Sentinel([("127.0.0.1", p) for p in ports], socket_timeout=0.5)
master = sentinel.master_for(name, socket_timeout=0.5)
acked, masters, errors, i = [], [], 0, 0
end = time.time() + seconds
while time.time() < end:
    i += 1
    try:
        master.set("counter", i)
        acked.append(i)
        addr = sentinel.discover_master(name)
        if not masters or masters[-1] != addr[1]:
            masters.append(addr[1])
    except (ConnectionError, TimeoutError, ReadOnlyError):
        errors += 1
        time.sleep(0.05)
    time.sleep(0.01)
print("acked", len(acked), "last", acked[-1] if acked else 0, "errors", errors, "masters", *masters)
"#;

#[test]
fn redis_py_keeps_writing_across_a_failover() {
    if Command::new(PYTHON).args(["-c", "import redis"]).status().map(|s| !s.success()).unwrap_or(true) {
        panic!(
            "{PYTHON} with redis-py is required (Debian package python3-redis; scripts/test.sh installs it)"
        );
    }
    let mut d = Deployment::builder().sentinels(3, Kind::Rsentinel).down_after_ms(2000).start();
    d.wait_for_discovery(Duration::from_secs(30));
    let old = d.master.port();
    let ports: Vec<String> = d.sentinels.iter().map(|s| s.port().to_string()).collect();
    let mut args = vec!["-c".to_string(), WRITER.to_string(), d.name.clone(), "20".to_string()];
    args.extend(ports);
    let child =
        Command::new(PYTHON).args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // Let it write to the original master first.
    let mut probe = d.master.client();
    wait_until(Duration::from_secs(10), "redis-py writes to the master", || {
        probe.cmd(&["GET", "counter"]).as_str().is_some()
    });
    d.master.kill();
    let new = d.wait_for_new_master(old, Duration::from_secs(30));
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "redis-py writer failed: {}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let last: i64 = words[3].parse().unwrap();
    let masters: Vec<u16> = words[7..].iter().map(|w| w.parse().unwrap()).collect();
    assert_eq!(masters.first(), Some(&old), "{stdout}");
    assert_eq!(masters.last(), Some(&new), "redis-py followed the switch: {stdout}");
    // The last acknowledged write is on the new master.
    let value = d.server(new).expect("new master").client().cmd(&["GET", "counter"]);
    assert_eq!(value.as_str().and_then(|v| v.parse::<i64>().ok()), Some(last), "{stdout}");
}
