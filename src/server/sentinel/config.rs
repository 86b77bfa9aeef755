//! SENTINEL CONFIG SET `<param> <value>` / CONFIG GET `<pattern>` (Redis 7.0 shapes only).
//!
//! The parameters are Redis 7.0's six, plus `loglevel` (newer Redis's addition, which the
//! daemon owns rather than the core). To keep `CONFIG GET *` byte-identical to 7.0's, `loglevel`
//! is only reported when asked for by its exact name.

use super::{err, lossy, ok_if_saved, run_in_core};
use crate::core::commands::ConfigSetError;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::handle::Handle;
use crate::server::Frame;

const SHAPE: &str = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

pub(super) async fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let sub = lossy(&args[2]);
    if sub.eq_ignore_ascii_case("set") && args.len() == 5 {
        set(h, &lossy(&args[3]), &args[4]).await
    } else if sub.eq_ignore_ascii_case("get") && args.len() == 4 {
        get(h, &lossy(&args[3]))
    } else {
        Frame::error(SHAPE)
    }
}

/// Set, flush, reply; then, for sentinel-user / sentinel-pass, close the connections to peer
/// sentinels so they reconnect with the new credentials (after the reply, as Redis does).
async fn set(h: &Handle, param: &str, value: &[u8]) -> Frame {
    let Ok(value) = std::str::from_utf8(value) else {
        return err(ConfigSetError::InvalidValue { param: param.to_string(), value: lossy(value) });
    };
    if param.eq_ignore_ascii_case("loglevel") {
        if crate::handle::logging::level_filter(value).is_none() {
            return err(ConfigSetError::InvalidValue { param: param.to_string(), value: value.to_string() });
        }
        crate::handle::logging::set_level(value);
        h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel = value.to_ascii_lowercase();
        return match run_in_core(h, ClientCommand::FlushConfig).await {
            Ok(r) => ok_if_saved(&r),
            Err(frame) => frame,
        };
    }
    let cmd = ClientCommand::ConfigSet { param: param.to_string(), value: value.to_string() };
    match run_in_core(h, cmd).await {
        Ok(r) => match &r.outcome {
            CommandOutcome::ConfigSet(Ok(())) => ok_if_saved(&r),
            CommandOutcome::ConfigSet(Err(e)) => err(e),
            _ => super::unexpected(r.outcome),
        },
        Err(frame) => frame,
    }
}

/// A map of the matching parameters, values as bulk strings (announce-port too).
fn get(h: &Handle, pattern: &str) -> Frame {
    let mut pairs: Vec<(&str, String)> = h.read_core(|c, _| c.config_get(pattern));
    if pattern.eq_ignore_ascii_case("loglevel") {
        let level = h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel.clone();
        pairs.push(("loglevel", level));
    }
    Frame::map(pairs.into_iter().map(|(k, v)| (k, Frame::bulk(v))))
}
