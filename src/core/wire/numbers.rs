//! Redis's number parsing (`string2ll`), byte for byte: the strict rules client arguments,
//! config values and hello fields are read with.

/// Parse an integer exactly as Redis's `string2ll` does (what `getLongLongFromObject` uses on
/// client arguments): optional `-`, no `+`, no leading zeros, no spaces, at most 20 bytes,
/// within i64. Rust's `str::parse` is laxer (`+5`, `007`), which would accept arguments Redis
/// rejects.
pub fn string2ll(b: &[u8]) -> Option<i64> {
    if b.is_empty() || b.len() >= 21 {
        return None;
    }
    if b == b"0" {
        return Some(0);
    }
    let (negative, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, b),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if v > i64::MAX as u64 + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// [`string2ll`] on text.
pub fn parse_i64(s: &str) -> Option<i64> {
    string2ll(s.as_bytes())
}

/// The largest epoch rsentinel accepts anywhere (hellos, votes, the config file): 2^63 - 1.
/// Epochs travel between sentinels as signed 64-bit integers (`SENTINEL is-master-down-by-addr`
/// parses its epoch with `getLongLongFromObject`), so a larger one could never be voted on,
/// and one near 2^64 wraps to 0 on the next failover (`+new-epoch 0`).
pub const MAX_EPOCH: u64 = i64::MAX as u64;

/// The epoch after `e` (a failover's), or `None` when that would pass [`MAX_EPOCH`].
pub fn next_epoch(e: u64) -> Option<u64> {
    e.checked_add(1).filter(|n| *n <= MAX_EPOCH)
}

/// A sentinel run id as Sentinels generate them (`getRandomHexChars`): 40 hex digits. Anything
/// else in a hello is forged or broken.
pub fn is_run_id(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
