//! The RESP server clients and peer sentinels talk to.

pub mod frame;
pub mod pubsub;
pub mod sentinel;

pub use frame::Frame;
