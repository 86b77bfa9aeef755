//! SENTINEL PENDING-SCRIPTS (`sentinelPendingScriptsCommand`).

use crate::core::scripts::ScriptState;
use crate::server::cmd::Ctx;

/// One 5-pair map per queued job, in queue order: `argv` (the path, then the arguments),
/// `flags` (`running` | `scheduled`; a job whose process is being started counts as running),
/// `pid` (0 when not running or not started yet), then `run-time` (ms since a
/// running job started) or `run-delay` (ms until a scheduled job may run, never negative), and
/// `retry-num`.
pub fn run(ctx: &mut Ctx) {
    let core = ctx.srv.h.read_model();
    let now = ctx.srv.h.now();
    let mut w = ctx.w();
    w.array(core.scripts.jobs.len());
    for j in core.scripts.jobs.iter() {
        let (state, timing, ms) = match j.state {
            ScriptState::Starting { since: started } | ScriptState::Running { started, .. } => {
                ("running", "run-time", now.saturating_sub(started))
            }
            ScriptState::RetryPending { at } => ("scheduled", "run-delay", at.saturating_sub(now)),
            ScriptState::Queued => ("scheduled", "run-delay", 0),
        };
        w.map(5);
        w.bulk("argv");
        w.array(1 + j.args.len());
        std::iter::once(&j.path).chain(j.args.iter()).for_each(|a| w.bulk(a));
        w.bulk("flags");
        w.bulk(state);
        w.bulk("pid");
        w.bulk_uint(u64::from(j.pid().unwrap_or(0)));
        w.bulk(timing);
        w.bulk_uint(ms);
        w.bulk("retry-num");
        w.bulk_uint(u64::from(j.retry_num));
    }
}
