//! CLIENT <subcommand> (`networking.c: clientCommand`).

use std::time::{Duration, Instant};

use super::{help_reply, Ctx, ParseArgs};
use crate::server::argv::{ArgError, Args};
use crate::server::client::{ClientEntry, ClientType, ReplyMode, Tracking};
use crate::server::pause::PauseKind;
use crate::server::util::{c_lossy, eq_ic, string2ll};

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

/// `CLIENT HELP`.
pub fn help(ctx: &mut Ctx) {
    help_reply(ctx, HELP);
}

/// `CLIENT ID`.
pub fn id(ctx: &mut Ctx) {
    let id = ctx.client.id() as i64;
    ctx.w().int(id);
}

/// `CLIENT INFO`: this connection's CLIENT LIST line.
pub fn info(ctx: &mut Ctx) {
    let line = ctx.own_info_line() + "\n";
    ctx.w().verbatim(&line);
}

/// `CLIENT SETNAME name`.
pub fn setname(ctx: &mut Ctx) {
    let Ok(name) = ctx.args().bytes() else { return ctx.syntax_error() };
    if set_name(ctx, name) {
        ctx.ok();
    }
}

/// `CLIENT GETNAME`.
pub fn getname(ctx: &mut Ctx) {
    match ctx.client.name.clone() {
        Some(n) => ctx.w().bulk(n),
        None => ctx.w().null_bulk(),
    }
}

/// `CLIENT UNPAUSE`.
pub fn unpause(ctx: &mut Ctx) {
    ctx.srv.pause.unpause();
    ctx.ok();
}

/// `CLIENT GETREDIR`.
pub fn getredir(ctx: &mut Ctx) {
    let r = if ctx.client.tracking.on { ctx.client.tracking.redirect } else { -1 };
    ctx.w().int(r);
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

/// Which clients `CLIENT LIST` shows.
pub enum ClientList {
    All,
    Type(ClientType),
    Ids(Vec<i64>),
}

impl<'a> ParseArgs<'a> for ClientList {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let n = args.remaining();
        if n == 2 && args.eat("type") {
            let t = args.bytes()?;
            return ClientType::from_name(t)
                .map(ClientList::Type)
                .ok_or_else(|| ArgError::Owned(format!("ERR Unknown client type '{}'", c_lossy(t))));
        }
        if n > 1 && args.eat("id") {
            let ids = (0..n - 1).map(|_| args.int_or(ArgError::Text("ERR Invalid client ID")));
            return ids.collect::<Result<_, _>>().map(ClientList::Ids);
        }
        args.finish_or(ArgError::Syntax)?;
        Ok(ClientList::All)
    }
}

/// `CLIENT LIST [TYPE type | ID id ...]`.
pub fn list(ctx: &mut Ctx) {
    let Some(which) = ctx.parse::<ClientList>() else { return };
    ctx.publish_view();
    let now = Instant::now();
    let table = &ctx.srv.table;
    let mut out = String::new();
    let mut add = |c: &ClientEntry| {
        out.push_str(&c.info_line(now, table));
        out.push('\n');
    };
    match which {
        ClientList::All => ctx.srv.clients.all().iter().for_each(|c| add(c)),
        ClientList::Type(t) => {
            ctx.srv.clients.all().iter().filter(|c| c.client_type() == t).for_each(|c| add(c))
        }
        ClientList::Ids(ids) => {
            for id in ids {
                if let Some(c) = u64::try_from(id).ok().and_then(|id| ctx.srv.clients.get(id)) {
                    add(&c);
                }
            }
        }
    }
    ctx.w().verbatim(&out);
}

/// One filter of `CLIENT KILL`'s option form.
enum KillFilter<'a> {
    Id(u64),
    Type(ClientType),
    Addr(&'a [u8]),
    Laddr(&'a [u8]),
    User(&'a [u8]),
    SkipMe(bool),
}

/// `CLIENT KILL addr` (old form) or `CLIENT KILL <option> <value> ...`. Redis checks the
/// options in order and stops at the first bad one, so the filters before it are kept with the
/// error: a USER option naming no user fails before a later syntax error.
pub struct Kill<'a> {
    old_form: Option<&'a [u8]>,
    filters: Vec<KillFilter<'a>>,
    bad_option: Option<ArgError>,
}

impl<'a> ParseArgs<'a> for Kill<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        if args.remaining() == 1 {
            return Ok(Kill { old_form: Some(args.bytes()?), filters: Vec::new(), bad_option: None });
        }
        let mut filters = Vec::new();
        let bad_option = loop {
            let Some(opt) = args.bytes_opt() else { break None };
            let Some(value) = args.bytes_opt() else { break Some(ArgError::Syntax) };
            let is = |w: &str| opt.eq_ignore_ascii_case(w.as_bytes());
            filters.push(if is("id") {
                match string2ll(value) {
                    Some(v) if v >= 1 => KillFilter::Id(v as u64),
                    _ => break Some(ArgError::Text("ERR client-id should be greater than 0")),
                }
            } else if is("type") {
                match ClientType::from_name(value) {
                    Some(t) => KillFilter::Type(t),
                    None => {
                        break Some(ArgError::Owned(format!("ERR Unknown client type '{}'", c_lossy(value))))
                    }
                }
            } else if is("addr") {
                KillFilter::Addr(value)
            } else if is("laddr") {
                KillFilter::Laddr(value)
            } else if is("user") {
                KillFilter::User(value)
            } else if is("skipme") {
                if eq_ic(value, "yes") {
                    KillFilter::SkipMe(true)
                } else if eq_ic(value, "no") {
                    KillFilter::SkipMe(false)
                } else {
                    break Some(ArgError::Syntax);
                }
            } else {
                break Some(ArgError::Syntax);
            });
        };
        Ok(Kill { old_form: None, filters, bad_option })
    }
}

/// `CLIENT KILL`.
pub fn kill(ctx: &mut Ctx) {
    let Some(k) = ctx.parse::<Kill>() else { return };
    let mut addr = k.old_form;
    let (mut laddr, mut user, mut ctype, mut id) = (None, None, None, 0);
    // The old form may kill the calling client itself.
    let mut skipme = k.old_form.is_none();
    for f in k.filters {
        match f {
            KillFilter::Id(v) => id = v,
            KillFilter::Type(t) => ctype = Some(t),
            KillFilter::Addr(a) => addr = Some(a),
            KillFilter::Laddr(a) => laddr = Some(a),
            KillFilter::User(name) => {
                if ctx.srv.acl().user(name).is_none() {
                    ctx.error(&format!("ERR No such user '{}'", c_lossy(name)));
                    return;
                }
                user = Some(name);
            }
            KillFilter::SkipMe(v) => skipme = v,
        }
    }
    if let Some(e) = k.bad_option {
        return ctx.reject(e);
    }
    ctx.publish_view();
    let me = ctx.client.id();
    let mut killed = 0;
    for c in ctx.srv.clients.all() {
        if addr.is_some_and(|a| a != c.addr.as_bytes())
            || laddr.is_some_and(|a| a != c.laddr.as_bytes())
            || ctype.is_some_and(|t| t != c.client_type())
            || (id != 0 && c.id != id)
            || user.is_some_and(|u| c.view().user != u)
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
    match (k.old_form, killed) {
        (Some(_), 0) => ctx.error("ERR No such client"),
        (Some(_), _) => ctx.ok(),
        (None, n) => ctx.w().int(n),
    }
}

/// `CLIENT REPLY ON|OFF|SKIP`.
pub fn reply(ctx: &mut Ctx) {
    match ctx.args().one_of(&["on", "off", "skip"]) {
        Ok(0) => {
            ctx.client.reply_mode = ReplyMode::On;
            ctx.ok();
        }
        Ok(1) => ctx.client.reply_mode = ReplyMode::Off,
        Ok(_) => {
            if ctx.client.reply_mode != ReplyMode::Off {
                ctx.client.reply_mode = ReplyMode::SkipNext;
            }
        }
        Err(e) => ctx.reject(e),
    }
}

/// `CLIENT NO-EVICT ON|OFF`.
pub fn no_evict(ctx: &mut Ctx) {
    match ctx.args().one_of(&["on", "off"]) {
        Ok(i) => {
            ctx.client.no_evict = i == 0;
            ctx.ok();
        }
        Err(e) => ctx.reject(e),
    }
}

/// `CLIENT PAUSE timeout [WRITE|ALL]`.
pub struct PauseRequest {
    ms: i64,
    kind: PauseKind,
}

impl<'a> ParseArgs<'a> for PauseRequest {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        if !(1..=2).contains(&args.remaining()) {
            return Err(ArgError::SubcommandSyntax);
        }
        let timeout = args.bytes()?;
        let kind = match args.bytes_opt() {
            None => PauseKind::All,
            Some(m) if eq_ic(m, "write") => PauseKind::Write,
            Some(m) if eq_ic(m, "all") => PauseKind::All,
            Some(_) => return Err(ArgError::Text("ERR CLIENT PAUSE mode must be WRITE or ALL")),
        };
        let ms = string2ll(timeout).ok_or(ArgError::Text("ERR timeout is not an integer or out of range"))?;
        if ms < 0 {
            return Err(ArgError::Text("ERR timeout is negative"));
        }
        Ok(PauseRequest { ms, kind })
    }
}

pub fn pause(ctx: &mut Ctx) {
    let Some(p) = ctx.parse::<PauseRequest>() else { return };
    let Some(end) = Instant::now().checked_add(Duration::from_millis(p.ms as u64)) else {
        return ctx.error("ERR timeout is out of range");
    };
    ctx.srv.pause.pause(end, p.kind);
    ctx.ok();
}

/// `CLIENT UNBLOCK client-id [TIMEOUT|ERROR]`.
pub struct Unblock {
    _id: i64,
}

impl<'a> ParseArgs<'a> for Unblock {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        if !(1..=2).contains(&args.remaining()) {
            return Err(ArgError::SubcommandSyntax);
        }
        let id = args.bytes()?;
        if let Some(reason) = args.bytes_opt() {
            if !eq_ic(reason, "timeout") && !eq_ic(reason, "error") {
                return Err(ArgError::Text("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"));
            }
        }
        Ok(Unblock { _id: string2ll(id).ok_or(ArgError::NotAnInteger)? })
    }
}

pub fn unblock(ctx: &mut Ctx) {
    if ctx.parse::<Unblock>().is_some() {
        // No sentinel command blocks a client; clients held by CLIENT PAUSE are not unblocked
        // either (they resume when the pause ends).
        ctx.w().int(0);
    }
}

/// Whether two prefixes overlap (`stringCheckPrefix`).
fn overlap(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// `CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP]`.
/// The options are checked in order, so the redirect (whose target must exist) is kept with
/// the error that stopped parsing after it.
pub struct TrackingRequest<'a> {
    on: bool,
    redirect: Option<i64>,
    bcast: bool,
    optin: bool,
    optout: bool,
    noloop: bool,
    prefixes: Vec<&'a [u8]>,
    bad_option: Option<ArgError>,
}

impl<'a> ParseArgs<'a> for TrackingRequest<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let mode = args.bytes()?;
        let mut t = TrackingRequest {
            on: false,
            redirect: None,
            bcast: false,
            optin: false,
            optout: false,
            noloop: false,
            prefixes: Vec::new(),
            bad_option: None,
        };
        t.bad_option = loop {
            let Some(opt) = args.bytes_opt() else { break None };
            let more = args.remaining() > 0;
            if eq_ic(opt, "redirect") && more {
                if t.redirect.is_some() {
                    break Some(ArgError::Text("ERR A client can only redirect to a single other client"));
                }
                match args.int() {
                    Ok(r) => t.redirect = Some(r),
                    Err(e) => break Some(e),
                }
            } else if eq_ic(opt, "bcast") {
                t.bcast = true;
            } else if eq_ic(opt, "optin") {
                t.optin = true;
            } else if eq_ic(opt, "optout") {
                t.optout = true;
            } else if eq_ic(opt, "noloop") {
                t.noloop = true;
            } else if eq_ic(opt, "prefix") && more {
                t.prefixes.push(args.bytes()?);
            } else {
                break Some(ArgError::Syntax);
            }
        };
        if t.bad_option.is_none() {
            if eq_ic(mode, "on") {
                t.on = true;
            } else if !eq_ic(mode, "off") {
                t.bad_option = Some(ArgError::Syntax);
            }
        }
        Ok(t)
    }
}

pub fn tracking(ctx: &mut Ctx) {
    let Some(req) = ctx.parse::<TrackingRequest>() else { return };
    // Redis requires the redirect target to exist right away.
    if let Some(r) = req.redirect {
        if u64::try_from(r).ok().and_then(|id| ctx.srv.clients.get(id)).is_none() {
            return ctx.error("ERR The client ID you want redirect to does not exist");
        }
    }
    if let Some(e) = req.bad_option {
        return ctx.reject(e);
    }
    if !req.on {
        if ctx.client.tracking.on {
            ctx.srv.stats.tracking_clients.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
        }
        ctx.client.tracking = Default::default();
        return ctx.ok();
    }
    if let Err(msg) = check_tracking_on(&ctx.client.tracking, &req) {
        return ctx.error(&msg);
    }
    if !ctx.client.tracking.on {
        ctx.srv.stats.tracking_clients.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let t = &mut ctx.client.tracking;
    t.on = true;
    t.redirect = req.redirect.unwrap_or(0);
    t.bcast = req.bcast;
    t.optin = req.optin;
    t.optout = req.optout;
    t.noloop = req.noloop;
    if req.bcast {
        let mut prefixes = req.prefixes;
        if prefixes.is_empty() {
            prefixes.push(b"");
        }
        for p in prefixes {
            if !t.prefixes.iter().any(|e| e == p) {
                t.prefixes.push(p.to_vec());
            }
        }
        t.prefixes.sort();
    }
    ctx.ok();
}

/// The checks of `CLIENT TRACKING ON` against the client's current tracking state, in Redis's
/// order.
fn check_tracking_on(cur: &Tracking, req: &TrackingRequest) -> Result<(), String> {
    if !req.bcast && !req.prefixes.is_empty() {
        return Err("ERR PREFIX option requires BCAST mode to be enabled".into());
    }
    if cur.on && cur.bcast != req.bcast {
        return Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and \
                    then re-enabling it with a different mode."
            .into());
    }
    if req.bcast && (req.optin || req.optout) {
        return Err("ERR OPTIN and OPTOUT are not compatible with BCAST".into());
    }
    if req.optin && req.optout {
        return Err("ERR You can't specify both OPTIN mode and OPTOUT mode".into());
    }
    if (req.optin && cur.optout) || (req.optout && cur.optin) {
        return Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and \
                    then re-enabling it with a different mode."
            .into());
    }
    if req.bcast {
        for (i, p) in req.prefixes.iter().enumerate() {
            if let Some(existing) = cur.prefixes.iter().find(|e| overlap(e, p)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client \
                     must not overlap.",
                    c_lossy(p),
                    c_lossy(existing)
                ));
            }
            if let Some(other) = req.prefixes[i + 1..].iter().find(|o| overlap(p, o)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single \
                     client must not overlap.",
                    c_lossy(p),
                    c_lossy(other)
                ));
            }
        }
    }
    Ok(())
}

/// `CLIENT CACHING YES|NO`.
pub fn caching(ctx: &mut Ctx) {
    if !ctx.client.tracking.on {
        return ctx.error(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT \
             mode enabled",
        );
    }
    let t = &ctx.client.tracking;
    let result = match ctx.args().one_of(&["yes", "no"]) {
        Ok(0) if t.optin => Ok(()),
        Ok(0) => Err(ArgError::Text(
            "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
        )),
        Ok(_) if t.optout => Ok(()),
        Ok(_) => Err(ArgError::Text(
            "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.",
        )),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            ctx.client.tracking.caching = true;
            ctx.ok();
        }
        Err(e) => ctx.reject(e),
    }
}

/// `CLIENT TRACKINGINFO`.
pub fn trackinginfo(ctx: &mut Ctx) {
    let t = &ctx.client.tracking;
    let mut flags = vec![if t.on { "on" } else { "off" }];
    if t.bcast {
        flags.push("bcast");
    }
    if t.optin {
        flags.push("optin");
        if t.caching {
            flags.push("caching-yes");
        }
    }
    if t.optout {
        flags.push("optout");
        if t.caching {
            flags.push("caching-no");
        }
    }
    if t.noloop {
        flags.push("noloop");
    }
    let redirect = if t.on { t.redirect } else { -1 };
    let prefixes = t.prefixes.clone();
    let mut w = ctx.w();
    w.map(3);
    w.bulk("flags");
    w.set(flags.len());
    flags.iter().for_each(|f| w.bulk(f));
    w.bulk("redirect");
    w.int(redirect);
    w.bulk("prefixes");
    w.array(prefixes.len());
    prefixes.iter().for_each(|p| w.bulk(p));
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
