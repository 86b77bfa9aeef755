//! SENTINEL MONITOR `<name> <ip> <port> <quorum>`.

use super::{err, ok_if_saved, run_in_core};
use crate::core::commands::MonitorError;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::wire::numbers::parse_i64;
use crate::handle::Handle;
use crate::server::Frame;

/// Validate in Redis's order (quorum and port must be integers, then the core's checks), create
/// the master, flush and reply, and only then emit `+monitor`, as Redis does.
///
/// Deviation (§12): names that would break hellos or the config file (empty, or containing a
/// space, a comma or a control character) are refused with an `ERR`; Redis accepts them.
pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let number = |a: &[u8]| std::str::from_utf8(a).ok().and_then(parse_i64);
    let Some(quorum) = number(&args[5]) else { return Frame::error("ERR Invalid quorum") };
    let Some(port) = number(&args[4]) else { return Frame::error("ERR Invalid port") };
    let Ok(name) = std::str::from_utf8(&args[2]) else { return err(MonitorError::InvalidName) };
    let Ok(host) = std::str::from_utf8(&args[3]) else { return err(MonitorError::InvalidAddress) };
    // Whether a hostname resolves (only asked with resolve-hostnames on, as Redis's
    // `anetResolve` without ANET_IP_ONLY), looked up here without blocking anything.
    let ask_dns = !crate::core::is_ip_literal(host) && h.read_core(|c, _| c.settings.resolve_hostnames);
    let host_ip = if ask_dns { crate::handle::resolve(host).await } else { None };
    let cmd =
        ClientCommand::Monitor { name: name.to_string(), host: host.to_string(), port, quorum, host_ip };
    match run_in_core(h, cmd).await {
        Ok(r) => match &r.outcome {
            CommandOutcome::Monitor(Ok(())) => ok_if_saved(&r),
            CommandOutcome::Monitor(Err(e)) => err(e),
            _ => super::unexpected(r.outcome),
        },
        Err(frame) => frame,
    }
}
