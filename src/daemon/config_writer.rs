//! The config writer: one thread of its own that writes numbered state snapshots in order, off
//! the runtime's workers (an `fsync` never stalls a tokio worker), skipping snapshots that a
//! newer one already supersedes, and reports each write back as durable or failed
//! (raft-rs's `Ready` is persisted, then `advance`d: the core task releases what waited for a
//! snapshot only on that report).

use std::path::PathBuf;
use std::sync::mpsc as std_mpsc;

use tokio::sync::mpsc;

use crate::config::model::ServerConfig;
use crate::config::SentinelConfig;

/// A snapshot to write: sequence number, generic settings, sentinel state.
pub struct Snapshot {
    pub seq: u64,
    pub server: ServerConfig,
    pub state: SentinelConfig,
}

/// What the writer reports: every snapshot up to `seq` is on disk (`ok`), or the write of
/// `seq` failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteReport {
    pub seq: u64,
    pub ok: bool,
}

/// Where snapshots go. The daemon writes the config file; tests substitute slow or failing
/// stores.
pub trait ConfigStore: Send + 'static {
    fn write(&mut self, server: &ServerConfig, state: &SentinelConfig) -> Result<(), String>;
}

/// The config file, rewritten atomically (`config::save`).
pub struct ConfigFile(pub PathBuf);

impl ConfigStore for ConfigFile {
    fn write(&mut self, server: &ServerConfig, state: &SentinelConfig) -> Result<(), String> {
        crate::config::save(&self.0, server, state).map_err(|e| e.to_string())
    }
}

/// The sending side, held by the core task.
pub struct ConfigWriter {
    tx: std_mpsc::Sender<Snapshot>,
}

impl ConfigWriter {
    /// Start the writer thread; reports arrive on the returned receiver.
    pub fn start(mut store: impl ConfigStore) -> (ConfigWriter, mpsc::UnboundedReceiver<WriteReport>) {
        let (tx, rx) = std_mpsc::channel::<Snapshot>();
        let (report_tx, report_rx) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("config-writer".into())
            .spawn(move || {
                while let Ok(mut snap) = rx.recv() {
                    // Only the newest queued snapshot matters: it holds every older one's state.
                    while let Ok(newer) = rx.try_recv() {
                        snap = newer;
                    }
                    let ok = match store.write(&snap.server, &snap.state) {
                        Ok(()) => {
                            tracing::info!("Sentinel new configuration saved on disk");
                            true
                        }
                        Err(e) => {
                            tracing::warn!(
                                "WARNING: Sentinel was not able to save the new configuration on disk!!!: {}",
                                e
                            );
                            false
                        }
                    };
                    if report_tx.send(WriteReport { seq: snap.seq, ok }).is_err() {
                        return;
                    }
                }
            })
            .expect("spawning the config writer thread");
        (ConfigWriter { tx }, report_rx)
    }

    /// Queue a snapshot. Returns false if the writer thread is gone.
    pub fn submit(&self, snap: Snapshot) -> bool {
        self.tx.send(snap).is_ok()
    }
}
