//! Differential testing: the same config and the same request sent to the reference
//! (`redis-sentinel`, or `valkey-sentinel` for Valkey's words) and to `rsentinel`, replies
//! compared byte for byte, or decoded with the values that cannot match masked.

use super::client::Client;
use super::resp::{encode_command, parse, Resp};
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

    /// valkey-sentinel 8.1.8 vs rsentinel.
    pub fn valkey(config_text: &str) -> SentinelPair {
        SentinelPair::start_kinds(Kind::Valkey, Kind::Rsentinel, config_text)
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

    /// Assert that `args` gets the same replies in RESP2 and in RESP3 once the values of the
    /// `volatile` fields (timings, ids) are masked in every map and flat field/value array;
    /// the RESP types, field names and field order must match exactly.
    pub fn assert_same_masked(&self, args: &[&str], volatile: &[&str]) {
        let req = encode_command(args);
        for (proto, (a, b)) in [("RESP2", self.raw_replies(&req)), ("RESP3", self.raw_replies_resp3(&req))] {
            let (mut ra, mut rb) = (decode(&a), decode(&b));
            mask_fields(&mut ra, volatile);
            mask_fields(&mut rb, volatile);
            assert!(
                ra == rb,
                "{proto} replies to {args:?} differ (masked {volatile:?})\n  {} :{}: {ra}\n  {} :{}: {rb}",
                self.reference.kind(),
                self.reference.port(),
                self.candidate.kind(),
                self.candidate.port(),
            );
        }
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

fn decode(bytes: &[u8]) -> Resp {
    match parse(bytes) {
        Ok(Some((v, used))) if used == bytes.len() => v,
        other => panic!("not one complete reply ({other:?}): {:?}", String::from_utf8_lossy(bytes)),
    }
}

/// Replace the value of every field named in `fields` with the bulk string `<masked>`, in RESP3
/// maps and in RESP2 flat field/value arrays, at any depth.
pub fn mask_fields(v: &mut Resp, fields: &[&str]) {
    let hit = |k: &Resp| k.as_str().is_some_and(|k| fields.contains(&k.as_str()));
    match v {
        Resp::Map(pairs) => {
            for (k, x) in pairs {
                if hit(k) {
                    *x = Resp::Bulk(b"<masked>".to_vec());
                } else {
                    mask_fields(x, fields);
                }
            }
        }
        Resp::Array(items) | Resp::Set(items) | Resp::Push(items) => {
            let flat_map =
                items.len() % 2 == 0 && items.iter().step_by(2).all(|k| matches!(k, Resp::Bulk(_)));
            let mut i = 0;
            while i < items.len() {
                if flat_map && i % 2 == 0 && hit(&items[i]) {
                    items[i + 1] = Resp::Bulk(b"<masked>".to_vec());
                    i += 2;
                } else {
                    mask_fields(&mut items[i], fields);
                    i += 1;
                }
            }
        }
        _ => {}
    }
}
