//! Differential testing: the same config and the same request sent to the reference
//! (`redis-sentinel`) and to `rsentinel`, replies compared byte for byte.

use super::client::Client;
use super::resp::{encode_command, Resp};
use super::sentinel::{Kind, SentinelProc};

/// Two sentinels started from the same config text: `reference` (redis-sentinel by default)
/// and `candidate` (rsentinel by default). If the config monitors a master, both watch it and
/// discover each other as peers, symmetrically.
pub struct SentinelPair {
    pub reference: SentinelProc,
    pub candidate: SentinelProc,
}

impl SentinelPair {
    /// redis-sentinel vs rsentinel.
    pub fn start(config_text: &str) -> SentinelPair {
        SentinelPair::start_kinds(Kind::Redis, Kind::Rsentinel, config_text)
    }

    /// Any two kinds (e.g. redis vs redis to check that a comparison is deterministic).
    pub fn start_kinds(reference: Kind, candidate: Kind, config_text: &str) -> SentinelPair {
        SentinelPair {
            reference: SentinelProc::start(reference, config_text),
            candidate: SentinelProc::start(candidate, config_text),
        }
    }

    /// Both processes, reference first.
    pub fn both(&self) -> [&SentinelProc; 2] {
        [&self.reference, &self.candidate]
    }

    /// The exact reply bytes of `request` (raw bytes, sent on a fresh RESP2 connection to each).
    pub fn raw_replies(&self, request: &[u8]) -> (Vec<u8>, Vec<u8>) {
        (self.reference.client().cmd_raw(request), self.candidate.client().cmd_raw(request))
    }

    /// Same as [`SentinelPair::raw_replies`] after `HELLO 3` on each connection.
    pub fn raw_replies_resp3(&self, request: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let mut a = self.reference.client();
        let mut b = self.candidate.client();
        a.hello3();
        b.hello3();
        (a.cmd_raw(request), b.cmd_raw(request))
    }

    /// Assert that `args` gets byte-identical replies in RESP2 and in RESP3.
    pub fn assert_same_bytes(&self, args: &[&str]) {
        let req = encode_command(args);
        let (a, b) = self.raw_replies(&req);
        assert_same(&self.reference, &self.candidate, args, "RESP2", &a, &b);
        let (a, b) = self.raw_replies_resp3(&req);
        assert_same(&self.reference, &self.candidate, args, "RESP3", &a, &b);
    }

    /// Decoded replies to `args` (RESP2), for comparisons that must ignore ids or timings.
    pub fn replies(&self, args: &[&str]) -> (Resp, Resp) {
        (self.reference.client().cmd(args), self.candidate.client().cmd(args))
    }

    /// A connection to each, reference first.
    pub fn clients(&self) -> (Client, Client) {
        (self.reference.client(), self.candidate.client())
    }
}

fn assert_same(a: &SentinelProc, b: &SentinelProc, args: &[&str], proto: &str, ra: &[u8], rb: &[u8]) {
    assert!(
        ra == rb,
        "{proto} replies to {args:?} differ\n  {} :{}: {:?}\n  {} :{}: {:?}",
        a.kind(),
        a.port(),
        String::from_utf8_lossy(ra),
        b.kind(),
        b.port(),
        String::from_utf8_lossy(rb),
    );
}
