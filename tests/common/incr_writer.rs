//! A real client writing through a failover: redis-py's `redis.sentinel.Sentinel` (Debian's
//! python3-redis) INCRs a counter as fast as it can (`bench/incr_writer.py`, shared with
//! `bench/coordinated.sh`), and counts the acknowledged increments the final master lacks.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::process::{self, OwnedChild};

/// The interpreter that has Debian's python3-redis.
pub const PYTHON: &str = "/usr/bin/python3";

/// The writer script.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/incr_writer.py")
}

/// Panic with the way to install redis-py when it is missing (a test never skips silently).
pub fn require_redis_py() {
    let ok = Command::new(PYTHON).args(["-c", "import redis"]).status().map(|s| s.success()).unwrap_or(false);
    assert!(
        ok,
        "{PYTHON} with redis-py is required (Debian package python3-redis; scripts/test.sh installs it)"
    );
}

/// What the writer saw, from its summary line (see `bench/incr_writer.py`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriterReport {
    /// INCRs acknowledged (a value came back).
    pub acked: u64,
    pub distinct: u64,
    /// The counter on the master the sentinels report once the writer stopped.
    pub final_value: i64,
    /// Acknowledged increments the final master does not have.
    pub lost: u64,
    /// INCRs that failed or timed out (never acknowledged).
    pub errors: u64,
    pub first: i64,
    pub last: i64,
}

impl WriterReport {
    /// Parse `acked A distinct D final F lost L errors E first X last Y`.
    pub fn parse(line: &str) -> Option<WriterReport> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let field = |name: &str| -> Option<i64> {
            let i = words.iter().position(|w| *w == name)?;
            words.get(i + 1)?.parse().ok()
        };
        Some(WriterReport {
            acked: field("acked")? as u64,
            distinct: field("distinct")? as u64,
            final_value: field("final")?,
            lost: field("lost")? as u64,
            errors: field("errors")? as u64,
            first: field("first")?,
            last: field("last")?,
        })
    }
}

/// A running writer. Dropping it kills the process.
pub struct IncrWriter {
    child: OwnedChild,
    dir: tempfile::TempDir,
    log: PathBuf,
}

impl IncrWriter {
    /// Start writing to `master_name` through the sentinels on `sentinel_ports`.
    pub fn start(master_name: &str, sentinel_ports: &[u16]) -> IncrWriter {
        require_redis_py();
        let dir = process::temp_dir("incr-writer");
        let log = dir.path().join("writer.log");
        let mut args = vec![
            script().to_string_lossy().into_owned(),
            master_name.to_string(),
            dir.path().join("stop").to_string_lossy().into_owned(),
        ];
        args.extend(sentinel_ports.iter().map(u16::to_string));
        let child = OwnedChild::spawn(Path::new(PYTHON), &args, dir.path(), &log)
            .unwrap_or_else(|e| panic!("cannot run {PYTHON}: {e}"));
        IncrWriter { child, dir, log }
    }

    /// Everything the writer printed so far.
    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Tell the writer to stop, wait for its summary (it reads the counter on the master the
    /// sentinels report), and return it. Panics with the writer's output if it failed.
    pub fn stop(mut self, timeout: Duration) -> WriterReport {
        std::fs::write(self.dir.path().join("stop"), b"").expect("write the stop file");
        let status = self.child.wait_exit(timeout);
        let out = self.output();
        assert!(status.is_some_and(|s| s.success()), "redis-py writer failed ({status:?}):\n{out}");
        out.lines()
            .rev()
            .find_map(WriterReport::parse)
            .unwrap_or_else(|| panic!("no summary line from the writer:\n{out}"))
    }
}
