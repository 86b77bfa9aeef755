//! The glob matcher against redis-server 7.0.15's own (`KEYS` calls `stringmatchlen`, the
//! function PSUBSCRIBE, SENTINEL RESET and CONFIG GET use): random patterns, full of
//! metacharacters and bytes above 0x7f, must select exactly the keys Redis selects.

mod common;

use std::collections::BTreeSet;

use common::{encode_command, RedisServer, Resp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rsentinel::core::wire::glob::glob_match;

const ALPHABET: &[u8] = b"ab*?[]^-\\Az\xe9\x10";

fn random_bytes(rng: &mut StdRng, max_len: usize) -> Vec<u8> {
    (0..rng.gen_range(0..=max_len)).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())]).collect()
}

#[test]
fn keys_selects_what_glob_match_selects() {
    let server = RedisServer::start();
    let mut client = server.client();
    let mut rng = StdRng::seed_from_u64(36021);
    let mut keys = BTreeSet::new();
    keys.insert(Vec::new());
    while keys.len() < 300 {
        keys.insert(random_bytes(&mut rng, 6));
    }
    for key in &keys {
        let reply = client.cmd_raw(&encode_command(&[&b"SET"[..], key, b"v"]));
        assert_eq!(reply, b"+OK\r\n");
    }
    for _ in 0..1500 {
        let pattern = random_bytes(&mut rng, 8);
        if pattern == b"*" {
            // KEYS answers a bare `*` without calling the matcher.
            continue;
        }
        client.send_raw(&encode_command(&[&b"KEYS"[..], &pattern])).expect("send KEYS");
        let Resp::Array(items) = client.read_reply().expect("KEYS reply") else {
            panic!("KEYS: not an array")
        };
        let redis: BTreeSet<Vec<u8>> = items
            .into_iter()
            .map(|k| match k {
                Resp::Bulk(b) => b,
                other => panic!("KEYS item {other:?}"),
            })
            .collect();
        let ours: BTreeSet<Vec<u8>> =
            keys.iter().filter(|k| glob_match(&pattern, k, false)).cloned().collect();
        assert_eq!(ours, redis, "pattern {:?}", String::from_utf8_lossy(&pattern));
    }
}
