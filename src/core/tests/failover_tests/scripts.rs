//! The script queue: limits, retries with backoff, timeouts, spawn failures.

use super::*;
use crate::core::scripts::{ScriptState, SCRIPT_MAX_QUEUE, SCRIPT_MAX_RUNNING};
use crate::core::Action;

fn world() -> World {
    World::new(&[], 0, 1)
}

fn queue(w: &mut World, n: usize) {
    for i in 0..n {
        w.s.schedule_script("/bin/notify.sh".into(), vec!["+sdown".into(), format!("msg {}", i)]);
    }
}

/// The jobs `run_pending_scripts` asked to spawn.
fn spawned(a: &[Action]) -> Vec<u64> {
    a.iter()
        .filter_map(|x| match x {
            Action::SpawnScript { job, .. } => Some(*job),
            _ => None,
        })
        .collect()
}

fn run(w: &mut World) -> Vec<u64> {
    let now = w.now;
    w.s.run_pending_scripts(now);
    spawned(&w.s.drain_actions())
}

fn start(w: &mut World, job: u64, pid: u32) {
    let now = w.now;
    w.s.on_script_started(job, pid, now);
    let a = w.s.drain_actions();
    assert_eq!(events(&a), [("+script-child".to_string(), pid.to_string())]);
    assert_eq!(level_of(&a, "+script-child"), Some(crate::core::Level::Debug));
}

fn exit(w: &mut World, job: u64, code: Option<i32>, signal: Option<i32>) -> Vec<Action> {
    let now = w.now;
    w.s.on_script_exit(job, code, signal, now);
    w.s.drain_actions()
}

#[test]
fn warning_events_queue_the_notification_script() {
    let mut w = world();
    w.master_mut().notification_script = Some("/bin/notify.sh".into());
    w.set_odown();
    w.tick();
    let a = w.s.drain_actions();
    assert!(a.is_empty());
    let args: Vec<Vec<String>> = w.s.scripts.jobs.iter().map(|j| j.args.clone()).collect();
    assert_eq!(args[0], ["+new-epoch", "1"]);
    assert_eq!(args[1], ["+try-failover", MASTER_PREFIX]);
    let now = w.now;
    w.s.run_pending_scripts(now);
    let a = w.s.drain_actions();
    assert_eq!(
        a[0],
        Action::SpawnScript {
            job: w.s.scripts.jobs[0].id,
            path: "/bin/notify.sh".into(),
            args: vec!["+new-epoch".into(), "1".into()]
        }
    );
}

/// The probe: a path without `/` passed the executable check in `dir` but was then looked up
/// in `$PATH` by the spawner. The spawn gets the path of the file that was checked; events
/// keep the configured path.
#[test]
fn a_bare_script_name_runs_from_the_working_directory() {
    let mut w = world();
    w.master_mut().notification_script = Some("notify.sh".into());
    w.set_odown();
    w.tick();
    w.s.drain_actions();
    let now = w.now;
    w.s.run_pending_scripts(now);
    let spawned: Vec<String> =
        w.s.drain_actions()
            .into_iter()
            .filter_map(|a| match a {
                Action::SpawnScript { path, .. } => Some(path),
                _ => None,
            })
            .collect();
    assert!(!spawned.is_empty());
    assert!(spawned.iter().all(|p| p == "./notify.sh"), "{:?}", spawned);
    let job = w.s.scripts.jobs[0].id;
    w.s.on_script_spawn_failed(job, now);
    let errors: Vec<String> =
        w.s.drain_actions()
            .into_iter()
            .filter_map(|a| match a {
                Action::Event { kind, msg, .. } if kind == "-script-error" => Some(msg),
                _ => None,
            })
            .collect();
    assert_eq!(errors, ["notify.sh 99 0"]);
}

#[test]
fn client_reconfig_script_args() {
    let mut w = world();
    let (id, from, to) =
        (w.id, crate::core::Addr::ip("10.0.0.1", 6379), crate::core::Addr::ip("10.0.0.2", 6380));
    w.s.schedule_client_reconfig(id, "observer", &from, &to);
    assert!(w.s.scripts.jobs.is_empty(), "no script configured");
    w.master_mut().client_reconfig_script = Some("/bin/reconf.sh".into());
    w.s.schedule_client_reconfig(id, "observer", &from, &to);
    let j = &w.s.scripts.jobs[0];
    assert_eq!(j.path, "/bin/reconf.sh");
    assert_eq!(j.args, ["mymaster", "observer", "start", "10.0.0.1", "6379", "10.0.0.2", "6380"]);
}

#[test]
fn at_most_16_run_and_the_rest_wait_in_order() {
    let mut w = world();
    queue(&mut w, 20);
    let first = run(&mut w);
    assert_eq!(first.len(), SCRIPT_MAX_RUNNING);
    assert_eq!(first, (1..=16).collect::<Vec<u64>>(), "oldest first");
    assert_eq!(w.s.scripts.running(), 16);
    assert!(run(&mut w).is_empty(), "no slot while all 16 start");
    for (i, job) in first.iter().enumerate() {
        start(&mut w, *job, 100 + i as u32);
    }
    assert!(run(&mut w).is_empty());
    // One ends well: one more starts; success emits no event and forgets the job.
    let a = exit(&mut w, 1, Some(0), None);
    assert!(kinds(&a).iter().all(|k| k == "-script-child"));
    assert_eq!(level_of(&a, "-script-child"), Some(crate::core::Level::Debug));
    assert_eq!(run(&mut w), [17]);
    assert_eq!(w.s.scripts.jobs.len(), 19);
}

#[test]
fn the_queue_drops_its_oldest_waiting_job_past_256() {
    let mut w = world();
    queue(&mut w, 2);
    assert_eq!(run(&mut w), [1, 2]);
    queue(&mut w, SCRIPT_MAX_QUEUE - 2);
    assert_eq!(w.s.scripts.jobs.len(), SCRIPT_MAX_QUEUE);
    queue(&mut w, 1);
    assert_eq!(w.s.scripts.jobs.len(), SCRIPT_MAX_QUEUE);
    let ids: Vec<u64> = w.s.scripts.jobs.iter().map(|j| j.id).collect();
    assert_eq!(ids[..3], [1, 2, 4], "running jobs stay; job 3 (oldest waiting) was dropped");
    assert_eq!(*ids.last().unwrap(), 257);
}

#[test]
fn exit_1_and_signals_are_retried_with_doubling_delays_up_to_10_attempts() {
    let mut w = world();
    queue(&mut w, 1);
    for attempt in 1..=10u32 {
        assert_eq!(run(&mut w), [1], "attempt {}", attempt);
        assert_eq!(w.s.scripts.jobs[0].retry_num, attempt);
        let pid = 500 + attempt;
        start(&mut w, 1, pid);
        assert_eq!(w.s.scripts.jobs[0].pid(), Some(pid));
        w.advance(10);
        // Alternate "please retry" exit code and signal deaths.
        let a =
            if attempt % 2 == 1 { exit(&mut w, 1, Some(1), None) } else { exit(&mut w, 1, None, Some(9)) };
        if attempt == 10 {
            let sig = if attempt % 2 == 1 { "0 1" } else { "9 0" };
            assert_eq!(
                events(&a).last().unwrap(),
                &("-script-error".to_string(), format!("/bin/notify.sh {}", sig))
            );
            assert!(w.s.scripts.jobs.is_empty());
            break;
        }
        assert!(!kinds(&a).contains(&"-script-error".to_string()));
        let j = &w.s.scripts.jobs[0];
        let delay = 30_000u64 << (attempt - 1);
        assert_eq!(j.state, ScriptState::RetryPending { at: w.now + delay }, "attempt {}", attempt);
        w.advance(delay - 1);
        assert!(run(&mut w).is_empty(), "not before the delay");
        w.advance(1);
    }
}

#[test]
fn other_failures_are_reported_and_dropped() {
    let mut w = world();
    queue(&mut w, 1);
    run(&mut w);
    start(&mut w, 1, 42);
    let a = exit(&mut w, 1, Some(2), None);
    assert_eq!(
        events(&a),
        [
            ("-script-child".to_string(), "42 2 0".to_string()),
            ("-script-error".to_string(), "/bin/notify.sh 0 2".to_string())
        ]
    );
    assert_eq!(level_of(&a, "-script-error"), Some(crate::core::Level::Warning));
    assert!(w.s.scripts.jobs.is_empty());
    // Unknown jobs are only logged.
    let a = exit(&mut w, 99, Some(0), None);
    assert!(kinds(&a).is_empty());
    assert_eq!(logs(&a).len(), 1);
}

#[test]
fn running_over_60s_is_killed_once_and_retried() {
    let mut w = world();
    queue(&mut w, 1);
    run(&mut w);
    start(&mut w, 1, 4242);
    let started = w.now;
    w.now = started + 60_000;
    let now = w.now;
    w.s.kill_timedout_scripts(now);
    assert!(w.s.drain_actions().is_empty());
    w.now = started + 60_001;
    let now = w.now;
    w.s.kill_timedout_scripts(now);
    let a = w.s.drain_actions();
    assert_eq!(events(&a), [("-script-timeout".to_string(), "/bin/notify.sh 4242".to_string())]);
    assert_eq!(a.last(), Some(&Action::KillScript { job: 1, pid: 4242 }));
    w.advance(100);
    let now = w.now;
    w.s.kill_timedout_scripts(now);
    assert!(w.s.drain_actions().is_empty(), "killed once");
    // The kill comes back as a signal death: retried in 30 s.
    let a = exit(&mut w, 1, None, Some(9));
    assert!(!kinds(&a).contains(&"-script-error".to_string()));
    assert_eq!(w.s.scripts.jobs[0].state, ScriptState::RetryPending { at: w.now + 30_000 });
}

#[test]
fn spawn_failure_is_reported_like_a_fork_failure() {
    let mut w = world();
    queue(&mut w, 2);
    assert_eq!(run(&mut w), [1, 2]);
    let now = w.now;
    w.s.on_script_spawn_failed(1, now);
    let a = w.s.drain_actions();
    assert_eq!(events(&a), [("-script-error".to_string(), "/bin/notify.sh 99 0".to_string())]);
    assert_eq!(w.s.scripts.jobs.len(), 1);
    assert_eq!(w.s.scripts.running(), 1);
    assert!(run(&mut w).is_empty(), "the failed job is not respawned");
}

#[test]
fn pending_scripts_view_fields() {
    // What SENTINEL PENDING-SCRIPTS reads: queued, then being started, then the pid and start
    // time of the running process.
    let mut w = world();
    queue(&mut w, 1);
    assert_eq!(w.s.scripts.jobs[0].state, ScriptState::Queued);
    run(&mut w);
    assert_eq!(w.s.scripts.jobs[0].state, ScriptState::Starting { since: w.now });
    assert!(w.s.scripts.jobs[0].is_running());
    w.advance(5);
    start(&mut w, 1, 7);
    assert_eq!(w.s.scripts.jobs[0].state, ScriptState::Running { pid: 7, started: w.now, kill_sent: false });
}
