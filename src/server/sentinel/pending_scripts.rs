//! SENTINEL PENDING-SCRIPTS (`sentinelPendingScriptsCommand`).

use crate::handle::Handle;
use crate::server::Frame;

/// One 5-pair map per queued job, in queue order: `argv` (the path, then the arguments),
/// `flags` (`running` | `scheduled`; a job whose process is being started counts as running),
/// `pid` (0 when not running or not started yet), then `run-time` (ms since a
/// running job started) or `run-delay` (ms until a scheduled job may run, never negative), and
/// `retry-num`.
pub(super) async fn run(h: &Handle) -> Frame {
    h.read_fresh(|c, now| {
        let jobs = c.scripts.jobs.iter().map(|j| {
            let argv = std::iter::once(&j.path).chain(j.args.iter()).map(Frame::bulk).collect::<Vec<_>>();
            let (state, timing) = if j.is_running() {
                ("running", ("run-time", now.saturating_sub(j.start_time)))
            } else {
                ("scheduled", ("run-delay", j.start_time.saturating_sub(now)))
            };
            Frame::map([
                ("argv", Frame::Array(argv)),
                ("flags", Frame::bulk(state)),
                ("pid", Frame::bulk_num(j.pid.unwrap_or(0))),
                (timing.0, Frame::bulk_num(timing.1)),
                ("retry-num", Frame::bulk_num(j.retry_num)),
            ])
        });
        Frame::Array(jobs.collect())
    })
    .await
}
