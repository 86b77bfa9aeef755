//! SENTINEL CONFIG SET `<param> <value>` / CONFIG GET `<pattern>` (Redis 7.0 shapes only).
//!
//! The parameters are Redis 7.0's six, plus `loglevel` (newer Redis's addition, which the
//! daemon owns rather than the core). To keep `CONFIG GET *` byte-identical to 7.0's, `loglevel`
//! is only reported when asked for by its exact name.

use super::{err, flush_and_reply, lossy};
use crate::core::commands::ConfigSetError;
use crate::daemon::Handle;
use crate::server::Frame;

const SHAPE: &str = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let sub = lossy(&args[2]);
    if sub.eq_ignore_ascii_case("set") && args.len() == 5 {
        set(h, &lossy(&args[3]), &args[4])
    } else if sub.eq_ignore_ascii_case("get") && args.len() == 4 {
        get(h, &lossy(&args[3]))
    } else {
        Frame::error(SHAPE)
    }
}

/// Set, flush, reply; then, for sentinel-user / sentinel-pass, close the connections to peer
/// sentinels so they reconnect with the new credentials (after the reply, as Redis does).
fn set(h: &Handle, param: &str, value: &[u8]) -> Frame {
    let Ok(value) = std::str::from_utf8(value) else {
        return err(ConfigSetError::InvalidValue { param: param.to_string(), value: lossy(value) });
    };
    if param.eq_ignore_ascii_case("loglevel") {
        if crate::daemon::logging::level_filter(value).is_none() {
            return err(ConfigSetError::InvalidValue { param: param.to_string(), value: value.to_string() });
        }
        crate::daemon::logging::set_level(value);
        h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel = value.to_ascii_lowercase();
        return flush_and_reply(h);
    }
    match h.with_core(|c, _| c.config_set(param, value)) {
        Ok(effect) => {
            let reply = flush_and_reply(h);
            if effect.drop_sentinel_connections {
                h.with_core(|c, _| c.drop_sentinel_connections());
            }
            reply
        }
        Err(e) => err(e),
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
