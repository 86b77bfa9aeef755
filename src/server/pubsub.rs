//! Local pub/sub: the channels clients SUBSCRIBE / PSUBSCRIBE to (one per event name).

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

/// Redis's `stringmatchlen`: `*`, `?`, `[...]` (with `^` negation and ranges) and `\` escapes.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    fn eq(a: u8, b: u8, nocase: bool) -> bool {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    }
    fn m(p: &[u8], s: &[u8], nocase: bool, depth: u32) -> bool {
        if depth > 1000 {
            return false;
        }
        let (mut pi, mut si) = (0, 0);
        while pi < p.len() {
            match p[pi] {
                b'*' => {
                    while pi + 1 < p.len() && p[pi + 1] == b'*' {
                        pi += 1;
                    }
                    if pi + 1 == p.len() {
                        return true;
                    }
                    for k in si..=s.len() {
                        if m(&p[pi + 1..], &s[k..], nocase, depth + 1) {
                            return true;
                        }
                    }
                    return false;
                }
                b'?' => {
                    if si >= s.len() {
                        return false;
                    }
                    si += 1;
                }
                b'[' => {
                    if si >= s.len() {
                        return false;
                    }
                    pi += 1;
                    let not = pi < p.len() && p[pi] == b'^';
                    if not {
                        pi += 1;
                    }
                    let mut matched = false;
                    loop {
                        if pi >= p.len() {
                            pi -= 1;
                            break;
                        }
                        if p[pi] == b'\\' && pi + 1 < p.len() {
                            pi += 1;
                            if eq(p[pi], s[si], nocase) {
                                matched = true;
                            }
                        } else if p[pi] == b']' {
                            break;
                        } else if pi + 2 < p.len() && p[pi + 1] == b'-' {
                            let (mut a, mut b) = (p[pi], p[pi + 2]);
                            if a > b {
                                std::mem::swap(&mut a, &mut b);
                            }
                            let c = if nocase { s[si].to_ascii_lowercase() } else { s[si] };
                            let (a, b) = if nocase {
                                (a.to_ascii_lowercase(), b.to_ascii_lowercase())
                            } else {
                                (a, b)
                            };
                            if c >= a && c <= b {
                                matched = true;
                            }
                            pi += 2;
                        } else if eq(p[pi], s[si], nocase) {
                            matched = true;
                        }
                        pi += 1;
                    }
                    if not {
                        matched = !matched;
                    }
                    if !matched {
                        return false;
                    }
                    si += 1;
                }
                b'\\' if pi + 1 < p.len() => {
                    pi += 1;
                    if si >= s.len() || !eq(p[pi], s[si], nocase) {
                        return false;
                    }
                    si += 1;
                }
                c => {
                    if si >= s.len() || !eq(c, s[si], nocase) {
                        return false;
                    }
                    si += 1;
                }
            }
            pi += 1;
        }
        si == s.len()
    }
    m(pattern, s, nocase, 0)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"+sdown", false));
        assert!(glob_match(b"+s*", b"+sdown", false));
        assert!(glob_match(b"m?ster", b"master", false));
        assert!(glob_match(b"m[a-c]ster", b"mbster", false));
        assert!(!glob_match(b"m[^a]ster", b"master", false));
        assert!(!glob_match(b"MASTER", b"master", false));
        assert!(glob_match(b"MASTER", b"master", true));
        assert!(glob_match(b"a\\*b", b"a*b", false));
    }
}
