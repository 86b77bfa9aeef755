//! SENTINEL CONFIG SET `<param> <value> [<param> <value> ...]` / CONFIG GET
//! `<pattern> [<pattern> ...]`.
//!
//! The parameters are Redis 7.0's six plus `loglevel` (Redis 7.2's addition, which the daemon
//! owns rather than the core). The one-pair and one-pattern forms are Redis 7.0.15's, byte for
//! byte: so that `CONFIG GET *` stays 7.0's, `loglevel` is only reported by a single pattern
//! when asked for by its exact name. The forms with several pairs or patterns are Redis 7.2's
//! (and Valkey 8's): every pair is checked before any is applied, and several patterns list
//! each matching parameter once, `loglevel` included, in the fixed order.

use super::{err, flush_and_reply, lossy};
use crate::core::commands::ConfigSetError;
use crate::core::wire::glob::glob_match;
use crate::core::Sentinel;
use crate::daemon::Handle;
use crate::server::Frame;

const SHAPE: &str = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

pub(super) fn run(h: &Handle, args: &[Vec<u8>]) -> Frame {
    let sub = lossy(&args[2]);
    if sub.eq_ignore_ascii_case("set") && args.len() >= 5 {
        set(h, &args[3..])
    } else if sub.eq_ignore_ascii_case("get") && args.len() >= 4 {
        get(h, &args[3..])
    } else {
        Frame::error(SHAPE)
    }
}

/// One checked parameter of CONFIG SET.
struct Assignment {
    param: String,
    value: String,
}

/// Check every `<param> <value>` pair in Redis 7.2's order (known name, not given twice, has a
/// value, valid value); the first problem is the reply and nothing is applied.
fn check_pairs(words: &[Vec<u8>]) -> Result<Vec<Assignment>, ConfigSetError> {
    let mut out: Vec<Assignment> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let param = lossy(&words[i]);
        let lower = param.to_ascii_lowercase();
        if lower != "loglevel" && !Sentinel::is_config_param(&lower) {
            return Err(ConfigSetError::InvalidArgument(param));
        }
        if out.iter().any(|a| a.param.eq_ignore_ascii_case(&param)) {
            return Err(ConfigSetError::Duplicate(param));
        }
        let Some(raw) = words.get(i + 1) else {
            return Err(ConfigSetError::Missing(param));
        };
        let Ok(value) = std::str::from_utf8(raw) else {
            return Err(ConfigSetError::InvalidValue { param, value: lossy(raw) });
        };
        if lower == "loglevel" {
            if crate::daemon::logging::level_filter(value).is_none() {
                return Err(ConfigSetError::InvalidValue { param, value: value.to_string() });
            }
        } else {
            Sentinel::check_config_value(&param, value)?;
        }
        out.push(Assignment { param, value: value.to_string() });
        i += 2;
    }
    Ok(out)
}

/// Check all, apply all, flush, reply; then, if sentinel-user / sentinel-pass changed, close
/// the connections to peer sentinels so they reconnect with the new credentials (after the
/// reply, as Redis does).
fn set(h: &Handle, words: &[Vec<u8>]) -> Frame {
    let assignments = match check_pairs(words) {
        Ok(a) => a,
        Err(e) => return err(e),
    };
    let mut drop_connections = false;
    for a in &assignments {
        if a.param.eq_ignore_ascii_case("loglevel") {
            crate::daemon::logging::set_level(&a.value);
            h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel =
                a.value.to_ascii_lowercase();
            continue;
        }
        match h.with_core(|c, _| c.config_set(&a.param, &a.value)) {
            Ok(effect) => drop_connections |= effect.drop_sentinel_connections,
            // Checked above; a failure here would be a bug, reported rather than ignored.
            Err(e) => return err(e),
        }
    }
    let reply = flush_and_reply(h);
    if drop_connections {
        h.with_core(|c, _| c.drop_sentinel_connections());
    }
    reply
}

/// A map of the matching parameters, values as bulk strings (announce-port too).
fn get(h: &Handle, patterns: &[Vec<u8>]) -> Frame {
    let loglevel =
        || ("loglevel", h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel.clone());
    let pairs: Vec<(&str, String)> = if let [pattern] = patterns {
        let pattern = lossy(pattern);
        let mut pairs = h.read_core(|c, _| c.config_get(&pattern));
        if pattern.eq_ignore_ascii_case("loglevel") {
            pairs.push(loglevel());
        }
        pairs
    } else {
        let mut all = h.read_core(|c, _| c.config_get("*"));
        all.push(loglevel());
        let mut listed: Vec<(&str, String)> = Vec::new();
        for p in patterns {
            for (name, value) in &all {
                if glob_match(p, name.as_bytes(), true) && !listed.iter().any(|(n, _)| n == name) {
                    listed.push((name, value.clone()));
                }
            }
        }
        listed
    };
    Frame::map(pairs.into_iter().map(|(k, v)| (k, Frame::bulk(v))))
}
