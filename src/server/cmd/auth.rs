//! AUTH [username] password (`acl.c: authCommand`).

use std::time::Instant;

use super::{unix_ms, Ctx, ParseArgs};
use crate::server::acl::LogReason;
use crate::server::argv::{ArgError, Args};

/// `AUTH [username] password`.
pub struct Auth<'a> {
    /// None: the one-argument form, which authenticates the default user.
    user: Option<&'a [u8]>,
    pass: &'a [u8],
}

impl<'a> ParseArgs<'a> for Auth<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        match args.remaining() {
            1 => Ok(Auth { user: None, pass: args.bytes()? }),
            2 => Ok(Auth { user: Some(args.bytes()?), pass: args.bytes()? }),
            _ => Err(ArgError::Syntax),
        }
    }
}

pub fn run(ctx: &mut Ctx) {
    let Some(Auth { user, pass }) = ctx.parse() else { return };
    let user = match user {
        Some(u) => u,
        None => {
            // The one-argument form keeps Redis 5's error when no password is configured.
            if ctx.srv.acl().default_user().is_some_and(|u| u.nopass()) {
                ctx.error(
                    "ERR AUTH <password> called without any password configured for the default user. Are \
                     you sure your configuration is correct?",
                );
                return;
            }
            b"default"
        }
    };
    if authenticate(ctx, user, pass) {
        ctx.ok();
    } else {
        ctx.error("WRONGPASS invalid username-password pair or user is disabled.");
    }
}

/// Check credentials and switch the client to `user` (`ACLAuthenticateUser`). A failure is
/// logged in the ACL LOG and leaves the client as it was.
pub fn authenticate(ctx: &mut Ctx, user: &[u8], pass: &[u8]) -> bool {
    let ok = ctx.srv.acl().user(user).is_some_and(|u| u.check_password(pass));
    if ok {
        ctx.client.user = user.to_vec();
        ctx.client.authenticated = true;
        return true;
    }
    ctx.publish_view();
    let info = ctx.client.entry.info_line(Instant::now(), &ctx.srv.table);
    ctx.srv.acl_log().add(LogReason::Auth, ctx.argv.name(), user, info, unix_ms());
    false
}
