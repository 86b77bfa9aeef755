//! PUBLISH channel message. In sentinel mode only `__sentinel__:hello` is accepted and it is
//! processed as a hello from a peer (`sentinelPublishCommand`); nothing reaches local
//! subscribers.

use super::spec::Waiting;
use super::{Ctx, ParseArgs};
use crate::server::argv::{ArgError, Args};

/// `PUBLISH channel message`.
pub struct Publish<'a> {
    channel: &'a [u8],
    message: &'a [u8],
}

impl<'a> ParseArgs<'a> for Publish<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        Ok(Publish { channel: args.bytes()?, message: args.bytes()? })
    }
}

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(p) = ctx.parse::<Publish>() else { return };
        crate::server::sentinel::publish(ctx, p.channel, p.message).await;
    })
}
