//! SENTINEL MONITOR `<name> <ip> <port> <quorum>`.

use super::{err, ok_if_saved, run_in_core, unexpected};
use crate::core::commands::MonitorError;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::wire::numbers::parse_i64;
use crate::server::argv::{ArgError, Args};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::{Ctx, ParseArgs};

/// `MONITOR <name> <ip> <port> <quorum>`, validated in Redis's order: quorum and port must be
/// integers, then name and address must be text (the core checks the rest).
///
/// Deviation (§12): names that would break hellos or the config file (empty, or containing a
/// space, a comma or a control character) are refused with an `ERR`; Redis accepts them.
pub struct Monitor<'a> {
    name: &'a str,
    host: &'a str,
    port: i64,
    quorum: i64,
}

impl<'a> ParseArgs<'a> for Monitor<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let number = |a: &[u8]| std::str::from_utf8(a).ok().and_then(parse_i64);
        let (name, host, port, quorum) = (args.bytes()?, args.bytes()?, args.bytes()?, args.bytes()?);
        let quorum = number(quorum).ok_or(ArgError::Text("ERR Invalid quorum"))?;
        let port = number(port).ok_or(ArgError::Text("ERR Invalid port"))?;
        let text =
            |a, e: MonitorError| std::str::from_utf8(a).map_err(|_| ArgError::Owned(format!("ERR {}", e)));
        Ok(Monitor {
            name: text(name, MonitorError::InvalidName)?,
            host: text(host, MonitorError::InvalidAddress)?,
            port,
            quorum,
        })
    }
}

/// Create the master, flush and reply, and only then emit `+monitor`, as Redis does.
pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(Monitor { name, host, port, quorum }) = ctx.parse() else { return };
        let h = &ctx.srv.h;
        // Whether a hostname resolves (only asked with resolve-hostnames on, as Redis's
        // `anetResolve` without ANET_IP_ONLY), looked up here without blocking anything.
        let ask_dns = !crate::core::is_ip_literal(host) && h.read_core(|c, _| c.settings.resolve_hostnames);
        let host_ip = if ask_dns { crate::handle::resolve(host).await } else { None };
        let cmd =
            ClientCommand::Monitor { name: name.to_string(), host: host.to_string(), port, quorum, host_ip };
        let Some(r) = run_in_core(ctx, cmd).await else { return };
        match &r.outcome {
            CommandOutcome::Monitor(Ok(())) => ok_if_saved(ctx, &r),
            CommandOutcome::Monitor(Err(e)) => err(ctx, e),
            _ => unexpected(ctx, r.outcome),
        }
    })
}
