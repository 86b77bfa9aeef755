//! Shared by the fuzz targets: a core with one master, a known replica and a known peer, to
//! feed hostile replies and hellos into, and a way to cut one input into several parts.
#![allow(dead_code)]

use rsentinel::config::{KnownReplica, KnownSentinel, MasterConfig, SentinelConfig};
use rsentinel::core::{MasterId, Sentinel, Settings};

pub const PEER: &str = "1111111111111111111111111111111111111111";

/// A sentinel monitoring `mymaster` at 127.0.0.1:6379, with replica 127.0.0.1:6380 and peer
/// 127.0.0.1:26380, as loaded from a config.
pub fn core() -> (Sentinel, MasterId) {
    let cfg = SentinelConfig {
        myid: Some("0000000000000000000000000000000000000001".into()),
        masters: vec![MasterConfig {
            name: "mymaster".into(),
            host: "127.0.0.1".into(),
            port: 6379,
            quorum: 2,
            down_after_ms: 5000,
            known_replicas: vec![KnownReplica { host: "127.0.0.1".into(), port: 6380 }],
            known_sentinels: vec![KnownSentinel {
                host: "127.0.0.1".into(),
                port: 26380,
                runid: PEER.into(),
            }],
            ..MasterConfig::default()
        }],
        ..SentinelConfig::default()
    };
    let mut s = Sentinel::new(&cfg, Settings { port: 26379, ..Settings::default() }, 1_000, 7)
        .expect("the fixture config is valid");
    s.drain_actions();
    let id = s.master_id("mymaster").expect("configured");
    (s, id)
}

/// Split `data` at the first `sep` byte: (before, after); all of it and nothing without one.
pub fn split_at_byte(data: &[u8], sep: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == sep) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}
