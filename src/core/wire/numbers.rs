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
