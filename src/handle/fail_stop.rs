//! Fail-stop: a panic in any task or thread ends the whole process with a non-zero status and a
//! clear log line, so docker, systemd or Kubernetes restart it. A sentinel that kept answering
//! peers and clients after, say, its core task died would mark healthy masters down and vote
//! on state it no longer updates; dying is the honest answer.
//!
//! The release profile also sets `panic = "abort"`; the hook makes debug builds (and any
//! panic inside a tokio task, which tokio would otherwise catch) behave the same.

/// The variable a test sets to make the process panic on purpose at one place: `core` (the
/// core task, at its first timer) or `server` (a client connection's task, at accept). It
/// exists so that tests can prove the fail-stop behaviour on the real binary.
pub const TEST_PANIC_VAR: &str = "RSENTINEL_TEST_PANIC";

/// The exit status is the one `abort()` gives (SIGABRT, 134 in a shell).
pub fn install() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("unnamed");
        tracing::error!("# rsentinel: fatal: panic in thread '{}': {}; exiting", name, info);
        eprintln!("# rsentinel: fatal: panic in thread '{}': {}; exiting", name, info);
        default(info);
        std::process::abort();
    }));
}

/// Panic here if the test variable names `place`.
pub fn test_panic_point(place: &str) {
    if std::env::var(TEST_PANIC_VAR).is_ok_and(|v| v == place) {
        panic!("test panic requested at '{}' ({})", place, TEST_PANIC_VAR);
    }
}
