//! A child process owned by a test: spawned with output to a log file, signalled with
//! SIGKILL / SIGSTOP / SIGCONT, reaped on drop.

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A running (or exited) child whose stdout and stderr go to `log_path`.
pub struct OwnedChild {
    child: Child,
    reaped: Option<ExitStatus>,
}

impl OwnedChild {
    /// Spawn `program args...` in `cwd`, appending stdout+stderr to `log_path`.
    ///
    /// The child gets PR_SET_PDEATHSIG=SIGKILL, so it dies if the spawning thread dies
    /// (including a test binary killed from outside), and its own process group, so a
    /// terminal's Ctrl-C reaches the test runner only.
    pub fn spawn(
        program: &Path,
        args: &[String],
        cwd: &Path,
        log_path: &Path,
    ) -> std::io::Result<OwnedChild> {
        OwnedChild::spawn_env(program, args, cwd, log_path, &[])
    }

    /// [`OwnedChild::spawn`] with extra environment variables.
    pub fn spawn_env(
        program: &Path,
        args: &[String],
        cwd: &Path,
        log_path: &Path,
        env: &[(String, String)],
    ) -> std::io::Result<OwnedChild> {
        let log = File::options().create(true).append(true).open(log_path)?;
        let log_err = log.try_clone()?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0);
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0);
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        Ok(OwnedChild { child, reaped: None })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status if the process has exited (reaps it).
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        if self.reaped.is_none() {
            self.reaped = self.child.try_wait().ok().flatten();
        }
        self.reaped
    }

    pub fn is_running(&mut self) -> bool {
        self.try_exit_status().is_none()
    }

    /// Send `sig` if the process is still running.
    pub fn signal(&mut self, sig: libc::c_int) {
        if self.is_running() {
            // SAFETY: plain kill(2) on our own, not yet reaped, child.
            unsafe {
                libc::kill(self.child.id() as libc::pid_t, sig);
            }
        }
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) -> Option<ExitStatus> {
        self.signal(libc::SIGKILL);
        if self.reaped.is_none() {
            self.reaped = self.child.wait().ok();
        }
        self.reaped
    }

    /// Wait up to `timeout` for the process to exit on its own.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = self.try_exit_status() {
                return Some(st);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(super::POLL_INTERVAL);
        }
    }
}

impl Drop for OwnedChild {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The last `n` lines of a file (empty if unreadable).
pub fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Print the tail of a log to stderr (for a test that is panicking).
pub fn print_log_tail(label: &str, path: &Path, n: usize) {
    eprintln!("----- {label}: last {n} lines of {} -----\n{}\n-----", path.display(), tail(path, n));
}

/// Keep temp dirs for post-mortem when `RSENTINEL_KEEP_TMP` is set.
pub fn keep_tmp() -> bool {
    std::env::var_os("RSENTINEL_KEEP_TMP").is_some()
}

/// A fresh temp dir for one process, named after `prefix`.
pub fn temp_dir(prefix: &str) -> tempfile::TempDir {
    tempfile::Builder::new().prefix(&format!("rsentinel-{prefix}-")).tempdir().expect("create temp dir")
}

/// Files and directories made read-only for as long as the guard lives: mode `a-w`, and, when
/// the test runs as root (whom mode bits do not stop), the immutable attribute (`chattr +i`),
/// which stops root too. Dropping the guard gives back the write bits and clears the
/// attribute, so the temp dirs can be removed.
pub struct ReadOnly {
    paths: Vec<(PathBuf, u32)>,
    immutable: bool,
}

impl ReadOnly {
    pub fn new(paths: &[&Path]) -> ReadOnly {
        use std::os::unix::fs::PermissionsExt;
        let mut guard = ReadOnly { paths: Vec::new(), immutable: false };
        for p in paths {
            let mode = std::fs::metadata(p).expect("stat").permissions().mode();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode & !0o222)).expect("chmod a-w");
            guard.paths.push((p.to_path_buf(), mode));
        }
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            let ok =
                Command::new("chattr").arg("+i").args(paths).status().map(|s| s.success()).unwrap_or(false);
            assert!(
                ok,
                "chattr +i {paths:?} failed: root ignores mode bits, so the test cannot make them read-only"
            );
            guard.immutable = true;
        }
        guard
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").args(self.paths.iter().map(|(p, _)| p)).status();
        }
        for (p, mode) in &self.paths {
            let _ = std::fs::set_permissions(p, std::fs::Permissions::from_mode(*mode));
        }
    }
}
