//! Outgoing links to monitored instances .

pub mod link;

pub use link::{LinkEvent, LinkEvents, LinkRegistry};
