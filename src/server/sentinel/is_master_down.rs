//! SENTINEL IS-MASTER-DOWN-BY-ADDR `<ip> <port> <current-epoch> <runid>`: the peer protocol's
//! "is it down for you, and will you vote for me" question (§7.3).

use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::vote::MasterDownReply;
use crate::core::wire::numbers::parse_i64;
use crate::handle::Handle;
use crate::handle::{CommandReply, Durability};
use crate::server::Frame;

const NOT_AN_INTEGER: &str = "ERR value is not an integer or out of range";

/// Parse the port (a long) and the epoch (a long long) as Redis does, then ask the core. The
/// master is looked up by address, not by name; an unknown address answers `[0, "*", 0]`.
///
/// Deviation (§12): Redis casts a negative epoch to a huge unsigned one, adopts it as its
/// current epoch and persists it; rsentinel rejects it with the integer error instead.
pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let number = |a: &[u8]| std::str::from_utf8(a).ok().and_then(parse_i64);
    let (Some(port), Some(epoch)) = (number(&args[3]), number(&args[4])) else {
        return Frame::error(NOT_AN_INTEGER);
    };
    let Ok(epoch) = u64::try_from(epoch) else {
        return Frame::error(NOT_AN_INTEGER);
    };
    let not_found = MasterDownReply { down: false, leader: "*".into(), leader_epoch: 0 };
    // An address we cannot hold (not UTF-8, port out of range) matches no master; a run id
    // that is not UTF-8 is no run id we could vote for, so it is treated the same way.
    let reply = match (std::str::from_utf8(&args[2]), u16::try_from(port), std::str::from_utf8(&args[5])) {
        (Ok(ip), Ok(port), Ok(runid)) => {
            let cmd = ClientCommand::IsMasterDownByAddr {
                ip: ip.to_string(),
                port,
                epoch,
                runid: runid.to_string(),
            };
            match h.command(cmd).await {
                Ok(CommandReply { outcome: CommandOutcome::MasterDown(r), durability }) => {
                    if durability == Durability::WriteFailed {
                        // The vote could not be saved: it is not announced (a peer reads an
                        // error as no reply).
                        return Frame::error(super::FLUSH_FAILED);
                    }
                    r
                }
                Ok(other) => return super::unexpected(other.outcome),
                Err(e) => return super::err(e),
            }
        }
        _ => not_found,
    };
    Frame::Array(vec![
        Frame::Integer(reply.down as i64),
        Frame::bulk(&reply.leader),
        Frame::Integer(reply.leader_epoch as i64),
    ])
}
