//! One task per client connection (mini-redis's `Handler`): admission checks, then a loop that
//! runs every complete request in the query buffer, writes replies and pub/sub messages, and
//! reacts to CLIENT KILL and shutdown.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

use super::argv::Argv;
use super::client::{format_addr, BufferStats, ClientState, ReplyMode};
use super::cmd::spec::Run;
use super::cmd::{self, Ctx, Rejection};
use super::connection::{Connection, IoEvent};
use super::reply::RespWriter;
use super::stats::ServerStats;
use super::{Frame, Server};
use crate::tls::Stream;

/// `client-query-buffer-limit`: a client holding more unparsed input is disconnected.
const QUERY_BUFFER_LIMIT: usize = 1024 * 1024 * 1024;
/// `client-output-buffer-limit pubsub 32mb 8mb 60`.
const PUBSUB_HARD_LIMIT: usize = 32 * 1024 * 1024;
const PUBSUB_SOFT_LIMIT: usize = 8 * 1024 * 1024;
const PUBSUB_SOFT_SECONDS: u64 = 60;
/// Stop reading and running a client's requests while this many reply bytes wait for it to
/// read them; checked before every request, so a pipeline already read (16 KB of `SENTINEL
/// MASTERS` is 900 requests) cannot queue more than this plus one reply. Redis runs the whole
/// pipeline and queues every reply (the normal class has no output limit).
const REPLY_BACKPRESSURE: usize = 16 * 1024 * 1024;

const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no \
password is set for the default user. In this mode connections are only accepted from the loopback interface. \
If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just \
disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by \
connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly \
accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you \
can just disable the protected mode by editing the Redis configuration file, and setting the protected mode \
option to 'no', and then restarting the server. 3) If you started the server manually just for testing, \
restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. \
NOTE: You only need to do one of the above things in order for the server to start accepting connections from \
the outside.\r\n";

/// The connection is over.
struct Closed;

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Protected mode (`clientAcceptHandler`): with `protected-mode yes` and no password on the
/// default user, only loopback clients are served. Redis 7 applies this whatever `bind` says.
fn protected_mode_denies(protected_mode: bool, default_nopass: bool, peer: IpAddr) -> bool {
    protected_mode && default_nopass && !is_loopback(peer)
}

/// Serve one client until it disconnects, is killed, or the process shuts down.
pub async fn run(srv: Arc<Server>, stream: Stream, peer: SocketAddr) {
    crate::handle::fail_stop::test_panic_point("server");
    if srv.clients.len() >= srv.maxclients {
        srv.stats.rejected_connections.fetch_add(1, Relaxed);
        let mut conn = Connection::new(stream);
        conn.write_raw(b"-ERR max number of clients reached\r\n");
        let _ = tokio::time::timeout(Duration::from_secs(1), conn.flush()).await;
        return;
    }
    let laddr = stream.local_addr().map(|a| format_addr(&a)).unwrap_or_default();
    let conn = Connection::new(stream);
    let id = srv.clients.next_id();
    let entry = srv.clients.register(id, format_addr(&peer), laddr, conn.fd());
    if srv.is_shutting_down() {
        // Registered after the shutdown sweep killed every client: end like them.
        entry.kill();
    }
    let (push_tx, push_rx) = unbounded_channel();
    let authenticated = !srv.acl().auth_required();
    let client = ClientState::new(entry, push_tx, authenticated);
    let mut session = Session {
        srv: srv.clone(),
        conn,
        client,
        push_rx,
        argv: Argv::default(),
        over_soft_limit_since: None,
    };
    let default_nopass = srv.acl().default_user().is_some_and(|u| u.nopass());
    if protected_mode_denies(srv.protected_mode, default_nopass, peer.ip()) {
        srv.stats.rejected_connections.fetch_add(1, Relaxed);
        session.conn.write_raw(DENIED.as_bytes());
        let _ = tokio::time::timeout(Duration::from_secs(1), session.conn.flush()).await;
        return;
    }
    srv.stats.connections_received.fetch_add(1, Relaxed);
    session.publish_view();
    session.run().await;
}

struct Session {
    srv: Arc<Server>,
    conn: Connection,
    client: ClientState,
    push_rx: UnboundedReceiver<Frame>,
    /// The request being run; its storage is reused from request to request.
    argv: Argv,
    /// Since when a subscriber's pending output has exceeded the soft limit.
    over_soft_limit_since: Option<Instant>,
}

/// Counts kept while a batch of requests runs, added to the server's counters once per batch.
#[derive(Default)]
struct BatchCounts {
    commands: u64,
    errors: u64,
}

impl Session {
    async fn run(&mut self) {
        let entry = self.client.entry.clone();
        // Kill requests (CLIENT KILL, ACL DELUSER, shutdown) arrive through one future, made
        // once for the connection's life.
        let killed = entry.killed();
        tokio::pin!(killed);
        loop {
            if entry.is_killed() {
                return;
            }
            if self.process_input().await.is_err() {
                return;
            }
            self.publish_view();
            if self.flush_now().is_err() {
                return;
            }
            if self.client.close_after_reply && self.conn.pending_output() == 0 {
                return;
            }
            let want_read = !self.client.close_after_reply && self.conn.pending_output() < REPLY_BACKPRESSURE;
            tokio::select! {
                _ = &mut killed => return,
                Some(frame) = self.push_rx.recv() => {
                    if self.push(frame).is_err() {
                        return;
                    }
                }
                ev = self.conn.io(want_read) => {
                    if self.on_io(ev).is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Write the replies of the batch just run, if the socket takes them at once.
    fn flush_now(&mut self) -> Result<(), Closed> {
        if self.conn.pending_output() == 0 {
            return Ok(());
        }
        match self.conn.try_flush() {
            Ok(0) => Ok(()),
            Ok(n) => self.on_io(Ok(IoEvent::Wrote(n))),
            Err(e) => self.on_io(Err(e)),
        }
    }

    fn on_io(&mut self, ev: std::io::Result<IoEvent>) -> Result<(), Closed> {
        let stats = &self.srv.stats;
        match ev {
            Ok(IoEvent::Read(0)) | Err(_) => Err(Closed),
            Ok(IoEvent::Read(n)) => {
                ServerStats::add(&stats.net_input_bytes, n as u64);
                ServerStats::add(&stats.reads_processed, 1);
                self.client.last_interaction = Instant::now();
                if self.conn.query_bytes() > QUERY_BUFFER_LIMIT {
                    tracing::warn!(
                        "Closing client that reached max query buffer length: {} (qbuf initial bytes: ...)",
                        self.client.entry.info_line(Instant::now(), &self.srv.table)
                    );
                    return Err(Closed);
                }
                Ok(())
            }
            // A TLS flush step: nothing new left the buffer.
            Ok(IoEvent::Wrote(0)) => Ok(()),
            Ok(IoEvent::Wrote(n)) => {
                ServerStats::add(&stats.net_output_bytes, n as u64);
                ServerStats::add(&stats.writes_processed, 1);
                self.client.last_interaction = Instant::now();
                Ok(())
            }
        }
    }

    /// Queue a pub/sub message, enforcing the pub/sub output buffer limits.
    fn push(&mut self, frame: Frame) -> Result<(), Closed> {
        if matches!(self.client.reply_mode, ReplyMode::Off | ReplyMode::Skip) {
            return Ok(());
        }
        self.conn.write_frame(&frame, self.client.resp);
        let pending = self.conn.pending_output();
        self.srv.stats.note_buffers(0, pending);
        let over_soft = pending > PUBSUB_SOFT_LIMIT;
        let since = match (over_soft, self.over_soft_limit_since) {
            (false, _) => None,
            (true, None) => Some(Instant::now()),
            (true, Some(t)) => Some(t),
        };
        self.over_soft_limit_since = since;
        let soft_expired = since.is_some_and(|t| t.elapsed().as_secs() >= PUBSUB_SOFT_SECONDS);
        if pending > PUBSUB_HARD_LIMIT || soft_expired {
            tracing::warn!(
                "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                self.client.entry.info_line(Instant::now(), &self.srv.table)
            );
            return Err(Closed);
        }
        Ok(())
    }

    /// Run the complete requests in the query buffer, until it holds none or the replies
    /// waiting for the client reach [`REPLY_BACKPRESSURE`] (the rest run once they drain).
    async fn process_input(&mut self) -> Result<(), Closed> {
        let mut counts = BatchCounts::default();
        let result = self.run_requests(&mut counts).await;
        ServerStats::add(&self.srv.stats.commands_processed, counts.commands);
        ServerStats::add(&self.srv.stats.error_replies, counts.errors);
        self.srv.stats.note_buffers(self.conn.query_bytes(), self.conn.pending_output());
        result
    }

    async fn run_requests(&mut self, counts: &mut BatchCounts) -> Result<(), Closed> {
        loop {
            // Output back-pressure is checked per request, so a pipeline already read cannot
            // queue more than the limit plus one reply.
            if self.client.close_after_reply || self.conn.pending_output() >= REPLY_BACKPRESSURE {
                return Ok(());
            }
            let authenticated = !cmd::auth_required(&self.srv, &self.client);
            let consumed = match self.conn.next_request(authenticated, &mut self.argv) {
                Ok(Some(n)) => n,
                Ok(None) => {
                    self.conn.shrink_query_buffer();
                    return Ok(());
                }
                Err(e) => {
                    tracing::debug!(
                        "Protocol error ({}) from client: {}",
                        e,
                        self.client.entry.info_line(Instant::now(), &self.srv.table)
                    );
                    self.reply_error(&e.reply_bytes(), counts);
                    self.client.close_after_reply = true;
                    self.conn.discard_input();
                    return Ok(());
                }
            };
            let r = self.run_request(consumed, counts).await;
            // Let go of the request's bytes, so the query buffer's memory can be reused.
            self.argv.clear();
            r?;
        }
    }

    /// Run the request in `self.argv`.
    async fn run_request(&mut self, consumed: usize, counts: &mut BatchCounts) -> Result<(), Closed> {
        let buffers = self.conn.buffer_stats(consumed, self.argv.mem());
        let prepared = loop {
            match cmd::prepare(&self.srv, &mut self.client, &self.argv, buffers) {
                Err(Rejection::Close) => return Err(Closed),
                Err(Rejection::Error(e)) => break Err(e),
                Ok(cmd) => {
                    let publish = cmd.name == "publish";
                    if !self.srv.pause.holds(publish) {
                        break Ok(cmd);
                    }
                    // Postponed until the pause ends; then every check runs again.
                    self.wait_for_unpause(publish, buffers).await?;
                }
            }
        };
        match prepared {
            Err(e) => self.reply_error(&e, counts),
            Ok(cmd) => {
                self.srv.h.ensure_current(cmd.fresh).await;
                let mark = self.conn.pending_output();
                let out = self.conn.out();
                let errors = match cmd.run {
                    Run::Now(f) => {
                        let mut ctx = Ctx::new(&self.srv, &mut self.client, &self.argv, cmd, buffers, out);
                        f(&mut ctx);
                        ctx.errors
                    }
                    Run::Wait(_) => {
                        cmd::execute(&self.srv, &mut self.client, &self.argv, cmd, buffers, out).await
                    }
                };
                counts.commands += 1;
                counts.errors += errors;
                // CLIENT REPLY OFF / SKIP: the command ran (and its errors count) but its reply
                // is not sent.
                if matches!(self.client.reply_mode, ReplyMode::Off | ReplyMode::Skip) {
                    self.conn.truncate_output(mark);
                }
                self.conn.note_reply_size();
            }
        }
        self.after_command();
        Ok(())
    }

    /// An error reply made of raw bytes; counted even when CLIENT REPLY keeps it from being
    /// sent.
    fn reply_error(&mut self, msg: &[u8], counts: &mut BatchCounts) {
        counts.errors += 1;
        if matches!(self.client.reply_mode, ReplyMode::Off | ReplyMode::Skip) {
            return;
        }
        let mut errors = 0;
        RespWriter::new(self.conn.out(), self.client.resp, &mut errors).error_bytes(msg);
        self.conn.note_reply_size();
    }

    /// Wait for CLIENT PAUSE to end, still writing replies and messages meanwhile.
    async fn wait_for_unpause(&mut self, publish: bool, buffers: BufferStats) -> Result<(), Closed> {
        let entry = self.client.entry.clone();
        let srv = self.srv.clone();
        self.client.blocked = true;
        srv.stats.blocked_clients.fetch_add(1, Relaxed);
        self.client.publish(buffers);
        let result = loop {
            if !srv.pause.holds(publish) {
                break Ok(());
            }
            tokio::select! {
                _ = srv.pause.wait(publish) => {}
                _ = entry.killed() => break Err(Closed),
                Some(frame) = self.push_rx.recv() => {
                    if self.push(frame).is_err() {
                        break Err(Closed);
                    }
                }
                ev = self.conn.io(false) => {
                    if self.on_io(ev).is_err() {
                        break Err(Closed);
                    }
                }
            }
        };
        self.client.blocked = false;
        srv.stats.blocked_clients.fetch_sub(1, Relaxed);
        result
    }

    /// Per-command bookkeeping after a request (`resetClient`): CLIENT REPLY SKIP applies to
    /// exactly the next command, and CLIENT CACHING to the next non-CLIENT command.
    fn after_command(&mut self) {
        self.client.reply_mode = match self.client.reply_mode {
            ReplyMode::Skip => ReplyMode::On,
            ReplyMode::SkipNext => ReplyMode::Skip,
            other => other,
        };
        if !self.client.last_cmd.is_some_and(|c| c.name.starts_with("client")) {
            self.client.tracking.caching = false;
        }
    }

    fn publish_view(&mut self) {
        let buffers = self.conn.buffer_stats(0, 0);
        self.client.publish(buffers);
    }
}

impl Drop for Session {
    /// Forget the client everywhere (subscriptions, registry, tracking count), however the
    /// task ends.
    fn drop(&mut self) {
        let id = self.client.id();
        let broker = &self.srv.broker;
        for ch in &self.client.channels {
            broker.unsubscribe(id, ch);
        }
        for p in &self.client.patterns {
            broker.punsubscribe(id, p);
        }
        self.client.channels.clear();
        self.client.patterns.clear();
        if self.client.tracking.on {
            self.srv.stats.tracking_clients.fetch_sub(1, Relaxed);
            self.client.tracking.on = false;
        }
        self.srv.clients.unregister(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_mode_only_admits_loopback_without_password() {
        let remote: IpAddr = "192.0.2.7".parse().unwrap();
        let v6_remote: IpAddr = "2001:db8::1".parse().unwrap();
        for local in ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"] {
            assert!(!protected_mode_denies(true, true, local.parse().unwrap()), "{}", local);
        }
        assert!(protected_mode_denies(true, true, remote));
        assert!(protected_mode_denies(true, true, v6_remote));
        assert!(!protected_mode_denies(false, true, remote), "protected-mode no");
        assert!(!protected_mode_denies(true, false, remote), "a password is set");
    }

    #[test]
    fn denied_text_is_one_line() {
        assert!(DENIED.starts_with("-DENIED Redis is running in protected mode"));
        assert_eq!(DENIED.matches("\r\n").count(), 1);
        assert!(DENIED.ends_with("accepting connections from the outside.\r\n"));
    }
}
