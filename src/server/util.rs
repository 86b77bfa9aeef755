//! Small helpers that reproduce the exact parsing and formatting rules of Redis's C code, so
//! replies match redis-sentinel byte for byte.

pub use crate::core::wire::eq_ic;
pub use crate::core::wire::numbers::string2ll;

/// The bytes of `s` up to its first NUL: what C's `%s` prints for a Redis string that contains
/// one.
pub fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(i) => &s[..i],
        None => s,
    }
}

/// `%s` of a client-supplied string inside an error text. Redis writes the raw bytes; our
/// error frames hold text, so bytes that are not UTF-8 are replaced.
pub fn c_lossy(s: &[u8]) -> String {
    String::from_utf8_lossy(c_str(s)).into_owned()
}

/// `%.Ns`: at most `n` bytes, stopping at a NUL.
pub fn c_str_max(s: &[u8], n: usize) -> &[u8] {
    let s = c_str(s);
    &s[..s.len().min(n)]
}

/// C's `printf("%.17g", d)`, which Redis 7.0 uses for every double reply (`addReplyDouble`).
pub fn fmt_double(d: f64) -> String {
    if d.is_infinite() {
        return if d > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let mut buf = [0u8; 64];
    // SAFETY: snprintf writes at most buf.len() bytes (including the NUL) into buf, and the
    // format takes exactly one double argument.
    let n = unsafe { libc::snprintf(buf.as_mut_ptr() as *mut libc::c_char, buf.len(), c"%.17g".as_ptr(), d) };
    let n = (n.max(0) as usize).min(buf.len() - 1);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// The ASCII upper-case copy of a client argument (`sdstoupper`).
pub fn upper(s: &[u8]) -> String {
    String::from_utf8_lossy(s).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll(b"0"), Some(0));
        assert_eq!(string2ll(b"12"), Some(12));
        assert_eq!(string2ll(b"-12"), Some(-12));
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(string2ll(b"9223372036854775807"), Some(i64::MAX));
        for bad in [&b""[..], b"-", b"+1", b"01", b"-0", b" 1", b"1 ", b"1x", b"9223372036854775808", b"3.0"]
        {
            assert_eq!(string2ll(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn doubles_print_like_redis_7_0() {
        assert_eq!(fmt_double(3.608), "3.6080000000000001");
        assert_eq!(fmt_double(0.0), "0");
        assert_eq!(fmt_double(f64::INFINITY), "inf");
    }

    #[test]
    fn c_strings_stop_at_nul() {
        assert_eq!(c_str(b"a\0b"), b"a");
        assert_eq!(c_str_max(b"abcdef", 3), b"abc");
    }
}
