//! The reply decoder of links to monitored nodes and peers (`monitor::link`): any bytes give
//! replies or a decode error, never a panic, whatever the read boundaries; and every reply,
//! encoded again, decodes to itself.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rsentinel::core::Reply;
use rsentinel::monitor::link::{encode_reply, DecodeError, ReplyDecoder};

fn decode(data: &[u8], chunk: usize) -> (Vec<Reply>, Option<DecodeError>) {
    let mut decoder = ReplyDecoder::new();
    let mut buf = BytesMut::new();
    let mut replies = Vec::new();
    let chunk = if chunk == 0 { data.len().max(1) } else { chunk };
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(r)) => replies.push(r),
                Ok(None) => break,
                Err(e) => return (replies, Some(e)),
            }
        }
    }
    (replies, None)
}

fn has_line_break(r: &Reply) -> bool {
    match r {
        Reply::Status(s) | Reply::Error(s) => s.contains(['\r', '\n']),
        Reply::Array(items) => items.iter().any(has_line_break),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, data)) = data.split_first() else { return };
    let whole = decode(data, 0);
    if chunk > 0 {
        assert_eq!(decode(data, usize::from(chunk)), whole, "split into {chunk}-byte reads");
    }
    for r in &whole.0 {
        // Lossy UTF-8 in status lines can create no CR/LF, but a bare CR inside a line can
        // be kept; such a line cannot be re-encoded as it was.
        if has_line_break(r) {
            continue;
        }
        let mut bytes = Vec::new();
        encode_reply(r, &mut bytes);
        let (again, error) = decode(&bytes, 0);
        assert_eq!((again.as_slice(), error), (std::slice::from_ref(r), None));
    }
});
