//! Command descriptions (Redis's `struct redisCommand`, with its function pointer) and the
//! command lookup with server-level `rename-command` applied.
//!
//! A [`Spec`] is written once in [`super::table`] with typed flags, ACL categories and docs,
//! and the handler that runs it; everything a command does not set has a default (no flags, no
//! docs beyond its summary, no subcommands). Dispatch is one table walk: [`CommandTable::lookup`]
//! resolves the command or subcommand, and the connection runs its [`Run`] handler.

use std::future::Future;
use std::pin::Pin;

use super::Ctx;
use crate::server::argv::Argv;
use crate::server::Frame;

/// An enum of named items, the list of them in order, and a set of them (a bit per item), for
/// the typed flags and categories of the table.
macro_rules! named_set {
    ($(#[$doc:meta])* enum $item:ident; $(#[$set_doc:meta])* set $set:ident;
     $($variant:ident => $name:literal,)*) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $item {
            $($variant,)*
        }

        impl $item {
            const COUNT: usize = [$($name),*].len();
            /// Every item, in order.
            pub const ALL: [$item; $item::COUNT] = [$($item::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $($item::$variant => $name,)*
                }
            }

            /// The item named `name` (case-insensitive).
            pub fn from_name(name: &[u8]) -> Option<$item> {
                $item::ALL.into_iter().find(|i| name.eq_ignore_ascii_case(i.name().as_bytes()))
            }
        }

        $(#[$set_doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $set(u32);

        impl $set {
            pub const NONE: $set = $set(0);

            pub const fn of(list: &[$item]) -> $set {
                let mut bits = 0;
                let mut i = 0;
                while i < list.len() {
                    bits |= 1 << list[i] as u32;
                    i += 1;
                }
                $set(bits)
            }

            pub const fn has(self, item: $item) -> bool {
                self.0 & (1 << item as u32) != 0
            }

            /// The items of the set, in order.
            pub fn iter(self) -> impl Iterator<Item = $item> {
                $item::ALL.into_iter().filter(move |i| self.has(*i))
            }
        }
    };
}

named_set! {
    /// A command flag shown by `COMMAND INFO`, in Redis's order (`addReplyCommandFlags`).
    enum Flag;
    /// A set of [`Flag`]s.
    set Flags;
    Write => "write",
    Readonly => "readonly",
    Denyoom => "denyoom",
    Module => "module",
    Admin => "admin",
    Pubsub => "pubsub",
    Noscript => "noscript",
    Blocking => "blocking",
    Loading => "loading",
    Stale => "stale",
    SkipMonitor => "skip_monitor",
    SkipSlowlog => "skip_slowlog",
    Asking => "asking",
    Fast => "fast",
    NoAuth => "no_auth",
    MayReplicate => "may_replicate",
    NoMandatoryKeys => "no_mandatory_keys",
    NoAsyncLoading => "no_async_loading",
    NoMulti => "no_multi",
    MovableKeys => "movablekeys",
    AllowBusy => "allow_busy",
}

named_set! {
    /// An ACL category, in Redis's order (`ACLCommandCategories`): ACL CAT lists them in this
    /// order and the rule description tries them in this order.
    enum Cat;
    /// A set of [`Cat`]s.
    set Cats;
    Keyspace => "keyspace",
    Read => "read",
    Write => "write",
    Set => "set",
    Sortedset => "sortedset",
    List => "list",
    Hash => "hash",
    String => "string",
    Bitmap => "bitmap",
    Hyperloglog => "hyperloglog",
    Geo => "geo",
    Stream => "stream",
    Pubsub => "pubsub",
    Admin => "admin",
    Fast => "fast",
    Slow => "slow",
    Blocking => "blocking",
    Dangerous => "dangerous",
    Connection => "connection",
    Transaction => "transaction",
    Scripting => "scripting",
}

/// Flags and ACL categories that several commands share, named once in the table.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    flags: Flags,
    acl: Cats,
}

impl Profile {
    pub const fn new(flags: &[Flag], acl: &[Cat]) -> Profile {
        Profile { flags: Flags::of(flags), acl: Cats::of(acl) }
    }
}

/// The type of a documented argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    PureToken,
    Oneof,
    Block,
}

impl ArgKind {
    pub fn name(self) -> &'static str {
        match self {
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Key => "key",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::Oneof => "oneof",
            ArgKind::Block => "block",
        }
    }
}

/// One argument of a command, as `COMMAND DOCS` reports it.
#[derive(Debug)]
pub struct Arg {
    pub name: &'static str,
    pub kind: ArgKind,
    pub token: Option<&'static str>,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    pub optional: bool,
    pub multiple: bool,
    pub multiple_token: bool,
    /// Sub-arguments of a `oneof` or `block`.
    pub args: &'static [Arg],
}

/// A plain argument.
pub const fn arg(name: &'static str, kind: ArgKind) -> Arg {
    Arg {
        name,
        kind,
        token: None,
        since: None,
        deprecated_since: None,
        optional: false,
        multiple: false,
        multiple_token: false,
        args: &[],
    }
}

/// A `pure-token` argument: the word `token` itself.
pub const fn token(name: &'static str, token: &'static str) -> Arg {
    arg(name, ArgKind::PureToken).token(token)
}

/// One of `args`.
pub const fn oneof(name: &'static str, args: &'static [Arg]) -> Arg {
    Arg { args, ..arg(name, ArgKind::Oneof) }
}

/// `args` in sequence.
pub const fn block(name: &'static str, args: &'static [Arg]) -> Arg {
    Arg { args, ..arg(name, ArgKind::Block) }
}

impl Arg {
    pub const fn optional(self) -> Arg {
        Arg { optional: true, ..self }
    }

    pub const fn multiple(self) -> Arg {
        Arg { multiple: true, ..self }
    }

    pub const fn multiple_token(self) -> Arg {
        Arg { multiple_token: true, ..self }
    }

    pub const fn token(self, token: &'static str) -> Arg {
        Arg { token: Some(token), ..self }
    }

    pub const fn since(self, version: &'static str) -> Arg {
        Arg { since: Some(version), ..self }
    }

    pub const fn deprecated_since(self, version: &'static str) -> Arg {
        Arg { deprecated_since: Some(version), ..self }
    }

    /// The argument flags, in `addReplyFlagsForArg`'s order.
    fn flag_names(&self) -> impl Iterator<Item = &'static str> {
        [(self.optional, "optional"), (self.multiple, "multiple"), (self.multiple_token, "multiple_token")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, n)| n)
    }
}

/// The documentation group of a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Connection,
    Pubsub,
    Sentinel,
    Server,
}

impl Group {
    fn name(self) -> &'static str {
        match self {
            Group::Connection => "connection",
            Group::Pubsub => "pubsub",
            Group::Sentinel => "sentinel",
            Group::Server => "server",
        }
    }
}

/// The documentation half of a command.
#[derive(Debug)]
pub struct Doc {
    pub summary: &'static str,
    pub since: &'static str,
    pub group: Group,
    pub complexity: Option<&'static str>,
    /// The `deprecated` doc flag.
    pub deprecated: bool,
    pub deprecated_since: Option<&'static str>,
    pub replaced_by: Option<&'static str>,
    pub history: &'static [(&'static str, &'static str)],
    pub args: &'static [Arg],
}

impl Doc {
    /// A summary, the version that introduced the command and its group; the rest defaults to
    /// none.
    pub const fn new(summary: &'static str, since: &'static str, group: Group) -> Doc {
        Doc {
            summary,
            since,
            group,
            complexity: None,
            deprecated: false,
            deprecated_since: None,
            replaced_by: None,
            history: &[],
            args: &[],
        }
    }

    pub const fn complexity(self, c: &'static str) -> Doc {
        Doc { complexity: Some(c), ..self }
    }

    pub const fn args(self, args: &'static [Arg]) -> Doc {
        Doc { args, ..self }
    }

    pub const fn history(self, history: &'static [(&'static str, &'static str)]) -> Doc {
        Doc { history, ..self }
    }

    /// Deprecated since `version`, replaced by `replaced_by`.
    pub const fn deprecated(self, version: &'static str, replaced_by: &'static str) -> Doc {
        Doc { deprecated: true, deprecated_since: Some(version), replaced_by: Some(replaced_by), ..self }
    }
}

/// The future of a handler that waits (for the core task, for DNS).
pub type Waiting<'c> = Pin<Box<dyn Future<Output = ()> + Send + 'c>>;

/// How a command runs.
#[derive(Clone, Copy)]
pub enum Run {
    /// To completion on the connection's task, from the client's state, the server's and the
    /// read model; the reply is written straight into the output buffer.
    Now(fn(&mut Ctx)),
    /// Waits for something (the core task, a DNS lookup) before replying.
    Wait(for<'c, 'a> fn(&'c mut Ctx<'a>) -> Waiting<'c>),
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Run::Now(_) => "Run::Now",
            Run::Wait(_) => "Run::Wait",
        })
    }
}

/// Which arguments are pub/sub channels, for ACL channel rules (`getChannelsFromCommand`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channels {
    None,
    /// The first argument is a channel (PUBLISH).
    First,
    /// Every argument is a channel (SUBSCRIBE).
    All,
    /// Every argument is a pattern (PSUBSCRIBE).
    AllPatterns,
}

/// A command or subcommand.
#[derive(Debug)]
pub struct Spec {
    /// Full name: `ping`, `client|setname`.
    pub name: &'static str,
    /// Positive: exact argument count (name included); negative: at least that many.
    pub arity: i32,
    pub flags: Flags,
    pub acl: Cats,
    pub tips: &'static [&'static str],
    pub doc: Doc,
    pub subcommands: &'static [Spec],
    pub channels: Channels,
    /// The reply shows times relative to now (instance maps, script run times): read it from
    /// a read model no older than `READ_MODEL_PERIOD` (see `Handle::ensure_current`).
    pub fresh: bool,
    /// For another name of a command (Valkey 8's `SENTINEL PRIMARY` for `SENTINEL MASTER`): the
    /// full name of the command it is. It is found by name and shares its twin's ACL bit, but
    /// is not listed (`COMMAND`, `COMMAND LIST`, `COMMAND DOCS sentinel`, `ACL CAT`), so those
    /// stay Redis 7.0.15's; its docs are in Valkey's format.
    pub twin: Option<&'static str>,
    pub run: Run,
}

impl Spec {
    /// A command's name, arity and handler; the rest defaults to none (no flags, no
    /// categories, no tips, no docs, no subcommands, no channel arguments).
    pub const fn new(name: &'static str, arity: i32, run: Run) -> Spec {
        Spec {
            name,
            arity,
            flags: Flags::NONE,
            acl: Cats::NONE,
            tips: &[],
            doc: Doc::new("", "", Group::Server),
            subcommands: &[],
            channels: Channels::None,
            fresh: false,
            twin: None,
            run,
        }
    }

    pub const fn fresh(self) -> Spec {
        Spec { fresh: true, ..self }
    }

    /// Another name for the command named `twin` (see [`Spec::twin`]).
    pub const fn twin(self, twin: &'static str) -> Spec {
        Spec { twin: Some(twin), ..self }
    }

    pub const fn doc(self, doc: Doc) -> Spec {
        Spec { doc, ..self }
    }

    pub const fn flags(self, flags: &[Flag]) -> Spec {
        Spec { flags: Flags::of(flags), ..self }
    }

    pub const fn acl(self, cats: &[Cat]) -> Spec {
        Spec { acl: Cats::of(cats), ..self }
    }

    pub const fn profile(self, p: Profile) -> Spec {
        Spec { flags: p.flags, acl: p.acl, ..self }
    }

    pub const fn tips(self, tips: &'static [&'static str]) -> Spec {
        Spec { tips, ..self }
    }

    pub const fn subcommands(self, subcommands: &'static [Spec]) -> Spec {
        Spec { subcommands, ..self }
    }

    pub const fn channels(self, channels: Channels) -> Spec {
        Spec { channels, ..self }
    }

    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flags.has(flag)
    }

    pub fn in_category(&self, cat: Cat) -> bool {
        self.acl.has(cat)
    }

    /// The subcommands that are listed (not another name of one, see [`Spec::twin`]).
    pub fn listed_subcommands(&self) -> impl Iterator<Item = &'static Spec> {
        self.subcommands.iter().filter(|s| s.twin.is_none())
    }

    pub fn is_subcommand(&self) -> bool {
        self.name.contains('|')
    }

    /// The index of the first argument after the command (and subcommand) name.
    pub fn first_arg(&self) -> usize {
        if self.is_subcommand() {
            2
        } else {
            1
        }
    }

    /// The subcommand named `sub` (case-insensitive), if this is a container command.
    pub fn subcommand(&self, sub: &[u8]) -> Option<&'static Spec> {
        let prefix = self.name.len() + 1;
        self.subcommands.iter().find(|s| {
            s.name.len() == prefix + sub.len() && s.name.as_bytes()[prefix..].eq_ignore_ascii_case(sub)
        })
    }

    /// The part after `|` for a subcommand; the name itself for a top-level command.
    pub fn sub_name(&self) -> &'static str {
        self.name.split_once('|').map_or(self.name, |(_, s)| s)
    }

    /// Redis's arity rule (`commandCheckArity`).
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let arity = i64::from(self.arity);
        if arity > 0 {
            argc == arity
        } else {
            argc >= -arity
        }
    }

    /// The channel arguments of a request: `(argument index, is a pattern)`.
    pub fn channel_args(&self, argv: &Argv) -> impl Iterator<Item = (usize, bool)> {
        let (range, pattern) = match self.channels {
            Channels::None => (0..0, false),
            Channels::First => (1..argv.len().min(2), false),
            Channels::All => (1..argv.len(), false),
            Channels::AllPatterns => (1..argv.len(), true),
        };
        range.map(move |i| (i, pattern))
    }

    /// The `COMMAND INFO` entry (`addReplyCommandInfo`): name, arity, flags, first key, last
    /// key, step, ACL categories, tips, key specs, subcommands.
    pub fn info_frame(&self) -> Frame {
        Frame::Array(vec![
            Frame::bulk(self.name),
            Frame::Integer(i64::from(self.arity)),
            Frame::Set(self.flags.iter().map(|f| Frame::Simple(f.name().into())).collect()),
            Frame::Integer(0),
            Frame::Integer(0),
            Frame::Integer(0),
            Frame::Set(self.acl.iter().map(|c| Frame::Simple(format!("@{}", c.name()))).collect()),
            Frame::Set(self.tips.iter().map(Frame::bulk).collect()),
            Frame::Set(Vec::new()),
            if self.subcommands.is_empty() {
                Frame::Set(Vec::new())
            } else {
                Frame::Array(self.listed_subcommands().map(|s| s.info_frame()).collect())
            },
        ])
    }

    /// The `COMMAND DOCS` map of this command (`addReplyCommandDocs`), fields in Redis's order;
    /// another name (Valkey's) is documented as Valkey 8 does.
    pub fn docs_frame(&self) -> Frame {
        self.docs_frame_in(self.twin.is_some())
    }

    /// With `display_text`, every argument also carries its `display_text` (its name, for the
    /// entries we have), as Valkey 8 (and Redis 7.2) write them.
    fn docs_frame_in(&self, display_text: bool) -> Frame {
        let d = &self.doc;
        let mut m = vec![
            ("summary", Frame::bulk(d.summary)),
            ("since", Frame::bulk(d.since)),
            ("group", Frame::bulk(d.group.name())),
        ];
        if let Some(c) = d.complexity {
            m.push(("complexity", Frame::bulk(c)));
        }
        if d.deprecated {
            m.push(("doc_flags", Frame::Set(vec![Frame::Simple("deprecated".into())])));
        }
        if let Some(v) = d.deprecated_since {
            m.push(("deprecated_since", Frame::bulk(v)));
        }
        if let Some(v) = d.replaced_by {
            m.push(("replaced_by", Frame::bulk(v)));
        }
        if !d.history.is_empty() {
            let h = d.history.iter().map(|(v, t)| Frame::Array(vec![Frame::bulk(v), Frame::bulk(t)]));
            m.push(("history", Frame::Set(h.collect())));
        }
        if !d.args.is_empty() {
            m.push(("arguments", args_frame(d.args, display_text)));
        }
        if !self.subcommands.is_empty() {
            let subs =
                self.listed_subcommands().map(|s| (Frame::bulk(s.name), s.docs_frame_in(display_text)));
            m.push(("subcommands", Frame::Map(subs.collect())));
        }
        Frame::map(m)
    }
}

/// `addReplyCommandArgList`; with `display_text`, Valkey's (and Redis 7.2's) extra field.
fn args_frame(args: &[Arg], display_text: bool) -> Frame {
    Frame::Array(
        args.iter()
            .map(|a| {
                let mut m = vec![("name", Frame::bulk(a.name)), ("type", Frame::bulk(a.kind.name()))];
                let aggregate = matches!(a.kind, ArgKind::Oneof | ArgKind::Block);
                if display_text && !aggregate {
                    m.push(("display_text", Frame::bulk(a.name)));
                }
                if let Some(t) = a.token {
                    m.push(("token", Frame::bulk(t)));
                }
                if let Some(s) = a.since {
                    m.push(("since", Frame::bulk(s)));
                }
                if let Some(s) = a.deprecated_since {
                    m.push(("deprecated_since", Frame::bulk(s)));
                }
                let flags: Vec<Frame> = a.flag_names().map(|f| Frame::Simple(f.into())).collect();
                if !flags.is_empty() {
                    m.push(("flags", Frame::Set(flags)));
                }
                if aggregate {
                    m.push(("arguments", args_frame(a.args, display_text)));
                }
                Frame::map(m)
            })
            .collect(),
    )
}

/// Why a command name could not be resolved; the texts are Redis's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("No such command in rename-command")]
    NoSuchCommand,
    #[error("Target command name already exists")]
    TargetExists,
}

/// The table of commands this server answers, by (possibly renamed) name.
#[derive(Debug)]
pub struct CommandTable {
    /// Lower-case names and their commands. A handful of entries: a scan comparing lengths
    /// first is faster than hashing the name.
    by_name: Vec<(Box<[u8]>, &'static Spec)>,
    /// Every command and subcommand, top-level first then subcommands, for ACL bitmaps (other
    /// names of a command are not in it: they have their twin's bit).
    all: Vec<&'static Spec>,
    /// The address of each spec with its position in `all` (its twin's for another name),
    /// sorted by address.
    ids: Vec<(usize, usize)>,
    /// The other names of commands (see [`Spec::twin`]).
    aliases: Vec<&'static Spec>,
}

impl CommandTable {
    /// Build the table from `specs`, applying server-level `rename-command` pairs in order (an
    /// empty target removes the command), as `config.c` does.
    pub fn new(specs: &'static [Spec], renames: &[(String, String)]) -> Result<CommandTable, RenameError> {
        let mut by_name: Vec<(Box<[u8]>, &'static Spec)> =
            specs.iter().map(|c| (c.name.as_bytes().into(), c)).collect();
        for (from, to) in renames {
            let from = from.to_ascii_lowercase().into_bytes();
            let pos = by_name.iter().position(|(n, _)| **n == *from).ok_or(RenameError::NoSuchCommand)?;
            let (_, cmd) = by_name.remove(pos);
            if !to.is_empty() {
                let key = to.to_ascii_lowercase().into_bytes();
                if by_name.iter().any(|(n, _)| **n == *key) {
                    return Err(RenameError::TargetExists);
                }
                by_name.push((key.into(), cmd));
            }
        }
        let mut all: Vec<&'static Spec> = specs.iter().collect();
        for c in specs {
            all.extend(c.listed_subcommands());
        }
        let address = |c: &Spec| c as *const Spec as usize;
        let mut ids: Vec<(usize, usize)> = all.iter().enumerate().map(|(i, c)| (address(c), i)).collect();
        let aliases: Vec<&'static Spec> =
            specs.iter().flat_map(|c| c.subcommands).filter(|s| s.twin.is_some()).collect();
        for alias in &aliases {
            if let Some(i) = all.iter().position(|c| Some(c.name) == alias.twin) {
                ids.push((address(alias), i));
            }
        }
        ids.sort_unstable();
        Ok(CommandTable { by_name, all, ids, aliases })
    }

    /// The command registered under `name` (case-insensitive).
    pub fn get(&self, name: &[u8]) -> Option<&'static Spec> {
        self.by_name
            .iter()
            .find(|(n, _)| n.len() == name.len() && n.eq_ignore_ascii_case(name))
            .map(|(_, c)| *c)
    }

    /// Number of names the server answers (`COMMAND COUNT`).
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Registered commands in a stable order (by original name).
    pub fn registered(&self) -> Vec<&'static Spec> {
        let mut v: Vec<_> = self.by_name.iter().map(|(_, c)| *c).collect();
        v.sort_by_key(|c| c.name);
        v
    }

    /// Every command and subcommand, whether or not renamed away (ACL rules refer to the
    /// original names, like Redis's `orig_commands`).
    pub fn all(&self) -> &[&'static Spec] {
        &self.all
    }

    /// Find a command or subcommand by its original full name (`client|id`), case-insensitive.
    pub fn by_full_name(&self, name: &[u8]) -> Option<&'static Spec> {
        self.all.iter().copied().find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// Position of a command in [`CommandTable::all`]: its ACL bit.
    pub fn id_of(&self, cmd: &Spec) -> usize {
        self.position(cmd as *const Spec as usize).unwrap_or(usize::MAX)
    }

    fn position(&self, addr: usize) -> Option<usize> {
        let i = self.ids.binary_search_by_key(&addr, |(a, _)| *a).ok()?;
        Some(self.ids[i].1)
    }

    /// The command whose spec lives at `addr` (a client's last command, kept as an address so
    /// it can be published without a lock).
    pub fn by_address(&self, addr: usize) -> Option<&'static Spec> {
        let alias = self.aliases.iter().find(|a| std::ptr::eq(**a, addr as *const Spec));
        alias.copied().or_else(|| self.position(addr).map(|i| self.all[i]))
    }

    /// Resolve a request the way `lookupCommand` does: a container command with an argument
    /// resolves to its subcommand (None if unknown); otherwise to the command itself.
    pub fn lookup(&self, argv: &Argv) -> Lookup {
        let Some(base) = argv.get(0).and_then(|n| self.get(n)) else {
            return Lookup::Unknown;
        };
        match argv.get(1) {
            Some(sub) if !base.subcommands.is_empty() => match base.subcommand(sub) {
                Some(sub) => Lookup::Found(sub),
                None => Lookup::UnknownSubcommand,
            },
            _ => Lookup::Found(base),
        }
    }
}

/// The result of [`CommandTable::lookup`].
#[derive(Debug, Clone, Copy)]
pub enum Lookup {
    Found(&'static Spec),
    Unknown,
    UnknownSubcommand,
}

#[cfg(test)]
mod tests {
    use super::super::table::COMMANDS;
    use super::*;

    fn argv(v: &[&str]) -> Argv {
        Argv::from_args(v)
    }

    #[test]
    fn fifteen_commands_and_their_arities() {
        let t = CommandTable::new(COMMANDS, &[]).unwrap();
        assert_eq!(t.len(), 15);
        assert_eq!(t.all().len(), 72, "Valkey's names are not listed");
        let arity = |n: &str| t.by_full_name(n.as_bytes()).unwrap().arity;
        assert_eq!(arity("role"), 1);
        assert_eq!(arity("client|kill"), -3);
        assert_eq!(arity("sentinel|simulate-failure"), -3);
        assert_eq!(arity("command|getkeys"), -4);
        for (i, c) in t.all().iter().enumerate() {
            assert_eq!(t.id_of(c), i, "{}", c.name);
        }
    }

    #[test]
    fn lookup_resolves_subcommands_case_insensitively() {
        let t = CommandTable::new(COMMANDS, &[]).unwrap();
        assert!(
            matches!(t.lookup(&argv(&["Client", "SetName", "x"])), Lookup::Found(c) if c.name == "client|setname")
        );
        assert!(matches!(t.lookup(&argv(&["client"])), Lookup::Found(c) if c.name == "client"));
        assert!(matches!(t.lookup(&argv(&["client", "nope"])), Lookup::UnknownSubcommand));
        assert!(matches!(t.lookup(&argv(&["client", "setnam"])), Lookup::UnknownSubcommand));
        assert!(matches!(t.lookup(&argv(&["client", "setnamex"])), Lookup::UnknownSubcommand));
        assert!(matches!(t.lookup(&argv(&["get", "x"])), Lookup::Unknown));
        assert!(matches!(t.lookup(&argv(&["ping", "x"])), Lookup::Found(c) if c.name == "ping"));
        assert!(matches!(t.lookup(&argv(&[])), Lookup::Unknown));
    }

    #[test]
    fn rename_command() {
        let t = CommandTable::new(COMMANDS, &[("ping".into(), "pong2".into()), ("role".into(), "".into())])
            .unwrap();
        assert!(t.get(b"PING").is_none());
        assert_eq!(t.get(b"PONG2").unwrap().name, "ping");
        assert!(t.get(b"role").is_none());
        assert_eq!(t.len(), 14);
        assert_eq!(
            CommandTable::new(COMMANDS, &[("get".into(), "x".into())]).unwrap_err(),
            RenameError::NoSuchCommand
        );
        assert_eq!(
            CommandTable::new(COMMANDS, &[("ping".into(), "info".into())]).unwrap_err(),
            RenameError::TargetExists
        );
    }

    #[test]
    fn command_info_shape() {
        let t = CommandTable::new(COMMANDS, &[]).unwrap();
        let ping = t.get(b"ping").unwrap().info_frame();
        assert_eq!(
            ping.to_bytes(2),
            b"*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n\
*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n"
        );
    }

    #[test]
    fn flag_sets_print_in_redis_order() {
        let f = Flags::of(&[
            Flag::AllowBusy,
            Flag::NoAuth,
            Flag::Fast,
            Flag::Stale,
            Flag::Loading,
            Flag::Noscript,
        ]);
        assert_eq!(
            f.iter().map(Flag::name).collect::<Vec<_>>(),
            ["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"]
        );
        let c = Cats::of(&[Cat::Dangerous, Cat::Slow, Cat::Admin]);
        assert_eq!(c.iter().map(Cat::name).collect::<Vec<_>>(), ["admin", "slow", "dangerous"]);
        assert_eq!(Cat::from_name(b"PubSub"), Some(Cat::Pubsub));
    }
}
