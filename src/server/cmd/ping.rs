//! PING [message] (`server.c: pingCommand`).

use super::Ctx;
use crate::server::Frame;

pub fn run(ctx: &mut Ctx) {
    if ctx.argv.len() > 2 {
        ctx.error("ERR wrong number of arguments for 'ping' command");
        return;
    }
    let msg = ctx.argv.get(1);
    // A RESP2 subscriber can only read arrays, so PING answers with a pub/sub-shaped reply.
    if ctx.client.is_pubsub() && ctx.client.resp == 2 {
        let payload = msg.map_or_else(|| Frame::bulk(""), Frame::bulk);
        ctx.reply(Frame::Array(vec![Frame::bulk("pong"), payload]));
    } else {
        match msg {
            None => ctx.reply(Frame::Simple("PONG".into())),
            Some(m) => ctx.reply(Frame::bulk(m)),
        }
    }
}
