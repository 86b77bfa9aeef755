//! Command descriptions (Redis's `struct redisCommand` minus the function pointer) and the
//! command lookup with server-level `rename-command` applied.

use std::collections::HashMap;

use super::table::{SENTINEL_VALKEY_SUBCOMMANDS, VALKEY_ALIAS_OF};
use crate::server::Frame;

/// One argument of a command, as `COMMAND DOCS` reports it.
#[derive(Debug)]
pub struct Arg {
    pub name: &'static str,
    /// string, integer, double, key, pattern, unix-time, pure-token, oneof, block.
    pub kind: &'static str,
    pub token: Option<&'static str>,
    pub since: Option<&'static str>,
    pub deprecated_since: Option<&'static str>,
    /// optional, multiple, multiple_token.
    pub flags: &'static [&'static str],
    /// Sub-arguments of a `oneof` or `block`.
    pub args: &'static [Arg],
}

/// The documentation half of a command.
#[derive(Debug)]
pub struct CommandDoc {
    pub summary: &'static str,
    pub since: &'static str,
    pub group: &'static str,
    pub complexity: Option<&'static str>,
    pub doc_flags: &'static [&'static str],
    pub deprecated_since: Option<&'static str>,
    pub replaced_by: Option<&'static str>,
    pub history: &'static [(&'static str, &'static str)],
    pub args: &'static [Arg],
}

/// A command or subcommand.
#[derive(Debug)]
pub struct CommandSpec {
    /// Full name: `ping`, `client|setname`.
    pub name: &'static str,
    /// Positive: exact argument count (name included); negative: at least that many.
    pub arity: i32,
    pub flags: &'static [&'static str],
    /// ACL categories, without the `@`.
    pub acl_categories: &'static [&'static str],
    pub tips: &'static [&'static str],
    pub doc: CommandDoc,
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.contains(&flag)
    }

    pub fn in_category(&self, cat: &str) -> bool {
        self.acl_categories.contains(&cat)
    }

    /// The subcommand named `sub` (case-insensitive), if this is a container command.
    pub fn subcommand(&self, sub: &[u8]) -> Option<&'static CommandSpec> {
        self.subcommands.iter().find(|s| s.sub_name().as_bytes().eq_ignore_ascii_case(sub))
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

    /// The `COMMAND INFO` entry (`addReplyCommandInfo`): name, arity, flags, first key, last
    /// key, step, ACL categories, tips, key specs, subcommands.
    pub fn info_frame(&self) -> Frame {
        let status = |v: &[&str], prefix: &str| {
            Frame::Set(v.iter().map(|s| Frame::Simple(format!("{}{}", prefix, s))).collect())
        };
        Frame::Array(vec![
            Frame::bulk(self.name),
            Frame::Integer(i64::from(self.arity)),
            status(self.flags, ""),
            Frame::Integer(0),
            Frame::Integer(0),
            Frame::Integer(0),
            status(self.acl_categories, "@"),
            Frame::Set(self.tips.iter().map(Frame::bulk).collect()),
            Frame::Set(Vec::new()),
            if self.subcommands.is_empty() {
                Frame::Set(Vec::new())
            } else {
                Frame::Array(self.subcommands.iter().map(|s| s.info_frame()).collect())
            },
        ])
    }

    /// The `COMMAND DOCS` map of this command (`addReplyCommandDocs`), fields in Redis's order.
    pub fn docs_frame(&self) -> Frame {
        self.docs_frame_in(false)
    }

    /// The `COMMAND DOCS` map as Valkey 8 writes it: the same fields, and every argument also
    /// carries its `display_text` (its name, for the entries we have).
    pub fn valkey_docs_frame(&self) -> Frame {
        self.docs_frame_in(true)
    }

    fn docs_frame_in(&self, display_text: bool) -> Frame {
        let d = &self.doc;
        let mut m = vec![
            ("summary", Frame::bulk(d.summary)),
            ("since", Frame::bulk(d.since)),
            ("group", Frame::bulk(d.group)),
        ];
        if let Some(c) = d.complexity {
            m.push(("complexity", Frame::bulk(c)));
        }
        if !d.doc_flags.is_empty() {
            m.push((
                "doc_flags",
                Frame::Set(d.doc_flags.iter().map(|f| Frame::Simple(f.to_string())).collect()),
            ));
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
            let subs = self.subcommands.iter().map(|s| (Frame::bulk(s.name), s.docs_frame_in(display_text)));
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
                let mut m = vec![("name", Frame::bulk(a.name)), ("type", Frame::bulk(a.kind))];
                if display_text && a.kind != "oneof" && a.kind != "block" {
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
                if !a.flags.is_empty() {
                    m.push((
                        "flags",
                        Frame::Set(a.flags.iter().map(|f| Frame::Simple(f.to_string())).collect()),
                    ));
                }
                if a.kind == "oneof" || a.kind == "block" {
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

/// The table of commands this server answers, by (possibly renamed) lower-case name.
#[derive(Debug)]
pub struct CommandTable {
    by_name: HashMap<Vec<u8>, &'static CommandSpec>,
    /// Every command and subcommand, top-level first then subcommands, for ACL bitmaps.
    all: Vec<&'static CommandSpec>,
    /// Valkey's names for some subcommands, each with the subcommand it runs as (its twin):
    /// found by name, never listed, sharing the twin's ACL bit.
    aliases: Vec<(&'static CommandSpec, &'static CommandSpec)>,
}

impl CommandTable {
    /// Build the table from `specs`, applying server-level `rename-command` pairs in order (an
    /// empty target removes the command), as `config.c` does.
    pub fn new(
        specs: &'static [CommandSpec],
        renames: &[(String, String)],
    ) -> Result<CommandTable, RenameError> {
        let mut by_name: HashMap<Vec<u8>, &'static CommandSpec> =
            specs.iter().map(|c| (c.name.as_bytes().to_vec(), c)).collect();
        for (from, to) in renames {
            let cmd =
                by_name.remove(&from.to_ascii_lowercase().into_bytes()).ok_or(RenameError::NoSuchCommand)?;
            if !to.is_empty() {
                let key = to.to_ascii_lowercase().into_bytes();
                if by_name.contains_key(&key) {
                    return Err(RenameError::TargetExists);
                }
                by_name.insert(key, cmd);
            }
        }
        let mut all: Vec<&'static CommandSpec> = specs.iter().collect();
        for c in specs {
            all.extend(c.subcommands.iter());
        }
        let aliases = SENTINEL_VALKEY_SUBCOMMANDS
            .iter()
            .filter_map(|alias| {
                let twin = VALKEY_ALIAS_OF.iter().find(|(a, _)| *a == alias.name)?.1;
                Some((alias, all.iter().copied().find(|c| c.name == twin)?))
            })
            .collect();
        Ok(CommandTable { by_name, all, aliases })
    }

    /// The Valkey-named subcommand `sub` of `base` (by original name), if there is one.
    pub fn alias(&self, base: &CommandSpec, sub: &[u8]) -> Option<&'static CommandSpec> {
        self.aliases.iter().map(|(alias, _)| *alias).find(|a| {
            a.name
                .split_once('|')
                .is_some_and(|(b, s)| b == base.name && s.as_bytes().eq_ignore_ascii_case(sub))
        })
    }

    /// Whether `cmd` is one of the Valkey names (its docs are in Valkey's format).
    pub fn is_alias(&self, cmd: &CommandSpec) -> bool {
        self.aliases.iter().any(|(a, _)| std::ptr::eq(*a, cmd))
    }

    /// The command registered under `name` (case-insensitive).
    pub fn get(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    /// Number of names the server answers (`COMMAND COUNT`).
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    /// Registered commands in a stable order (by original name).
    pub fn registered(&self) -> Vec<&'static CommandSpec> {
        let mut v: Vec<_> = self.by_name.values().copied().collect();
        v.sort_by_key(|c| c.name);
        v
    }

    /// Every command and subcommand, whether or not renamed away (ACL rules refer to the
    /// original names, like Redis's `orig_commands`).
    pub fn all(&self) -> &[&'static CommandSpec] {
        &self.all
    }

    /// Find a command or subcommand by its original full name (`client|id`), case-insensitive.
    pub fn by_full_name(&self, name: &[u8]) -> Option<&'static CommandSpec> {
        self.all.iter().copied().find(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// Position of a command in [`CommandTable::all`]: its ACL bit. A Valkey name has its
    /// twin's bit.
    pub fn id_of(&self, cmd: &CommandSpec) -> usize {
        let cmd = self.aliases.iter().find(|(a, _)| std::ptr::eq(*a, cmd)).map_or(cmd, |(_, twin)| *twin);
        self.all.iter().position(|c| std::ptr::eq(*c, cmd)).unwrap_or(usize::MAX)
    }

    /// Resolve a request the way `lookupCommand` does: a container command with an argument
    /// resolves to its subcommand (None if unknown); otherwise to the command itself.
    pub fn lookup(&self, argv: &[Vec<u8>]) -> Lookup {
        let Some(first) = argv.first() else {
            return Lookup::Unknown;
        };
        let Some(base) = self.get(first) else {
            return Lookup::Unknown;
        };
        if argv.len() == 1 || base.subcommands.is_empty() {
            return Lookup::Found(base);
        }
        match base.subcommand(&argv[1]).or_else(|| self.alias(base, &argv[1])) {
            Some(sub) => Lookup::Found(sub),
            None => Lookup::UnknownSubcommand,
        }
    }
}

/// The result of [`CommandTable::lookup`].
#[derive(Debug, Clone, Copy)]
pub enum Lookup {
    Found(&'static CommandSpec),
    Unknown,
    UnknownSubcommand,
}

#[cfg(test)]
mod tests {
    use super::super::table::COMMANDS;
    use super::*;

    fn argv(v: &[&str]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn fifteen_commands_and_their_arities() {
        let t = CommandTable::new(COMMANDS, &[]).unwrap();
        assert_eq!(t.len(), 15);
        assert_eq!(t.all().len(), 72);
        let arity = |n: &str| t.by_full_name(n.as_bytes()).unwrap().arity;
        assert_eq!(arity("role"), 1);
        assert_eq!(arity("client|kill"), -3);
        assert_eq!(arity("sentinel|simulate-failure"), -3);
        assert_eq!(arity("command|getkeys"), -4);
    }

    #[test]
    fn lookup_resolves_subcommands_case_insensitively() {
        let t = CommandTable::new(COMMANDS, &[]).unwrap();
        assert!(
            matches!(t.lookup(&argv(&["Client", "SetName", "x"])), Lookup::Found(c) if c.name == "client|setname")
        );
        assert!(matches!(t.lookup(&argv(&["client"])), Lookup::Found(c) if c.name == "client"));
        assert!(matches!(t.lookup(&argv(&["client", "nope"])), Lookup::UnknownSubcommand));
        assert!(matches!(t.lookup(&argv(&["get", "x"])), Lookup::Unknown));
        assert!(matches!(t.lookup(&argv(&["ping", "x"])), Lookup::Found(c) if c.name == "ping"));
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
}
