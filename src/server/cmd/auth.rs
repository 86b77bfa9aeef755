//! AUTH [username] password (`acl.c: authCommand`).

use std::time::Instant;

use super::{publish_view, unix_ms, Ctx};
use crate::server::acl::LogReason;

pub fn run(ctx: &mut Ctx) {
    if ctx.argv.len() > 3 {
        ctx.syntax_error();
        return;
    }
    let (user, pass) = if ctx.argv.len() == 2 {
        // The one-argument form keeps Redis 5's error when no password is configured.
        let default_nopass = ctx.srv.acl().default_user().is_some_and(|u| u.nopass());
        if default_nopass {
            ctx.error(
                "ERR AUTH <password> called without any password configured for the default user. Are you \
                 sure your configuration is correct?",
            );
            return;
        }
        (b"default".to_vec(), ctx.argv[1].clone())
    } else {
        (ctx.argv[1].clone(), ctx.argv[2].clone())
    };
    if authenticate(ctx, &user, &pass) {
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
    publish_view(ctx.client, ctx.buffers);
    let info = ctx.client.entry.info_line(Instant::now());
    let object = ctx.argv[0].clone();
    ctx.srv.acl().log.add(LogReason::Auth, &object, user, info, unix_ms());
    false
}
