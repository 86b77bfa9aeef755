//! The `__sentinel__:hello` gossip message.

pub mod hello;
