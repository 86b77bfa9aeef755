//! Outgoing links: one tokio task per connection (command or pub/sub) to a monitored
//! instance. The tasks only move bytes: every reply, pub/sub message and connection drop goes
//! back to the daemon as a [`LinkEvent`] for the core to judge.

use tokio::sync::mpsc::UnboundedSender;

use crate::core::{Command, Conn, LinkId, Reply, ReplyTag};

/// What a link task reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// The TCP connection is up; `local_ip` is our side's address (used in hellos).
    Connected { link: LinkId, conn: Conn, local_ip: String },
    /// A reply to a command sent with `tag`, in send order.
    Reply { link: LinkId, conn: Conn, tag: ReplyTag, reply: Reply },
    /// A `message` on the pub/sub connection.
    Message { link: LinkId, channel: Vec<u8>, payload: Vec<u8> },
    /// Anything else that arrived on the pub/sub connection (subscribe confirmations).
    PubSubActivity { link: LinkId },
    /// The connection failed or dropped; the core decides when to reconnect.
    Closed { link: LinkId, conn: Conn, error: String },
}

/// The set of live link tasks, addressed by link and connection.
pub struct LinkRegistry {
    #[allow(dead_code)]
    events: UnboundedSender<LinkEvent>,
}

impl LinkRegistry {
    pub fn new(events: UnboundedSender<LinkEvent>) -> LinkRegistry {
        LinkRegistry { events }
    }

    /// Open `conn` of `link` to `ip:port` and pipeline `init` on it.
    pub fn connect(
        &self,
        _link: LinkId,
        _conn: Conn,
        _ip: &str,
        _port: u16,
        _init: Vec<(Command, ReplyTag)>,
    ) {
        todo!("monitor::link connect")
    }

    /// Send on the link's command connection.
    pub fn send(&self, _link: LinkId, _cmd: Command, _tag: ReplyTag) {
        todo!("monitor::link send")
    }

    /// Close one connection of a link.
    pub fn close(&self, _link: LinkId, _conn: Conn) {
        todo!("monitor::link close")
    }

    /// Close both connections and forget the link.
    pub fn drop_link(&self, _link: LinkId) {
        todo!("monitor::link drop")
    }
}
