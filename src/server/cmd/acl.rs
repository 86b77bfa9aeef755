//! ACL <subcommand> (`acl.c: aclCommand`). There is no ACL file in rsentinel: users live in
//! the sentinel config (`user` lines), which the config rewrite keeps up to date, so LOAD and
//! SAVE answer as Redis does when no `aclfile` is configured.

use rand::Rng;

use super::{help_reply, unix_ms, Ctx, ParseArgs};
use crate::server::acl::has_spaces;
use crate::server::acl::selector::{Denial, Selector};
use crate::server::argv::{ArgError, Args, Argv};
use crate::server::cmd::spec::{Cat, CommandTable, Lookup};
use crate::server::util::{c_lossy, c_str_max};
use crate::server::Frame;

const HELP: &[&str] = &[
    "CAT [<category>]",
    "    List all commands that belong to <category>, or all command categories",
    "    when no category is specified.",
    "DELUSER <username> [<username> ...]",
    "    Delete a list of users.",
    "DRYRUN <username> <command> [<arg> ...]",
    "    Returns whether the user can execute the given command without executing the command.",
    "GETUSER <username>",
    "    Get the user's details.",
    "GENPASS [<bits>]",
    "    Generate a secure 256-bit user password. The optional `bits` argument can",
    "    be used to specify a different size.",
    "LIST",
    "    Show users details in config file format.",
    "LOAD",
    "    Reload users from the ACL file.",
    "LOG [<count> | RESET]",
    "    Show the ACL log entries.",
    "SAVE",
    "    Save the current config to the ACL file.",
    "SETUSER <username> <attribute> [<attribute> ...]",
    "    Create or modify a user with the specified attributes.",
    "USERS",
    "    List all the registered usernames.",
    "WHOAMI",
    "    Return the current connection username.",
];

const NO_ACL_FILE: &str =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify \
users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration \
file set) in order to store users in the Redis configuration.";

/// `ACL HELP`.
pub fn help(ctx: &mut Ctx) {
    help_reply(ctx, HELP);
}

/// `ACL WHOAMI`.
pub fn whoami(ctx: &mut Ctx) {
    let user = ctx.client.user.clone();
    ctx.w().bulk(user);
}

/// `ACL USERS`.
pub fn users(ctx: &mut Ctx) {
    let acl = ctx.srv.acl();
    let mut w = ctx.w();
    w.array(acl.users().count());
    acl.users().for_each(|u| w.bulk(&u.name));
}

/// `ACL LIST`.
pub fn list(ctx: &mut Ctx) {
    let acl = ctx.srv.acl();
    let table = &ctx.srv.table;
    let mut w = ctx.w();
    w.array(acl.users().count());
    acl.users().for_each(|u| w.bulk(format!("user {} {}", u.name_str(), u.describe(table))));
}

/// `ACL LOAD` / `ACL SAVE`.
pub fn no_acl_file(ctx: &mut Ctx) {
    ctx.error(NO_ACL_FILE);
}

/// `aclAddReplySelectorDescription`: commands, keys, channels.
fn selector_fields(s: &Selector, table: &CommandTable) -> Vec<(Frame, Frame)> {
    vec![
        (Frame::bulk("commands"), Frame::bulk(s.describe_commands(table))),
        (Frame::bulk("keys"), Frame::bulk(s.describe_keys())),
        (Frame::bulk("channels"), Frame::bulk(s.describe_channels())),
    ]
}

/// `ACL GETUSER username`.
pub fn getuser(ctx: &mut Ctx) {
    let Ok(name) = ctx.args().bytes() else { return ctx.syntax_error() };
    let table = &ctx.srv.table;
    let reply = match ctx.srv.acl().user(name) {
        None => Frame::NullBulk,
        Some(u) => {
            let mut pairs = vec![
                (Frame::bulk("flags"), Frame::Set(u.flags().into_iter().map(Frame::bulk).collect())),
                (Frame::bulk("passwords"), Frame::Array(u.passwords().iter().map(Frame::bulk).collect())),
            ];
            pairs.extend(selector_fields(u.root(), table));
            let sels = u.selectors().iter().map(|s| Frame::Map(selector_fields(s, table))).collect();
            pairs.push((Frame::bulk("selectors"), Frame::Array(sels)));
            Frame::Map(pairs)
        }
    };
    ctx.frame(&reply);
}

/// `ACL SETUSER username rule ...`.
pub struct SetUser<'a> {
    name: &'a [u8],
    rules: Vec<&'a [u8]>,
}

impl<'a> ParseArgs<'a> for SetUser<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let name = args.bytes()?;
        if has_spaces(name) {
            return Err(ArgError::Text("ERR Usernames can't contain spaces or null characters"));
        }
        Ok(SetUser { name, rules: args.rest().collect() })
    }
}

pub fn setuser(ctx: &mut Ctx) {
    let Some(req) = ctx.parse::<SetUser>() else { return };
    let table = &ctx.srv.table;
    match ctx.srv.update_acl(|acl| acl.set_user(table, req.name, &req.rules)) {
        Ok(()) => {
            ctx.srv.sync_users_to_config();
            ctx.ok();
        }
        Err(e) => ctx.error(&format!("ERR {}", e)),
    }
}

/// `ACL DELUSER username ...`.
pub fn deluser(ctx: &mut Ctx) {
    let names: Vec<&[u8]> = ctx.args().rest().collect();
    if names.contains(&&b"default"[..]) {
        return ctx.error("ERR The 'default' user cannot be removed");
    }
    let mut deleted = 0;
    for name in names {
        if !ctx.srv.update_acl(|acl| acl.delete_user(name)) {
            continue;
        }
        deleted += 1;
        // Clients authenticated as a deleted user are disconnected (`ACLFreeUserAndKillClients`);
        // this one after its reply.
        for c in ctx.srv.clients.all() {
            if c.id == ctx.client.id() {
                if ctx.client.user == name {
                    ctx.client.user = b"default".to_vec();
                    ctx.client.authenticated = false;
                    ctx.client.close_after_reply = true;
                }
            } else if c.view().user == name {
                c.kill();
            }
        }
    }
    if deleted > 0 {
        ctx.srv.sync_users_to_config();
    }
    ctx.w().int(deleted);
}

/// `ACL CAT [category]`.
pub fn cat(ctx: &mut Ctx) {
    let Some(name) = ctx.args().bytes_opt() else {
        let mut w = ctx.w();
        w.array(Cat::ALL.len());
        Cat::ALL.iter().for_each(|c| w.bulk(c.name()));
        return;
    };
    let Some(cat) = Cat::from_name(name) else {
        let msg = format!("ERR Unknown category '{}'", String::from_utf8_lossy(c_str_max(name, 128)));
        return ctx.error(&msg);
    };
    let names: Vec<&str> =
        ctx.srv.table.all().iter().filter(|c| c.in_category(cat)).map(|c| c.name).collect();
    let mut w = ctx.w();
    w.array(names.len());
    names.iter().for_each(|n| w.bulk(n));
}

/// `ACL GENPASS [bits]`.
pub struct GenPass {
    bits: i64,
}

impl<'a> ParseArgs<'a> for GenPass {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        const MAX_BITS: i64 = 4096;
        if args.remaining() > 1 {
            return Err(ArgError::SubcommandSyntax);
        }
        let bits = if args.remaining() == 1 { args.int()? } else { 256 };
        if bits <= 0 || bits > MAX_BITS {
            return Err(ArgError::Owned(format!(
                "ERR ACL GENPASS argument must be the number of bits for the output password, a positive \
                 number up to {}",
                MAX_BITS
            )));
        }
        Ok(GenPass { bits })
    }
}

pub fn genpass(ctx: &mut Ctx) {
    let Some(GenPass { bits }) = ctx.parse() else { return };
    let chars = ((bits + 3) / 4) as usize;
    let mut rng = rand::thread_rng();
    let pass: String = (0..chars).map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)])).collect();
    ctx.w().bulk(pass);
}

/// `ACL LOG [count | RESET]`.
pub enum LogRequest {
    Show(usize),
    Reset,
}

impl<'a> ParseArgs<'a> for LogRequest {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        match args.remaining() {
            0 => Ok(LogRequest::Show(10)),
            1 if args.eat("reset") => Ok(LogRequest::Reset),
            1 => Ok(LogRequest::Show(args.int()?.max(0) as usize)),
            _ => Err(ArgError::SubcommandSyntax),
        }
    }
}

pub fn log(ctx: &mut Ctx) {
    match ctx.parse::<LogRequest>() {
        None => {}
        Some(LogRequest::Reset) => {
            ctx.srv.acl_log().reset();
            ctx.ok();
        }
        Some(LogRequest::Show(count)) => {
            let reply = ctx.srv.acl_log().reply(count, unix_ms());
            ctx.frame(&reply);
        }
    }
}

/// `ACL DRYRUN username command [arg ...]`.
pub struct DryRun<'a> {
    user: &'a [u8],
    request: Argv,
}

impl<'a> ParseArgs<'a> for DryRun<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        Ok(DryRun { user: args.bytes()?, request: args.rest_argv() })
    }
}

pub fn dryrun(ctx: &mut Ctx) {
    let Some(DryRun { user, request }) = ctx.parse() else { return };
    let Some(user) = ctx.srv.acl().user(user).cloned() else {
        return ctx.error(&format!("ERR User '{}' not found", c_lossy(user)));
    };
    let table = &ctx.srv.table;
    let cmd = match table.lookup(&request) {
        Lookup::Found(c) => c,
        _ => return ctx.error(&format!("ERR Command '{}' not found", c_lossy(request.name()))),
    };
    if !cmd.arity_ok(request.len()) {
        return ctx.error(&format!("ERR wrong number of arguments for '{}' command", cmd.name));
    }
    match user.check(table, cmd, &request) {
        Ok(()) => ctx.ok(),
        Err((Denial::Command, _)) => {
            ctx.w().bulk(format!("This user has no permissions to run the '{}' command", cmd.name))
        }
        Err((Denial::Channel, idx)) => ctx.w().bulk(format!(
            "This user has no permissions to access the '{}' channel",
            c_lossy(request.get(idx).unwrap_or_default())
        )),
    }
}
