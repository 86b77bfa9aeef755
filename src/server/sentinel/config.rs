//! SENTINEL CONFIG SET `<param> <value> [<param> <value> ...]` / CONFIG GET
//! `<pattern> [<pattern> ...]`.
//!
//! The parameters are Redis 7.0's six plus `loglevel` (Redis 7.2's addition, which the handle's
//! logging owns rather than the core). The one-pair and one-pattern forms are Redis 7.0.15's,
//! byte for byte: so that `CONFIG GET *` stays 7.0's, `loglevel` is only reported by a single
//! pattern when asked for by its exact name. The forms with several pairs or patterns are Redis
//! 7.2's (and Valkey 8's): every pair is checked before any is applied, and several patterns
//! list each matching parameter once, `loglevel` included, in the fixed order.

use super::{err, lossy, ok_if_saved, run_in_core, unexpected};
use crate::core::commands::ConfigSetError;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::core::wire::glob::glob_match;
use crate::core::Sentinel;
use crate::server::argv::{ArgError, Args};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::{Ctx, ParseArgs};

const SHAPE: &str = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

/// `CONFIG SET <param> <value> ...` (its words, checked when applied) or `CONFIG GET
/// <pattern> ...`.
pub enum Config<'a> {
    Set(Vec<&'a [u8]>),
    Get(Vec<&'a [u8]>),
}

impl<'a> ParseArgs<'a> for Config<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let n = args.remaining();
        if n >= 3 && args.eat("set") {
            return Ok(Config::Set(args.rest().collect()));
        }
        if n >= 2 && args.eat("get") {
            return Ok(Config::Get(args.rest().collect()));
        }
        Err(ArgError::Text(SHAPE))
    }
}

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        match ctx.parse::<Config>() {
            None => {}
            Some(Config::Set(words)) => set(ctx, &words).await,
            Some(Config::Get(patterns)) => get(ctx, &patterns),
        }
    })
}

/// Check every `<param> <value>` pair in Redis 7.2's order (known name, not given twice, has a
/// value, valid value); the first problem is the reply and nothing is applied.
fn check_pairs(words: &[&[u8]]) -> Result<Vec<(String, String)>, ConfigSetError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (i, word) in words.iter().enumerate().step_by(2) {
        let param = lossy(word);
        let is_loglevel = param.eq_ignore_ascii_case("loglevel");
        if !is_loglevel && !Sentinel::is_config_param(&param) {
            return Err(ConfigSetError::InvalidArgument(param));
        }
        if pairs.iter().any(|(p, _)| p.eq_ignore_ascii_case(&param)) {
            return Err(ConfigSetError::Duplicate(param));
        }
        let Some(raw) = words.get(i + 1) else {
            return Err(ConfigSetError::Missing(param));
        };
        let Ok(value) = std::str::from_utf8(raw) else {
            return Err(ConfigSetError::InvalidValue { param, value: lossy(raw) });
        };
        if is_loglevel {
            if crate::handle::logging::level_filter(value).is_none() {
                return Err(ConfigSetError::InvalidValue { param, value: value.to_string() });
            }
        } else {
            Sentinel::check_config_value(&param, value)?;
        }
        pairs.push((param, value.to_string()));
    }
    Ok(pairs)
}

/// Check all, apply all, flush, reply. The core applies its parameters in one command (and,
/// if sentinel-user / sentinel-pass changed, closes the peer links after the reply, as Redis
/// does); `loglevel` is applied here.
async fn set(ctx: &mut Ctx<'_>, words: &[&[u8]]) {
    let mut pairs = match check_pairs(words) {
        Ok(p) => p,
        Err(e) => return err(ctx, e),
    };
    if let Some(i) = pairs.iter().position(|(p, _)| p.eq_ignore_ascii_case("loglevel")) {
        let (_, level) = pairs.remove(i);
        crate::handle::logging::set_level(&level);
        ctx.srv.h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel =
            level.to_ascii_lowercase();
    }
    let cmd = if pairs.is_empty() { ClientCommand::FlushConfig } else { ClientCommand::ConfigSet { pairs } };
    let Some(r) = run_in_core(ctx, cmd).await else { return };
    match &r.outcome {
        CommandOutcome::ConfigSet(Ok(())) | CommandOutcome::Flushed => ok_if_saved(ctx, &r),
        CommandOutcome::ConfigSet(Err(e)) => err(ctx, e),
        _ => unexpected(ctx, r.outcome),
    }
}

/// A map of the matching parameters, values as bulk strings (announce-port too).
fn get(ctx: &mut Ctx, patterns: &[&[u8]]) {
    let h = &ctx.srv.h;
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
    let mut w = ctx.w();
    w.map(pairs.len());
    for (k, v) in pairs {
        w.bulk(k);
        w.bulk(v);
    }
}
