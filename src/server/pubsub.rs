//! Local pub/sub: the channels clients SUBSCRIBE / PSUBSCRIBE to (one per event name).

use crate::core::wire::glob::glob_match;
use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::mpsc::UnboundedSender;

use super::frame::Frame;

/// What a subscriber receives: a ready-made frame (message or pmessage push).
pub type Subscriber = UnboundedSender<Frame>;

#[derive(Default)]
struct Subs {
    channels: HashMap<Vec<u8>, HashMap<u64, Subscriber>>,
    patterns: HashMap<Vec<u8>, HashMap<u64, Subscriber>>,
}

/// Channel and pattern subscriptions of all clients.
#[derive(Default)]
pub struct Broker {
    subs: Mutex<Subs>,
}

impl Broker {
    pub fn subscribe(&self, client: u64, channel: &[u8], tx: Subscriber) {
        self.subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .channels
            .entry(channel.to_vec())
            .or_default()
            .insert(client, tx);
    }

    pub fn unsubscribe(&self, client: u64, channel: &[u8]) {
        let mut s = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = s.channels.get_mut(channel) {
            m.remove(&client);
            if m.is_empty() {
                s.channels.remove(channel);
            }
        }
    }

    pub fn psubscribe(&self, client: u64, pattern: &[u8], tx: Subscriber) {
        self.subs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .patterns
            .entry(pattern.to_vec())
            .or_default()
            .insert(client, tx);
    }

    pub fn punsubscribe(&self, client: u64, pattern: &[u8]) {
        let mut s = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = s.patterns.get_mut(pattern) {
            m.remove(&client);
            if m.is_empty() {
                s.patterns.remove(pattern);
            }
        }
    }

    /// Number of channels and patterns with at least one subscriber (INFO's pubsub_channels /
    /// pubsub_patterns).
    pub fn counts(&self) -> (usize, usize) {
        let s = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        (s.channels.len(), s.patterns.len())
    }

    /// Deliver a message; returns how many subscribers got it.
    pub fn publish(&self, channel: &[u8], msg: &[u8]) -> usize {
        let s = self.subs.lock().unwrap_or_else(|e| e.into_inner());
        let mut n = 0;
        if let Some(m) = s.channels.get(channel) {
            for tx in m.values() {
                let f = Frame::Push(vec![Frame::bulk("message"), Frame::bulk(channel), Frame::bulk(msg)]);
                if tx.send(f).is_ok() {
                    n += 1;
                }
            }
        }
        for (pat, m) in &s.patterns {
            if glob_match(pat, channel, false) {
                for tx in m.values() {
                    let f = Frame::Push(vec![
                        Frame::bulk("pmessage"),
                        Frame::bulk(pat),
                        Frame::bulk(channel),
                        Frame::bulk(msg),
                    ]);
                    if tx.send(f).is_ok() {
                        n += 1;
                    }
                }
            }
        }
        n
    }
}
