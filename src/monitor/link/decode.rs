//! RESP2 wire format for outgoing links: commands out (arrays of bulk strings), replies in.
//!
//! The reply decoder is written here rather than taken from `redis-protocol` because the input
//! comes from the network and must never take the process down: that crate's decoder recurses
//! once per nesting level, so a few kilobytes of `*1\r\n*1\r\n...` overflow the stack and abort.
//! This one is iterative, resumable (array elements already parsed are kept, so a large array
//! arriving in many reads is not re-parsed from the start) and bounded: nesting depth, bulk
//! length and the total size of one reply all have caps, like hiredis's reader
//! (`REDIS_READER_STACK`). The size caps ([`MAX_REPLY_BYTES`]) fit what Sentinel asks for, not
//! what a Redis client may receive: the largest reply on these links is an INFO text, a few KB
//! (some hundreds with thousands of replicas), so a node or peer sending more is broken or
//! hostile, and the link is closed rather than buffering up to `proto-max-bulk-len` (512 MiB)
//! per connection.

use std::mem;

use bytes::{Buf, BytesMut};

use crate::core::Reply;

/// The default cap on one reply, and on one bulk string in it: 8 MiB, ten times an INFO with
/// 10,000 replica lines.
pub const MAX_REPLY_BYTES: usize = 8 * 1024 * 1024;

/// Caps applied while decoding one reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest array nesting accepted. Sentinel's replies nest at most two levels.
    pub max_depth: usize,
    /// Largest bulk string accepted.
    pub max_bulk_len: usize,
    /// Longest status, error, integer or length line accepted.
    pub max_line_len: usize,
    /// Bytes one reply may occupy, counting input consumed, input still buffered and a fixed
    /// overhead per element (so a huge array of tiny elements is bounded too).
    pub max_reply_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 16,
            max_bulk_len: MAX_REPLY_BYTES,
            max_line_len: 1024 * 1024,
            max_reply_bytes: MAX_REPLY_BYTES,
        }
    }
}

/// Why the input is not a valid RESP2 reply stream. Any of these closes the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("Protocol error, got {0:?} as reply type byte")]
    BadTypeByte(char),
    #[error("Protocol error, bad integer value")]
    BadInteger,
    #[error("Protocol error, bad bulk or array length")]
    BadLength,
    #[error("Protocol error, bulk string is not terminated by CRLF")]
    MissingCrlf,
    #[error("Protocol error, line longer than {0} bytes")]
    LineTooLong(usize),
    #[error("Protocol error, bulk length {0} exceeds the limit")]
    BulkTooLong(i64),
    #[error("Protocol error, arrays nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("Protocol error, reply larger than {0} bytes")]
    ReplyTooLarge(usize),
}

/// An array whose elements are still arriving.
#[derive(Debug)]
struct OpenArray {
    len: usize,
    items: Vec<Reply>,
}

/// One step of the parser: a finished value, or the header of a non-empty array.
enum Step {
    Value(Reply),
    ArrayStart(usize),
}

/// Incremental RESP2 reply decoder. Feed it the connection's input buffer; it consumes complete
/// pieces and keeps partial arrays across calls.
#[derive(Debug, Default)]
pub struct ReplyDecoder {
    limits: Limits,
    open: Vec<OpenArray>,
    /// Cost of the reply being decoded so far (see [`Limits::max_reply_bytes`]).
    cost: usize,
}

impl ReplyDecoder {
    pub fn new() -> ReplyDecoder {
        ReplyDecoder::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> ReplyDecoder {
        ReplyDecoder { limits, open: Vec::new(), cost: 0 }
    }

    /// Whether no reply is partly decoded (nothing of the front of the input was consumed yet).
    pub fn is_idle(&self) -> bool {
        self.open.is_empty()
    }

    /// Take the next complete reply off the front of `buf`, or `None` if more input is needed.
    /// After an error the stream is unusable and the connection must be dropped.
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Reply>, DecodeError> {
        loop {
            let Some(step) = self.step(buf)? else {
                if self.cost.saturating_add(buf.len()) > self.limits.max_reply_bytes {
                    return Err(DecodeError::ReplyTooLarge(self.limits.max_reply_bytes));
                }
                return Ok(None);
            };
            let mut value = match step {
                Step::ArrayStart(len) => {
                    if self.open.len() >= self.limits.max_depth {
                        return Err(DecodeError::TooDeep(self.limits.max_depth));
                    }
                    // The declared length is untrusted: grow the vector as elements arrive.
                    self.open.push(OpenArray { len, items: Vec::with_capacity(len.min(16)) });
                    continue;
                }
                Step::Value(v) => v,
            };
            // Fold the value into the innermost open array, closing arrays that are complete.
            loop {
                let Some(top) = self.open.last_mut() else {
                    self.cost = 0;
                    return Ok(Some(value));
                };
                top.items.push(value);
                if top.items.len() < top.len {
                    break;
                }
                let done = self.open.pop().map(|a| a.items).unwrap_or_default();
                value = Reply::Array(done);
            }
        }
    }

    /// Parse one value or array header at the front of `buf`, consuming it.
    fn step(&mut self, buf: &mut BytesMut) -> Result<Option<Step>, DecodeError> {
        let Some(&kind) = buf.first() else {
            return Ok(None);
        };
        let Some(line_end) = find_crlf(buf) else {
            // Type byte, the line, and possibly the '\r' of a CRLF split across reads.
            if buf.len() > self.limits.max_line_len + 2 {
                return Err(DecodeError::LineTooLong(self.limits.max_line_len));
            }
            return Ok(None);
        };
        if line_end.saturating_sub(1) > self.limits.max_line_len {
            return Err(DecodeError::LineTooLong(self.limits.max_line_len));
        }
        let line = buf.get(1..line_end).unwrap_or_default();
        let header_len = line_end + 2;
        let step = match kind {
            b'+' => Step::Value(Reply::Status(String::from_utf8_lossy(line).into_owned())),
            b'-' => Step::Value(Reply::Error(String::from_utf8_lossy(line).into_owned())),
            b':' => Step::Value(Reply::Integer(parse_i64(line).ok_or(DecodeError::BadInteger)?)),
            b'$' => {
                let len = parse_i64(line).ok_or(DecodeError::BadLength)?;
                if len == -1 {
                    Step::Value(Reply::Null)
                } else {
                    let len = self.bulk_len(len)?;
                    let total = header_len + len + 2;
                    if buf.len() < total {
                        return Ok(None);
                    }
                    if buf.get(header_len + len..total) != Some(&b"\r\n"[..]) {
                        return Err(DecodeError::MissingCrlf);
                    }
                    buf.advance(header_len);
                    let data = buf.split_to(len).to_vec();
                    buf.advance(2);
                    self.charge(total)?;
                    return Ok(Some(Step::Value(Reply::Bulk(data))));
                }
            }
            b'*' => match parse_i64(line).ok_or(DecodeError::BadLength)? {
                -1 => Step::Value(Reply::Null),
                0 => Step::Value(Reply::Array(Vec::new())),
                n if n > 0 => Step::ArrayStart(usize::try_from(n).map_err(|_| DecodeError::BadLength)?),
                _ => return Err(DecodeError::BadLength),
            },
            other => return Err(DecodeError::BadTypeByte(other as char)),
        };
        buf.advance(header_len);
        self.charge(header_len)?;
        Ok(Some(step))
    }

    fn bulk_len(&self, len: i64) -> Result<usize, DecodeError> {
        match usize::try_from(len) {
            Ok(n) if n <= self.limits.max_bulk_len => Ok(n),
            Ok(_) => Err(DecodeError::BulkTooLong(len)),
            Err(_) => Err(DecodeError::BadLength),
        }
    }

    /// Count `input` bytes plus the in-memory size of one element against the reply cap.
    fn charge(&mut self, input: usize) -> Result<(), DecodeError> {
        self.cost = self.cost.saturating_add(input).saturating_add(mem::size_of::<Reply>());
        if self.cost > self.limits.max_reply_bytes {
            return Err(DecodeError::ReplyTooLarge(self.limits.max_reply_bytes));
        }
        Ok(())
    }
}

/// Index of the first `\r\n` in `buf`.
fn find_crlf(buf: &[u8]) -> Option<usize> {
    buf.windows(2).position(|w| w == b"\r\n")
}

/// A RESP integer: optional minus sign and ASCII digits only.
fn parse_i64(line: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(line).ok()?;
    if text.starts_with('+') {
        return None;
    }
    text.parse().ok()
}

/// A complete pub/sub `message` at the front of `buf`, found without decoding it: the
/// positions of its channel and payload, and how many bytes it takes. Only the exact shape
/// Redis sends (`*3`, `$7 message`, two bulk strings, every length well formed and within
/// `max_bulk_len`) is recognized; for anything else, or an incomplete message, `None`, and the
/// input is left to [`ReplyDecoder::decode`]. Lets a pub/sub link drop the many copies of a
/// hello it does not pass on without allocating for them.
pub fn peek_message(buf: &[u8], max_bulk_len: usize) -> Option<PeekedMessage> {
    const HEAD: &[u8] = b"*3\r\n$7\r\nmessage\r\n";
    let rest = buf.strip_prefix(HEAD)?;
    let mut at = HEAD.len();
    let (channel, next) = peek_bulk(rest, max_bulk_len)?;
    let channel = at + channel.start..at + channel.end;
    at += next;
    let (payload, next) = peek_bulk(buf.get(at..)?, max_bulk_len)?;
    let payload = at + payload.start..at + payload.end;
    Some(PeekedMessage { channel, payload, len: at + next })
}

/// Where [`peek_message`] found a message's parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeekedMessage {
    pub channel: std::ops::Range<usize>,
    pub payload: std::ops::Range<usize>,
    /// Bytes the whole message takes at the front of the buffer.
    pub len: usize,
}

/// `$<len>\r\n<len bytes>\r\n` at the front of `buf`: the data's range and the bytes taken.
fn peek_bulk(buf: &[u8], max_len: usize) -> Option<(std::ops::Range<usize>, usize)> {
    let rest = buf.strip_prefix(b"$")?;
    let digits = rest.iter().take(20).take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let len: usize = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    if len > max_len || rest.get(digits..digits + 2)? != b"\r\n" {
        return None;
    }
    let start = 1 + digits + 2;
    let end = start.checked_add(len)?;
    if buf.get(end..end.checked_add(2)?)? != b"\r\n" {
        return None;
    }
    Some((start..end, end + 2))
}

/// Append `cmd` to `out` as a RESP2 array of bulk strings.
pub fn encode_command(cmd: &[Vec<u8>], out: &mut BytesMut) {
    out.extend_from_slice(format!("*{}\r\n", cmd.len()).as_bytes());
    for arg in cmd {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Encode a reply the way a server sends it in RESP2 (the decoder's inverse, for its tests
/// and the fuzz target; statuses and errors must not contain CR or LF).
#[cfg(any(test, fuzzing))]
pub fn encode_reply(r: &Reply, out: &mut Vec<u8>) {
    match r {
        Reply::Status(s) => out.extend_from_slice(format!("+{}\r\n", s).as_bytes()),
        Reply::Error(s) => out.extend_from_slice(format!("-{}\r\n", s).as_bytes()),
        Reply::Integer(n) => out.extend_from_slice(format!(":{}\r\n", n).as_bytes()),
        Reply::Bulk(b) => {
            out.extend_from_slice(format!("${}\r\n", b.len()).as_bytes());
            out.extend_from_slice(b);
            out.extend_from_slice(b"\r\n");
        }
        Reply::Null => out.extend_from_slice(b"$-1\r\n"),
        Reply::Array(items) => {
            out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
            for i in items {
                encode_reply(i, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn decode_all(input: &[u8]) -> Result<Vec<Reply>, DecodeError> {
        let mut d = ReplyDecoder::new();
        let mut buf = BytesMut::from(input);
        let mut out = Vec::new();
        while let Some(r) = d.decode(&mut buf)? {
            out.push(r);
        }
        Ok(out)
    }

    #[test]
    fn decodes_every_resp2_type() {
        let input = b"+PONG\r\n-ERR unknown command\r\n:-42\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n\
                      *3\r\n$7\r\nmessage\r\n$4\r\nchan\r\n$3\r\na,b\r\n*2\r\n*1\r\n:1\r\n+x\r\n";
        let replies = decode_all(input).unwrap();
        assert_eq!(
            replies,
            vec![
                Reply::Status("PONG".into()),
                Reply::Error("ERR unknown command".into()),
                Reply::Integer(-42),
                Reply::Bulk(b"hello".to_vec()),
                Reply::Bulk(Vec::new()),
                Reply::Null,
                Reply::Null,
                Reply::Array(vec![]),
                Reply::Array(vec![
                    Reply::Bulk(b"message".to_vec()),
                    Reply::Bulk(b"chan".to_vec()),
                    Reply::Bulk(b"a,b".to_vec()),
                ]),
                Reply::Array(vec![Reply::Array(vec![Reply::Integer(1)]), Reply::Status("x".into())]),
            ]
        );
    }

    #[test]
    fn bulk_may_contain_crlf_and_binary() {
        let replies = decode_all(b"$6\r\na\r\n\x00\xffb\r\n").unwrap();
        assert_eq!(replies, vec![Reply::Bulk(b"a\r\n\x00\xffb".to_vec())]);
    }

    /// Feeding the input one byte at a time gives the same replies as feeding it whole.
    #[test]
    fn resumes_across_arbitrary_splits() {
        let input: &[u8] = b"*2\r\n$3\r\nfoo\r\n*2\r\n:7\r\n$-1\r\n+OK\r\n$11\r\nhello world\r\n";
        let whole = decode_all(input).unwrap();
        assert_eq!(whole.len(), 3);
        let mut d = ReplyDecoder::new();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in input {
            buf.extend_from_slice(&[*b]);
            while let Some(r) = d.decode(&mut buf).unwrap() {
                got.push(r);
            }
        }
        assert_eq!(got, whole);
        assert!(buf.is_empty());
    }

    #[test]
    fn incomplete_input_waits_without_consuming_scalars() {
        let mut d = ReplyDecoder::new();
        let mut buf = BytesMut::from(&b"$10\r\nhello"[..]);
        assert_eq!(d.decode(&mut buf), Ok(None));
        assert_eq!(&buf[..], b"$10\r\nhello");
        buf.extend_from_slice(b"world\r\n");
        assert_eq!(d.decode(&mut buf), Ok(Some(Reply::Bulk(b"helloworld".to_vec()))));
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(decode_all(b"hello\r\n"), Err(DecodeError::BadTypeByte('h')));
        assert_eq!(decode_all(b":12a\r\n"), Err(DecodeError::BadInteger));
        assert_eq!(decode_all(b":+1\r\n"), Err(DecodeError::BadInteger));
        assert_eq!(decode_all(b"$abc\r\n"), Err(DecodeError::BadLength));
        assert_eq!(decode_all(b"$-2\r\n"), Err(DecodeError::BadLength));
        assert_eq!(decode_all(b"*-5\r\n"), Err(DecodeError::BadLength));
        assert_eq!(decode_all(b"$3\r\nabcXY"), Err(DecodeError::MissingCrlf));
        assert_eq!(decode_all(b"%1\r\n"), Err(DecodeError::BadTypeByte('%')));
        assert_eq!(decode_all(b"\r\n"), Err(DecodeError::BadTypeByte('\r')));
        assert_eq!(decode_all(b"\n"), Ok(vec![]));
    }

    #[test]
    fn huge_bulk_length_is_refused_before_buffering() {
        assert_eq!(decode_all(b"$99999999999\r\n"), Err(DecodeError::BulkTooLong(99999999999)));
        assert_eq!(decode_all(b"$9223372036854775807\r\n"), Err(DecodeError::BulkTooLong(i64::MAX)));
    }

    /// The probe: replies from monitored nodes could be 512 MB each. By default a reply (or a
    /// bulk in it) over 8 MiB closes the link; an INFO-sized one is fine.
    #[test]
    fn default_caps_fit_sentinel_replies() {
        let too_big = MAX_REPLY_BYTES + 1;
        assert_eq!(
            decode_all(format!("${}\r\n", too_big).as_bytes()),
            Err(DecodeError::BulkTooLong(too_big as i64))
        );
        let mut d = ReplyDecoder::new();
        let mut buf = BytesMut::from(&b"*4000000\r\n"[..]);
        buf.extend_from_slice(&b":1\r\n".repeat(400_000));
        assert_eq!(d.decode(&mut buf), Err(DecodeError::ReplyTooLarge(MAX_REPLY_BYTES)));
        let info = "slave0:ip=10.0.0.1,port=6379,state=online,offset=1,lag=0\r\n".repeat(10_000);
        let mut buf = BytesMut::from(format!("${}\r\n{}\r\n", info.len(), info).as_bytes());
        assert_eq!(ReplyDecoder::new().decode(&mut buf), Ok(Some(Reply::Bulk(info.into_bytes()))));
    }

    /// Deep nesting is refused instead of recursing (redis-protocol overflows the stack here).
    #[test]
    fn deep_nesting_is_refused() {
        let input = b"*1\r\n".repeat(100_000);
        assert_eq!(decode_all(&input), Err(DecodeError::TooDeep(16)));
        let ok = [b"*1\r\n".repeat(16), b":1\r\n".to_vec()].concat();
        assert_eq!(decode_all(&ok).unwrap().len(), 1);
    }

    #[test]
    fn unterminated_line_is_capped() {
        let limits = Limits { max_line_len: 100, ..Limits::default() };
        let mut d = ReplyDecoder::with_limits(limits);
        let mut buf = BytesMut::from(&b"+"[..]);
        buf.extend_from_slice(&[b'x'; 100]);
        buf.extend_from_slice(b"\r");
        assert_eq!(d.decode(&mut buf), Ok(None));
        buf.extend_from_slice(b"x");
        assert_eq!(d.decode(&mut buf), Err(DecodeError::LineTooLong(100)));
        // Exactly at the limit is fine; one more byte is not.
        let line = [b"+".to_vec(), vec![b'y'; 100], b"\r\n".to_vec()].concat();
        let mut buf = BytesMut::from(&line[..]);
        assert_eq!(
            ReplyDecoder::with_limits(limits).decode(&mut buf),
            Ok(Some(Reply::Status("y".repeat(100))))
        );
        let line = [b"-".to_vec(), vec![b'y'; 101], b"\r\n".to_vec()].concat();
        let mut buf = BytesMut::from(&line[..]);
        assert_eq!(ReplyDecoder::with_limits(limits).decode(&mut buf), Err(DecodeError::LineTooLong(100)));
    }

    #[test]
    fn reply_size_is_capped_while_buffering_and_across_elements() {
        let limits = Limits { max_reply_bytes: 1000, ..Limits::default() };
        // A bulk that is announced within the bulk cap but would make the reply too large.
        let mut d = ReplyDecoder::with_limits(limits);
        let mut buf = BytesMut::from(&b"$5000\r\n"[..]);
        assert_eq!(d.decode(&mut buf), Ok(None));
        buf.extend_from_slice(&[b'a'; 1000]);
        assert_eq!(d.decode(&mut buf), Err(DecodeError::ReplyTooLarge(1000)));
        // An array of many small elements.
        let mut d = ReplyDecoder::with_limits(limits);
        let mut buf = BytesMut::from(&b"*1000000\r\n"[..]);
        buf.extend_from_slice(&b":1\r\n".repeat(1000));
        assert_eq!(d.decode(&mut buf), Err(DecodeError::ReplyTooLarge(1000)));
        // The cost resets between replies: many small replies are fine.
        let mut d = ReplyDecoder::with_limits(limits);
        let mut buf = BytesMut::from(&b"+OK\r\n".repeat(1000)[..]);
        let mut n = 0;
        while d.decode(&mut buf).unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 1000);
    }

    fn random_reply(rng: &mut StdRng, depth: usize) -> Reply {
        match rng.gen_range(0..if depth < 4 { 6 } else { 5 }) {
            0 => Reply::Status(format!("OK{}", rng.gen::<u16>())),
            1 => Reply::Error(format!("ERR e{}", rng.gen::<u16>())),
            2 => Reply::Integer(rng.gen()),
            3 => Reply::Bulk((0..rng.gen_range(0..40)).map(|_| rng.gen()).collect()),
            4 => Reply::Null,
            _ => Reply::Array((0..rng.gen_range(0..5)).map(|_| random_reply(rng, depth + 1)).collect()),
        }
    }

    /// Random replies, cut at random points, decode back to themselves.
    #[test]
    fn random_replies_round_trip_across_random_splits() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let replies: Vec<Reply> = (0..rng.gen_range(1..8)).map(|_| random_reply(&mut rng, 0)).collect();
            let mut wire = Vec::new();
            for r in &replies {
                encode_reply(r, &mut wire);
            }
            let mut d = ReplyDecoder::new();
            let mut buf = BytesMut::new();
            let mut got = Vec::new();
            let mut rest = &wire[..];
            while !rest.is_empty() {
                let (piece, tail) = rest.split_at(rng.gen_range(1..=rest.len()));
                rest = tail;
                buf.extend_from_slice(piece);
                while let Some(r) = d.decode(&mut buf).unwrap() {
                    got.push(r);
                }
            }
            assert_eq!(got, replies);
        }
    }

    /// Random bytes never panic the decoder; it either waits, yields replies, or errors.
    #[test]
    fn random_bytes_never_panic() {
        let mut rng = StdRng::seed_from_u64(11);
        let alphabet = b"+-:$*\r\n0123456789-x";
        for _ in 0..5000 {
            let len = rng.gen_range(0..200);
            let input: Vec<u8> =
                (0..len)
                    .map(|_| {
                        if rng.gen_bool(0.9) {
                            alphabet[rng.gen_range(0..alphabet.len())]
                        } else {
                            rng.gen()
                        }
                    })
                    .collect();
            let mut d = ReplyDecoder::new();
            let mut buf = BytesMut::from(&input[..]);
            while let Ok(Some(_)) = d.decode(&mut buf) {}
        }
    }

    #[test]
    fn encodes_commands_as_bulk_arrays() {
        let mut out = BytesMut::new();
        encode_command(&[b"CLIENT".to_vec(), b"SETNAME".to_vec(), b"".to_vec()], &mut out);
        assert_eq!(&out[..], b"*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$0\r\n\r\n");
    }

    fn message(channel: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let parts = [b"message".to_vec(), channel.to_vec(), payload.to_vec()];
        encode_reply(&Reply::Array(parts.into_iter().map(Reply::Bulk).collect()), &mut out);
        out
    }

    #[test]
    fn peek_message_agrees_with_the_decoder() {
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..500 {
            let channel: Vec<u8> = (0..rng.gen_range(0..30)).map(|_| rng.gen()).collect();
            let payload: Vec<u8> = (0..rng.gen_range(0..300)).map(|_| rng.gen()).collect();
            let mut wire = message(&channel, &payload);
            let whole = wire.len();
            wire.extend_from_slice(b"+OK\r\n");
            let m = peek_message(&wire, MAX_REPLY_BYTES).expect("a complete message");
            assert_eq!(
                (&wire[m.channel.clone()], &wire[m.payload.clone()], m.len),
                (&channel[..], &payload[..], whole)
            );
            let mut buf = BytesMut::from(&wire[..]);
            let decoded = ReplyDecoder::new().decode(&mut buf).unwrap();
            assert_eq!(
                decoded,
                Some(Reply::Array(vec![
                    Reply::Bulk(b"message".to_vec()),
                    Reply::Bulk(channel),
                    Reply::Bulk(payload)
                ]))
            );
            assert_eq!(buf.len(), wire.len() - whole, "both take the same bytes");
            // Every strict prefix is incomplete: nothing is taken.
            for cut in 0..whole {
                assert_eq!(peek_message(&wire[..cut], MAX_REPLY_BYTES), None, "prefix of {} bytes", cut);
            }
        }
    }

    #[test]
    fn peek_message_leaves_anything_else_to_the_decoder() {
        let cases: [&[u8]; 9] = [
            b"*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n",
            b"*3\r\n$7\r\nmessage\r\n$01\r\nc\r\n$1\r\np\r\n",
            b"*3\r\n$7\r\nmessage\r\n$-1\r\n$1\r\np\r\n",
            b"*3\r\n$7\r\nmessage\r\n$1\r\ncX\n$1\r\np\r\n",
            b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\np\r\n",
            b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n:1\r\n",
            b"*3\r\n$7\r\nmessage\r\n$+1\r\nc\r\n$1\r\np\r\n",
            b"*3\r\n$7\r\nmessage\r\n$99999999999999999999999\r\n",
            b"*4\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n",
        ];
        for case in cases {
            assert_eq!(peek_message(case, MAX_REPLY_BYTES), None, "{:?}", String::from_utf8_lossy(case));
        }
        // A bulk longer than the cap is the decoder's to refuse.
        assert_eq!(peek_message(&message(b"c", &[b'x'; 100]), 99), None);
        assert!(peek_message(&message(b"c", &[b'x'; 100]), 100).is_some());
    }
}
