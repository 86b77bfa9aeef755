//! SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE on the sentinel's local pub/sub
//! (`pubsub.c`). Every channel or pattern gets its own confirmation, carrying the client's
//! total subscription count; in RESP3 confirmations are pushes.

use super::Ctx;

/// `SUBSCRIBE channel [channel ...]`.
pub fn subscribe(ctx: &mut Ctx) {
    for ch in ctx.args().rest() {
        if !ctx.client.channels.iter().any(|c| c == ch) {
            ctx.client.channels.push(ch.to_vec());
            ctx.srv.broker.subscribe(ctx.client.id(), ch, ctx.client.push_tx.clone());
        }
        confirm(ctx, "subscribe", Some(ch));
    }
}

/// `PSUBSCRIBE pattern [pattern ...]`.
pub fn psubscribe(ctx: &mut Ctx) {
    for pat in ctx.args().rest() {
        if !ctx.client.patterns.iter().any(|p| p == pat) {
            ctx.client.patterns.push(pat.to_vec());
            ctx.srv.broker.psubscribe(ctx.client.id(), pat, ctx.client.push_tx.clone());
        }
        confirm(ctx, "psubscribe", Some(pat));
    }
}

/// `UNSUBSCRIBE [channel ...]`: without arguments, from every channel.
pub fn unsubscribe(ctx: &mut Ctx) {
    let targets: Vec<Vec<u8>> = if ctx.argv.len() == 1 {
        ctx.client.channels.clone()
    } else {
        ctx.args().rest().map(<[u8]>::to_vec).collect()
    };
    if targets.is_empty() {
        confirm(ctx, "unsubscribe", None);
    }
    for ch in &targets {
        ctx.client.channels.retain(|c| c != ch);
        ctx.srv.broker.unsubscribe(ctx.client.id(), ch);
        confirm(ctx, "unsubscribe", Some(ch));
    }
}

/// `PUNSUBSCRIBE [pattern ...]`: without arguments, from every pattern.
pub fn punsubscribe(ctx: &mut Ctx) {
    let targets: Vec<Vec<u8>> = if ctx.argv.len() == 1 {
        ctx.client.patterns.clone()
    } else {
        ctx.args().rest().map(<[u8]>::to_vec).collect()
    };
    if targets.is_empty() {
        confirm(ctx, "punsubscribe", None);
    }
    for pat in &targets {
        ctx.client.patterns.retain(|p| p != pat);
        ctx.srv.broker.punsubscribe(ctx.client.id(), pat);
        confirm(ctx, "punsubscribe", Some(pat));
    }
}

/// `addReplyPubsubSubscribed` / `addReplyPubsubUnsubscribed`.
fn confirm(ctx: &mut Ctx, kind: &str, name: Option<&[u8]>) {
    let count = ctx.client.subscription_count() as i64;
    let mut w = ctx.w();
    w.push(3);
    w.bulk(kind);
    match name {
        Some(n) => w.bulk(n),
        None => w.null_bulk(),
    }
    w.int(count);
}
