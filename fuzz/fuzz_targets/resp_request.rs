//! The RESP request parser of client connections (`server::parse`): any bytes give requests or
//! a protocol error, never a panic, and the result does not depend on how the bytes were split
//! into reads (the parser resumes where it stopped).
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use rsentinel::server::parse::{ProtocolError, RequestParser};

type Outcome = (Vec<Vec<Vec<u8>>>, Option<ProtocolError>, usize);

/// Feed `data` in reads of `chunk` bytes (all at once for 0), parsing after each.
fn parse(data: &[u8], chunk: usize, authenticated: bool) -> Outcome {
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::new();
    let mut requests = Vec::new();
    let chunk = if chunk == 0 { data.len().max(1) } else { chunk };
    for piece in data.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            match parser.next(&mut buf, authenticated) {
                Ok(Some(args)) => requests.push(args),
                Ok(None) => break,
                Err(e) => return (requests, Some(e), 0),
            }
        }
    }
    (requests, None, buf.len() + parser.held_bytes())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else { return };
    let authenticated = mode & 0x80 == 0;
    let chunk = usize::from(mode & 0x7f);
    let whole = parse(data, 0, authenticated);
    // Inputs stay far below the 64 KB line limit, the only split-dependent rule.
    if chunk > 0 {
        let (requests, error, _) = parse(data, chunk, authenticated);
        assert_eq!((&requests, &error), (&whole.0, &whole.1), "split into {chunk}-byte reads");
    }
    for args in &whole.0 {
        assert!(!args.is_empty(), "an empty request is skipped, never returned");
    }
});
