//! CLIENT <subcommand> (`networking.c: clientCommand`).

use std::time::{Duration, Instant};

use super::{help_reply, Ctx};
use crate::server::client::{ClientType, ReplyMode};
use crate::server::pause::PauseKind;
use crate::server::util::{c_lossy, eq_ic, string2ll};
use crate::server::Frame;

const HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

pub fn run(ctx: &mut Ctx) {
    match ctx.cmd.sub_name() {
        "help" => help_reply(ctx, HELP),
        "id" => {
            let id = ctx.client.id() as i64;
            ctx.reply(Frame::Integer(id));
        }
        "info" => {
            ctx.publish_view();
            let line = ctx.client.entry.info_line(Instant::now());
            ctx.reply(Frame::Verbatim(line + "\n"));
        }
        "list" => list(ctx),
        "kill" => kill(ctx),
        "setname" => {
            let name = ctx.argv[2].clone();
            if set_name(ctx, &name) {
                ctx.ok();
            }
        }
        "getname" => {
            let f = ctx.client.name.as_ref().map_or(Frame::NullBulk, Frame::bulk);
            ctx.reply(f);
        }
        "reply" => reply_mode(ctx),
        "pause" => pause(ctx),
        "unpause" => {
            ctx.srv.pause.unpause();
            ctx.ok();
        }
        "no-evict" => {
            let arg = &ctx.argv[2];
            if eq_ic(arg, "on") {
                ctx.client.no_evict = true;
                ctx.ok();
            } else if eq_ic(arg, "off") {
                ctx.client.no_evict = false;
                ctx.ok();
            } else {
                ctx.syntax_error();
            }
        }
        "unblock" => unblock(ctx),
        "tracking" => tracking(ctx),
        "caching" => caching(ctx),
        "getredir" => {
            let r = if ctx.client.tracking.on { ctx.client.tracking.redirect } else { -1 };
            ctx.reply(Frame::Integer(r));
        }
        "trackinginfo" => tracking_info(ctx),
        _ => ctx.subcommand_syntax_error(),
    }
}

/// Set or clear (empty name) the connection name (`clientSetNameOrReply`). Names are limited
/// to printable ASCII without spaces so CLIENT LIST stays splittable.
pub fn set_name(ctx: &mut Ctx, name: &[u8]) -> bool {
    if name.is_empty() {
        ctx.client.name = None;
        return true;
    }
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        ctx.error("ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    ctx.client.name = Some(name.to_vec());
    true
}

fn list(ctx: &mut Ctx) {
    ctx.publish_view();
    let now = Instant::now();
    let argc = ctx.argv.len();
    let mut out = String::new();
    if argc == 4 && eq_ic(&ctx.argv[2], "type") {
        let Some(t) = ClientType::from_name(&ctx.argv[3]) else {
            let msg = format!("ERR Unknown client type '{}'", c_lossy(&ctx.argv[3]));
            ctx.error(msg);
            return;
        };
        for c in ctx.srv.clients.all() {
            if c.client_type() == t {
                out.push_str(&c.info_line(now));
                out.push('\n');
            }
        }
    } else if argc > 3 && eq_ic(&ctx.argv[2], "id") {
        for j in 3..argc {
            let Some(id) = ctx.int_arg(j, Some("ERR Invalid client ID")) else {
                return;
            };
            if let Some(c) = u64::try_from(id).ok().and_then(|id| ctx.srv.clients.get(id)) {
                out.push_str(&c.info_line(now));
                out.push('\n');
            }
        }
    } else if argc != 2 {
        ctx.syntax_error();
        return;
    } else {
        for c in ctx.srv.clients.all() {
            out.push_str(&c.info_line(now));
            out.push('\n');
        }
    }
    ctx.reply(Frame::Verbatim(out));
}

fn kill(ctx: &mut Ctx) {
    let argc = ctx.argv.len();
    let mut addr: Option<Vec<u8>> = None;
    let mut laddr: Option<Vec<u8>> = None;
    let mut user: Option<Vec<u8>> = None;
    let mut ctype: Option<ClientType> = None;
    let mut id: u64 = 0;
    let mut skipme = true;
    if argc == 3 {
        // Old form: CLIENT KILL <addr>; a client may kill itself this way.
        addr = Some(ctx.argv[2].clone());
        skipme = false;
    } else {
        let mut i = 2;
        while i < argc {
            let more = argc > i + 1;
            let opt = &ctx.argv[i];
            if eq_ic(opt, "id") && more {
                match string2ll(&ctx.argv[i + 1]) {
                    Some(v) if v >= 1 => id = v as u64,
                    _ => {
                        ctx.error("ERR client-id should be greater than 0");
                        return;
                    }
                }
            } else if eq_ic(opt, "type") && more {
                match ClientType::from_name(&ctx.argv[i + 1]) {
                    Some(t) => ctype = Some(t),
                    None => {
                        let msg = format!("ERR Unknown client type '{}'", c_lossy(&ctx.argv[i + 1]));
                        ctx.error(msg);
                        return;
                    }
                }
            } else if eq_ic(opt, "addr") && more {
                addr = Some(ctx.argv[i + 1].clone());
            } else if eq_ic(opt, "laddr") && more {
                laddr = Some(ctx.argv[i + 1].clone());
            } else if eq_ic(opt, "user") && more {
                let name = ctx.argv[i + 1].clone();
                if ctx.srv.acl().user(&name).is_none() {
                    ctx.error(format!("ERR No such user '{}'", c_lossy(&name)));
                    return;
                }
                user = Some(name);
            } else if eq_ic(opt, "skipme") && more {
                let v = &ctx.argv[i + 1];
                if eq_ic(v, "yes") {
                    skipme = true;
                } else if eq_ic(v, "no") {
                    skipme = false;
                } else {
                    ctx.syntax_error();
                    return;
                }
            } else {
                ctx.syntax_error();
                return;
            }
            i += 2;
        }
    }
    ctx.publish_view();
    let me = ctx.client.id();
    let mut killed = 0;
    for c in ctx.srv.clients.all() {
        if addr.as_ref().is_some_and(|a| a.as_slice() != c.addr.as_bytes())
            || laddr.as_ref().is_some_and(|a| a.as_slice() != c.laddr.as_bytes())
            || ctype.is_some_and(|t| t != c.client_type())
            || (id != 0 && c.id != id)
            || user.as_ref().is_some_and(|u| c.view().is_none_or(|v| v.user != *u))
            || (c.id == me && skipme)
        {
            continue;
        }
        if c.id == me {
            ctx.client.close_after_reply = true;
        } else {
            c.kill();
        }
        killed += 1;
    }
    if argc == 3 {
        if killed == 0 {
            ctx.error("ERR No such client");
        } else {
            ctx.ok();
        }
    } else {
        ctx.reply(Frame::Integer(killed));
    }
}

fn reply_mode(ctx: &mut Ctx) {
    let arg = &ctx.argv[2];
    if eq_ic(arg, "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.ok();
    } else if eq_ic(arg, "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if eq_ic(arg, "skip") {
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        ctx.syntax_error();
    }
}

fn pause(ctx: &mut Ctx) {
    let argc = ctx.argv.len();
    if argc != 3 && argc != 4 {
        ctx.subcommand_syntax_error();
        return;
    }
    let mut kind = PauseKind::All;
    if argc == 4 {
        if eq_ic(&ctx.argv[3], "write") {
            kind = PauseKind::Write;
        } else if !eq_ic(&ctx.argv[3], "all") {
            ctx.error("ERR CLIENT PAUSE mode must be WRITE or ALL");
            return;
        }
    }
    let Some(ms) = ctx.int_arg(2, Some("ERR timeout is not an integer or out of range")) else {
        return;
    };
    if ms < 0 {
        ctx.error("ERR timeout is negative");
        return;
    }
    let Some(end) = Instant::now().checked_add(Duration::from_millis(ms as u64)) else {
        ctx.error("ERR timeout is out of range");
        return;
    };
    ctx.srv.pause.pause(end, kind);
    ctx.ok();
}

fn unblock(ctx: &mut Ctx) {
    let argc = ctx.argv.len();
    if argc != 3 && argc != 4 {
        ctx.subcommand_syntax_error();
        return;
    }
    if argc == 4 && !eq_ic(&ctx.argv[3], "timeout") && !eq_ic(&ctx.argv[3], "error") {
        ctx.error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
        return;
    }
    if ctx.int_arg(2, None).is_none() {
        return;
    }
    // No sentinel command blocks a client; clients held by CLIENT PAUSE are not unblocked
    // either (they resume when the pause ends).
    ctx.reply(Frame::Integer(0));
}

/// Whether two prefixes overlap (`stringCheckPrefix`).
fn overlap(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

fn tracking(ctx: &mut Ctx) {
    let argc = ctx.argv.len();
    let mut redir: i64 = 0;
    let (mut bcast, mut optin, mut optout, mut noloop) = (false, false, false, false);
    let mut prefixes: Vec<Vec<u8>> = Vec::new();
    let mut j = 3;
    while j < argc {
        let more = argc - 1 - j;
        let opt = &ctx.argv[j];
        if eq_ic(opt, "redirect") && more > 0 {
            j += 1;
            if redir != 0 {
                ctx.error("ERR A client can only redirect to a single other client");
                return;
            }
            let Some(r) = ctx.int_arg(j, None) else { return };
            if u64::try_from(r).ok().and_then(|id| ctx.srv.clients.get(id)).is_none() {
                ctx.error("ERR The client ID you want redirect to does not exist");
                return;
            }
            redir = r;
        } else if eq_ic(opt, "bcast") {
            bcast = true;
        } else if eq_ic(opt, "optin") {
            optin = true;
        } else if eq_ic(opt, "optout") {
            optout = true;
        } else if eq_ic(opt, "noloop") {
            noloop = true;
        } else if eq_ic(opt, "prefix") && more > 0 {
            j += 1;
            prefixes.push(ctx.argv[j].clone());
        } else {
            ctx.syntax_error();
            return;
        }
        j += 1;
    }
    let mode = &ctx.argv[2];
    if eq_ic(mode, "on") {
        let cur = &ctx.client.tracking;
        if !bcast && !prefixes.is_empty() {
            ctx.error("ERR PREFIX option requires BCAST mode to be enabled");
            return;
        }
        if cur.on && cur.bcast != bcast {
            ctx.error(
                "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then \
                 re-enabling it with a different mode.",
            );
            return;
        }
        if bcast && (optin || optout) {
            ctx.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
            return;
        }
        if optin && optout {
            ctx.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
            return;
        }
        if (optin && cur.optout) || (optout && cur.optin) {
            ctx.error(
                "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then \
                 re-enabling it with a different mode.",
            );
            return;
        }
        if bcast {
            for (i, p) in prefixes.iter().enumerate() {
                if let Some(existing) = cur.prefixes.iter().find(|e| overlap(e, p)) {
                    let msg = format!(
                        "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client \
                         must not overlap.",
                        c_lossy(p),
                        c_lossy(existing)
                    );
                    ctx.error(msg);
                    return;
                }
                if let Some(other) = prefixes[i + 1..].iter().find(|o| overlap(p, o)) {
                    let msg = format!(
                        "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single \
                         client must not overlap.",
                        c_lossy(p),
                        c_lossy(other)
                    );
                    ctx.error(msg);
                    return;
                }
            }
        }
        if !ctx.client.tracking.on {
            ctx.srv.stats.tracking_clients.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        let t = &mut ctx.client.tracking;
        t.on = true;
        t.redirect = redir;
        t.bcast = bcast;
        t.optin = optin;
        t.optout = optout;
        t.noloop = noloop;
        if bcast {
            if prefixes.is_empty() {
                prefixes.push(Vec::new());
            }
            for p in prefixes {
                if !t.prefixes.contains(&p) {
                    t.prefixes.push(p);
                }
            }
            t.prefixes.sort();
        }
    } else if eq_ic(mode, "off") {
        if ctx.client.tracking.on {
            ctx.srv.stats.tracking_clients.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
        ctx.client.tracking = Default::default();
    } else {
        ctx.syntax_error();
        return;
    }
    ctx.ok();
}

fn caching(ctx: &mut Ctx) {
    if !ctx.client.tracking.on {
        ctx.error(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT \
             mode enabled",
        );
        return;
    }
    let opt = &ctx.argv[2];
    if eq_ic(opt, "yes") {
        if ctx.client.tracking.optin {
            ctx.client.tracking.caching = true;
        } else {
            ctx.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
            return;
        }
    } else if eq_ic(opt, "no") {
        if ctx.client.tracking.optout {
            ctx.client.tracking.caching = true;
        } else {
            ctx.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
            return;
        }
    } else {
        ctx.syntax_error();
        return;
    }
    ctx.ok();
}

fn tracking_info(ctx: &mut Ctx) {
    let t = &ctx.client.tracking;
    let mut flags = vec![Frame::bulk(if t.on { "on" } else { "off" })];
    if t.bcast {
        flags.push(Frame::bulk("bcast"));
    }
    if t.optin {
        flags.push(Frame::bulk("optin"));
        if t.caching {
            flags.push(Frame::bulk("caching-yes"));
        }
    }
    if t.optout {
        flags.push(Frame::bulk("optout"));
        if t.caching {
            flags.push(Frame::bulk("caching-no"));
        }
    }
    if t.noloop {
        flags.push(Frame::bulk("noloop"));
    }
    let reply = Frame::map([
        ("flags", Frame::Set(flags)),
        ("redirect", Frame::Integer(if t.on { t.redirect } else { -1 })),
        ("prefixes", Frame::Array(t.prefixes.iter().map(Frame::bulk).collect())),
    ]);
    ctx.reply(reply);
}

#[cfg(test)]
mod tests {
    use super::overlap;

    #[test]
    fn prefix_overlap() {
        assert!(overlap(b"a", b"ab"));
        assert!(overlap(b"ab", b"a"));
        assert!(overlap(b"", b"x"));
        assert!(!overlap(b"a", b"b"));
    }
}
