//! SENTINEL FAILOVER `<name>`: force a failover as if the master were down, without asking
//! for agreement (`sentinelCommand` "failover"); and Valkey 9.0's `SENTINEL FAILOVER <name>
//! COORDINATED`, an elected failover handed over by the old master itself (see
//! `core::coordinated`).
//!
//! Arity: Redis 7.0.15 declares exactly 3 arguments and Valkey 9.0 at least 3. Only the
//! Valkey word `COORDINATED` (any case) is taken as a 4th argument; any other 4th argument,
//! and every longer form, gets Redis 7.0.15's arity error (see [`is_coordinated`]), so every
//! call Redis 7.0.15 answers is answered byte for byte as it does, and Valkey's `Unknown
//! failover option specified` is never sent.

use super::{no_such_master, run_in_core};
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::handle::Handle;
use crate::server::Frame;

/// The optional token of Valkey 9.0's form.
const COORDINATED: &[u8] = b"COORDINATED";

/// Whether `args` is Valkey 9.0's `SENTINEL FAILOVER <name> COORDINATED`.
pub(super) fn is_coordinated(args: &[Vec<u8>]) -> bool {
    args.len() == 4 && args[3].eq_ignore_ascii_case(COORDINATED)
}

pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let coordinated = is_coordinated(args);
    let cmd = ClientCommand::Failover { name: args[2].clone(), coordinated };
    let reply = match run_in_core(h, cmd).await {
        Ok(r) => r,
        Err(frame) => return frame,
    };
    match reply.outcome {
        CommandOutcome::Failover(Ok(())) => Frame::ok(),
        CommandOutcome::Failover(Err(e)) => Frame::error(e.to_string()),
        _ => no_such_master(),
    }
}
