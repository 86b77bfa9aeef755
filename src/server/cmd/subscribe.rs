//! SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE on the sentinel's local pub/sub
//! (`pubsub.c`). Every channel or pattern gets its own confirmation, carrying the client's
//! total subscription count; in RESP3 confirmations are pushes.

use super::Ctx;
use crate::server::Frame;

pub fn run(ctx: &mut Ctx) {
    match ctx.cmd.name {
        "subscribe" => {
            for ch in &ctx.argv[1..] {
                if !ctx.client.channels.contains(ch) {
                    ctx.client.channels.push(ch.clone());
                    ctx.srv.broker.subscribe(ctx.client.id(), ch, ctx.client.push_tx.clone());
                }
                confirm(ctx, "subscribe", Some(ch));
            }
        }
        "psubscribe" => {
            for pat in &ctx.argv[1..] {
                if !ctx.client.patterns.contains(pat) {
                    ctx.client.patterns.push(pat.clone());
                    ctx.srv.broker.psubscribe(ctx.client.id(), pat, ctx.client.push_tx.clone());
                }
                confirm(ctx, "psubscribe", Some(pat));
            }
        }
        "unsubscribe" => {
            let targets: Vec<Vec<u8>> =
                if ctx.argv.len() == 1 { ctx.client.channels.clone() } else { ctx.argv[1..].to_vec() };
            if targets.is_empty() {
                confirm(ctx, "unsubscribe", None);
            }
            for ch in &targets {
                ctx.client.channels.retain(|c| c != ch);
                ctx.srv.broker.unsubscribe(ctx.client.id(), ch);
                confirm(ctx, "unsubscribe", Some(ch));
            }
        }
        "punsubscribe" => {
            let targets: Vec<Vec<u8>> =
                if ctx.argv.len() == 1 { ctx.client.patterns.clone() } else { ctx.argv[1..].to_vec() };
            if targets.is_empty() {
                confirm(ctx, "punsubscribe", None);
            }
            for pat in &targets {
                ctx.client.patterns.retain(|p| p != pat);
                ctx.srv.broker.punsubscribe(ctx.client.id(), pat);
                confirm(ctx, "punsubscribe", Some(pat));
            }
        }
        _ => {}
    }
}

/// `addReplyPubsubSubscribed` / `addReplyPubsubUnsubscribed`.
fn confirm(ctx: &mut Ctx, kind: &str, name: Option<&Vec<u8>>) {
    let count = ctx.client.subscription_count() as i64;
    let name = name.map_or(Frame::NullBulk, Frame::bulk);
    ctx.reply(Frame::Push(vec![Frame::bulk(kind), name, Frame::Integer(count)]));
}
