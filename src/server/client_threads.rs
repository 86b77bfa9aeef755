//! The threads that serve client connections, apart from the runtime that monitors.
//!
//! Each thread runs a single-threaded tokio runtime; accepted connections are handed out in
//! turn and stay on their thread (no work stealing, no wake-ups across threads for a request:
//! a read, the reply written into the connection's buffer, one write). Clients never queue
//! behind monitoring tasks, and monitoring tasks (the core task, the links, their PING timers)
//! never queue behind a burst of clients: under load the kernel shares the cores between the
//! threads, and the monitoring threads, which mostly sleep, are woken first.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::oneshot;

use super::{accept_tls, handler, Server};
use crate::tls::{Stream, Tls};

/// How many client threads to run: half the machine's cores (what `available_parallelism`
/// says), at least one, unless `RSENTINEL_CLIENT_THREADS` sets it. The other half is left to
/// the core task and the links, and to the clients themselves when they run on the same
/// machine: on 2 cores with redis-benchmark beside it, two client threads preempting each
/// other tripled the p99 latency of small requests against one thread, for no more throughput
/// (bench/throughput.sh).
pub fn default_count() -> usize {
    std::env::var("RSENTINEL_CLIENT_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n >= 1)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() / 2).max(1))
}

/// The running client threads. Dropping this stops them (their connections are dropped).
pub struct ClientThreads {
    runtimes: Vec<tokio::runtime::Handle>,
    next: AtomicUsize,
    stops: Vec<oneshot::Sender<()>>,
}

impl ClientThreads {
    /// Start `n` threads (at least one).
    pub fn start(n: usize) -> std::io::Result<ClientThreads> {
        let mut runtimes = Vec::new();
        let mut stops = Vec::new();
        for i in 0..n.max(1) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtimes.push(rt.handle().clone());
            let (stop, stopped) = oneshot::channel::<()>();
            stops.push(stop);
            std::thread::Builder::new().name(format!("rsentinel-clients-{}", i)).spawn(move || {
                rt.block_on(async {
                    let _ = stopped.await;
                });
                // The runtime is dropped here, on its own thread: its connections end.
            })?;
        }
        Ok(ClientThreads { runtimes, next: AtomicUsize::new(0), stops })
    }

    /// Serve a newly accepted connection on the next thread in turn; with `tls`, after the
    /// TLS handshake, which that thread runs.
    pub fn serve(&self, srv: Arc<Server>, stream: TcpStream, peer: SocketAddr, tls: Option<Arc<Tls>>) {
        let stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("Accepting client connection: {}", e);
                return;
            }
        };
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.runtimes.len();
        self.runtimes[i].spawn(async move {
            // Registered with this thread's reactor (the stream is already non-blocking).
            let stream = match TcpStream::from_std(stream) {
                Ok(s) => s,
                Err(e) => return tracing::warn!("Accepting client connection: {}", e),
            };
            match tls {
                None => handler::run(srv, Stream::Plain(stream), peer).await,
                Some(tls) => accept_tls(srv, tls, stream, peer).await,
            }
        });
    }
}

impl Drop for ClientThreads {
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
    }
}
