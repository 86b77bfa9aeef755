//! Outgoing links to monitored instances and INFO parsing.

pub mod info;
pub mod link;

pub use link::{LinkEvent, LinkEvents, LinkRegistry};
