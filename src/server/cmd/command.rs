//! COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | GETKEYSANDFLAGS | HELP] (`server.c`).
//! Names are looked up in the live table, so renamed commands are found under their new name
//! while replies show their original full name, as in Redis.

use super::spec::{Cat, CommandTable, Lookup, Spec};
use super::{help_reply, Ctx, ParseArgs};
use crate::core::wire::glob::glob_match;
use crate::server::argv::{ArgError, Args};
use crate::server::Frame;

const HELP: &[&str] = &[
    "(no subcommand)",
    "    Return details about all Redis commands.",
    "COUNT",
    "    Return the total number of commands in this Redis server.",
    "LIST",
    "    Return a list of all commands in this Redis server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple Redis commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full Redis command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full Redis command.",
];

/// `COMMAND`: every registered command's `COMMAND INFO` entry.
pub fn all(ctx: &mut Ctx) {
    let all: Vec<Frame> = ctx.srv.table.registered().into_iter().map(|c| c.info_frame()).collect();
    ctx.frame(&Frame::Array(all));
}

/// `COMMAND COUNT`.
pub fn count(ctx: &mut Ctx) {
    let n = ctx.srv.table.len() as i64;
    ctx.w().int(n);
}

/// `COMMAND HELP`.
pub fn help(ctx: &mut Ctx) {
    help_reply(ctx, HELP);
}

/// `COMMAND INFO [name ...]`.
pub fn info(ctx: &mut Ctx) {
    let table = &ctx.srv.table;
    let reply: Vec<Frame> = if ctx.argv.len() == 2 {
        table.registered().into_iter().map(|c| c.info_frame()).collect()
    } else {
        ctx.args()
            .rest()
            .map(|n| lookup_by_full_name(table, n).map_or(Frame::NullBulk, |c| c.info_frame()))
            .collect()
    };
    ctx.frame(&Frame::Array(reply));
}

/// `COMMAND DOCS [name ...]`.
pub fn docs(ctx: &mut Ctx) {
    let table = &ctx.srv.table;
    let cmds: Vec<&Spec> = if ctx.argv.len() == 2 {
        table.registered()
    } else {
        ctx.args().rest().filter_map(|n| lookup_by_full_name(table, n)).collect()
    };
    let docs = cmds.into_iter().map(|c| (Frame::bulk(c.name), c.docs_frame())).collect();
    ctx.frame(&Frame::Map(docs));
}

/// `COMMAND GETKEYS` / `GETKEYSANDFLAGS command [arg ...]`: no sentinel command has keys.
pub fn getkeys(ctx: &mut Ctx) {
    let request = ctx.args().rest_argv();
    match ctx.srv.table.lookup(&request) {
        Lookup::Found(_) => ctx.error("ERR The command has no key arguments"),
        _ => ctx.error("ERR Invalid command specified"),
    }
}

/// `lookupCommandBySds`: `name` or `container|sub`, using the live (renamed) table.
fn lookup_by_full_name(table: &CommandTable, name: &[u8]) -> Option<&'static Spec> {
    let mut parts = name.split(|&b| b == b'|');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(one), None, _) => table.get(one),
        (Some(base), Some(sub), None) => table.get(base)?.subcommand(sub),
        _ => None,
    }
}

/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`.
pub enum ListFilter<'a> {
    None,
    Module,
    /// None: a category that does not exist (nothing matches).
    AclCat(Option<Cat>),
    Pattern(&'a [u8]),
}

impl<'a> ParseArgs<'a> for ListFilter<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let mut filter = ListFilter::None;
        while args.remaining() > 0 {
            if args.remaining() != 3 || !args.eat("filterby") {
                return Err(ArgError::Syntax);
            }
            let kind = args.one_of(&["module", "aclcat", "pattern"])?;
            let arg = args.bytes()?;
            filter = match kind {
                0 => ListFilter::Module,
                1 => ListFilter::AclCat(Cat::from_name(arg)),
                _ => ListFilter::Pattern(arg),
            };
        }
        Ok(filter)
    }
}

impl ListFilter<'_> {
    fn keeps(&self, c: &Spec) -> bool {
        match self {
            ListFilter::None => true,
            ListFilter::Module => false,
            ListFilter::AclCat(cat) => cat.is_some_and(|cat| c.in_category(cat)),
            ListFilter::Pattern(p) => glob_match(p, c.name.as_bytes(), true),
        }
    }
}

pub fn list(ctx: &mut Ctx) {
    let Some(filter) = ctx.parse::<ListFilter>() else { return };
    let mut names = Vec::new();
    for cmd in ctx.srv.table.registered() {
        for c in std::iter::once(cmd).chain(cmd.listed_subcommands()) {
            if filter.keeps(c) {
                names.push(c.name);
            }
        }
    }
    let mut w = ctx.w();
    w.array(names.len());
    names.iter().for_each(|n| w.bulk(n));
}
