//! SUBSCRIBE / UNSUBSCRIBE / PSUBSCRIBE / PUNSUBSCRIBE on the sentinel's local pub/sub
//! (`pubsub.c`). Every channel or pattern gets its own confirmation, carrying the client's
//! total subscription count; in RESP3 confirmations are pushes.

use super::Ctx;
use crate::server::client::ClientState;

/// Channels or patterns: which list of the client and which broker calls.
#[derive(Clone, Copy)]
enum Kind {
    Channels,
    Patterns,
}

impl Kind {
    fn list(self, c: &mut ClientState) -> &mut Vec<Vec<u8>> {
        match self {
            Kind::Channels => &mut c.channels,
            Kind::Patterns => &mut c.patterns,
        }
    }
}

/// `SUBSCRIBE channel [channel ...]`.
pub fn subscribe(ctx: &mut Ctx) {
    add(ctx, Kind::Channels, "subscribe");
}

/// `PSUBSCRIBE pattern [pattern ...]`.
pub fn psubscribe(ctx: &mut Ctx) {
    add(ctx, Kind::Patterns, "psubscribe");
}

/// `UNSUBSCRIBE [channel ...]`: without arguments, from every channel.
pub fn unsubscribe(ctx: &mut Ctx) {
    remove(ctx, Kind::Channels, "unsubscribe");
}

/// `PUNSUBSCRIBE [pattern ...]`: without arguments, from every pattern.
pub fn punsubscribe(ctx: &mut Ctx) {
    remove(ctx, Kind::Patterns, "punsubscribe");
}

fn add(ctx: &mut Ctx, kind: Kind, verb: &str) {
    for name in ctx.args().rest() {
        if !kind.list(ctx.client).iter().any(|n| n == name) {
            kind.list(ctx.client).push(name.to_vec());
            let (id, tx) = (ctx.client.id(), ctx.client.push_tx.clone());
            match kind {
                Kind::Channels => ctx.srv.broker.subscribe(id, name, tx),
                Kind::Patterns => ctx.srv.broker.psubscribe(id, name, tx),
            }
        }
        confirm(ctx, verb, Some(name));
    }
}

fn remove(ctx: &mut Ctx, kind: Kind, verb: &str) {
    let targets: Vec<Vec<u8>> = if ctx.argv.len() == 1 {
        kind.list(ctx.client).clone()
    } else {
        ctx.args().rest().map(<[u8]>::to_vec).collect()
    };
    if targets.is_empty() {
        confirm(ctx, verb, None);
    }
    for name in &targets {
        kind.list(ctx.client).retain(|n| n != name);
        let id = ctx.client.id();
        match kind {
            Kind::Channels => ctx.srv.broker.unsubscribe(id, name),
            Kind::Patterns => ctx.srv.broker.punsubscribe(id, name),
        }
        confirm(ctx, verb, Some(name));
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
