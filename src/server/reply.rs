//! Reply encoding straight into a connection's output buffer (Redis's `addReply*` family).
//!
//! [`RespWriter`] appends RESP2 or RESP3 bytes to the buffer as a command produces its reply:
//! no reply tree is built and nothing is allocated per reply beyond the buffer's own growth.
//! Aggregates whose length is only known at the end (a map with conditional fields, a bulk
//! string printed with `write!`) use a deferred header, as Redis's `addReplyDeferredLen` does:
//! the header is inserted in front of the body once the body is complete.
//!
//! The protocol-dependent shapes are the same as [`Frame`]'s: a map is a flat array in RESP2 and
//! a `%` map in RESP3, null arrays are `*-1` / `_`, sets and pushes are arrays in RESP2.

use bytes::{BufMut, BytesMut};

use super::Frame;

/// Decimal digits of an integer without allocating (`ll2string`).
pub struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    pub fn new(n: i64) -> Digits {
        let mut d = Digits::unsigned(n.unsigned_abs());
        if n < 0 {
            d.start -= 1;
            d.buf[d.start] = b'-';
        }
        d
    }

    pub fn unsigned(mut n: u64) -> Digits {
        /// "00" to "99": two digits per division.
        const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
            2021222324252627282930313233343536373839\
            4041424344454647484950515253545556575859\
            6061626364656667686970717273747576777879\
            8081828384858687888990919293949596979899";
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        while n >= 100 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            start -= 2;
            buf[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        }
        if n >= 10 {
            let pair = n as usize * 2;
            start -= 2;
            buf[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
        } else {
            start -= 1;
            buf[start] = b'0' + n as u8;
        }
        // One byte is kept free in front for a sign (u64::MAX has 20 digits, but callers only
        // sign values that fit in an i64, which have at most 19).
        Digits { buf, start }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// Where a deferred aggregate or bulk string starts in the buffer.
#[derive(Debug, Clone, Copy)]
pub struct Deferred(usize);

/// Appends replies for a client speaking RESP `proto` (2 or 3); counts the error replies it
/// writes (Redis counts them in `total_error_replies`).
pub struct RespWriter<'a> {
    buf: &'a mut BytesMut,
    proto: u8,
    errors: &'a mut u64,
}

impl<'a> RespWriter<'a> {
    pub fn new(buf: &'a mut BytesMut, proto: u8, errors: &'a mut u64) -> RespWriter<'a> {
        RespWriter { buf, proto, errors }
    }

    pub fn resp3(&self) -> bool {
        self.proto >= 3
    }

    /// `<prefix><n>\r\n`, in one copy.
    fn line(&mut self, prefix: u8, n: i64) {
        let digits = Digits::new(n);
        let digits = digits.as_bytes();
        let mut line = [0u8; 24];
        line[0] = prefix;
        line[1..1 + digits.len()].copy_from_slice(digits);
        line[1 + digits.len()..3 + digits.len()].copy_from_slice(b"\r\n");
        self.buf.extend_from_slice(&line[..3 + digits.len()]);
    }

    /// `+text`.
    pub fn simple(&mut self, s: &str) {
        self.buf.put_u8(b'+');
        self.buf.extend_from_slice(s.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// `-<msg>`, where `msg` starts with the error code; CR and LF become spaces, as Redis
    /// never lets a newline into an error line.
    pub fn error(&mut self, msg: &str) {
        self.error_bytes(msg.as_bytes());
    }

    /// An error line made of raw bytes (client arguments are copied as they are).
    pub fn error_bytes(&mut self, msg: &[u8]) {
        *self.errors += 1;
        self.buf.put_u8(b'-');
        self.buf.extend(msg.iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }));
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn int(&mut self, n: i64) {
        self.line(b':', n);
    }

    pub fn bulk(&mut self, s: impl AsRef<[u8]>) {
        let s = s.as_ref();
        self.buf.reserve(s.len() + 16);
        self.line(b'$', s.len() as i64);
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A number sent as a bulk string (`addReplyBulkLongLong`).
    pub fn bulk_int(&mut self, n: i64) {
        self.bulk(Digits::new(n).as_bytes());
    }

    pub fn bulk_uint(&mut self, n: u64) {
        self.bulk(Digits::unsigned(n).as_bytes());
    }

    /// A null bulk string: `$-1` / `_`.
    pub fn null_bulk(&mut self) {
        self.buf.extend_from_slice(if self.resp3() { b"_\r\n" } else { b"$-1\r\n" });
    }

    /// A null array: `*-1` / `_`.
    pub fn null_array(&mut self) {
        self.buf.extend_from_slice(if self.resp3() { b"_\r\n" } else { b"*-1\r\n" });
    }

    pub fn array(&mut self, len: usize) {
        self.line(b'*', len as i64);
    }

    /// A map of `pairs` field/value pairs: `%pairs` in RESP3, `*2·pairs` in RESP2.
    pub fn map(&mut self, pairs: usize) {
        if self.resp3() {
            self.line(b'%', pairs as i64);
        } else {
            self.line(b'*', 2 * pairs as i64);
        }
    }

    /// A set: `~` in RESP3, an array in RESP2.
    pub fn set(&mut self, len: usize) {
        self.line(if self.resp3() { b'~' } else { b'*' }, len as i64);
    }

    /// Out-of-band data: `>` in RESP3, an array in RESP2.
    pub fn push(&mut self, len: usize) {
        self.line(if self.resp3() { b'>' } else { b'*' }, len as i64);
    }

    /// A verbatim string (`=len\r\ntxt:...`) in RESP3, a bulk string in RESP2.
    pub fn verbatim(&mut self, s: &str) {
        if self.resp3() {
            self.line(b'=', s.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(s.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s);
        }
    }

    /// A double printed as `%.17g` (Redis 7.0's `addReplyDouble`): `,` in RESP3, bulk in RESP2.
    pub fn double(&mut self, d: f64) {
        let text = super::util::fmt_double(d);
        if self.resp3() {
            self.buf.put_u8(b',');
            self.buf.extend_from_slice(text.as_bytes());
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// `#t` / `#f` in RESP3, `:1` / `:0` in RESP2.
    pub fn boolean(&mut self, b: bool) {
        if self.resp3() {
            self.buf.extend_from_slice(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(b as i64);
        }
    }

    /// Start an aggregate or bulk string whose length comes later.
    pub fn deferred(&mut self) -> Deferred {
        Deferred(self.buf.len())
    }

    /// Put `header` in front of what was written since `at`.
    fn insert_header(&mut self, at: Deferred, prefix: u8, n: i64) {
        let digits = Digits::new(n);
        let header_len = 1 + digits.as_bytes().len() + 2;
        let body_end = self.buf.len();
        self.buf.resize(body_end + header_len, 0);
        self.buf.copy_within(at.0..body_end, at.0 + header_len);
        let h = &mut self.buf[at.0..at.0 + header_len];
        h[0] = prefix;
        h[1..header_len - 2].copy_from_slice(digits.as_bytes());
        h[header_len - 2..].copy_from_slice(b"\r\n");
    }

    /// Close a deferred map of `pairs` field/value pairs.
    pub fn end_map(&mut self, at: Deferred, pairs: usize) {
        if self.resp3() {
            self.insert_header(at, b'%', pairs as i64);
        } else {
            self.insert_header(at, b'*', 2 * pairs as i64);
        }
    }

    /// Close a deferred array of `len` elements.
    pub fn end_array(&mut self, at: Deferred, len: usize) {
        self.insert_header(at, b'*', len as i64);
    }

    /// Close a deferred bulk string whose bytes were written with [`RespWriter::raw`] or
    /// `write!`.
    pub fn end_bulk(&mut self, at: Deferred) {
        let len = self.buf.len() - at.0;
        self.insert_header(at, b'$', len as i64);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// Bytes appended as they are (the body of a deferred bulk string).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// A reply tree, for the replies that are built before they are sent (COMMAND DOCS, pub/sub
    /// messages).
    pub fn frame(&mut self, f: &Frame) {
        match f {
            Frame::Simple(s) => self.simple(s),
            Frame::Error(s) => self.error(s),
            Frame::Integer(n) => self.int(*n),
            Frame::Bulk(b) => self.bulk(b),
            Frame::NullBulk => self.null_bulk(),
            Frame::NullArray => self.null_array(),
            Frame::Array(items) => {
                self.array(items.len());
                items.iter().for_each(|i| self.frame(i));
            }
            Frame::Set(items) => {
                self.set(items.len());
                items.iter().for_each(|i| self.frame(i));
            }
            Frame::Push(items) => {
                self.push(items.len());
                items.iter().for_each(|i| self.frame(i));
            }
            Frame::Map(pairs) => {
                self.map(pairs.len());
                for (k, v) in pairs {
                    self.frame(k);
                    self.frame(v);
                }
            }
            Frame::Verbatim(s) => self.verbatim(s),
            Frame::Double(d) => self.double(*d),
            Frame::Boolean(b) => self.boolean(*b),
        }
    }
}

impl std::fmt::Write for RespWriter<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.buf.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(proto: u8, f: impl FnOnce(&mut RespWriter)) -> (Vec<u8>, u64) {
        let mut buf = BytesMut::new();
        let mut errors = 0;
        f(&mut RespWriter::new(&mut buf, proto, &mut errors));
        (buf.to_vec(), errors)
    }

    #[test]
    fn digits() {
        for n in [0, 1, -1, 9, 10, 99, 100, 101, -10, 12345, 1234567, i64::MAX, i64::MIN] {
            assert_eq!(Digits::new(n).as_bytes(), n.to_string().as_bytes());
        }
        assert_eq!(Digits::unsigned(u64::MAX).as_bytes(), u64::MAX.to_string().as_bytes());
    }

    #[test]
    fn deferred_headers_match_direct_ones() {
        for proto in [2, 3] {
            let direct = encode(proto, |w| {
                w.map(2);
                w.bulk("a");
                w.bulk_int(-5);
                w.bulk("b");
                w.array(0);
            });
            let deferred = encode(proto, |w| {
                let at = w.deferred();
                w.bulk("a");
                w.bulk_int(-5);
                w.bulk("b");
                let inner = w.deferred();
                w.end_array(inner, 0);
                w.end_map(at, 2);
            });
            assert_eq!(direct, deferred);
        }
        let (bulk, _) = encode(2, |w| {
            w.simple("x");
            let at = w.deferred();
            std::fmt::Write::write_fmt(w, format_args!("k:{}\r\n", 12)).unwrap();
            w.end_bulk(at);
        });
        assert_eq!(bulk, b"+x\r\n$6\r\nk:12\r\n\r\n");
    }

    #[test]
    fn frames_encode_like_frame_encode() {
        let f = Frame::Array(vec![
            Frame::map([("name", Frame::bulk("m")), ("n", Frame::Integer(-3))]),
            Frame::NullArray,
            Frame::Set(vec![Frame::Simple("ok".into())]),
            Frame::Push(vec![Frame::Verbatim("t".into()), Frame::Boolean(true), Frame::Double(1.5)]),
            Frame::error("ERR a\r\nb"),
        ]);
        for proto in [2, 3] {
            let (bytes, errors) = encode(proto, |w| w.frame(&f));
            assert_eq!(bytes, f.to_bytes(proto));
            assert_eq!(errors, 1);
        }
    }
}
