//! Reply frames and their RESP2 / RESP3 encodings.
//!
//! Sentinel replies depend on the client's protocol: a field/value map is a flat array in RESP2
//! and a `%` map in RESP3; a null array is `*-1` in RESP2 and `_` in RESP3; pub/sub messages
//! are arrays in RESP2 and `>` pushes in RESP3. [`Frame`] keeps the intent and the connection's
//! [`RespWriter`](super::reply::RespWriter) picks the bytes. Replies on the hot path are written
//! straight into the output buffer instead; frames are for replies built before they are sent
//! (pub/sub messages, COMMAND DOCS, ACL LOG).

/// A reply to a client.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+OK`
    Simple(String),
    /// `-ERR ...`: the full text after the `-`, including the error code.
    Error(String),
    Integer(i64),
    Bulk(Vec<u8>),
    /// A null bulk string (`$-1` / `_`).
    NullBulk,
    /// A null array (`*-1` / `_`).
    NullArray,
    Array(Vec<Frame>),
    /// Field/value pairs: a RESP3 map, or a flat RESP2 array of 2N items.
    Map(Vec<(Frame, Frame)>),
    /// A set: RESP3 `~`, RESP2 array.
    Set(Vec<Frame>),
    /// Out-of-band data (pub/sub messages): RESP3 `>`, RESP2 array.
    Push(Vec<Frame>),
    /// RESP3 verbatim string (`=len\r\ntxt:...`); a bulk string in RESP2.
    Verbatim(String),
    /// A RESP3 double; a bulk string in RESP2 (both printed as `%.17g`, as Redis 7.0 does).
    Double(f64),
    /// A RESP3 boolean; an integer 0/1 in RESP2.
    Boolean(bool),
}

impl Frame {
    pub fn ok() -> Frame {
        Frame::Simple("OK".into())
    }

    /// An error reply; `msg` includes the code (`ERR ...`, `NOAUTH ...`).
    pub fn error(msg: impl Into<String>) -> Frame {
        Frame::Error(msg.into())
    }

    pub fn bulk(s: impl AsRef<[u8]>) -> Frame {
        Frame::Bulk(s.as_ref().to_vec())
    }

    /// A number sent as a bulk string, as Redis's `addReplyBulkLongLong` does.
    pub fn bulk_num(n: impl std::fmt::Display) -> Frame {
        Frame::Bulk(n.to_string().into_bytes())
    }

    /// A field/value map built from `(name, value)` pairs with bulk-string names.
    pub fn map<I, K>(pairs: I) -> Frame
    where
        I: IntoIterator<Item = (K, Frame)>,
        K: AsRef<[u8]>,
    {
        Frame::Map(pairs.into_iter().map(|(k, v)| (Frame::bulk(k), v)).collect())
    }

    /// Encode to a fresh buffer for a client speaking RESP `proto` (2 or 3); a connection
    /// encodes into its output buffer with [`RespWriter::frame`](super::reply::RespWriter::frame).
    pub fn to_bytes(&self, proto: u8) -> Vec<u8> {
        let mut buf = bytes::BytesMut::new();
        let mut errors = 0;
        super::reply::RespWriter::new(&mut buf, proto, &mut errors).frame(self);
        buf.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_is_flat_in_resp2_and_percent_in_resp3() {
        let f = Frame::map([("name", Frame::bulk("m")), ("port", Frame::bulk_num(6379))]);
        assert_eq!(f.to_bytes(2), b"*4\r\n$4\r\nname\r\n$1\r\nm\r\n$4\r\nport\r\n$4\r\n6379\r\n");
        assert_eq!(f.to_bytes(3), b"%2\r\n$4\r\nname\r\n$1\r\nm\r\n$4\r\nport\r\n$4\r\n6379\r\n");
    }

    #[test]
    fn nulls_differ_by_protocol() {
        assert_eq!(Frame::NullArray.to_bytes(2), b"*-1\r\n");
        assert_eq!(Frame::NullBulk.to_bytes(2), b"$-1\r\n");
        assert_eq!(Frame::NullArray.to_bytes(3), b"_\r\n");
    }
}
