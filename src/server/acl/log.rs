//! The ACL LOG (`acl.c: addACLLogEntry`): recent denied commands, channels and failed AUTHs.
//! Similar entries within 60 s are grouped into one with a count, newest first.

use std::collections::VecDeque;

use crate::server::Frame;

/// Entries kept (`acllog-max-len` default).
pub const MAX_LEN: usize = 128;
/// Entries with the same reason, context, object and user this close together are merged.
const GROUPING_MS: u64 = 60_000;
/// How many recent entries are compared when looking for one to merge with.
const SCAN: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogReason {
    Command,
    Channel,
    Auth,
}

impl LogReason {
    fn as_str(self) -> &'static str {
        match self {
            LogReason::Command => "command",
            LogReason::Channel => "channel",
            LogReason::Auth => "auth",
        }
    }
}

#[derive(Clone, Debug)]
pub struct LogEntry {
    count: u64,
    reason: LogReason,
    /// The command's full name, the channel, or the AUTH / HELLO command as typed.
    object: Vec<u8>,
    username: Vec<u8>,
    /// Unix time in milliseconds.
    ctime_ms: u64,
    /// The CLIENT LIST line of the client, at the time of the (latest) event.
    client_info: String,
}

#[derive(Debug, Default)]
pub struct AclLog {
    entries: VecDeque<LogEntry>,
}

impl AclLog {
    pub fn add(
        &mut self,
        reason: LogReason,
        object: &[u8],
        username: &[u8],
        client_info: String,
        now_ms: u64,
    ) {
        let pos = self.entries.iter().take(SCAN).position(|e| {
            e.reason == reason
                && now_ms.abs_diff(e.ctime_ms) <= GROUPING_MS
                && e.object == object
                && e.username == username
        });
        match pos.and_then(|p| self.entries.remove(p)) {
            Some(mut e) => {
                e.count += 1;
                e.ctime_ms = now_ms;
                e.client_info = client_info;
                self.entries.push_front(e);
            }
            None => {
                self.entries.push_front(LogEntry {
                    count: 1,
                    reason,
                    object: object.to_vec(),
                    username: username.to_vec(),
                    ctime_ms: now_ms,
                    client_info,
                });
                self.entries.truncate(MAX_LEN);
            }
        }
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `ACL LOG [count]` reply: up to `count` entries, newest first.
    pub fn reply(&self, count: usize, now_ms: u64) -> Frame {
        Frame::Array(
            self.entries
                .iter()
                .take(count)
                .map(|e| {
                    let age = now_ms.saturating_sub(e.ctime_ms) as f64 / 1000.0;
                    Frame::map([
                        ("count", Frame::Integer(e.count as i64)),
                        ("reason", Frame::bulk(e.reason.as_str())),
                        ("context", Frame::bulk("toplevel")),
                        ("object", Frame::bulk(&e.object)),
                        ("username", Frame::bulk(&e.username)),
                        ("age-seconds", Frame::Double(age)),
                        ("client-info", Frame::bulk(&e.client_info)),
                    ])
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_similar_entries_newest_first() {
        let mut log = AclLog::default();
        log.add(LogReason::Auth, b"AUTH", b"a", "id=1".into(), 1000);
        log.add(LogReason::Channel, b"foo", b"r", "id=2".into(), 2000);
        log.add(LogReason::Auth, b"AUTH", b"a", "id=3".into(), 3000);
        assert_eq!(log.len(), 2);
        assert_eq!(log.entries[0].count, 2);
        assert_eq!(log.entries[0].client_info, "id=3");
        // Too far apart: a new entry.
        log.add(LogReason::Auth, b"AUTH", b"a", "id=4".into(), 100_000);
        assert_eq!(log.len(), 3);
        let r = log.reply(1, 100_500).to_bytes(2);
        assert!(r.starts_with(b"*1\r\n*14\r\n$5\r\ncount\r\n:1\r\n"), "{}", String::from_utf8_lossy(&r));
        assert!(String::from_utf8_lossy(&r).contains("$3\r\n0.5\r\n"));
    }

    #[test]
    fn bounded() {
        let mut log = AclLog::default();
        for i in 0..(MAX_LEN as u64 + 10) {
            log.add(LogReason::Command, format!("c{}", i).as_bytes(), b"u", String::new(), i);
        }
        assert_eq!(log.len(), MAX_LEN);
    }
}
