//! Per-client state and the client registry behind CLIENT LIST / KILL / INFO.
//!
//! Each connection task owns its [`ClientState`]. What other clients may look at (CLIENT LIST,
//! CLIENT KILL filters, ACL LOG's client-info) is published into the shared [`ClientEntry`]
//! before every command and after every batch of input: the per-request figures (last command,
//! buffer sizes, last interaction) as relaxed atomics, and the rest ([`ClientView`]) under a
//! lock only when it changed, so serving a request takes no lock and no task ever holds two
//! client locks at once.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::Notify;

use super::cmd::spec::{CommandTable, Spec};
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
    /// The last command looked up; None after an unknown one (`cmd=NULL`).
    pub last_cmd: Option<&'static Spec>,
    pub last_interaction: Instant,
    /// Waiting for CLIENT PAUSE to end.
    pub blocked: bool,
    /// The view last published in `entry` (republished only when it differs).
    published: ClientView,
}

impl ClientState {
    pub fn new(entry: Arc<ClientEntry>, push_tx: UnboundedSender<Frame>, authenticated: bool) -> ClientState {
        let mut c = ClientState {
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
            published: ClientView::default(),
        };
        c.published = ClientView::of(&c);
        c.entry.set_view(c.published.clone());
        c
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

    /// The CLIENT LIST flags (`getClientInfoString`).
    fn flags(&self) -> ClientFlags {
        let mut f = 0;
        for (on, bit) in [
            (self.is_pubsub(), ClientFlags::PUBSUB),
            (self.blocked, ClientFlags::BLOCKED),
            (self.tracking.on, ClientFlags::TRACKING),
            (self.tracking.on && self.tracking.bcast, ClientFlags::BCAST),
            (self.close_after_reply, ClientFlags::CLOSE_AFTER_REPLY),
            (self.no_evict, ClientFlags::NO_EVICT),
        ] {
            if on {
                f |= bit;
            }
        }
        ClientFlags(f)
    }

    /// Publish what others may see of this client (CLIENT LIST, CLIENT KILL filters, ACL LOG):
    /// the per-request figures always, which cost a few relaxed stores, and the rest only when
    /// it changed since the last time.
    pub fn publish(&mut self, buffers: BufferStats) {
        let e = &self.entry;
        e.hot.store(self.last_cmd, self.last_interaction.saturating_duration_since(e.created), buffers);
        if !self.published.describes(self) {
            self.published = ClientView::of(self);
            e.set_view(self.published.clone());
        }
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

/// CLIENT LIST flag letters, as bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClientFlags(u8);

impl ClientFlags {
    const PUBSUB: u8 = 1;
    const BLOCKED: u8 = 2;
    const TRACKING: u8 = 4;
    const BCAST: u8 = 8;
    const CLOSE_AFTER_REPLY: u8 = 16;
    const NO_EVICT: u8 = 32;

    /// The letters in Redis's order; `N` when none is set.
    pub fn letters(self) -> String {
        let letters = [
            (Self::PUBSUB, 'P'),
            (Self::BLOCKED, 'b'),
            (Self::TRACKING, 't'),
            (Self::BCAST, 'B'),
            (Self::CLOSE_AFTER_REPLY, 'c'),
            (Self::NO_EVICT, 'e'),
        ];
        let s: String = letters.iter().filter(|(bit, _)| self.0 & bit != 0).map(|(_, c)| *c).collect();
        if s.is_empty() {
            "N".into()
        } else {
            s
        }
    }

    pub fn pubsub(self) -> bool {
        self.0 & Self::PUBSUB != 0
    }
}

/// What others see of a client that changes only with commands that change it (a name, a user,
/// subscriptions, flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientView {
    pub name: Option<Vec<u8>>,
    pub user: Vec<u8>,
    pub resp: u8,
    pub flags: ClientFlags,
    pub sub: usize,
    pub psub: usize,
    pub redir: i64,
}

impl ClientView {
    pub fn of(c: &ClientState) -> ClientView {
        ClientView {
            name: c.name.clone(),
            user: c.user.clone(),
            resp: c.resp,
            flags: c.flags(),
            sub: c.channels.len(),
            psub: c.patterns.len(),
            redir: Self::redir_of(c),
        }
    }

    fn redir_of(c: &ClientState) -> i64 {
        if c.tracking.on {
            c.tracking.redirect
        } else {
            -1
        }
    }

    /// Whether this view still describes `c` (compared without allocating).
    fn describes(&self, c: &ClientState) -> bool {
        self.resp == c.resp
            && self.flags == c.flags()
            && self.sub == c.channels.len()
            && self.psub == c.patterns.len()
            && self.redir == Self::redir_of(c)
            && self.user == c.user
            && self.name == c.name
    }
}

/// The per-request figures of a client, stored without a lock.
#[derive(Default)]
struct HotView {
    /// The address of the last command's spec (0: none), resolved through the command table.
    last_cmd: AtomicUsize,
    /// Milliseconds from the connection's creation to its last interaction.
    last_interaction_ms: AtomicU64,
    qbuf: AtomicUsize,
    qbuf_free: AtomicUsize,
    argv_mem: AtomicUsize,
    reply_buf_size: AtomicUsize,
    reply_buf_peak: AtomicUsize,
    output_len: AtomicUsize,
}

impl HotView {
    fn store(&self, last_cmd: Option<&'static Spec>, since_created: Duration, b: BufferStats) {
        let cmd = last_cmd.map_or(0, |c| c as *const Spec as usize);
        self.last_cmd.store(cmd, Ordering::Relaxed);
        self.last_interaction_ms.store(since_created.as_millis() as u64, Ordering::Relaxed);
        self.qbuf.store(b.qbuf, Ordering::Relaxed);
        self.qbuf_free.store(b.qbuf_free, Ordering::Relaxed);
        self.argv_mem.store(b.argv_mem, Ordering::Relaxed);
        self.reply_buf_size.store(b.reply_buf_size, Ordering::Relaxed);
        self.reply_buf_peak.store(b.reply_buf_peak, Ordering::Relaxed);
        self.output_len.store(b.output_len, Ordering::Relaxed);
    }

    fn buffers(&self) -> BufferStats {
        BufferStats {
            qbuf: self.qbuf.load(Ordering::Relaxed),
            qbuf_free: self.qbuf_free.load(Ordering::Relaxed),
            argv_mem: self.argv_mem.load(Ordering::Relaxed),
            reply_buf_size: self.reply_buf_size.load(Ordering::Relaxed),
            reply_buf_peak: self.reply_buf_peak.load(Ordering::Relaxed),
            output_len: self.output_len.load(Ordering::Relaxed),
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
    view: Mutex<ClientView>,
    hot: HotView,
    killed: AtomicBool,
    kill: Notify,
}

impl ClientEntry {
    fn set_view(&self, view: ClientView) {
        *self.view.lock().unwrap_or_else(|e| e.into_inner()) = view;
    }

    pub fn view(&self) -> ClientView {
        self.view.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Ask the connection to close (CLIENT KILL, ACL DELUSER, shutdown).
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
        if self.view().flags.pubsub() {
            ClientType::PubSub
        } else {
            ClientType::Normal
        }
    }

    /// The CLIENT LIST line (`catClientInfoString`), without the trailing newline.
    pub fn info_line(&self, now: Instant, table: &CommandTable) -> String {
        let v = self.view();
        let b = self.hot.buffers();
        let last_cmd = table.by_address(self.hot.last_cmd.load(Ordering::Relaxed)).map_or("NULL", |c| c.name);
        let last_interaction =
            self.created + Duration::from_millis(self.hot.last_interaction_ms.load(Ordering::Relaxed));
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
            now.saturating_duration_since(self.created).as_secs(),
            now.saturating_duration_since(last_interaction).as_secs(),
            v.flags.letters(),
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
            last_cmd,
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
            view: Mutex::new(ClientView::default()),
            hot: HotView::default(),
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
