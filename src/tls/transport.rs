//! A connection that is plain TCP or TLS over TCP, split into a read half and a write half so
//! one task can wait on both directions at once (the server's client connections, the links).
//!
//! TLS has one trap for such loops: a write may leave encrypted bytes inside rustls (the
//! socket was full) and report the plaintext as written, so an empty output buffer does not
//! mean everything left. [`WriteHalf::needs_flush`] says when a flush is still owed, and
//! [`WriteHalf::write_some`] writes or flushes, each step cancel-safe.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{BufMut, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;

type TlsTcp = tokio_rustls::TlsStream<TcpStream>;

/// An established connection.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsTcp>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref().0,
        }
    }

    pub fn fd(&self) -> RawFd {
        self.tcp().as_raw_fd()
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().local_addr()
    }

    pub fn split(self) -> (ReadHalf, WriteHalf) {
        match self {
            Stream::Plain(s) => {
                let (r, w) = s.into_split();
                (ReadHalf::Plain(r), WriteHalf { inner: WriteInner::Plain(w), unflushed: false })
            }
            Stream::Tls(s) => {
                let (r, w) = tokio::io::split(*s);
                (ReadHalf::Tls(r), WriteHalf { inner: WriteInner::Tls(w), unflushed: false })
            }
        }
    }
}

impl From<TcpStream> for Stream {
    fn from(s: TcpStream) -> Stream {
        Stream::Plain(s)
    }
}

/// The reading side.
pub enum ReadHalf {
    Plain(OwnedReadHalf),
    Tls(tokio::io::ReadHalf<TlsTcp>),
}

impl ReadHalf {
    /// The socket itself when nothing sits between it and the reader (plain TCP), for
    /// readiness-based reads.
    pub fn plain_tcp(&self) -> Option<&TcpStream> {
        match self {
            ReadHalf::Plain(r) => Some(r.as_ref()),
            ReadHalf::Tls(_) => None,
        }
    }

    /// Wait for input and append it to `buf` (with room for at least `chunk` more bytes); 0
    /// means the peer closed. Cancel-safe. On plain TCP one `recv` per wakeup (see
    /// [`read_short`]); on TLS, rustls decrypts into the buffer one record at a time.
    pub async fn read_available(&mut self, buf: &mut BytesMut, chunk: usize) -> io::Result<usize> {
        if buf.capacity() - buf.len() < chunk {
            buf.reserve(chunk);
        }
        match self {
            ReadHalf::Plain(r) => read_when_ready(r.as_ref(), || read_short(r.as_ref(), buf)).await,
            ReadHalf::Tls(r) => r.read_buf(buf).await,
        }
    }
}

/// Wait until `tcp` is readable and run `read` (a non-blocking read such as [`read_short`]),
/// again after each `WouldBlock`. Cancel-safe as long as `read` keeps what it read.
pub async fn read_when_ready(
    tcp: &TcpStream,
    mut read: impl FnMut() -> io::Result<usize>,
) -> io::Result<usize> {
    loop {
        tcp.readable().await?;
        match read() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
}

/// One non-blocking read from `tcp` into `buf`'s free room (`WouldBlock` when there is
/// nothing). A read that does not fill that room emptied the socket's receive queue, so the
/// read tokio would otherwise need to learn it (one that fails with EAGAIN) is skipped: the
/// bytes are kept and `WouldBlock` is reported to `try_io`, which clears the cached readiness
/// unless a readiness event has arrived since (tokio compares event ticks), so no wakeup is
/// lost. Redis's event loop does the same: one `read` per readable event. For a small request
/// that is one system call in three (`recv`, `send`, and the failing `recv`).
pub fn read_short<B: BufMut>(tcp: &TcpStream, buf: &mut B) -> io::Result<usize> {
    let room = buf.chunk_mut().len();
    let mut short_read = None;
    let result = tcp.try_io(Interest::READABLE, || {
        let n = tcp.try_read_buf(buf)?;
        if n > 0 && n < room {
            short_read = Some(n);
            return Err(io::ErrorKind::WouldBlock.into());
        }
        Ok(n)
    });
    match (result, short_read) {
        (_, Some(n)) => Ok(n),
        (r, None) => r,
    }
}

impl AsyncRead for ReadHalf {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            ReadHalf::Plain(r) => Pin::new(r).poll_read(cx, buf),
            ReadHalf::Tls(r) => Pin::new(r).poll_read(cx, buf),
        }
    }
}

enum WriteInner {
    Plain(OwnedWriteHalf),
    Tls(tokio::io::WriteHalf<TlsTcp>),
}

/// The writing side.
pub struct WriteHalf {
    inner: WriteInner,
    /// Bytes were handed to rustls since the last completed flush.
    unflushed: bool,
}

impl WriteHalf {
    /// A flush is owed: TLS bytes may still wait inside rustls.
    pub fn needs_flush(&self) -> bool {
        self.unflushed
    }

    /// Write what the socket takes at once, without waiting (plain TCP). A TLS connection
    /// reports `WouldBlock`: its writes go through [`WriteHalf::write_some`], which also
    /// flushes what rustls holds.
    pub fn try_write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &self.inner {
            WriteInner::Plain(w) => w.try_write(buf),
            WriteInner::Tls(_) => Err(io::ErrorKind::WouldBlock.into()),
        }
    }

    /// Write some of `buf`, or, when `buf` is empty, finish a pending flush (returning 0).
    /// Cancel-safe: either the returned count was taken, or nothing was.
    pub async fn write_some(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            self.flush().await?;
            return Ok(0);
        }
        self.write(buf).await
    }
}

impl AsyncWrite for WriteHalf {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match &mut this.inner {
            WriteInner::Plain(w) => Pin::new(w).poll_write(cx, buf),
            WriteInner::Tls(w) => {
                let r = Pin::new(w).poll_write(cx, buf);
                if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
                    this.unflushed = true;
                }
                r
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let r = match &mut this.inner {
            WriteInner::Plain(w) => Pin::new(w).poll_flush(cx),
            WriteInner::Tls(w) => Pin::new(w).poll_flush(cx),
        };
        if matches!(r, Poll::Ready(Ok(()))) {
            this.unflushed = false;
        }
        r
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            WriteInner::Plain(w) => Pin::new(w).poll_shutdown(cx),
            WriteInner::Tls(w) => Pin::new(w).poll_shutdown(cx),
        }
    }
}
