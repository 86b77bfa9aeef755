//! A RESP2 + RESP3 reply parser for tests.
//!
//! The parser is independent of the crate under test on purpose: a test that decodes the
//! server's bytes with the server's own decoder could not catch an encoding bug. It keeps
//! every distinction a byte-for-byte comparison with Redis cares about (`$-1` vs `*-1` vs
//! `_`, `+` vs `$`, `!` vs `-`), so tests can assert on the shape as well as the content.

use std::fmt;

/// One decoded reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Resp {
    /// `+text`
    Simple(String),
    /// `-CODE message` (the whole text after `-`, including the code).
    Error(String),
    /// `!len` RESP3 blob error.
    BlobError(String),
    /// `:n`
    Integer(i64),
    /// `$len` bulk string.
    Bulk(Vec<u8>),
    /// `$-1` (RESP2 null bulk).
    NullBulk,
    /// `*-1` (RESP2 null array).
    NullArray,
    /// `_` (RESP3 null).
    Null,
    /// `*n`
    Array(Vec<Resp>),
    /// `%n` RESP3 map, pairs in wire order.
    Map(Vec<(Resp, Resp)>),
    /// `~n` RESP3 set, items in wire order.
    Set(Vec<Resp>),
    /// `>n` RESP3 push (pub/sub messages in RESP3).
    Push(Vec<Resp>),
    /// `,x` RESP3 double.
    Double(f64),
    /// `#t` / `#f` RESP3 boolean.
    Boolean(bool),
    /// `=len` RESP3 verbatim string: three-letter format and the text after `fmt:`.
    Verbatim { format: String, text: Vec<u8> },
    /// `(n` RESP3 big number, kept as its decimal text.
    BigNumber(String),
    /// `|n` RESP3 attribute map followed by the reply it annotates.
    Attribute(Vec<(Resp, Resp)>, Box<Resp>),
}

/// Why bytes could not be parsed as RESP.
#[derive(Clone, Debug, PartialEq)]
pub struct ProtocolError(pub String);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RESP protocol error: {}", self.0)
    }
}

/// Parse one complete reply at the start of `buf`.
///
/// Returns `Ok(None)` when `buf` holds only a prefix of a reply (read more and retry),
/// `Ok(Some((reply, consumed)))` when a full reply was decoded from `buf[..consumed]`.
pub fn parse(buf: &[u8]) -> Result<Option<(Resp, usize)>, ProtocolError> {
    let mut pos = 0;
    match parse_at(buf, &mut pos)? {
        Some(v) => Ok(Some((v, pos))),
        None => Ok(None),
    }
}

/// Encode a command as a RESP array of bulk strings (what every client sends).
pub fn encode_command<S: AsRef<[u8]>>(args: &[S]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The line starting at `*pos` without its CRLF; `None` if the CRLF has not arrived yet.
fn read_line<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let rest = buf.get(*pos..)?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    let line = &rest[..end];
    *pos += end + 2;
    Some(line)
}

fn line_str(line: &[u8]) -> Result<String, ProtocolError> {
    String::from_utf8(line.to_vec()).map_err(|_| ProtocolError(format!("non-UTF-8 line {line:?}")))
}

fn line_int(line: &[u8]) -> Result<i64, ProtocolError> {
    line_str(line)?.parse::<i64>().map_err(|_| ProtocolError(format!("bad integer {:?}", line_str(line))))
}

/// `len` bytes followed by CRLF; `None` if they have not all arrived.
fn read_blob(buf: &[u8], pos: &mut usize, len: usize) -> Result<Option<Vec<u8>>, ProtocolError> {
    let end = *pos + len;
    if buf.len() < end + 2 {
        return Ok(None);
    }
    if &buf[end..end + 2] != b"\r\n" {
        return Err(ProtocolError(format!("blob of length {len} not followed by CRLF")));
    }
    let data = buf[*pos..end].to_vec();
    *pos = end + 2;
    Ok(Some(data))
}

fn read_items(buf: &[u8], pos: &mut usize, n: usize) -> Result<Option<Vec<Resp>>, ProtocolError> {
    let mut items = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        match parse_at(buf, pos)? {
            Some(v) => items.push(v),
            None => return Ok(None),
        }
    }
    Ok(Some(items))
}

fn read_pairs(buf: &[u8], pos: &mut usize, n: usize) -> Result<Option<Vec<(Resp, Resp)>>, ProtocolError> {
    let Some(items) = read_items(buf, pos, n * 2)? else { return Ok(None) };
    let mut pairs = Vec::with_capacity(n);
    let mut it = items.into_iter();
    while let (Some(k), Some(v)) = (it.next(), it.next()) {
        pairs.push((k, v));
    }
    Ok(Some(pairs))
}

fn parse_at(buf: &[u8], pos: &mut usize) -> Result<Option<Resp>, ProtocolError> {
    let Some(&tag) = buf.get(*pos) else { return Ok(None) };
    let start = *pos;
    *pos += 1;
    let Some(line) = read_line(buf, pos) else {
        *pos = start;
        return Ok(None);
    };
    let value = match tag {
        b'+' => Some(Resp::Simple(line_str(line)?)),
        b'-' => Some(Resp::Error(line_str(line)?)),
        b':' => Some(Resp::Integer(line_int(line)?)),
        b'_' => Some(Resp::Null),
        b'#' => match line {
            b"t" => Some(Resp::Boolean(true)),
            b"f" => Some(Resp::Boolean(false)),
            _ => return Err(ProtocolError(format!("bad boolean {line:?}"))),
        },
        b',' => {
            let s = line_str(line)?;
            let d = match s.as_str() {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                _ => s.parse::<f64>().map_err(|_| ProtocolError(format!("bad double {s:?}")))?,
            };
            Some(Resp::Double(d))
        }
        b'(' => Some(Resp::BigNumber(line_str(line)?)),
        b'$' | b'!' | b'=' => {
            let len = line_int(line)?;
            if len < 0 {
                if tag == b'$' && len == -1 {
                    Some(Resp::NullBulk)
                } else {
                    return Err(ProtocolError(format!("bad length {len} for {}", tag as char)));
                }
            } else {
                match read_blob(buf, pos, len as usize)? {
                    None => None,
                    Some(data) => Some(match tag {
                        b'$' => Resp::Bulk(data),
                        b'!' => Resp::BlobError(line_str(&data)?),
                        _ => {
                            if data.len() < 4 || data[3] != b':' {
                                return Err(ProtocolError("verbatim string without fmt: prefix".into()));
                            }
                            Resp::Verbatim { format: line_str(&data[..3])?, text: data[4..].to_vec() }
                        }
                    }),
                }
            }
        }
        b'*' | b'~' | b'>' => {
            let n = line_int(line)?;
            if n < 0 {
                if tag == b'*' && n == -1 {
                    Some(Resp::NullArray)
                } else {
                    return Err(ProtocolError(format!("bad length {n} for {}", tag as char)));
                }
            } else {
                read_items(buf, pos, n as usize)?.map(|items| match tag {
                    b'*' => Resp::Array(items),
                    b'~' => Resp::Set(items),
                    _ => Resp::Push(items),
                })
            }
        }
        b'%' | b'|' => {
            let n = line_int(line)?;
            if n < 0 {
                return Err(ProtocolError(format!("bad length {n} for {}", tag as char)));
            }
            match read_pairs(buf, pos, n as usize)? {
                None => None,
                Some(pairs) if tag == b'%' => Some(Resp::Map(pairs)),
                Some(attrs) => parse_at(buf, pos)?.map(|inner| Resp::Attribute(attrs, Box::new(inner))),
            }
        }
        other => return Err(ProtocolError(format!("unknown type byte {:?}", other as char))),
    };
    if value.is_none() {
        *pos = start;
    }
    Ok(value)
}

impl Resp {
    /// Text of a simple string, bulk string or verbatim string (lossy UTF-8).
    pub fn as_str(&self) -> Option<String> {
        match self {
            Resp::Simple(s) => Some(s.clone()),
            Resp::Bulk(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Resp::Verbatim { text, .. } => Some(String::from_utf8_lossy(text).into_owned()),
            _ => None,
        }
    }

    /// An integer reply, or a bulk/simple string holding a decimal integer (Sentinel's maps
    /// send numbers as bulk strings).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Resp::Integer(n) => Some(*n),
            _ => self.as_str()?.parse().ok(),
        }
    }

    /// Items of an array, set or push.
    pub fn as_array(&self) -> Option<&[Resp]> {
        match self {
            Resp::Array(v) | Resp::Set(v) | Resp::Push(v) => Some(v),
            _ => None,
        }
    }

    /// `true` for `$-1`, `*-1` and `_`.
    pub fn is_null(&self) -> bool {
        matches!(self, Resp::Null | Resp::NullBulk | Resp::NullArray)
    }

    /// The text of `-ERR ...` / `!len` errors.
    pub fn error_text(&self) -> Option<&str> {
        match self {
            Resp::Error(s) | Resp::BlobError(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.error_text().is_some()
    }

    /// Field/value pairs of a RESP3 map or of a flat RESP2 array of 2N items, with the field
    /// names as strings. `None` for anything else (or an odd-length array).
    pub fn pairs(&self) -> Option<Vec<(String, &Resp)>> {
        match self {
            Resp::Map(pairs) => pairs.iter().map(|(k, v)| Some((k.as_str()?, v))).collect(),
            Resp::Array(items) if items.len() % 2 == 0 => {
                items.chunks(2).map(|kv| Some((kv[0].as_str()?, &kv[1]))).collect()
            }
            _ => None,
        }
    }

    /// The value of `field` in a map or flat field/value array.
    pub fn map_get(&self, field: &str) -> Option<&Resp> {
        self.pairs()?.into_iter().find(|(k, _)| k == field).map(|(_, v)| v)
    }

    /// `map_get(field)` as a string.
    pub fn field(&self, field: &str) -> Option<String> {
        self.map_get(field)?.as_str()
    }

    /// `map_get(field)` as an integer.
    pub fn field_int(&self, field: &str) -> Option<i64> {
        self.map_get(field)?.as_int()
    }

    /// Field names of a map or flat field/value array, in wire order.
    pub fn keys(&self) -> Vec<String> {
        self.pairs().map(|p| p.into_iter().map(|(k, _)| k).collect()).unwrap_or_default()
    }
}

impl fmt::Display for Resp {
    /// A compact redis-cli-like rendering for assertion messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Resp], close: &str) -> fmt::Result {
            write!(f, "{open}")?;
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{it}")?;
            }
            write!(f, "{close}")
        }
        match self {
            Resp::Simple(s) => write!(f, "+{s}"),
            Resp::Error(s) => write!(f, "-{s}"),
            Resp::BlobError(s) => write!(f, "!{s}"),
            Resp::Integer(n) => write!(f, "(integer) {n}"),
            Resp::Bulk(b) => write!(f, "{:?}", String::from_utf8_lossy(b)),
            Resp::NullBulk => write!(f, "(nil bulk)"),
            Resp::NullArray => write!(f, "(nil array)"),
            Resp::Null => write!(f, "(null)"),
            Resp::Array(v) => list(f, "[", v, "]"),
            Resp::Set(v) => list(f, "~{", v, "}"),
            Resp::Push(v) => list(f, ">[", v, "]"),
            Resp::Map(pairs) | Resp::Attribute(pairs, _) => {
                write!(f, "{{")?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                write!(f, "}}")?;
                if let Resp::Attribute(_, inner) = self {
                    write!(f, " {inner}")?;
                }
                Ok(())
            }
            Resp::Double(d) => write!(f, "(double) {d}"),
            Resp::Boolean(b) => write!(f, "(boolean) {b}"),
            Resp::Verbatim { format, text } => write!(f, "{format}:{:?}", String::from_utf8_lossy(text)),
            Resp::BigNumber(s) => write!(f, "(big number) {s}"),
        }
    }
}
