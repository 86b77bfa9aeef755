//! A request's arguments, borrowed from the query buffer, and the cursor commands parse them
//! with (mini-redis's `Parse`).
//!
//! [`Argv`] holds the request's bytes once (a reference-counted slice of the query buffer, so
//! taking a request copies nothing) and the position of each argument in them; a connection
//! keeps one and refills it for every request, so a request allocates nothing. Commands read
//! their arguments through [`Args`] into a typed request (`parse` → `apply`): which argument is
//! which is decided in one place per command, and a missing or malformed argument becomes
//! Redis's error text through [`ArgError`].

use std::ops::Range;

use bytes::Bytes;

use super::util::{c_str, c_str_max, string2ll, upper};

/// The arguments of one request: `argv[0]` is the command name as typed.
#[derive(Debug, Default, Clone)]
pub struct Argv {
    buf: Bytes,
    spans: Vec<Range<usize>>,
}

impl Argv {
    /// Arguments given as separate values (tests, inline requests, ACL DRYRUN).
    pub fn from_args<A: AsRef<[u8]>>(args: impl IntoIterator<Item = A>) -> Argv {
        let mut argv = Argv::default();
        argv.fill_owned(args);
        argv
    }

    /// Replace the arguments with copies of `args`.
    pub fn fill_owned<A: AsRef<[u8]>>(&mut self, args: impl IntoIterator<Item = A>) {
        let mut buf = Vec::new();
        self.spans.clear();
        for a in args {
            let start = buf.len();
            buf.extend_from_slice(a.as_ref());
            self.spans.push(start..buf.len());
        }
        self.buf = Bytes::from(buf);
    }

    /// Replace the arguments with `spans` of `buf` (the parser's result).
    pub(super) fn fill(&mut self, buf: Bytes, spans: &[Range<usize>]) {
        self.buf = buf;
        self.spans.clear();
        self.spans.extend_from_slice(spans);
    }

    /// Drop the request's bytes (so the query buffer's allocation can be reused) and keep the
    /// span vector's capacity for the next request.
    pub fn clear(&mut self) {
        self.buf = Bytes::new();
        self.spans.clear();
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.spans.get(i).map(|r| &self.buf[r.clone()])
    }

    /// The command name as typed (empty for an empty request).
    pub fn name(&self) -> &[u8] {
        self.get(0).unwrap_or_default()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.spans.iter().map(|r| &self.buf[r.clone()])
    }

    /// Arguments from index `from` on.
    pub fn from(&self, from: usize) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.spans.get(from..).unwrap_or_default().iter().map(|r| &self.buf[r.clone()])
    }

    /// The arguments from `from` on, as a request of their own (ACL DRYRUN, COMMAND GETKEYS).
    pub fn tail(&self, from: usize) -> Argv {
        let spans = self.spans.get(from..).unwrap_or_default().to_vec();
        Argv { buf: self.buf.clone(), spans }
    }

    /// Bytes held by the arguments (CLIENT LIST's `argv-mem`).
    pub fn mem(&self) -> usize {
        self.spans.iter().map(|r| r.len()).sum()
    }
}

impl std::ops::Index<usize> for Argv {
    type Output = [u8];
    fn index(&self, i: usize) -> &[u8] {
        &self.buf[self.spans[i].clone()]
    }
}

/// Why a command's arguments were refused; each variant is one of Redis's error texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgError {
    /// `ERR syntax error`.
    Syntax,
    /// `ERR value is not an integer or out of range`.
    NotAnInteger,
    /// `addReplySubcommandSyntaxError`: unknown subcommand or wrong number of arguments.
    SubcommandSyntax,
    /// A fixed error text (with its code).
    Text(&'static str),
    /// An error text made at run time (with its code).
    Owned(String),
}

impl ArgError {
    /// The error line (without `-` and CRLF) for a request `argv`.
    pub fn text(&self, argv: &Argv) -> String {
        match self {
            ArgError::Syntax => "ERR syntax error".into(),
            ArgError::NotAnInteger => "ERR value is not an integer or out of range".into(),
            ArgError::SubcommandSyntax => format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
                String::from_utf8_lossy(c_str_max(argv.get(1).unwrap_or_default(), 128)),
                upper(c_str(argv.name()))
            ),
            ArgError::Text(t) => (*t).into(),
            ArgError::Owned(t) => t.clone(),
        }
    }
}

/// A cursor over a request's arguments, after the command (and subcommand) name.
pub struct Args<'a> {
    argv: &'a Argv,
    next: usize,
}

impl<'a> Args<'a> {
    /// Arguments of `argv` from index `first` on.
    pub fn new(argv: &'a Argv, first: usize) -> Args<'a> {
        Args { argv, next: first }
    }

    /// How many arguments are left.
    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.next)
    }

    /// The next argument, if any.
    pub fn bytes_opt(&mut self) -> Option<&'a [u8]> {
        let a = self.argv.get(self.next)?;
        self.next += 1;
        Some(a)
    }

    /// The next argument, which the command's arity guarantees.
    pub fn bytes(&mut self) -> Result<&'a [u8], ArgError> {
        self.bytes_opt().ok_or(ArgError::Syntax)
    }

    /// The next argument as a 64-bit integer (`getLongLongFromObjectOrReply`), failing with
    /// `err` when it is not one.
    pub fn int_or(&mut self, err: ArgError) -> Result<i64, ArgError> {
        string2ll(self.bytes()?).ok_or(err)
    }

    /// The next argument as a 64-bit integer, failing with Redis's standard text.
    pub fn int(&mut self) -> Result<i64, ArgError> {
        self.int_or(ArgError::NotAnInteger)
    }

    /// The next argument if it equals `word` (case-insensitive), consumed.
    pub fn eat(&mut self, word: &str) -> bool {
        match self.argv.get(self.next) {
            Some(a) if a.eq_ignore_ascii_case(word.as_bytes()) => {
                self.next += 1;
                true
            }
            _ => false,
        }
    }

    /// The next argument matched against `words` (case-insensitive): its index in `words`.
    pub fn one_of(&mut self, words: &[&str]) -> Result<usize, ArgError> {
        let a = self.bytes()?;
        words.iter().position(|w| a.eq_ignore_ascii_case(w.as_bytes())).ok_or(ArgError::Syntax)
    }

    /// Every argument left.
    pub fn rest(&mut self) -> impl ExactSizeIterator<Item = &'a [u8]> + 'a {
        let from = self.next;
        self.next = self.argv.len();
        self.argv.from(from)
    }

    /// The arguments left, as a request of their own.
    pub fn rest_argv(&mut self) -> Argv {
        let from = self.next;
        self.next = self.argv.len();
        self.argv.tail(from)
    }

    /// Fails with `err` if arguments are left over.
    pub fn finish_or(&self, err: ArgError) -> Result<(), ArgError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_arguments() {
        let buf = Bytes::from_static(b"*2\r\n$4\r\nPING\r\n$2\r\nhi\r\n");
        let mut argv = Argv::default();
        argv.fill(buf, &[8..12, 18..20]);
        assert_eq!(argv.len(), 2);
        assert_eq!(&argv[0], b"PING");
        assert_eq!(argv.get(1), Some(&b"hi"[..]));
        assert_eq!(argv.get(2), None);
        assert_eq!(argv.mem(), 6);
        assert_eq!(argv.from(1).collect::<Vec<_>>(), vec![&b"hi"[..]]);
        assert_eq!(argv.from(5).count(), 0);
        argv.clear();
        assert!(argv.is_empty());
    }

    #[test]
    fn cursor() {
        let argv = Argv::from_args(["client", "kill", "ID", "12", "x"]);
        let mut a = Args::new(&argv, 2);
        assert!(!a.eat("type"));
        assert!(a.eat("id"));
        assert_eq!(a.int(), Ok(12));
        assert_eq!(a.int(), Err(ArgError::NotAnInteger));
        assert_eq!(a.bytes(), Err(ArgError::Syntax));
        assert_eq!(a.finish_or(ArgError::Syntax), Ok(()));
        let argv = Argv::from_args(["CLIENT", "nope\0x"]);
        assert_eq!(
            ArgError::SubcommandSyntax.text(&argv),
            "ERR unknown subcommand or wrong number of arguments for 'nope'. Try CLIENT HELP."
        );
    }
}
