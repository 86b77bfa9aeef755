//! Request parsing, sans-IO: bytes in, argument vectors out, with Redis's rules and limits
//! (`networking.c: processInlineBuffer`, `processMultibulkBuffer`).
//!
//! Redis quirks kept on purpose, because clients and tests observe them:
//! - a request starting with `*` is multibulk, anything else is an inline command line;
//! - `*0` / `*-1` and blank inline lines are silently skipped;
//! - the two bytes after a bulk payload are skipped without being checked;
//! - searches for `\r` / `\n` stop at a NUL byte (Redis uses `strchr` on its buffer), so a NUL
//!   before the line end makes the parser wait for more data;
//! - unauthenticated clients may not announce more than 10 arguments or bulks over 16 KB.
//!
//! Nothing is allocated from a length the client merely announces: bulk payloads are taken
//! once they have fully arrived, and the argument vector grows as arguments are parsed.

use crate::core::wire::split_args::split_args;
use bytes::{Buf, BytesMut};

use super::util::string2ll;

/// Longest inline request, and longest `*<n>` / `$<n>` line (Redis's PROTO_INLINE_MAX_SIZE).
pub const INLINE_MAX: usize = 64 * 1024;
/// Largest bulk argument (`proto-max-bulk-len`).
pub const MAX_BULK: i64 = 512 * 1024 * 1024;
/// Limits for clients that still have to authenticate.
const UNAUTH_MAX_ARGS: i64 = 10;
const UNAUTH_MAX_BULK: i64 = 16 * 1024;

/// A protocol error. The client gets `-ERR Protocol error: ...` and the connection is closed
/// once the reply is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("invalid multibulk length")]
    InvalidMultibulkLength,
    #[error("unauthenticated multibulk length")]
    UnauthenticatedMultibulkLength,
    #[error("invalid bulk length")]
    InvalidBulkLength,
    #[error("unauthenticated bulk length")]
    UnauthenticatedBulkLength,
    #[error("expected '$', got '{}'", char::from(*.0))]
    ExpectedDollar(u8),
    #[error("too big mbulk count string")]
    TooBigMultibulkCount,
    #[error("too big bulk count string")]
    TooBigBulkCount,
    #[error("too big inline request")]
    TooBigInline,
    #[error("unbalanced quotes in request")]
    UnbalancedQuotes,
}

impl ProtocolError {
    /// The error line as Redis writes it (without `-` and CRLF). `ExpectedDollar` carries the
    /// raw byte the client sent, which need not be UTF-8.
    pub fn reply_bytes(&self) -> Vec<u8> {
        let mut v = b"ERR Protocol error: ".to_vec();
        match self {
            ProtocolError::ExpectedDollar(c) => {
                v.extend_from_slice(b"expected '$', got '");
                v.push(*c);
                v.push(b'\'');
            }
            other => v.extend_from_slice(other.to_string().as_bytes()),
        }
        v
    }
}

/// A multibulk request whose arguments are still arriving.
#[derive(Debug, Default)]
struct Multibulk {
    /// Arguments still expected.
    remaining: usize,
    /// Length of the bulk being read, once its `$<n>` line has been parsed.
    bulk_len: Option<usize>,
    args: Vec<Vec<u8>>,
    /// Bytes held by `args` (payloads plus a per-argument overhead), for the query buffer limit.
    held: usize,
}

/// Incremental request parser; keep one per connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    multibulk: Option<Multibulk>,
}

/// Position of `needle` in `buf`, searching the way C's `strchr` does on a NUL-terminated
/// buffer: a NUL byte ends the search.
fn find_before_nul(buf: &[u8], needle: u8) -> Option<usize> {
    for (i, &b) in buf.iter().enumerate() {
        if b == needle {
            return Some(i);
        }
        if b == 0 {
            return None;
        }
    }
    None
}

impl RequestParser {
    pub fn new() -> RequestParser {
        RequestParser::default()
    }

    /// Bytes held by the partially parsed request (counted against the query buffer limit).
    pub fn held_bytes(&self) -> usize {
        self.multibulk.as_ref().map_or(0, |m| m.held)
    }

    /// True while a multibulk request has started but not finished.
    pub fn in_request(&self) -> bool {
        self.multibulk.is_some()
    }

    /// Parse the next complete request from `buf`, consuming its bytes. `Ok(None)` means more
    /// data is needed. Empty requests are skipped. `authenticated` selects the limits for
    /// clients that have not authenticated yet.
    pub fn next(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
    ) -> Result<Option<Vec<Vec<u8>>>, ProtocolError> {
        loop {
            if self.multibulk.is_none() {
                match buf.first() {
                    None => return Ok(None),
                    Some(b'*') => {
                        if !self.start_multibulk(buf, authenticated)? {
                            return Ok(None);
                        }
                        if self.multibulk.is_none() {
                            continue; // `*0` or a negative count: nothing to run
                        }
                    }
                    Some(_) => match parse_inline(buf)? {
                        None => return Ok(None),
                        Some(args) if args.is_empty() => continue,
                        Some(args) => return Ok(Some(args)),
                    },
                }
            }
            match self.continue_multibulk(buf, authenticated)? {
                None => return Ok(None),
                Some(args) => return Ok(Some(args)),
            }
        }
    }

    /// Parse `*<count>\r\n`. Returns false if the line is not complete yet.
    fn start_multibulk(&mut self, buf: &mut BytesMut, authenticated: bool) -> Result<bool, ProtocolError> {
        let Some(cr) = find_before_nul(buf, b'\r') else {
            if buf.len() > INLINE_MAX {
                return Err(ProtocolError::TooBigMultibulkCount);
            }
            return Ok(false);
        };
        // The byte after '\r' must have arrived too (Redis does not check that it is '\n').
        if cr + 2 > buf.len() {
            return Ok(false);
        }
        let count = match string2ll(&buf[1..cr]) {
            Some(n) if n <= i64::from(i32::MAX) => n,
            _ => return Err(ProtocolError::InvalidMultibulkLength),
        };
        if count > UNAUTH_MAX_ARGS && !authenticated {
            return Err(ProtocolError::UnauthenticatedMultibulkLength);
        }
        buf.advance(cr + 2);
        if count > 0 {
            let count = count as usize;
            self.multibulk = Some(Multibulk {
                remaining: count,
                bulk_len: None,
                args: Vec::with_capacity(count.min(1024)),
                held: 0,
            });
        }
        Ok(true)
    }

    fn continue_multibulk(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
    ) -> Result<Option<Vec<Vec<u8>>>, ProtocolError> {
        let Some(mb) = self.multibulk.as_mut() else {
            return Ok(None);
        };
        while mb.remaining > 0 {
            let len = match mb.bulk_len {
                Some(len) => len,
                None => {
                    let Some(cr) = find_before_nul(buf, b'\r') else {
                        if buf.len() > INLINE_MAX {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(None);
                    };
                    if cr + 2 > buf.len() {
                        return Ok(None);
                    }
                    // cr > 0 here: a '\r' at position 0 would be the '$' check's byte.
                    if buf[0] != b'$' {
                        return Err(ProtocolError::ExpectedDollar(buf[0]));
                    }
                    let len = match string2ll(&buf[1..cr]) {
                        Some(n) if (0..=MAX_BULK).contains(&n) => n,
                        _ => return Err(ProtocolError::InvalidBulkLength),
                    };
                    if len > UNAUTH_MAX_BULK && !authenticated {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    buf.advance(cr + 2);
                    mb.bulk_len = Some(len as usize);
                    len as usize
                }
            };
            // Payload plus the two bytes that should be CRLF.
            if buf.len() < len + 2 {
                return Ok(None);
            }
            let arg = buf.split_to(len).to_vec();
            buf.advance(2);
            mb.held += arg.len() + std::mem::size_of::<Vec<u8>>();
            mb.args.push(arg);
            mb.bulk_len = None;
            mb.remaining -= 1;
        }
        Ok(self.multibulk.take().map(|m| m.args))
    }
}

/// Parse one inline command line. `Ok(None)`: the line is not complete yet.
fn parse_inline(buf: &mut BytesMut) -> Result<Option<Vec<Vec<u8>>>, ProtocolError> {
    let Some(nl) = find_before_nul(buf, b'\n') else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::TooBigInline);
        }
        return Ok(None);
    };
    let end = if nl > 0 && buf[nl - 1] == b'\r' { nl - 1 } else { nl };
    let args = split_args(&buf[..end]).ok_or(ProtocolError::UnbalancedQuotes)?;
    buf.advance(nl + 1);
    Ok(Some(args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8], authenticated: bool) -> (Vec<Vec<Vec<u8>>>, Result<(), ProtocolError>) {
        let mut p = RequestParser::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        loop {
            match p.next(&mut buf, authenticated) {
                Ok(Some(a)) => out.push(a),
                Ok(None) => return (out, Ok(())),
                Err(e) => return (out, Err(e)),
            }
        }
    }

    fn args(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn multibulk_and_inline() {
        let (reqs, r) = parse_all(b"*2\r\n$4\r\nPING\r\n$2\r\nhi\r\nPING x\r\n\r\nPING\n", true);
        assert_eq!(r, Ok(()));
        assert_eq!(reqs, vec![args(&["PING", "hi"]), args(&["PING", "x"]), args(&["PING"])]);
    }

    #[test]
    fn fragmented_byte_by_byte() {
        let input = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nva\r\nl\r\nPING \"a\\x41\"\r\n";
        let mut p = RequestParser::new();
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        for &b in input.iter() {
            buf.extend_from_slice(&[b]);
            while let Some(a) = p.next(&mut buf, true).unwrap() {
                out.push(a);
            }
        }
        assert_eq!(out, vec![args(&["SET", "k", "va\r\nl"]), args(&["PING", "aA"])]);
        assert!(buf.is_empty());
    }

    #[test]
    fn empty_requests_are_skipped() {
        let (reqs, r) = parse_all(b"*0\r\n*-1\r\n*-5\r\n   \r\n\r\nPING\r\n", true);
        assert_eq!(r, Ok(()));
        assert_eq!(reqs, vec![args(&["PING"])]);
    }

    #[test]
    fn protocol_errors() {
        let cases: &[(&[u8], ProtocolError)] = &[
            (b"*a\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*+1\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*99999999999999999999\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*2147483648\r\n", ProtocolError::InvalidMultibulkLength),
            (b"*2\r\nx\r\n", ProtocolError::ExpectedDollar(b'x')),
            (b"*1\r\n$-1\r\n", ProtocolError::InvalidBulkLength),
            (b"*1\r\n$ 4\r\n", ProtocolError::InvalidBulkLength),
            (b"*1\r\n$536870913\r\n", ProtocolError::InvalidBulkLength),
            (b"PING 'abc\r\n", ProtocolError::UnbalancedQuotes),
            (b"PING \"a\"b\r\n", ProtocolError::UnbalancedQuotes),
        ];
        for (input, err) in cases {
            assert_eq!(parse_all(input, true).1, Err(err.clone()), "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn error_texts_match_redis() {
        assert_eq!(
            ProtocolError::ExpectedDollar(0xff).reply_bytes(),
            b"ERR Protocol error: expected '$', got '\xff'".to_vec()
        );
        assert_eq!(ProtocolError::TooBigInline.reply_bytes(), b"ERR Protocol error: too big inline request");
    }

    #[test]
    fn huge_announced_lengths_allocate_nothing() {
        let mut p = RequestParser::new();
        let mut buf = BytesMut::from(&b"*2147483647\r\n$536870912\r\nabc"[..]);
        assert_eq!(p.next(&mut buf, true), Ok(None));
        assert!(p.held_bytes() < 1024);
        let mb = p.multibulk.as_ref().unwrap();
        assert!(mb.args.capacity() <= 1024);
        assert_eq!(mb.bulk_len, Some(536870912));
        assert_eq!(&buf[..], b"abc");
    }

    #[test]
    fn too_long_lines() {
        let junk = vec![b'x'; INLINE_MAX + 1];
        assert_eq!(parse_all(&junk, true).1, Err(ProtocolError::TooBigInline));
        let mut mb = b"*".to_vec();
        mb.extend(std::iter::repeat_n(b'1', INLINE_MAX + 1));
        assert_eq!(parse_all(&mb, true).1, Err(ProtocolError::TooBigMultibulkCount));
        let mut bulk = b"*1\r\n$".to_vec();
        bulk.extend(std::iter::repeat_n(b'1', INLINE_MAX + 1));
        assert_eq!(parse_all(&bulk, true).1, Err(ProtocolError::TooBigBulkCount));
    }

    #[test]
    fn unauthenticated_limits() {
        assert_eq!(parse_all(b"*11\r\n", false).1, Err(ProtocolError::UnauthenticatedMultibulkLength));
        assert_eq!(parse_all(b"*10\r\n", false).1, Ok(()));
        assert_eq!(parse_all(b"*1\r\n$16385\r\n", false).1, Err(ProtocolError::UnauthenticatedBulkLength));
        assert_eq!(parse_all(b"*1\r\n$16384\r\n", false).1, Ok(()));
        assert_eq!(parse_all(b"*11\r\n", true).1, Ok(()));
    }

    #[test]
    fn nul_before_line_end_waits() {
        // strchr stops at the NUL: Redis never sees the line end, so it waits for more data.
        assert_eq!(parse_all(b"\x00\x01\r\n", true), (vec![], Ok(())));
        assert_eq!(parse_all(b"*1\r\n\x00\r\n", true), (vec![], Ok(())));
    }

    #[test]
    fn crlf_after_bulk_is_not_checked() {
        let (reqs, _) = parse_all(b"*1\r\n$4\r\nPINGxx", true);
        assert_eq!(reqs, vec![args(&["PING"])]);
    }

    #[test]
    fn random_junk_never_panics() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let alphabet = b"*$\r\n0123456789-+ \"'\\xabAZ\x00\xff";
        for _ in 0..2000 {
            let n = rng.gen_range(0..64);
            let input: Vec<u8> = (0..n).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
            let _ = parse_all(&input, rng.gen());
        }
    }
}
