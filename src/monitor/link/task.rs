//! The task behind one connection (command or pub/sub) of one link.
//!
//! It connects with a deadline (TCP, then the TLS handshake with `tls-replication yes`),
//! pipelines the init commands, then writes queued commands and reads replies until the
//! connection fails. Replies are matched to tags in FIFO order, as
//! hiredis matches them to callbacks. The task never reconnects: it reports `Closed` once and
//! ends, and the core decides when to connect again (Sentinel retries at most once per second).

use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BytesMut};
use tokio::net::TcpStream;
use tokio::sync::mpsc::{Sender, UnboundedReceiver};

use super::decode::{encode_command, peek_message, DecodeError, ReplyDecoder, MAX_REPLY_BYTES};
use super::repeated_hellos::RepeatedHellos;
use super::{Envelope, LinkEvent};
use crate::core::wire::hello_message::HELLO_CHANNEL;
use crate::core::{Command, Conn, LinkId, Reply, ReplyTag};
use crate::tls::{read_short, read_when_ready, ReadHalf, Stream, Tls};

/// Bytes read from the socket per `read` call. The buffer lives on the thread's stack, so an
/// idle connection holds no read buffer at all.
const READ_CHUNK: usize = 16 * 1024;

/// How long a pub/sub connection waits, after reading everything its socket had, before it
/// reads again. Everything a pub/sub connection carries is hellos, sent every 2 s and acted on
/// at that scale, so a short wait costs nothing; but with many masters per server every hello
/// there reaches every one of their connections, and reading each as it arrives would mean one
/// wakeup and one `recvfrom` (plus the ACK it triggers) per message or two. Waiting lets them
/// queue up in the socket and be taken in one read, as Redis's single event loop does when busy.
const PUBSUB_READ_PAUSE: Duration = Duration::from_millis(100);

/// Everything one connection task needs.
pub(super) struct ConnTask {
    pub link: LinkId,
    pub conn: Conn,
    pub gen: u64,
    pub ip: String,
    pub port: u16,
    pub init: Vec<(Command, ReplyTag)>,
    pub connect_timeout: Duration,
    /// Set with `tls-replication yes`.
    pub tls: Option<Arc<Tls>>,
    pub events: Sender<Envelope>,
    /// Commands queued by the registry; `None` on a pub/sub connection, which is sent nothing
    /// after its init commands (a channel costs a 32-slot block, 2.5 KB, per connection).
    pub commands: Option<UnboundedReceiver<(Command, ReplyTag)>>,
    /// Our sentinel id, to drop our own hellos here (see `LinkRegistry::own_id`).
    pub own_id: Option<std::sync::Arc<[u8]>>,
    /// Hellos already passed on by some link (see `repeated_hellos`).
    pub repeated_hellos: Arc<RepeatedHellos>,
    /// When the activity of a dropped hello (our own, or a copy) was last reported.
    pub last_own_activity: Option<std::time::Instant>,
    /// When the input being handled was read (one clock reading per read, not per message).
    pub read_at: std::time::Instant,
}

/// How often a pub/sub connection that only carries hellos it drops (our own, copies) reports
/// activity.
pub const OWN_HELLO_ACTIVITY_PERIOD: Duration = Duration::from_millis(100);

/// Why a connection failed (the text of `LinkEvent::Closed`). A task that ends with `Ok(())`
/// was let go by the registry (close, replace, drop) or nobody listens any more: it ends
/// silently.
struct Failure(String);

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Failure {
        Failure(e.to_string())
    }
}

impl From<DecodeError> for Failure {
    fn from(e: DecodeError) -> Failure {
        Failure(e.to_string())
    }
}

impl ConnTask {
    pub async fn run(mut self) {
        if let Err(Failure(error)) = self.serve().await {
            tracing::debug!(link = self.link.0, conn = ?self.conn, "link connection closed: {}", error);
            self.emit(LinkEvent::Closed { link: self.link, conn: self.conn, error }).await;
        }
    }

    /// Send an event to the daemon, waiting while its queue is full (and reading nothing
    /// meanwhile: that is the back-pressure); false if nobody listens any more.
    async fn emit(&self, event: LinkEvent) -> bool {
        let envelope = Envelope { link: self.link, conn: self.conn, gen: self.gen, event };
        self.events.send(envelope).await.is_ok()
    }

    /// TCP connect, then the TLS handshake when links use TLS.
    async fn open(&self) -> io::Result<Stream> {
        let tcp = TcpStream::connect((self.ip.as_str(), self.port)).await?;
        // Replies are small and latency matters (PING times feed SDOWN); hiredis does the same.
        tcp.set_nodelay(true)?;
        match &self.tls {
            None => Ok(Stream::Plain(tcp)),
            Some(tls) => tls.connect(&self.ip, self.port, tcp).await,
        }
    }

    async fn serve(&mut self) -> Result<(), Failure> {
        let Ok(stream) = tokio::time::timeout(self.connect_timeout, self.open()).await else {
            let ms = self.connect_timeout.as_millis();
            return Err(Failure(format!("Connection timed out after {} ms", ms)));
        };
        let stream = stream?;
        let local_ip = stream.local_addr()?.ip().to_string();
        if !self.emit(LinkEvent::Connected { link: self.link, conn: self.conn, local_ip }).await {
            return Ok(());
        }

        let mut out = BytesMut::new();
        let mut tags = VecDeque::new();
        let init = std::mem::take(&mut self.init);
        let init_len = init.len();
        for (i, (cmd, tag)) in init.into_iter().enumerate() {
            encode_command(&cmd, &mut out);
            // On a pub/sub connection the last init command is the SUBSCRIBE: its confirmation
            // (or error) is pub/sub traffic, not a tagged reply. Matching by position rather than
            // by name keeps this right when the command is renamed.
            let is_subscribe = self.conn == Conn::PubSub && i + 1 == init_len;
            if !is_subscribe {
                tags.push_back(tag);
            }
        }
        self.pump(stream, out, tags).await
    }

    /// Move bytes both ways until the connection fails or the registry lets go of it.
    async fn pump(
        &mut self,
        stream: Stream,
        mut out: BytesMut,
        mut tags: VecDeque<ReplyTag>,
    ) -> Result<(), Failure> {
        let mut input = BytesMut::new();
        let mut decoder = ReplyDecoder::new();
        let (mut reader, mut writer) = stream.split();
        loop {
            let want_write = !out.is_empty() || writer.needs_flush();
            tokio::select! {
                read = read_some(&mut reader, &mut input) => {
                    let n = match read {
                        Ok(0) => return Err(Failure("Server closed the connection".to_string())),
                        Ok(n) => n,
                        Err(e) => return Err(e.into()),
                    };
                    self.read_at = std::time::Instant::now();
                    loop {
                        let alive = if let Some(alive) = self.take_message(&mut input, &decoder, &tags).await {
                            alive
                        } else if let Some(reply) = decoder.decode(&mut input)? {
                            self.dispatch(reply, &mut tags).await
                        } else {
                            break;
                        };
                        if !alive {
                            return Ok(());
                        }
                    }
                    if input.is_empty() {
                        // Give back the memory of a large reply; idle links hold no buffer.
                        input = BytesMut::new();
                    }
                    if self.conn == Conn::PubSub && n < READ_CHUNK && out.is_empty() {
                        tokio::time::sleep(PUBSUB_READ_PAUSE).await;
                    }
                }
                written = writer.write_some(&out), if want_write => {
                    out.advance(written?);
                    if out.is_empty() {
                        out = BytesMut::new();
                    }
                }
                queued = next_command(&mut self.commands) => match queued {
                    Some((cmd, tag)) => {
                        encode_command(&cmd, &mut out);
                        tags.push_back(tag);
                        // Take everything already queued so it leaves in as few writes as possible.
                        while let Some(Ok((cmd, tag))) = self.commands.as_mut().map(|c| c.try_recv()) {
                            encode_command(&cmd, &mut out);
                            tags.push_back(tag);
                        }
                    }
                    None => return Ok(()),
                },
            }
        }
    }

    /// A message that mentions our own id: our hello, echoed back by the server.
    fn is_own_hello(&self, payload: &[u8]) -> bool {
        self.own_id.as_ref().is_some_and(|id| crate::core::wire::contains_bytes(payload, id))
    }

    /// A copy of a hello another pub/sub connection (or this one) passed on a moment ago.
    fn is_repeated_hello(&self, channel: &[u8], payload: &[u8]) -> bool {
        channel == HELLO_CHANNEL.as_bytes() && self.repeated_hellos.is_repeat(payload, self.read_at)
    }

    /// Report one reply; false if nobody listens any more.
    async fn dispatch(&mut self, reply: Reply, tags: &mut VecDeque<ReplyTag>) -> bool {
        if let Some(tag) = tags.pop_front() {
            return self.emit(LinkEvent::Reply { link: self.link, conn: self.conn, tag, reply }).await;
        }
        match self.conn {
            // A reply nobody asked for: hiredis ignores these too.
            Conn::Command => {
                tracing::debug!(link = self.link.0, "ignoring an unexpected reply on a command link");
                true
            }
            Conn::PubSub => match into_message(reply) {
                Some((channel, payload)) => self.on_message(&channel, &payload).await,
                None => self.emit(LinkEvent::PubSubActivity { link: self.link }).await,
            },
        }
    }

    /// The fast path of a pub/sub connection: a complete `message` at the front of `input`
    /// (see [`peek_message`]) is taken off without decoding it, and an own or repeated hello
    /// costs no allocation at all. `None` when the front is anything else (or the decoder is
    /// mid-reply, or tagged replies are still due); otherwise whether anybody still listens.
    async fn take_message(
        &mut self,
        input: &mut BytesMut,
        decoder: &ReplyDecoder,
        tags: &VecDeque<ReplyTag>,
    ) -> Option<bool> {
        if self.conn != Conn::PubSub || !tags.is_empty() || !decoder.is_idle() {
            return None;
        }
        let m = peek_message(input, MAX_REPLY_BYTES)?;
        let alive = self.on_message(&input[m.channel.clone()], &input[m.payload.clone()]).await;
        input.advance(m.len);
        Some(alive)
    }

    /// A pub/sub `message`: passed on to the core, unless it is our own hello or a copy of one
    /// passed on a moment ago; then only the connection's activity is reported, at most every
    /// [`OWN_HELLO_ACTIVITY_PERIOD`]. False if nobody listens any more.
    async fn on_message(&mut self, channel: &[u8], payload: &[u8]) -> bool {
        if !self.is_own_hello(payload) && !self.is_repeated_hello(channel, payload) {
            let (channel, payload) = (channel.to_vec(), payload.to_vec());
            return self.emit(LinkEvent::Message { link: self.link, channel, payload }).await;
        }
        let now = self.read_at;
        let due = self.last_own_activity.is_none_or(|t| now - t >= OWN_HELLO_ACTIVITY_PERIOD);
        if !due {
            return true;
        }
        self.last_own_activity = Some(now);
        self.emit(LinkEvent::PubSubActivity { link: self.link }).await
    }
}

/// The next queued command; `None` once the registry let go of the queue. A connection without
/// a queue waits forever (it ends when the registry aborts it). Cancel-safe.
async fn next_command(
    commands: &mut Option<UnboundedReceiver<(Command, ReplyTag)>>,
) -> Option<(Command, ReplyTag)> {
    match commands {
        Some(c) => c.recv().await,
        None => std::future::pending().await,
    }
}

/// Wait for input and append it to `input`; 0 means the peer closed. Cancel-safe.
async fn read_some(reader: &mut ReadHalf, input: &mut BytesMut) -> io::Result<usize> {
    let Some(tcp) = reader.plain_tcp() else {
        return reader.read_available(input, READ_CHUNK).await;
    };
    read_when_ready(tcp, || read_through_stack(tcp, input)).await
}

/// [`read_short`] through a chunk buffer on the stack (this is not an async function, so it
/// is not part of the task's state while it waits): with thousands of pub/sub links each
/// receiving a few hellos at a time, an idle link then holds no read buffer at all.
fn read_through_stack(tcp: &TcpStream, input: &mut BytesMut) -> io::Result<usize> {
    let mut chunk = [0u8; READ_CHUNK];
    let n = read_short(tcp, &mut &mut chunk[..])?;
    input.extend_from_slice(chunk.get(..n).unwrap_or_default());
    Ok(n)
}

/// `["message", channel, payload]` with three bulk strings, as `sentinelReceiveHelloMessages`
/// accepts; anything else on the pub/sub connection is only activity.
pub(super) fn into_message(reply: Reply) -> Option<(Vec<u8>, Vec<u8>)> {
    let Reply::Array(items) = reply else {
        return None;
    };
    match <[Reply; 3]>::try_from(items) {
        Ok([Reply::Bulk(kind), Reply::Bulk(channel), Reply::Bulk(payload)]) if kind == b"message" => {
            Some((channel, payload))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Reply {
        Reply::Bulk(s.as_bytes().to_vec())
    }

    #[test]
    fn message_needs_three_bulks_starting_with_message() {
        let ok = Reply::Array(vec![bulk("message"), bulk("__sentinel__:hello"), bulk("a,b")]);
        assert_eq!(into_message(ok), Some((b"__sentinel__:hello".to_vec(), b"a,b".to_vec())));
        let subscribe = Reply::Array(vec![bulk("subscribe"), bulk("__sentinel__:hello"), Reply::Integer(1)]);
        assert_eq!(into_message(subscribe), None);
        let four = Reply::Array(vec![bulk("message"), bulk("c"), bulk("p"), bulk("x")]);
        assert_eq!(into_message(four), None);
        let not_bulk = Reply::Array(vec![bulk("message"), bulk("c"), Reply::Integer(3)]);
        assert_eq!(into_message(not_bulk), None);
        assert_eq!(into_message(Reply::Status("message".into())), None);
    }
}
