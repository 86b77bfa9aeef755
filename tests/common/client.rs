//! A blocking RESP client and a pub/sub subscriber for tests.
//!
//! Plain `std::net::TcpStream` with read timeouts: a test that waits on a server which never
//! answers fails with a clear message instead of hanging the suite. A port registered as
//! TLS-only ([`super::tls_certs::register_tls_port`]) is reached with TLS (rustls), with the
//! shared test client certificate.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::resp::{encode_command, parse, Resp};
use super::tls_certs::{is_tls_port, TestCerts};

/// The connection under a [`Client`].
pub enum ClientStream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl ClientStream {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            ClientStream::Plain(s) => s,
            ClientStream::Tls(s) => s.get_ref(),
        }
    }

    /// The TLS session, if this is a TLS connection (for the peer's certificate).
    pub fn tls(&self) -> Option<&rustls::ClientConnection> {
        match self {
            ClientStream::Plain(_) => None,
            ClientStream::Tls(s) => Some(&s.conn),
        }
    }
}

impl Read for ClientStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            ClientStream::Plain(s) => s.read(buf),
            ClientStream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for ClientStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            ClientStream::Plain(s) => s.write(buf),
            ClientStream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            ClientStream::Plain(s) => s.flush(),
            ClientStream::Tls(s) => s.flush(),
        }
    }
}

/// How long a single reply may take before the client gives up.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(5);

/// A connection to a Redis-protocol server on 127.0.0.1.
pub struct Client {
    port: u16,
    stream: ClientStream,
    buf: Vec<u8>,
}

impl Client {
    /// Connect to `127.0.0.1:port`; panics with the port in the message on failure.
    pub fn connect(port: u16) -> Client {
        Client::try_connect(port).unwrap_or_else(|e| panic!("cannot connect to 127.0.0.1:{port}: {e}"))
    }

    /// Connect to `127.0.0.1:port` (1 s connect timeout, 5 s read timeout), with TLS if the
    /// port is registered as TLS-only.
    pub fn try_connect(port: u16) -> io::Result<Client> {
        if is_tls_port(port) {
            return Client::try_connect_tls(port, TestCerts::shared().default_client_config());
        }
        Client::try_connect_plain(port)
    }

    fn tcp(port: u16) -> io::Result<TcpStream> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
        stream.set_read_timeout(Some(DEFAULT_READ_TIMEOUT))?;
        stream.set_write_timeout(Some(DEFAULT_READ_TIMEOUT))?;
        stream.set_nodelay(true)?;
        Ok(stream)
    }

    /// A plain TCP connection, whatever the port speaks (plaintext probes).
    pub fn try_connect_plain(port: u16) -> io::Result<Client> {
        Ok(Client { port, stream: ClientStream::Plain(Client::tcp(port)?), buf: Vec::new() })
    }

    /// A TLS connection with `config`; the handshake is completed before returning.
    pub fn try_connect_tls(port: u16, config: Arc<rustls::ClientConfig>) -> io::Result<Client> {
        let mut tcp = Client::tcp(port)?;
        let name = rustls::pki_types::ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into());
        let mut conn = rustls::ClientConnection::new(config, name).map_err(io::Error::other)?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)?;
        }
        Ok(Client {
            port,
            stream: ClientStream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp))),
            buf: Vec::new(),
        })
    }

    /// The underlying connection.
    pub fn stream(&self) -> &ClientStream {
        &self.stream
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Change how long a reply may take (`None` blocks forever: avoid in tests).
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) {
        self.stream.tcp().set_read_timeout(timeout).expect("set_read_timeout");
    }

    /// Send a command and decode its reply; panics on I/O or protocol errors (an error
    /// *reply* is returned as `Resp::Error`).
    pub fn cmd(&mut self, args: &[&str]) -> Resp {
        self.try_cmd(args).unwrap_or_else(|e| panic!("{args:?} to 127.0.0.1:{}: {e}", self.port))
    }

    /// [`Client::cmd`] without the panic, for servers that may be down.
    pub fn try_cmd(&mut self, args: &[&str]) -> io::Result<Resp> {
        self.send_raw(&encode_command(args))?;
        self.read_reply()
    }

    /// Send raw request bytes and return the exact bytes of the one reply that follows.
    pub fn cmd_raw(&mut self, request: &[u8]) -> Vec<u8> {
        self.send_raw(request).and_then(|_| self.read_reply_raw()).unwrap_or_else(|e| {
            panic!("raw {:?} to 127.0.0.1:{}: {e}", String::from_utf8_lossy(request), self.port)
        })
    }

    /// Send a command (encoded as a RESP array) and return the exact reply bytes.
    pub fn cmd_bytes(&mut self, args: &[&str]) -> Vec<u8> {
        self.cmd_raw(&encode_command(args))
    }

    /// Write bytes as they are (for malformed-input tests and pipelining).
    pub fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Read and decode the next reply.
    pub fn read_reply(&mut self) -> io::Result<Resp> {
        self.read_reply_with_raw().map(|(v, _)| v)
    }

    /// Read the next reply and return its exact bytes.
    pub fn read_reply_raw(&mut self) -> io::Result<Vec<u8>> {
        self.read_reply_with_raw().map(|(_, raw)| raw)
    }

    /// Read the next reply: the decoded value and its exact bytes.
    pub fn read_reply_with_raw(&mut self) -> io::Result<(Resp, Vec<u8>)> {
        loop {
            match parse(&self.buf) {
                Ok(Some((value, used))) => {
                    let raw: Vec<u8> = self.buf.drain(..used).collect();
                    return Ok((value, raw));
                }
                Ok(None) => {}
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = match self.stream.read(&mut chunk) {
                Ok(n) => n,
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    let timeout = self.stream.tcp().read_timeout().ok().flatten().unwrap_or_default();
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "no complete reply within {timeout:?} (partial: {:?})",
                            String::from_utf8_lossy(&self.buf)
                        ),
                    ));
                }
                Err(e) => return Err(e),
            };
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "connection closed by peer (partial reply: {:?})",
                        String::from_utf8_lossy(&self.buf)
                    ),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Wait for the peer to close the connection (e.g. after a protocol error); returns
    /// whatever bytes arrived before the close. Fails on timeout.
    pub fn read_until_closed(&mut self, timeout: Duration) -> io::Result<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        let mut out = std::mem::take(&mut self.buf);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "connection still open"));
            }
            self.stream.tcp().set_read_timeout(Some(left))?;
            let mut chunk = [0u8; 4096];
            match self.stream.read(&mut chunk) {
                Ok(0) => return Ok(out),
                Ok(n) => out.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(out),
                Err(e) => return Err(e),
            }
        }
    }

    /// `HELLO 3`: switch this connection to RESP3 and return the HELLO map.
    pub fn hello3(&mut self) -> Resp {
        let reply = self.cmd(&["HELLO", "3"]);
        assert!(matches!(reply, Resp::Map(_)), "HELLO 3 to port {} replied {reply}", self.port);
        reply
    }

    /// `PING` answered with `PONG`.
    pub fn ping_ok(&mut self) -> bool {
        matches!(self.try_cmd(&["PING"]), Ok(Resp::Simple(ref s)) if s == "PONG")
    }

    /// One field of an `INFO` reply (`INFO <section>` then `field:value`).
    pub fn info_field(&mut self, section: &str, field: &str) -> Option<String> {
        let info = self.cmd(&["INFO", section]).as_str()?;
        info_field(&info, field)
    }
}

/// `field:value` from the text of an INFO reply.
pub fn info_field(info: &str, field: &str) -> Option<String> {
    info.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':').map(|v| v.trim_end().to_string()))
}

/// One pub/sub message.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// The pattern that matched, for `pmessage`s.
    pub pattern: Option<String>,
    pub channel: String,
    pub payload: String,
}

/// A connection in subscribed state that collects messages.
///
/// Every message received is kept in [`Subscriber::seen`], so `wait_for_event` also finds
/// events that arrived while the test was waiting for something else.
pub struct Subscriber {
    client: Client,
    seen: Vec<Message>,
    /// Index in `seen` of the next message `next_message` returns.
    cursor: usize,
}

impl Subscriber {
    /// `SUBSCRIBE` to `channels` (RESP2).
    pub fn subscribe(port: u16, channels: &[&str]) -> Subscriber {
        Subscriber::start(Client::connect(port), "SUBSCRIBE", channels)
    }

    /// `PSUBSCRIBE` to `patterns` (RESP2), e.g. `&["*"]` for every event.
    pub fn psubscribe(port: u16, patterns: &[&str]) -> Subscriber {
        Subscriber::start(Client::connect(port), "PSUBSCRIBE", patterns)
    }

    /// `HELLO 3` then `SUBSCRIBE`: messages arrive as `>` pushes.
    pub fn subscribe_resp3(port: u16, channels: &[&str]) -> Subscriber {
        let mut client = Client::connect(port);
        client.hello3();
        Subscriber::start(client, "SUBSCRIBE", channels)
    }

    /// `HELLO 3` then `PSUBSCRIBE`.
    pub fn psubscribe_resp3(port: u16, patterns: &[&str]) -> Subscriber {
        let mut client = Client::connect(port);
        client.hello3();
        Subscriber::start(client, "PSUBSCRIBE", patterns)
    }

    /// Subscribe on an existing connection (already authenticated / in RESP3, say).
    /// Waits for one confirmation per channel.
    pub fn start(mut client: Client, verb: &str, channels: &[&str]) -> Subscriber {
        let mut args = vec![verb];
        args.extend_from_slice(channels);
        client.send_raw(&encode_command(&args)).expect("send subscribe");
        let expected_kind = verb.to_ascii_lowercase();
        for ch in channels {
            let reply = client.read_reply().unwrap_or_else(|e| panic!("{verb} {ch}: {e}"));
            let items = reply.as_array().unwrap_or_else(|| panic!("{verb} {ch}: unexpected reply {reply}"));
            let kind = items.first().and_then(Resp::as_str).unwrap_or_default();
            assert_eq!(kind, expected_kind, "{verb} {ch}: unexpected confirmation {reply}");
        }
        Subscriber { client, seen: Vec::new(), cursor: 0 }
    }

    pub fn port(&self) -> u16 {
        self.client.port()
    }

    /// Every message received so far, in arrival order.
    pub fn seen(&self) -> &[Message] {
        &self.seen
    }

    /// Read one message from the socket into `seen`; `Ok(false)` on timeout.
    fn receive(&mut self, timeout: Duration) -> io::Result<bool> {
        self.client.set_read_timeout(Some(timeout.max(Duration::from_millis(1))));
        let reply = match self.client.read_reply() {
            Ok(r) => r,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Ok(false)
            }
            Err(e) => return Err(e),
        };
        let items = reply.as_array().unwrap_or(&[]);
        let strs: Vec<String> = items.iter().map(|i| i.as_str().unwrap_or_default()).collect();
        let msg = match strs.first().map(String::as_str) {
            Some("message") if strs.len() == 3 => {
                Message { pattern: None, channel: strs[1].clone(), payload: strs[2].clone() }
            }
            Some("pmessage") if strs.len() == 4 => {
                Message { pattern: Some(strs[1].clone()), channel: strs[2].clone(), payload: strs[3].clone() }
            }
            // (un)subscribe confirmations and anything else are not messages.
            _ => return Ok(true),
        };
        self.seen.push(msg);
        Ok(true)
    }

    /// The next message not yet returned by `next_message`, waiting up to `timeout`.
    pub fn next_message(&mut self, timeout: Duration) -> Option<Message> {
        let deadline = Instant::now() + timeout;
        while self.cursor >= self.seen.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            if let Err(e) = self.receive(left) {
                panic!("subscriber on port {}: {e}", self.port());
            }
        }
        self.cursor += 1;
        self.seen.get(self.cursor - 1).cloned()
    }

    /// The first message (already seen or still to come) on `channel` whose payload satisfies
    /// `pred`. Panics after `timeout` with every message seen so far.
    pub fn wait_for_event(
        &mut self,
        channel: &str,
        pred: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Message {
        let deadline = Instant::now() + timeout;
        let mut checked = 0;
        loop {
            if let Some(m) = self.seen[checked..].iter().find(|m| m.channel == channel && pred(&m.payload)) {
                return m.clone();
            }
            checked = self.seen.len();
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let seen: Vec<String> =
                    self.seen.iter().map(|m| format!("{} {}", m.channel, m.payload)).collect();
                panic!(
                    "no matching {channel} event from port {} within {timeout:?}; seen:\n  {}",
                    self.port(),
                    seen.join("\n  ")
                );
            }
            if let Err(e) = self.receive(left) {
                panic!("subscriber on port {}: {e}", self.port());
            }
        }
    }

    /// Give access to the underlying connection (e.g. to UNSUBSCRIBE).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}
