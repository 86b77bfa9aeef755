//! HELLO [protover [AUTH username password] [SETNAME clientname]] (`networking.c:
//! helloCommand`). In sentinel mode the reply map has no `role` field.

use super::auth::authenticate;
use super::client::set_name;
use super::Ctx;
use crate::server::util::{c_lossy, eq_ic, string2ll};
use crate::server::Frame;

pub fn run(ctx: &mut Ctx) {
    let mut ver = None;
    let mut next = 1;
    if ctx.argv.len() >= 2 {
        let Some(v) = string2ll(&ctx.argv[1]) else {
            ctx.error("ERR Protocol version is not an integer or out of range");
            return;
        };
        if !(2..=3).contains(&v) {
            ctx.error("NOPROTO unsupported protocol version");
            return;
        }
        ver = Some(v as u8);
        next = 2;
    }
    // Redis 7.0 applies AUTH and SETNAME as it parses them, so an option that fails later
    // leaves the earlier ones in effect (and SETNAME works before authentication).
    let mut j = next;
    while j < ctx.argv.len() {
        let more = ctx.argv.len() - 1 - j;
        let opt = ctx.argv[j].clone();
        if eq_ic(&opt, "AUTH") && more >= 2 {
            let (user, pass) = (ctx.argv[j + 1].clone(), ctx.argv[j + 2].clone());
            if !authenticate(ctx, &user, &pass) {
                ctx.error("WRONGPASS invalid username-password pair or user is disabled.");
                return;
            }
            j += 2;
        } else if eq_ic(&opt, "SETNAME") && more >= 1 {
            let name = ctx.argv[j + 1].clone();
            if !set_name(ctx, &name) {
                return;
            }
            j += 1;
        } else {
            let msg = format!("ERR Syntax error in HELLO option '{}'", c_lossy(&opt));
            ctx.error(msg);
            return;
        }
        j += 1;
    }
    // Redis checks the client's own flag here, not authRequired(): a client that connected
    // while a password was needed must authenticate even if the password was removed since.
    if !ctx.client.authenticated {
        ctx.error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH \
             <user> <pass> option can be used to authenticate the client and select the RESP protocol \
             version at the same time",
        );
        return;
    }
    if let Some(v) = ver {
        ctx.client.resp = v;
    }
    let reply = Frame::map([
        ("server", Frame::bulk("redis")),
        ("version", Frame::bulk(crate::REDIS_COMPAT_VERSION)),
        ("proto", Frame::Integer(i64::from(ctx.client.resp))),
        ("id", Frame::Integer(ctx.client.id() as i64)),
        ("mode", Frame::bulk("sentinel")),
        ("modules", Frame::Array(Vec::new())),
    ]);
    ctx.reply(reply);
}
