//! HELLO [protover [AUTH username password] [SETNAME clientname]] (`networking.c:
//! helloCommand`). In sentinel mode the reply map has no `role` field.

use super::auth::authenticate;
use super::client::set_name;
use super::{Ctx, ParseArgs};
use crate::server::argv::{ArgError, Args};
use crate::server::util::c_lossy;

/// One option of HELLO.
enum HelloOption<'a> {
    Auth { user: &'a [u8], pass: &'a [u8] },
    SetName(&'a [u8]),
}

/// `HELLO [protover [options]]`. Redis 7.0 applies AUTH and SETNAME as it parses them, so an
/// option that fails later leaves the earlier ones in effect (and SETNAME works before
/// authentication): the options before a bad one are kept with the error that stopped parsing.
pub struct Hello<'a> {
    version: Option<u8>,
    options: Vec<HelloOption<'a>>,
    bad_option: Option<ArgError>,
}

impl<'a> ParseArgs<'a> for Hello<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let version = match args.bytes_opt() {
            None => None,
            Some(v) => match crate::server::util::string2ll(v) {
                None => return Err(ArgError::Text("ERR Protocol version is not an integer or out of range")),
                Some(v) if !(2..=3).contains(&v) => {
                    return Err(ArgError::Text("NOPROTO unsupported protocol version"))
                }
                Some(v) => Some(v as u8),
            },
        };
        let mut options = Vec::new();
        let mut bad_option = None;
        while let Some(opt) = args.bytes_opt() {
            let more = args.remaining();
            if opt.eq_ignore_ascii_case(b"AUTH") && more >= 2 {
                options.push(HelloOption::Auth { user: args.bytes()?, pass: args.bytes()? });
            } else if opt.eq_ignore_ascii_case(b"SETNAME") && more >= 1 {
                options.push(HelloOption::SetName(args.bytes()?));
            } else {
                bad_option =
                    Some(ArgError::Owned(format!("ERR Syntax error in HELLO option '{}'", c_lossy(opt))));
                break;
            }
        }
        Ok(Hello { version, options, bad_option })
    }
}

pub fn run(ctx: &mut Ctx) {
    let Some(hello) = ctx.parse::<Hello>() else { return };
    for opt in hello.options {
        match opt {
            HelloOption::Auth { user, pass } => {
                if !authenticate(ctx, user, pass) {
                    ctx.error("WRONGPASS invalid username-password pair or user is disabled.");
                    return;
                }
            }
            HelloOption::SetName(name) => {
                if !set_name(ctx, name) {
                    return;
                }
            }
        }
    }
    if let Some(e) = hello.bad_option {
        ctx.reject(e);
        return;
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
    if let Some(v) = hello.version {
        ctx.client.resp = v;
    }
    let (proto, id) = (i64::from(ctx.client.resp), ctx.client.id() as i64);
    let mut w = ctx.w();
    w.map(6);
    w.bulk("server");
    w.bulk("redis");
    w.bulk("version");
    w.bulk(crate::REDIS_COMPAT_VERSION);
    w.bulk("proto");
    w.int(proto);
    w.bulk("id");
    w.int(id);
    w.bulk("mode");
    w.bulk("sentinel");
    w.bulk("modules");
    w.array(0);
}
