//! ACL <subcommand> (`acl.c: aclCommand`). There is no ACL file in rsentinel: users live in
//! the sentinel config (`user` lines), which the config rewrite keeps up to date, so LOAD and
//! SAVE answer as Redis does when no `aclfile` is configured.

use rand::Rng;

use super::{help_reply, unix_ms, Ctx};
use crate::server::acl::selector::{Denial, Selector, CATEGORIES};
use crate::server::acl::{has_spaces, User};
use crate::server::cmd::spec::{CommandTable, Lookup};
use crate::server::util::{c_lossy, c_str_max, eq_ic, string2ll};
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

pub fn run(ctx: &mut Ctx) {
    let argc = ctx.argv.len();
    match ctx.cmd.sub_name() {
        "help" => help_reply(ctx, HELP),
        "whoami" => {
            let user = ctx.client.user.clone();
            ctx.reply(Frame::bulk(user));
        }
        "users" => {
            let names = ctx.srv.acl().users().map(|u| Frame::bulk(&u.name)).collect();
            ctx.reply(Frame::Array(names));
        }
        "list" => {
            let lines = {
                let acl = ctx.srv.acl();
                acl.users()
                    .map(|u| Frame::bulk(format!("user {} {}", u.name_str(), u.describe(&ctx.srv.table))))
                    .collect()
            };
            ctx.reply(Frame::Array(lines));
        }
        "getuser" => getuser(ctx),
        "setuser" => setuser(ctx),
        "deluser" => deluser(ctx),
        "cat" => cat(ctx),
        "genpass" if argc <= 3 => genpass(ctx),
        "log" if argc <= 3 => log(ctx),
        "load" | "save" => ctx.error(NO_ACL_FILE),
        "dryrun" => dryrun(ctx),
        _ => ctx.subcommand_syntax_error(),
    }
}

/// `aclAddReplySelectorDescription`: commands, keys, channels.
fn selector_fields(s: &Selector, table: &CommandTable) -> Vec<(Frame, Frame)> {
    vec![
        (Frame::bulk("commands"), Frame::bulk(s.describe_commands(table))),
        (Frame::bulk("keys"), Frame::bulk(s.describe_keys())),
        (Frame::bulk("channels"), Frame::bulk(s.describe_channels())),
    ]
}

fn getuser(ctx: &mut Ctx) {
    let table = &ctx.srv.table;
    let reply = match ctx.srv.acl().user(&ctx.argv[2]) {
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
    ctx.reply(reply);
}

fn setuser(ctx: &mut Ctx) {
    let name = ctx.argv[2].clone();
    if has_spaces(&name) {
        ctx.error("ERR Usernames can't contain spaces or null characters");
        return;
    }
    let result = ctx.srv.acl().set_user(&ctx.srv.table, &name, &ctx.argv[3..]);
    match result {
        Ok(()) => {
            ctx.srv.sync_users_to_config();
            ctx.ok();
        }
        Err(e) => ctx.error(format!("ERR {}", e)),
    }
}

fn deluser(ctx: &mut Ctx) {
    if ctx.argv[2..].iter().any(|n| n == b"default") {
        ctx.error("ERR The 'default' user cannot be removed");
        return;
    }
    let mut deleted = 0;
    for name in ctx.argv[2..].iter().cloned() {
        if !ctx.srv.acl().delete_user(&name) {
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
            } else if c.view().is_some_and(|v| v.user == name) {
                c.kill();
            }
        }
    }
    if deleted > 0 {
        ctx.srv.sync_users_to_config();
    }
    ctx.reply(Frame::Integer(deleted));
}

fn cat(ctx: &mut Ctx) {
    if ctx.argv.len() == 2 {
        ctx.reply(Frame::Array(CATEGORIES.iter().map(Frame::bulk).collect()));
        return;
    }
    let Some(cat) = CATEGORIES.iter().find(|c| eq_ic(&ctx.argv[2], c)) else {
        let msg = format!("ERR Unknown category '{}'", String::from_utf8_lossy(c_str_max(&ctx.argv[2], 128)));
        ctx.error(msg);
        return;
    };
    let names =
        ctx.srv.table.all().iter().filter(|c| c.in_category(cat)).map(|c| Frame::bulk(c.name)).collect();
    ctx.reply(Frame::Array(names));
}

fn genpass(ctx: &mut Ctx) {
    const MAX_BITS: i64 = 4096;
    let mut bits = 256;
    if ctx.argv.len() == 3 {
        let Some(b) = ctx.int_arg(2, None) else { return };
        bits = b;
    }
    if bits <= 0 || bits > MAX_BITS {
        ctx.error(format!(
            "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number \
             up to {}",
            MAX_BITS
        ));
        return;
    }
    let chars = ((bits + 3) / 4) as usize;
    let mut rng = rand::thread_rng();
    let pass: String = (0..chars).map(|_| char::from(b"0123456789abcdef"[rng.gen_range(0..16)])).collect();
    ctx.reply(Frame::bulk(pass));
}

fn log(ctx: &mut Ctx) {
    let mut count: i64 = 10;
    if ctx.argv.len() == 3 {
        if eq_ic(&ctx.argv[2], "reset") {
            ctx.srv.acl().log.reset();
            ctx.ok();
            return;
        }
        match string2ll(&ctx.argv[2]) {
            Some(n) => count = n.max(0),
            None => {
                ctx.error("ERR value is not an integer or out of range");
                return;
            }
        }
    }
    let reply = ctx.srv.acl().log.reply(count as usize, unix_ms());
    ctx.reply(reply);
}

fn dryrun(ctx: &mut Ctx) {
    let user: User = match ctx.srv.acl().user(&ctx.argv[2]) {
        Some(u) => u.clone(),
        None => {
            let msg = format!("ERR User '{}' not found", c_lossy(&ctx.argv[2]));
            ctx.error(msg);
            return;
        }
    };
    let cmd_argv = &ctx.argv[3..];
    let cmd = match ctx.srv.table.lookup(cmd_argv) {
        Lookup::Found(c) => c,
        _ => {
            let msg = format!("ERR Command '{}' not found", c_lossy(&ctx.argv[3]));
            ctx.error(msg);
            return;
        }
    };
    if !cmd.arity_ok(cmd_argv.len()) {
        ctx.error(format!("ERR wrong number of arguments for '{}' command", cmd.name));
        return;
    }
    match user.check(&ctx.srv.table, cmd, cmd_argv) {
        Ok(()) => ctx.ok(),
        Err((Denial::Command, _)) => {
            ctx.reply(Frame::bulk(format!("This user has no permissions to run the '{}' command", cmd.name)))
        }
        Err((Denial::Channel, idx)) => ctx.reply(Frame::bulk(format!(
            "This user has no permissions to access the '{}' channel",
            c_lossy(&cmd_argv[idx])
        ))),
    }
}
