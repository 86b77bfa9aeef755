//! COMMAND [COUNT | LIST | INFO | DOCS | GETKEYS | GETKEYSANDFLAGS | HELP] (`server.c`).
//! Names are looked up in the live table, so renamed commands are found under their new name
//! while replies show their original full name, as in Redis.

use super::spec::{CommandSpec, CommandTable, Lookup};
use super::{help_reply, Ctx};
use crate::core::wire::glob::glob_match;
use crate::server::acl::selector::CATEGORIES;
use crate::server::util::eq_ic;
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

pub fn run(ctx: &mut Ctx) {
    let table = &ctx.srv.table;
    match ctx.cmd.name {
        "command" => {
            let all = table.registered().into_iter().map(|c| c.info_frame()).collect();
            ctx.reply(Frame::Array(all));
        }
        "command|count" => ctx.reply(Frame::Integer(table.len() as i64)),
        "command|help" => help_reply(ctx, HELP),
        "command|info" => {
            let reply = if ctx.argv.len() == 2 {
                table.registered().into_iter().map(|c| c.info_frame()).collect()
            } else {
                ctx.argv[2..]
                    .iter()
                    .map(|n| lookup_by_full_name(table, n).map_or(Frame::NullBulk, |c| c.info_frame()))
                    .collect()
            };
            ctx.reply(Frame::Array(reply));
        }
        "command|docs" => {
            let cmds: Vec<&CommandSpec> = if ctx.argv.len() == 2 {
                table.registered()
            } else {
                ctx.argv[2..].iter().filter_map(|n| lookup_by_full_name(table, n)).collect()
            };
            let docs = cmds
                .into_iter()
                .map(|c| {
                    let doc = if table.is_alias(c) { c.valkey_docs_frame() } else { c.docs_frame() };
                    (Frame::bulk(c.name), doc)
                })
                .collect();
            ctx.reply(Frame::Map(docs));
        }
        "command|list" => list(ctx),
        "command|getkeys" | "command|getkeysandflags" => match table.lookup(&ctx.argv[2..]) {
            Lookup::Found(_) => ctx.error("ERR The command has no key arguments"),
            _ => ctx.error("ERR Invalid command specified"),
        },
        _ => ctx.subcommand_syntax_error(),
    }
}

/// `lookupCommandBySds`: `name` or `container|sub`, using the live (renamed) table.
fn lookup_by_full_name(table: &CommandTable, name: &[u8]) -> Option<&'static CommandSpec> {
    let parts: Vec<&[u8]> = name.split(|&b| b == b'|').collect();
    match parts.as_slice() {
        [one] => table.get(one),
        [base, sub] => {
            let base = table.get(base)?;
            base.subcommand(sub).or_else(|| table.alias(base, sub))
        }
        _ => None,
    }
}

enum Filter {
    Module,
    AclCat(Option<&'static str>),
    Pattern(Vec<u8>),
}

fn list(ctx: &mut Ctx) {
    let mut filter = None;
    let mut i = 2;
    while i < ctx.argv.len() {
        let more = ctx.argv.len() - 1 - i;
        if eq_ic(&ctx.argv[i], "filterby") && more == 2 {
            let kind = &ctx.argv[i + 1];
            let arg = &ctx.argv[i + 2];
            filter = Some(if eq_ic(kind, "module") {
                Filter::Module
            } else if eq_ic(kind, "aclcat") {
                Filter::AclCat(CATEGORIES.iter().copied().find(|c| eq_ic(arg, c)))
            } else if eq_ic(kind, "pattern") {
                Filter::Pattern(arg.clone())
            } else {
                ctx.syntax_error();
                return;
            });
            i += 3;
        } else {
            ctx.syntax_error();
            return;
        }
    }
    let keep = |c: &CommandSpec| match &filter {
        None => true,
        Some(Filter::Module) => false,
        Some(Filter::AclCat(cat)) => cat.is_some_and(|cat| c.in_category(cat)),
        Some(Filter::Pattern(p)) => glob_match(p, c.name.as_bytes(), true),
    };
    let mut names = Vec::new();
    for cmd in ctx.srv.table.registered() {
        for c in std::iter::once(cmd).chain(cmd.subcommands.iter()) {
            if keep(c) {
                names.push(Frame::bulk(c.name));
            }
        }
    }
    ctx.reply(Frame::Array(names));
}
