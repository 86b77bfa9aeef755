//! PING [message] (`server.c: pingCommand`).

use super::{Ctx, ParseArgs};
use crate::server::argv::{ArgError, Args};

/// `PING [message]`.
pub struct Ping<'a> {
    message: Option<&'a [u8]>,
}

impl<'a> ParseArgs<'a> for Ping<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let message = args.bytes_opt();
        args.finish_or(ArgError::Text("ERR wrong number of arguments for 'ping' command"))?;
        Ok(Ping { message })
    }
}

pub fn run(ctx: &mut Ctx) {
    let Some(Ping { message }) = ctx.parse() else { return };
    // A RESP2 subscriber can only read arrays, so PING answers with a pub/sub-shaped reply.
    let pubsub_shaped = ctx.client.is_pubsub() && ctx.client.resp == 2;
    let mut w = ctx.w();
    if pubsub_shaped {
        w.array(2);
        w.bulk("pong");
        w.bulk(message.unwrap_or_default());
    } else {
        match message {
            None => w.simple("PONG"),
            Some(m) => w.bulk(m),
        }
    }
}
