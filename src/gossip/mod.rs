//! The `__sentinel__:hello` gossip message.
