//! The server's TLS session cache with `tls-session-cache-size` entries whose sessions can be
//! resumed for `tls-session-cache-timeout` seconds, as OpenSSL's server cache does
//! (`SSL_CTX_sess_set_cache_size`, `SSL_CTX_set_timeout`). rustls's memory cache bounds the
//! size; this wrapper adds the age limit by stamping each entry with the time it was stored.

use std::sync::Arc;
use std::time::Instant;

use rustls::server::{ServerSessionMemoryCache, StoresServerSessions};

/// Bytes of the stamp in front of each stored value.
const STAMP: usize = 8;

#[derive(Debug)]
pub struct ExpiringSessionCache {
    inner: Arc<ServerSessionMemoryCache>,
    timeout_secs: u64,
    epoch: Instant,
}

impl ExpiringSessionCache {
    pub fn new(size: usize, timeout_secs: u64) -> ExpiringSessionCache {
        ExpiringSessionCache {
            inner: ServerSessionMemoryCache::new(size),
            timeout_secs,
            epoch: Instant::now(),
        }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    /// The value, if it was stored less than the timeout ago.
    fn fresh(&self, stored: Vec<u8>) -> Option<Vec<u8>> {
        let stamp: [u8; STAMP] = stored.get(..STAMP)?.try_into().ok()?;
        let age = self.now().saturating_sub(u64::from_be_bytes(stamp));
        (age < self.timeout_secs).then(|| stored[STAMP..].to_vec())
    }
}

impl StoresServerSessions for ExpiringSessionCache {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        let mut stamped = Vec::with_capacity(STAMP + value.len());
        stamped.extend_from_slice(&self.now().to_be_bytes());
        stamped.extend_from_slice(&value);
        self.inner.put(key, stamped)
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.get(key).and_then(|v| self.fresh(v))
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.inner.take(key).and_then(|v| self.fresh(v))
    }

    fn can_cache(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_until_they_expire() {
        let cache = ExpiringSessionCache::new(4, 300);
        assert!(cache.put(b"k".to_vec(), b"v".to_vec()));
        assert_eq!(cache.get(b"k"), Some(b"v".to_vec()));
        assert_eq!(cache.take(b"k"), Some(b"v".to_vec()));
        assert_eq!(cache.get(b"k"), None);
        // A timeout of 0 makes every session too old to resume.
        let never = ExpiringSessionCache::new(4, 0);
        never.put(b"k".to_vec(), b"v".to_vec());
        assert_eq!(never.get(b"k"), None);
    }
}
