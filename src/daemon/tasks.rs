//! The long-running tasks: one monitor task per master, the global timer, the link-event
//! dispatcher, and the script runner.

use std::os::unix::process::ExitStatusExt;
use std::time::Duration;

use rand::Rng;

use super::handle::Handle;
use crate::core::{MasterId, Millis, Sentinel};
use crate::monitor::link::{LinkEvent, LinkEvents};

/// Sentinel runs its timer at a random 10-19 Hz so that sentinels do not stay in lock-step
/// (which would keep splitting elections); each master's task does the same.
fn tick_delay() -> Duration {
    let hz = rand::thread_rng().gen_range(10..20u64);
    Duration::from_millis(1000 / hz)
}

/// Tick one master until it is removed or the process shuts down.
pub async fn monitor_master(h: Handle, id: MasterId) {
    let mut shutdown = h.0.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick_delay()) => {}
            _ = shutdown.changed() => return,
        }
        if !h.with_core(|c, now| c.tick_master(id, now)) {
            return;
        }
    }
}

/// The global timer: TILT detection (also done per master tick) and the script queue.
pub async fn global_timer(h: Handle) {
    let mut shutdown = h.0.shutdown.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(tick_delay()) => {}
            _ = shutdown.changed() => return,
        }
        h.with_core(|c, now| c.tick_global(now));
    }
}

/// How many link events the dispatcher feeds the core per lock.
const EVENT_BATCH: usize = 256;

/// Feed what the links report into the core, a batch of already queued events per lock
/// (and per config flush, see `Handle::execute`): with many masters, hellos arrive by the tens
/// of thousands per second, and one lock, one wakeup and one flush per event would leave the
/// dispatcher behind the links.
pub async fn dispatch_link_events(h: Handle, mut events: LinkEvents) {
    let mut batch = Vec::with_capacity(EVENT_BATCH);
    while events.recv_many(&mut batch, EVENT_BATCH).await > 0 {
        h.with_core(|c, now| {
            for ev in batch.drain(..) {
                feed_link_event(c, ev, now);
            }
        });
    }
}

fn feed_link_event(c: &mut Sentinel, ev: LinkEvent, now: Millis) {
    match ev {
        LinkEvent::Connected { link, conn, local_ip } => c.on_link_up(link, conn, local_ip),
        LinkEvent::Reply { link, tag, reply, .. } => c.on_reply(link, tag, reply, now),
        LinkEvent::Message { link, channel, payload } => c.on_pubsub_message(link, &channel, &payload, now),
        LinkEvent::PubSubActivity { link } => c.on_pubsub_activity(link, now),
        LinkEvent::Closed { link, conn, error } => {
            tracing::debug!("link {:?} {:?} closed: {}", link, conn, error);
            c.on_conn_closed(link, conn)
        }
    }
}

/// Run one script job: spawn it, tell the core its pid, and report how it ended.
pub fn spawn_script(h: Handle, job: u64, path: String, args: Vec<String>) {
    let child = tokio::process::Command::new(&path).args(&args).kill_on_drop(false).spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!("Could not start script {}: {}", path, e);
            h.with_core(|c, now| c.on_script_spawn_failed(job, now));
            return;
        }
    };
    let pid = child.id().unwrap_or(0);
    tracing::debug!("+script-child {}", pid);
    h.with_core(|c, now| c.on_script_started(job, pid, now));
    tokio::spawn(async move {
        let status = child.wait().await;
        let (code, signal) = match status {
            Ok(s) => (s.code(), s.signal()),
            Err(_) => (None, Some(libc::SIGKILL)),
        };
        tracing::debug!("-script-child {} {} {}", pid, code.unwrap_or(-1), signal.unwrap_or(0));
        h.with_core(|c, now| c.on_script_exit(job, code, signal, now));
    });
}
