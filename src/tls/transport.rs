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

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
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
