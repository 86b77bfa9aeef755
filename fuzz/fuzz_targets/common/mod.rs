//! Shared by the fuzz targets: a core with one master, a known replica and a known peer, to
//! feed hostile replies and hellos into, and a way to cut one input into several parts.
#![allow(dead_code)]

use rsentinel::config::{
    parse_str_with_overrides, render, KnownReplica, KnownSentinel, MasterConfig, SentinelConfig,
};
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

/// The config targets' check. Input: the file's text, a NUL byte, the command-line words one
/// per line. Any input loads or is refused without a panic; one that loads is written back
/// (`render`, as a save would) into text that loads to the same config. Inputs naming
/// `include` are skipped: they would read arbitrary files of this machine.
pub fn check_config_round_trip(file: &str, data: &[u8]) {
    let (text, words) = split_at_byte(data, 0);
    let text = String::from_utf8_lossy(text);
    let words: Vec<String> = match String::from_utf8_lossy(words).as_ref() {
        "" => Vec::new(),
        w => w.split('\n').map(str::to_string).collect(),
    };
    let names_include = |t: &str| t.to_ascii_lowercase().contains("include");
    if names_include(&text) || words.iter().any(|w| names_include(w)) {
        return;
    }
    let Ok((mut server, sentinel)) = parse_str_with_overrides(&text, file, &words) else { return };
    // A .conf rewrite always writes `dir` (as Redis does): without one, the current directory.
    if server.dir.is_none() && !file.ends_with(".toml") {
        server.dir = std::env::current_dir().ok().map(|d| d.display().to_string());
    }
    let written = match render(file, &text, &server, &sentinel) {
        Ok(t) => t,
        Err(e) => panic!("a loaded config does not render: {e}"),
    };
    match parse_str_with_overrides(&written, file, &[]) {
        Ok(again) => assert_eq!(again, (server, sentinel), "written:\n{written}"),
        Err(e) => panic!("the written config does not load: {e}\nwritten:\n{written}"),
    }
}
