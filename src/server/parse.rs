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
//! Nothing is allocated from a length the client merely announces: a request is taken once it
//! has fully arrived, and the argument positions grow as arguments are parsed. Arguments are
//! not copied: a complete multibulk request is split off the query buffer as one shared slice
//! and its arguments are positions in it ([`Argv`]).

use std::ops::Range;

use bytes::{Buf, BytesMut};

use super::argv::Argv;
use super::util::string2ll;
use crate::core::wire::split_args::split_args;

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

/// A multibulk request whose arguments are still arriving. Nothing is consumed from the query
/// buffer until the request is complete, so the positions stay valid as more bytes arrive and
/// parsing resumes where it stopped.
#[derive(Debug, Default)]
struct Multibulk {
    /// Arguments still expected.
    remaining: usize,
    /// Length of the bulk being read, once its `$<n>` line has been parsed.
    bulk_len: Option<usize>,
    /// Where parsing resumes in the query buffer.
    pos: usize,
}

/// Incremental request parser; keep one per connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    multibulk: Option<Multibulk>,
    /// Where each argument of the request being parsed lies in the query buffer.
    spans: Vec<Range<usize>>,
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

    /// True while a multibulk request has started but not finished.
    pub fn in_request(&self) -> bool {
        self.multibulk.is_some()
    }

    /// Parse the next complete request from `buf` into `argv`, consuming its bytes, and return
    /// how many bytes it took. `Ok(None)` means more data is needed. Empty requests are
    /// skipped. `authenticated` selects the limits for clients that have not authenticated
    /// yet. The arguments of a multibulk request are not copied: `argv` holds the request's
    /// bytes, split off the buffer.
    pub fn next(
        &mut self,
        buf: &mut BytesMut,
        authenticated: bool,
        argv: &mut Argv,
    ) -> Result<Option<usize>, ProtocolError> {
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
                        Some(r) if r.args.is_empty() => continue,
                        Some(r) => {
                            argv.fill_owned(r.args);
                            return Ok(Some(r.consumed));
                        }
                    },
                }
            }
            if !self.continue_multibulk(buf, authenticated)? {
                return Ok(None);
            }
            let consumed = self.multibulk.take().map_or(0, |m| m.pos);
            argv.fill(buf.split_to(consumed).freeze(), &self.spans);
            self.spans.clear();
            return Ok(Some(consumed));
        }
    }

    /// Parse `*<count>\r\n`. Returns false if the line is not complete yet. An empty count is
    /// consumed at once; otherwise the request starts (nothing consumed yet).
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
        if count > 0 {
            self.spans.clear();
            // The vector grows as arguments arrive, never from the announced count alone.
            self.spans.reserve((count as usize).min(64));
            self.multibulk = Some(Multibulk { remaining: count as usize, bulk_len: None, pos: cr + 2 });
        } else {
            buf.advance(cr + 2);
        }
        Ok(true)
    }

    /// Parse as many arguments as have arrived; true once the request is complete.
    fn continue_multibulk(&mut self, buf: &BytesMut, authenticated: bool) -> Result<bool, ProtocolError> {
        let Some(mb) = self.multibulk.as_mut() else {
            return Ok(false);
        };
        while mb.remaining > 0 {
            let len = match mb.bulk_len {
                Some(len) => len,
                None => {
                    let rest = &buf[mb.pos..];
                    let Some(cr) = find_before_nul(rest, b'\r') else {
                        if rest.len() > INLINE_MAX {
                            return Err(ProtocolError::TooBigBulkCount);
                        }
                        return Ok(false);
                    };
                    if cr + 2 > rest.len() {
                        return Ok(false);
                    }
                    // cr > 0 here: a '\r' at position 0 would be the '$' check's byte.
                    if rest[0] != b'$' {
                        return Err(ProtocolError::ExpectedDollar(rest[0]));
                    }
                    let len = match string2ll(&rest[1..cr]) {
                        Some(n) if (0..=MAX_BULK).contains(&n) => n,
                        _ => return Err(ProtocolError::InvalidBulkLength),
                    };
                    if len > UNAUTH_MAX_BULK && !authenticated {
                        return Err(ProtocolError::UnauthenticatedBulkLength);
                    }
                    mb.pos += cr + 2;
                    mb.bulk_len = Some(len as usize);
                    len as usize
                }
            };
            // Payload plus the two bytes that should be CRLF.
            if buf.len() < mb.pos + len + 2 {
                return Ok(false);
            }
            self.spans.push(mb.pos..mb.pos + len);
            mb.pos += len + 2;
            mb.bulk_len = None;
            mb.remaining -= 1;
        }
        Ok(true)
    }
}

/// An inline command line: its arguments (unquoted, so copied) and the bytes it took.
struct InlineRequest {
    args: Vec<Vec<u8>>,
    consumed: usize,
}

/// Parse one inline command line. `Ok(None)`: the line is not complete yet.
fn parse_inline(buf: &mut BytesMut) -> Result<Option<InlineRequest>, ProtocolError> {
    let Some(nl) = find_before_nul(buf, b'\n') else {
        if buf.len() > INLINE_MAX {
            return Err(ProtocolError::TooBigInline);
        }
        return Ok(None);
    };
    let end = if nl > 0 && buf[nl - 1] == b'\r' { nl - 1 } else { nl };
    let args = split_args(&buf[..end]).ok_or(ProtocolError::UnbalancedQuotes)?;
    buf.advance(nl + 1);
    Ok(Some(InlineRequest { args, consumed: nl + 1 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8], authenticated: bool) -> (Vec<Vec<Vec<u8>>>, Result<(), ProtocolError>) {
        let mut p = RequestParser::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        let mut argv = Argv::default();
        loop {
            match p.next(&mut buf, authenticated, &mut argv) {
                Ok(Some(_)) => out.push(argv.iter().map(|a| a.to_vec()).collect()),
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
        let mut argv = Argv::default();
        for &b in input.iter() {
            buf.extend_from_slice(&[b]);
            while let Some(n) = p.next(&mut buf, true, &mut argv).unwrap() {
                out.push((argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>(), n));
            }
        }
        let out: Vec<_> = out
            .into_iter()
            .map(|(a, n)| {
                assert_eq!(n, if a[0] == b"SET" { 31 } else { 14 }, "bytes taken by {:?}", a);
                a
            })
            .collect();
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
        let mut argv = Argv::default();
        let mut buf = BytesMut::from(&b"*2147483647\r\n$536870912\r\nabc"[..]);
        assert_eq!(p.next(&mut buf, true, &mut argv), Ok(None));
        assert!(p.spans.capacity() <= 64);
        let mb = p.multibulk.as_ref().unwrap();
        assert_eq!(mb.bulk_len, Some(536870912));
        // Nothing is consumed until the request is complete.
        assert_eq!(&buf[..], b"*2147483647\r\n$536870912\r\nabc");
        assert!(p.in_request());
    }

    #[test]
    fn a_request_is_one_slice_of_the_buffer() {
        let mut p = RequestParser::new();
        let mut argv = Argv::default();
        let mut buf = BytesMut::from(&b"*2\r\n$4\r\nPING\r\n$3\r\nabc\r\n*1\r\n$4\r\nPI"[..]);
        assert_eq!(p.next(&mut buf, true, &mut argv), Ok(Some(23)));
        assert_eq!(argv.iter().collect::<Vec<_>>(), vec![&b"PING"[..], b"abc"]);
        assert_eq!(p.next(&mut buf, true, &mut argv), Ok(None));
        buf.extend_from_slice(b"NG\r\n");
        assert_eq!(p.next(&mut buf, true, &mut argv), Ok(Some(14)));
        assert_eq!(&argv[0], b"PING");
        assert!(buf.is_empty());
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
