//! SENTINEL IS-MASTER-DOWN-BY-ADDR `<ip> <port> <current-epoch> <runid>`: the peer protocol's
//! "is it down for you, and will you vote for me" question (§7.3).

use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::vote::MasterDownReply;
use crate::core::wire::numbers::parse_i64;
use crate::handle::{CommandReply, Durability};
use crate::server::argv::{ArgError, Args};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::{Ctx, ParseArgs};

/// `IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>`: the port (a long) and the
/// epoch (a long long) are parsed as Redis does. The address and run id stay bytes: an address
/// we cannot hold (not UTF-8, port out of range) matches no master, and a run id that is not
/// UTF-8 is no run id we could vote for.
///
/// Deviation (§12): Redis casts a negative epoch to a huge unsigned one, adopts it as its
/// current epoch and persists it; rsentinel rejects it with the integer error instead.
pub struct IsMasterDown<'a> {
    ip: &'a [u8],
    port: i64,
    epoch: u64,
    runid: &'a [u8],
}

impl<'a> ParseArgs<'a> for IsMasterDown<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let number = |a: &[u8]| std::str::from_utf8(a).ok().and_then(parse_i64);
        let ip = args.bytes()?;
        let (port, epoch) = (args.bytes()?, args.bytes()?);
        let (Some(port), Some(epoch)) = (number(port), number(epoch)) else {
            return Err(ArgError::NotAnInteger);
        };
        let epoch = u64::try_from(epoch).map_err(|_| ArgError::NotAnInteger)?;
        Ok(IsMasterDown { ip, port, epoch, runid: args.bytes()? })
    }
}

/// Ask the core (the master is looked up by address, not by name); an unknown address answers
/// `[0, "*", 0]`.
pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        let Some(req) = ctx.parse::<IsMasterDown>() else { return };
        let not_found = MasterDownReply { down: false, leader: "*".into(), leader_epoch: 0 };
        let address = (std::str::from_utf8(req.ip), u16::try_from(req.port), std::str::from_utf8(req.runid));
        let reply = match address {
            (Ok(ip), Ok(port), Ok(runid)) => {
                let cmd = ClientCommand::IsMasterDownByAddr {
                    ip: ip.to_string(),
                    port,
                    epoch: req.epoch,
                    runid: runid.to_string(),
                };
                match ctx.srv.h.command(cmd).await {
                    Ok(CommandReply { outcome: CommandOutcome::MasterDown(r), durability }) => {
                        if durability == Durability::WriteFailed {
                            // The vote could not be saved: it is not announced (a peer reads an
                            // error as no reply).
                            return ctx.error(super::FLUSH_FAILED);
                        }
                        r
                    }
                    Ok(other) => return super::unexpected(ctx, other.outcome),
                    Err(e) => return super::err(ctx, e),
                }
            }
            _ => not_found,
        };
        let mut w = ctx.w();
        w.array(3);
        w.int(reply.down as i64);
        w.bulk(&reply.leader);
        w.int(reply.leader_epoch as i64);
    })
}
