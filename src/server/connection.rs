//! A client connection's byte plumbing (mini-redis's `Connection`): the query buffer and its
//! parser, and the reply buffer commands write into. Replies are written with one
//! non-blocking write after each batch of requests ([`Connection::try_flush`]); what the socket
//! does not take is written by the cancel-safe [`Connection::io`] step, so the connection task
//! can also wait for pub/sub messages and kill requests while a slow client drains its
//! replies.

use bytes::{Buf, BytesMut};
use tokio::io::AsyncWriteExt;

use super::argv::Argv;
use super::client::BufferStats;
use super::parse::{ProtocolError, RequestParser};
use super::reply::RespWriter;
use super::Frame;
use crate::tls::{ReadHalf, Stream, WriteHalf};

/// How much to read at a time (Redis's PROTO_IOBUF_LEN).
const READ_CHUNK: usize = 16 * 1024;
/// A reply buffer that grew past this is given back once drained.
const REPLY_BUF_KEEP: usize = 64 * 1024;
/// A query buffer that has held more than this gets a fresh small allocation once it is
/// (nearly) drained, so one large request does not pin its memory for the connection's life
/// (Redis's `clientsCronResizeQueryBuffer`). A `BytesMut` keeps its whole allocation even
/// after the bytes are consumed, so this is done by replacing it.
const QUERY_BUF_SHRINK: usize = 4 * READ_CHUNK;

/// What one [`Connection::io`] step did.
#[derive(Debug)]
pub enum IoEvent {
    /// Bytes read into the query buffer; 0 means the peer closed.
    Read(usize),
    Wrote(usize),
}

pub struct Connection {
    reader: ReadHalf,
    writer: WriteHalf,
    rbuf: BytesMut,
    wbuf: BytesMut,
    parser: RequestParser,
    fd: i32,
    /// Largest reply buffer length seen since the last CLIENT LIST sample.
    reply_peak: usize,
    /// Largest query buffer length since it was last given a fresh allocation.
    query_peak: usize,
}

impl Connection {
    pub fn new(stream: Stream) -> Connection {
        let fd = stream.fd();
        if let Stream::Plain(tcp) = &stream {
            let _ = tcp.set_nodelay(true);
        }
        let (reader, writer) = stream.split();
        Connection {
            reader,
            writer,
            rbuf: BytesMut::with_capacity(READ_CHUNK),
            wbuf: BytesMut::new(),
            parser: RequestParser::new(),
            fd,
            reply_peak: 0,
            query_peak: 0,
        }
    }

    pub fn fd(&self) -> i32 {
        self.fd
    }

    /// The next complete request in the query buffer, into `argv`; how many bytes it took.
    pub fn next_request(
        &mut self,
        authenticated: bool,
        argv: &mut Argv,
    ) -> Result<Option<usize>, ProtocolError> {
        self.parser.next(&mut self.rbuf, authenticated, argv)
    }

    /// Give the query buffer a fresh small allocation if it grew large and has been drained to
    /// at most one read's worth (called once the complete requests in it have run).
    pub fn shrink_query_buffer(&mut self) {
        if self.query_peak <= QUERY_BUF_SHRINK || self.rbuf.len() > READ_CHUNK {
            return;
        }
        let mut fresh = BytesMut::with_capacity(READ_CHUNK);
        fresh.extend_from_slice(&self.rbuf);
        self.rbuf = fresh;
        self.query_peak = self.rbuf.len();
    }

    /// Bytes held for requests not yet run (a request is parsed in place, so this is the
    /// whole query buffer).
    pub fn query_bytes(&self) -> usize {
        self.rbuf.len()
    }

    /// The reply buffer, for commands to write their replies into.
    pub fn out(&mut self) -> &mut BytesMut {
        &mut self.wbuf
    }

    /// Note the reply buffer's size after a command (CLIENT LIST's `rbp`).
    pub fn note_reply_size(&mut self) {
        self.reply_peak = self.reply_peak.max(self.wbuf.len());
    }

    /// Queue a reply frame, encoded for protocol `proto`.
    pub fn write_frame(&mut self, frame: &Frame, proto: u8) {
        let mut errors = 0;
        RespWriter::new(&mut self.wbuf, proto, &mut errors).frame(frame);
        self.note_reply_size();
    }

    /// Queue bytes as they are (the protected-mode DENIED line, an error line).
    pub fn write_raw(&mut self, bytes: &[u8]) {
        self.wbuf.extend_from_slice(bytes);
    }

    /// Drop replies queued since the reply buffer was `len` long (CLIENT REPLY OFF / SKIP).
    pub fn truncate_output(&mut self, len: usize) {
        self.wbuf.truncate(len);
    }

    /// Reply bytes not yet written to the socket.
    pub fn pending_output(&self) -> usize {
        self.wbuf.len()
    }

    /// Figures for CLIENT LIST, while running a request of `request_bytes` bytes whose
    /// arguments hold `argv_mem` bytes.
    pub fn buffer_stats(&mut self, request_bytes: usize, argv_mem: usize) -> BufferStats {
        let qbuf = request_bytes + self.rbuf.len();
        let stats = BufferStats {
            qbuf,
            qbuf_free: self.rbuf.capacity().saturating_sub(self.rbuf.len()),
            argv_mem,
            reply_buf_size: self.wbuf.capacity().max(1024),
            reply_buf_peak: self.reply_peak,
            output_len: self.wbuf.len(),
        };
        self.reply_peak = self.wbuf.len();
        stats
    }

    /// Write pending replies now if the socket takes them without waiting (Redis writes in
    /// `beforeSleep`, before polling again). Returns the bytes written (0 if it would block).
    pub fn try_flush(&mut self) -> std::io::Result<usize> {
        let mut total = 0;
        while !self.wbuf.is_empty() {
            match self.writer.try_write(&self.wbuf) {
                Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.wbuf.advance(n);
                    total += n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        self.release_drained_reply_buffer();
        Ok(total)
    }

    fn release_drained_reply_buffer(&mut self) {
        if self.wbuf.is_empty() && self.wbuf.capacity() > REPLY_BUF_KEEP {
            self.wbuf = BytesMut::new();
        }
    }

    /// Read more input (if `want_read`) or write pending replies, whichever the socket allows
    /// first. Cancel-safe: nothing is lost if the future is dropped. On TLS, a step may only
    /// flush what rustls still holds (`Wrote(0)`).
    pub async fn io(&mut self, want_read: bool) -> std::io::Result<IoEvent> {
        let want_write = !self.wbuf.is_empty() || self.writer.needs_flush();
        let Connection { reader, writer, rbuf, wbuf, query_peak, .. } = self;
        let ev = tokio::select! {
            r = reader.read_available(rbuf, READ_CHUNK), if want_read => {
                *query_peak = (*query_peak).max(rbuf.len());
                r.map(IoEvent::Read)
            }
            w = writer.write_some(wbuf), if want_write => {
                let n = w?;
                wbuf.advance(n);
                Ok(IoEvent::Wrote(n))
            }
            else => std::future::pending().await,
        };
        self.release_drained_reply_buffer();
        ev
    }

    /// Write everything pending (used before closing).
    pub async fn flush(&mut self) -> std::io::Result<()> {
        while !self.wbuf.is_empty() {
            let n = self.writer.write(&self.wbuf).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            self.wbuf.advance(n);
        }
        self.writer.flush().await
    }

    /// Drop the parsed part of the query buffer after a protocol error.
    pub fn discard_input(&mut self) {
        self.rbuf.clear();
    }
}
