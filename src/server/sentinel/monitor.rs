//! SENTINEL MONITOR `<name> <ip> <port> <quorum>`.

use std::net::ToSocketAddrs;

use super::{err, flush_and_reply};
use crate::core::commands::MonitorError;
use crate::core::wire::numbers::parse_i64;
use crate::daemon::Handle;
use crate::server::Frame;

/// Validate in Redis's order (quorum and port must be integers, then the core's checks), create
/// the master, flush and reply, and only then emit `+monitor`, as Redis does.
///
/// Deviation (§12): names that would break hellos or the config file (empty, or containing a
/// space, a comma or a control character) are refused with an `ERR`; Redis accepts them.
pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let number = |a: &[u8]| std::str::from_utf8(a).ok().and_then(parse_i64);
    let Some(quorum) = number(&args[5]) else { return Frame::error("ERR Invalid quorum") };
    let Some(port) = number(&args[4]) else { return Frame::error("ERR Invalid port") };
    let Ok(name) = std::str::from_utf8(&args[2]) else { return err(MonitorError::InvalidName) };
    let Ok(host) = std::str::from_utf8(&args[3]) else { return err(MonitorError::InvalidAddress) };
    let created = h.with_core(|c, now| c.monitor(name, host, port, quorum, &resolves, now));
    match created {
        Ok(id) => {
            let reply = flush_and_reply(h);
            h.with_core(|c, _| c.announce_monitor(id));
            reply
        }
        Err(e) => err(e),
    }
}

/// Whether a hostname resolves (only asked with resolve-hostnames on, as Redis's `anetResolve`
/// without ANET_IP_ONLY). This blocks on DNS like Redis does.
fn resolves(host: &str) -> bool {
    (host, 0u16).to_socket_addrs().map(|mut a| a.next().is_some()).unwrap_or(false)
}
