//! The C number parsers Redis's config code uses, reproduced so that every value is accepted
//! or rejected exactly as redis-sentinel 7.0 does.
//!
//! `sentinel ...` lines use the lenient libc functions (`atoi`, `strtoull`): they read a numeric
//! prefix and silently ignore the rest, so `sentinel announce-port abc` means port 0. The
//! generic directives use Redis's strict `string2ll` and `memtoull`.

/// The result of C `strtol`-family prefix parsing: sign, magnitude (saturated) and whether any
/// digit was read, plus the unparsed rest.
struct Prefix<'a> {
    negative: bool,
    magnitude: u128,
    digits: bool,
    rest: &'a str,
}

fn c_prefix(s: &str, radix: u32) -> Prefix<'_> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = t.find(|c: char| !c.is_digit(radix)).unwrap_or(t.len());
    let mut magnitude: u128 = 0;
    for c in t[..end].chars() {
        magnitude = (magnitude * radix as u128 + c.to_digit(radix).unwrap_or(0) as u128).min(u128::MAX >> 8);
    }
    Prefix { negative, magnitude, digits: end > 0, rest: &t[end..] }
}

/// glibc `strtol(s, NULL, 10)`: saturates to the `long` range.
pub fn strtol(s: &str) -> i64 {
    strtol_radix(s, 10).0
}

/// `strtol(s, &end, radix)`, returning the value and whether the whole string was consumed
/// (`*end == '\0'`; an empty string counts as consumed, as in C).
pub fn strtol_radix(s: &str, radix: u32) -> (i64, bool) {
    let p = c_prefix(s, radix);
    let v = if p.negative {
        (-(p.magnitude.min(i64::MAX as u128 + 1) as i128)) as i64
    } else {
        p.magnitude.min(i64::MAX as u128) as i64
    };
    let consumed = if p.digits { p.rest.is_empty() } else { s.is_empty() };
    (v, consumed)
}

/// glibc `atoi`: `(int) strtol(s, NULL, 10)`, including the truncation to 32 bits.
pub fn atoi(s: &str) -> i64 {
    strtol(s) as i32 as i64
}

/// glibc `strtoull(s, NULL, 10)`: a leading `-` negates modulo 2^64; overflow saturates.
pub fn strtoull(s: &str) -> u64 {
    let p = c_prefix(s, 10);
    let v = if p.magnitude > u64::MAX as u128 { u64::MAX } else { p.magnitude as u64 };
    if p.negative && p.magnitude <= u64::MAX as u128 {
        v.wrapping_neg()
    } else {
        v
    }
}

/// Redis `string2ll` on text (the one implementation lives in the wire module).
pub fn string2ll(s: &str) -> Option<i64> {
    crate::core::wire::numbers::parse_i64(s)
}

/// Redis `memtoull`: digits followed by an optional unit (b, k, kb, m, mb, g, gb, any case).
/// `k`/`m`/`g` are powers of 1000, `kb`/`mb`/`gb` powers of 1024. Overflow of the digits
/// saturates (as `strtoull` does); the multiplication wraps as in C.
pub fn memtoull(s: &str) -> Option<u64> {
    if s.starts_with('-') {
        return None;
    }
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let mul: u64 = match s[end..].to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if end >= 128 {
        return None;
    }
    Some(strtoull(&s[..end]).wrapping_mul(mul))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_reads_a_prefix_and_truncates_like_glibc() {
        assert_eq!(atoi("123"), 123);
        assert_eq!(atoi("  42abc"), 42);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("-7"), -7);
        assert_eq!(atoi("+7"), 7);
        assert_eq!(atoi("4294967296"), 0);
        assert_eq!(atoi("2147483648"), -2147483648);
        assert_eq!(atoi("99999999999999999999"), -1);
        assert_eq!(atoi("1.5"), 1);
    }

    #[test]
    fn strtoull_wraps_negative_and_saturates() {
        assert_eq!(strtoull("10"), 10);
        assert_eq!(strtoull("-1"), u64::MAX);
        assert_eq!(strtoull("99999999999999999999999"), u64::MAX);
        assert_eq!(strtoull("x"), 0);
        assert_eq!(strtoull("12x"), 12);
    }

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll("0"), Some(0));
        assert_eq!(string2ll("-5"), Some(-5));
        assert_eq!(string2ll("9223372036854775807"), Some(i64::MAX));
        assert_eq!(string2ll("-9223372036854775808"), Some(i64::MIN));
        for bad in ["", "01", "-0", "+1", " 1", "1 ", "1.0", "0x10", "9223372036854775808", "-"] {
            assert_eq!(string2ll(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn memtoull_units() {
        assert_eq!(memtoull("1k"), Some(1000));
        assert_eq!(memtoull("1KB"), Some(1024));
        assert_eq!(memtoull("2gb"), Some(2 << 30));
        assert_eq!(memtoull("1Gb"), Some(1 << 30));
        assert_eq!(memtoull("1B"), Some(1));
        assert_eq!(memtoull(""), Some(0));
        assert_eq!(memtoull("-1"), None);
        assert_eq!(memtoull("1.5g"), None);
        assert_eq!(memtoull(" 1"), None);
        assert_eq!(memtoull("1xb"), None);
    }

    #[test]
    fn strtol_radix_reports_full_consumption() {
        assert_eq!(strtol_radix("777", 8), (0o777, true));
        assert_eq!(strtol_radix("999", 8), (0, false));
        assert_eq!(strtol_radix("0x1", 8), (0, false));
        assert_eq!(strtol_radix("", 8), (0, true));
        assert_eq!(strtol_radix("-1", 8), (-1, true));
    }
}
