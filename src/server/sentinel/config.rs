//! SENTINEL CONFIG SET `<param> <value>` / CONFIG GET `<pattern>` (Redis 7.0 shapes only).
//!
//! The parameters are Redis 7.0's six, plus `loglevel` (newer Redis's addition, which the
//! daemon owns rather than the core). To keep `CONFIG GET *` byte-identical to 7.0's, `loglevel`
//! is only reported when asked for by its exact name.

use super::{err, lossy, ok_if_saved, run_in_core, unexpected};
use crate::core::commands::ConfigSetError;
use crate::core::input::{ClientCommand, CommandOutcome};
use crate::server::argv::{ArgError, Args};
use crate::server::cmd::spec::Waiting;
use crate::server::cmd::{Ctx, ParseArgs};

const SHAPE: &str = "ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.";

/// `CONFIG SET <param> <value>` or `CONFIG GET <pattern>`.
pub enum Config<'a> {
    Set { param: String, value: &'a [u8] },
    Get { pattern: String },
}

impl<'a> ParseArgs<'a> for Config<'a> {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError> {
        let n = args.remaining();
        if n == 3 && args.eat("set") {
            return Ok(Config::Set { param: lossy(args.bytes()?), value: args.bytes()? });
        }
        if n == 2 && args.eat("get") {
            return Ok(Config::Get { pattern: lossy(args.bytes()?) });
        }
        Err(ArgError::Text(SHAPE))
    }
}

pub fn run<'c>(ctx: &'c mut Ctx<'_>) -> Waiting<'c> {
    Box::pin(async move {
        match ctx.parse::<Config>() {
            None => {}
            Some(Config::Set { param, value }) => set(ctx, &param, value).await,
            Some(Config::Get { pattern }) => get(ctx, &pattern),
        }
    })
}

/// Set, flush, reply; then, for sentinel-user / sentinel-pass, close the connections to peer
/// sentinels so they reconnect with the new credentials (after the reply, as Redis does).
async fn set(ctx: &mut Ctx<'_>, param: &str, value: &[u8]) {
    let Ok(value) = std::str::from_utf8(value) else {
        return err(ctx, ConfigSetError::InvalidValue { param: param.to_string(), value: lossy(value) });
    };
    let h = &ctx.srv.h;
    if param.eq_ignore_ascii_case("loglevel") {
        if crate::handle::logging::level_filter(value).is_none() {
            return err(
                ctx,
                ConfigSetError::InvalidValue { param: param.to_string(), value: value.to_string() },
            );
        }
        crate::handle::logging::set_level(value);
        h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel = value.to_ascii_lowercase();
        if let Some(r) = run_in_core(ctx, ClientCommand::FlushConfig).await {
            ok_if_saved(ctx, &r);
        }
        return;
    }
    let cmd = ClientCommand::ConfigSet { param: param.to_string(), value: value.to_string() };
    let Some(r) = run_in_core(ctx, cmd).await else { return };
    match &r.outcome {
        CommandOutcome::ConfigSet(Ok(())) => ok_if_saved(ctx, &r),
        CommandOutcome::ConfigSet(Err(e)) => err(ctx, e),
        _ => unexpected(ctx, r.outcome),
    }
}

/// A map of the matching parameters, values as bulk strings (announce-port too).
fn get(ctx: &mut Ctx, pattern: &str) {
    let h = &ctx.srv.h;
    let mut pairs: Vec<(&str, String)> = h.read_core(|c, _| c.config_get(pattern));
    if pattern.eq_ignore_ascii_case("loglevel") {
        let level = h.0.server_config.lock().unwrap_or_else(|e| e.into_inner()).loglevel.clone();
        pairs.push(("loglevel", level));
    }
    let mut w = ctx.w();
    w.map(pairs.len());
    for (k, v) in pairs {
        w.bulk(k);
        w.bulk(v);
    }
}
