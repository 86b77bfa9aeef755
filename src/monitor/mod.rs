//! Outgoing links to monitored instances and INFO parsing.

pub mod link;

pub use link::{LinkEvent, LinkRegistry};
