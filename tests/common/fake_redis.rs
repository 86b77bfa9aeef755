//! A scripted stand-in for a monitored redis-server, for replies a real one never sends (an
//! INFO with a broken `run_id`, say): it answers what a sentinel asks a master (`PING`,
//! `INFO`, `SUBSCRIBE`, `PUBLISH`, `CLIENT ...`) on 127.0.0.1, one thread per connection,
//! and stops (closing every connection) when dropped.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::resp::{parse, Resp};
use super::POLL_INTERVAL;

/// A fake master on a free port. Its INFO reply is the text given at start.
pub struct FakeRedis {
    port: u16,
    stop: Arc<AtomicBool>,
    info_replies: Arc<AtomicU64>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeRedis {
    /// Start answering on a free port; `INFO` returns `info` as a bulk string.
    pub fn start(info: &str) -> FakeRedis {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the fake redis");
        listener.set_nonblocking(true).expect("nonblocking listener");
        let port = listener.local_addr().expect("local addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let info_replies = Arc::new(AtomicU64::new(0));
        let (info, stop2, count) = (info.as_bytes().to_vec(), stop.clone(), info_replies.clone());
        let acceptor = std::thread::spawn(move || {
            let mut conns = Vec::new();
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (info, stop, count) = (info.clone(), stop2.clone(), count.clone());
                        conns.push(std::thread::spawn(move || serve(stream, &info, &stop, &count)));
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => std::thread::sleep(POLL_INTERVAL),
                    Err(_) => break,
                }
            }
            for c in conns {
                let _ = c.join();
            }
        });
        FakeRedis { port, stop, info_replies, acceptor: Some(acceptor) }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// How many INFO replies were sent so far.
    pub fn info_replies(&self) -> u64 {
        self.info_replies.load(Ordering::Relaxed)
    }
}

impl Drop for FakeRedis {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
    }
}

fn bulk(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
    out.extend_from_slice(b);
    out.extend_from_slice(b"\r\n");
}

/// Answer one request.
fn reply(args: &[Vec<u8>], info: &[u8], info_replies: &AtomicU64) -> Vec<u8> {
    let name = args.first().map(|a| a.to_ascii_uppercase()).unwrap_or_default();
    let mut out = Vec::new();
    match name.as_slice() {
        b"PING" => out.extend_from_slice(b"+PONG\r\n"),
        b"INFO" => {
            info_replies.fetch_add(1, Ordering::Relaxed);
            bulk(&mut out, info);
        }
        b"PUBLISH" => out.extend_from_slice(b":0\r\n"),
        b"SUBSCRIBE" => {
            for (i, channel) in args[1..].iter().enumerate() {
                out.extend_from_slice(b"*3\r\n");
                bulk(&mut out, b"subscribe");
                bulk(&mut out, channel);
                out.extend_from_slice(format!(":{}\r\n", i + 1).as_bytes());
            }
        }
        _ => out.extend_from_slice(b"+OK\r\n"),
    }
    out
}

fn serve(mut stream: TcpStream, info: &[u8], stop: &AtomicBool, info_replies: &AtomicU64) {
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    while !stop.load(Ordering::Relaxed) {
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(_) => return,
        }
        let mut out = Vec::new();
        while let Ok(Some((request, used))) = parse(&buf) {
            buf.drain(..used);
            let Resp::Array(items) = request else { return };
            let args: Vec<Vec<u8>> = items
                .into_iter()
                .map(|a| match a {
                    Resp::Bulk(b) => b,
                    other => other.to_string().into_bytes(),
                })
                .collect();
            out.extend(reply(&args, info, info_replies));
        }
        if stream.write_all(&out).is_err() {
            return;
        }
    }
}
