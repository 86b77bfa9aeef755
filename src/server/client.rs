//! Per-client state and the client registry behind CLIENT LIST / KILL / INFO.
//!
//! Each connection task owns its [`ClientState`]. What other clients may look at (CLIENT LIST,
//! CLIENT KILL filters, ACL LOG's client-info) is published into a [`ClientView`] inside the
//! shared [`ClientEntry`], refreshed before every command and after every batch of input, so
//! no task ever holds two client locks at once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Notify;

use super::Frame;

/// Client types for CLIENT LIST TYPE / CLIENT KILL TYPE (`getClientTypeByName`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientType {
    Normal,
    Replica,
    PubSub,
    Master,
}

impl ClientType {
    pub fn from_name(name: &[u8]) -> Option<ClientType> {
        match name.to_ascii_lowercase().as_slice() {
            b"normal" => Some(ClientType::Normal),
            b"slave" | b"replica" => Some(ClientType::Replica),
            b"pubsub" => Some(ClientType::PubSub),
            b"master" => Some(ClientType::Master),
            _ => None,
        }
    }
}

/// CLIENT REPLY state (`CLIENT_REPLY_OFF`, `CLIENT_REPLY_SKIP_NEXT`, `CLIENT_REPLY_SKIP`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReplyMode {
    #[default]
    On,
    Off,
    /// The command after CLIENT REPLY SKIP gets no reply.
    SkipNext,
    Skip,
}

/// CLIENT TRACKING state. Sentinel mode has no keys, so tracking never sends an
/// invalidation; the options are still validated and reported as Redis does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tracking {
    pub on: bool,
    pub redirect: i64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// CLIENT CACHING yes/no given for the next command.
    pub caching: bool,
    pub prefixes: Vec<Vec<u8>>,
}

/// Everything a connection knows about its client.
pub struct ClientState {
    pub entry: Arc<ClientEntry>,
    pub resp: u8,
    pub name: Option<Vec<u8>>,
    /// The user the client runs as (`default` until it authenticates as someone else).
    pub user: Vec<u8>,
    pub authenticated: bool,
    /// Subscribed channels, in subscription order.
    pub channels: Vec<Vec<u8>>,
    /// Subscribed patterns, in subscription order.
    pub patterns: Vec<Vec<u8>>,
    /// Where the broker sends this client's messages.
    pub push_tx: UnboundedSender<Frame>,
    pub reply_mode: ReplyMode,
    pub tracking: Tracking,
    pub no_evict: bool,
    /// Close the connection once the pending replies are written.
    pub close_after_reply: bool,
    /// Full name of the last command looked up; None after an unknown one (`cmd=NULL`).
    pub last_cmd: Option<&'static str>,
    pub last_interaction: Instant,
    /// Waiting for CLIENT PAUSE to end.
    pub blocked: bool,
}

impl ClientState {
    pub fn new(entry: Arc<ClientEntry>, push_tx: UnboundedSender<Frame>, authenticated: bool) -> ClientState {
        ClientState {
            entry,
            resp: 2,
            name: None,
            user: b"default".to_vec(),
            authenticated,
            channels: Vec::new(),
            patterns: Vec::new(),
            push_tx,
            reply_mode: ReplyMode::On,
            tracking: Tracking::default(),
            no_evict: false,
            close_after_reply: false,
            last_cmd: None,
            last_interaction: Instant::now(),
            blocked: false,
        }
    }

    pub fn id(&self) -> u64 {
        self.entry.id
    }

    /// Subscribed to anything (`CLIENT_PUBSUB`).
    pub fn is_pubsub(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty()
    }

    pub fn subscription_count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// The CLIENT LIST flags string (`getClientInfoString`), in Redis's letter order.
    pub fn flags(&self) -> String {
        let mut f = String::new();
        if self.is_pubsub() {
            f.push('P');
        }
        if self.blocked {
            f.push('b');
        }
        if self.tracking.on {
            f.push('t');
            if self.tracking.bcast {
                f.push('B');
            }
        }
        if self.close_after_reply {
            f.push('c');
        }
        if self.no_evict {
            f.push('e');
        }
        if f.is_empty() {
            f.push('N');
        }
        f
    }
}

/// Buffer figures of a connection, for CLIENT LIST.
#[derive(Clone, Copy, Debug, Default)]
pub struct BufferStats {
    pub qbuf: usize,
    pub qbuf_free: usize,
    pub argv_mem: usize,
    pub reply_buf_size: usize,
    pub reply_buf_peak: usize,
    pub output_len: usize,
}

/// A client as others see it.
#[derive(Clone, Debug)]
pub struct ClientView {
    pub name: Option<Vec<u8>>,
    pub user: Vec<u8>,
    pub resp: u8,
    pub flags: String,
    pub pubsub: bool,
    pub sub: usize,
    pub psub: usize,
    pub last_cmd: Option<&'static str>,
    pub last_interaction: Instant,
    pub redir: i64,
    pub buffers: BufferStats,
}

impl ClientView {
    pub fn of(c: &ClientState, buffers: BufferStats) -> ClientView {
        ClientView {
            name: c.name.clone(),
            user: c.user.clone(),
            resp: c.resp,
            flags: c.flags(),
            pubsub: c.is_pubsub(),
            sub: c.channels.len(),
            psub: c.patterns.len(),
            last_cmd: c.last_cmd,
            last_interaction: c.last_interaction,
            redir: if c.tracking.on { c.tracking.redirect } else { -1 },
            buffers,
        }
    }
}

/// A registered client: fixed facts, the published view, and the kill switch.
pub struct ClientEntry {
    pub id: u64,
    /// Peer address as `ip:port` (`[ip]:port` for IPv6).
    pub addr: String,
    /// Local address as `ip:port`.
    pub laddr: String,
    pub fd: i32,
    pub created: Instant,
    view: Mutex<Option<ClientView>>,
    killed: AtomicBool,
    kill: Notify,
}

impl ClientEntry {
    pub fn publish(&self, view: ClientView) {
        *self.view.lock().unwrap_or_else(|e| e.into_inner()) = Some(view);
    }

    pub fn view(&self) -> Option<ClientView> {
        self.view.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Ask the connection to close (CLIENT KILL, ACL DELUSER).
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.kill.notify_one();
    }

    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// Resolves once [`ClientEntry::kill`] has been called.
    pub async fn killed(&self) {
        if self.is_killed() {
            return;
        }
        self.kill.notified().await;
    }

    pub fn client_type(&self) -> ClientType {
        match self.view() {
            Some(v) if v.pubsub => ClientType::PubSub,
            _ => ClientType::Normal,
        }
    }

    /// The CLIENT LIST line (`catClientInfoString`), without the trailing newline.
    pub fn info_line(&self, now: Instant) -> String {
        let Some(v) = self.view() else {
            return String::new();
        };
        let b = v.buffers;
        let obl = b.output_len.min(16 * 1024);
        let omem = b.output_len - obl;
        let tot_mem = b.qbuf + b.qbuf_free + b.argv_mem + b.reply_buf_size + omem + 20 * 1024;
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db=0 sub={} psub={} ssub=0 \
             multi=-1 qbuf={} qbuf-free={} argv-mem={} multi-mem=0 rbs={} rbp={} obl={} oll={} omem={} \
             tot-mem={} events={} cmd={} user={} redir={} resp={}",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            v.name.as_deref().map(String::from_utf8_lossy).unwrap_or_default(),
            now.duration_since(self.created).as_secs(),
            now.duration_since(v.last_interaction).as_secs(),
            v.flags,
            v.sub,
            v.psub,
            b.qbuf,
            b.qbuf_free,
            b.argv_mem,
            b.reply_buf_size,
            b.reply_buf_peak,
            obl,
            usize::from(omem > 0),
            omem,
            tot_mem,
            if b.output_len > 0 { "rw" } else { "r" },
            v.last_cmd.unwrap_or("NULL"),
            String::from_utf8_lossy(&v.user),
            v.redir,
            v.resp,
        )
    }
}

/// All connected clients, by id (ids only grow, so this is also connection order).
#[derive(Default)]
pub struct ClientRegistry {
    clients: Mutex<BTreeMap<u64, Arc<ClientEntry>>>,
    next_id: AtomicU64,
}

impl ClientRegistry {
    /// Allocate the next client id (Redis ids start at 1 and are never reused).
    pub fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn register(&self, id: u64, addr: String, laddr: String, fd: i32) -> Arc<ClientEntry> {
        let entry = Arc::new(ClientEntry {
            id,
            addr,
            laddr,
            fd,
            created: Instant::now(),
            view: Mutex::new(None),
            killed: AtomicBool::new(false),
            kill: Notify::new(),
        });
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).insert(id, entry.clone());
        entry
    }

    pub fn unregister(&self, id: u64) {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }

    pub fn len(&self) -> usize {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, id: u64) -> Option<Arc<ClientEntry>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).get(&id).cloned()
    }

    /// All clients in connection order.
    pub fn all(&self) -> Vec<Arc<ClientEntry>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).values().cloned().collect()
    }
}

/// `ip:port`, with IPv6 addresses in brackets, as Redis prints them (`anetFormatAddr`).
pub fn format_addr(addr: &std::net::SocketAddr) -> String {
    match addr.ip() {
        std::net::IpAddr::V6(ip) => format!("[{}]:{}", ip, addr.port()),
        ip => format!("{}:{}", ip, addr.port()),
    }
}

#[cfg(test)]
mod tests {
    use super::format_addr;

    #[test]
    fn addresses_like_redis() {
        assert_eq!(format_addr(&"127.0.0.1:5".parse().unwrap()), "127.0.0.1:5");
        assert_eq!(format_addr(&"[::1]:52000".parse().unwrap()), "[::1]:52000");
    }
}
