//! Command dispatch (`server.c: processCommand`) and one module per command.
//!
//! [`prepare`] runs Redis's checks in Redis's order: the cross-protocol attack guard, command
//! lookup, arity, authentication, ACL, and the RESP2 pub/sub context. The connection task then
//! waits out any CLIENT PAUSE and calls [`execute`].

pub mod acl;
pub mod auth;
pub mod client;
pub mod command;
pub mod hello;
pub mod info;
pub mod ping;
pub mod publish;
pub mod role;
pub mod sentinel;
pub mod shutdown;
pub mod spec;
pub mod subscribe;
pub mod table;

use std::time::Instant;

use self::spec::{CommandSpec, Lookup};
use super::acl::selector::Denial;
use super::acl::LogReason;
use super::client::{BufferStats, ClientState, ClientView};
use super::util::{c_str, c_str_max, upper};
use super::{Frame, Server};

/// One queued reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Frame(Frame),
    /// An error line made of raw client bytes (no `-`, no CRLF).
    RawError(Vec<u8>),
}

/// Why a request was not run.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// Close the connection without a reply (HTTP-looking request).
    Close,
    Error(Reply),
}

fn error(msg: impl Into<String>) -> Rejection {
    Rejection::Error(Reply::Frame(Frame::error(msg)))
}

/// Everything a command implementation gets.
pub struct Ctx<'a> {
    pub srv: &'a Server,
    pub client: &'a mut ClientState,
    pub argv: &'a [Vec<u8>],
    pub cmd: &'static CommandSpec,
    /// Buffer figures of the running request, for this client's own CLIENT LIST line.
    pub buffers: BufferStats,
    pub out: Vec<Reply>,
}

impl Ctx<'_> {
    pub fn reply(&mut self, f: Frame) {
        self.out.push(Reply::Frame(f));
    }

    pub fn error(&mut self, msg: impl Into<String>) {
        self.out.push(Reply::Frame(Frame::error(msg)));
    }

    pub fn ok(&mut self) {
        self.reply(Frame::ok());
    }

    pub fn syntax_error(&mut self) {
        self.error("ERR syntax error");
    }

    /// `addReplySubcommandSyntaxError`.
    pub fn subcommand_syntax_error(&mut self) {
        let sub = String::from_utf8_lossy(c_str_max(&self.argv[1], 128)).into_owned();
        let cmd = upper(c_str(&self.argv[0]));
        self.error(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
            sub, cmd
        ));
    }

    /// Publish this client's current state so CLIENT LIST (including its own) sees it.
    pub fn publish_view(&mut self) {
        publish_view(self.client, self.buffers);
    }

    /// Argument `i` as an integer (`getLongLongFromObjectOrReply`); replies `msg` (or the
    /// standard text) and returns None when it is not one.
    pub fn int_arg(&mut self, i: usize, msg: Option<&str>) -> Option<i64> {
        let v = super::util::string2ll(&self.argv[i]);
        if v.is_none() {
            self.error(msg.unwrap_or("ERR value is not an integer or out of range"));
        }
        v
    }
}

/// The `<CMD> HELP` reply (`addReplyHelp`): a header naming the command as typed, the
/// command's lines, then HELP itself.
pub fn help_reply(ctx: &mut Ctx, lines: &[&str]) {
    let mut v = vec![Frame::Simple(format!(
        "{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        upper(c_str(&ctx.argv[0]))
    ))];
    v.extend(lines.iter().map(|l| Frame::Simple(l.to_string())));
    v.push(Frame::Simple("HELP".into()));
    v.push(Frame::Simple("    Prints this help.".into()));
    ctx.reply(Frame::Array(v));
}

/// Refresh the client's published view.
pub fn publish_view(client: &ClientState, buffers: BufferStats) {
    client.entry.publish(ClientView::of(client, buffers));
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// The commands allowed in a RESP2 connection with subscriptions.
const PUBSUB_CONTEXT_ALLOWED: &[&str] = &["ping", "subscribe", "unsubscribe", "psubscribe", "punsubscribe"];

/// Whether this client must still authenticate (`authRequired`).
pub fn auth_required(srv: &Server, client: &ClientState) -> bool {
    !client.authenticated && srv.acl().auth_required()
}

/// Look a request up and run every check before execution.
pub fn prepare(
    srv: &Server,
    client: &mut ClientState,
    argv: &[Vec<u8>],
    buffers: BufferStats,
) -> Result<&'static CommandSpec, Rejection> {
    let name = argv.first().map(|a| a.as_slice()).unwrap_or_default();
    if name.eq_ignore_ascii_case(b"host:") || name.eq_ignore_ascii_case(b"post") {
        tracing::warn!(
            "Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands \
             to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to \
             compromise your Redis instance. Connection aborted."
        );
        return Err(Rejection::Close);
    }
    let cmd = match srv.table.lookup(argv) {
        Lookup::Found(cmd) => cmd,
        Lookup::UnknownSubcommand => {
            client.last_cmd = None;
            let mut e = b"ERR unknown subcommand '".to_vec();
            e.extend_from_slice(c_str_max(&argv[1], 128));
            e.extend_from_slice(format!("'. Try {} HELP.", upper(c_str(&argv[0]))).as_bytes());
            return Err(Rejection::Error(Reply::RawError(e)));
        }
        Lookup::Unknown => {
            client.last_cmd = None;
            return Err(Rejection::Error(Reply::RawError(unknown_command(argv))));
        }
    };
    client.last_cmd = Some(cmd.name);
    let arity_ok =
        cmd.arity_ok(argv.len()) || crate::server::sentinel::takes_valkey_arguments(cmd.name, argv);
    if !arity_ok {
        return Err(error(format!("ERR wrong number of arguments for '{}' command", cmd.name)));
    }
    if auth_required(srv, client) && !cmd.has_flag("no_auth") {
        return Err(error("NOAUTH Authentication required."));
    }
    check_acl(srv, client, cmd, argv, buffers)?;
    if client.resp == 2 && client.is_pubsub() && !PUBSUB_CONTEXT_ALLOWED.contains(&cmd.name) {
        return Err(error(format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are \
             allowed in this context",
            cmd.name
        )));
    }
    Ok(cmd)
}

/// `ERR unknown command '<name>', with args beginning with: '<a1>' ... ` with Redis's
/// truncation: names and arguments stop at 128 bytes (and at a NUL), and arguments are added
/// while their text is shorter than 128 bytes.
fn unknown_command(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut args: Vec<u8> = Vec::new();
    for a in argv.iter().skip(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push(b'\'');
        args.extend_from_slice(c_str_max(a, room));
        args.extend_from_slice(b"' ");
    }
    let mut e = b"ERR unknown command '".to_vec();
    e.extend_from_slice(c_str_max(argv.first().map(|a| a.as_slice()).unwrap_or_default(), 128));
    e.extend_from_slice(b"', with args beginning with: ");
    e.extend_from_slice(&args);
    e
}

fn check_acl(
    srv: &Server,
    client: &mut ClientState,
    cmd: &'static CommandSpec,
    argv: &[Vec<u8>],
    buffers: BufferStats,
) -> Result<(), Rejection> {
    let verdict = {
        let acl = srv.acl();
        match acl.user(&client.user) {
            Some(u) => u.check(&srv.table, cmd, argv),
            None => Err((Denial::Command, 0)),
        }
    };
    let Err((denial, idx)) = verdict else {
        return Ok(());
    };
    publish_view(client, buffers);
    let info = client.entry.info_line(Instant::now());
    let (reason, object, msg) = match denial {
        Denial::Command => (
            LogReason::Command,
            cmd.name.as_bytes().to_vec(),
            format!("NOPERM this user has no permissions to run the '{}' command", cmd.name),
        ),
        Denial::Channel => (
            LogReason::Channel,
            argv.get(idx).cloned().unwrap_or_default(),
            "NOPERM this user has no permissions to access one of the channels used as arguments".to_string(),
        ),
    };
    srv.acl().log.add(reason, &object, &client.user, info, unix_ms());
    Err(error(msg))
}

/// Run a prepared command.
pub async fn execute(
    srv: &Server,
    client: &mut ClientState,
    argv: &[Vec<u8>],
    cmd: &'static CommandSpec,
    buffers: BufferStats,
) -> Vec<Reply> {
    let mut ctx = Ctx { srv, client, argv, cmd, buffers, out: Vec::new() };
    let base = cmd.name.split('|').next().unwrap_or(cmd.name);
    match base {
        "ping" => ping::run(&mut ctx),
        "hello" => hello::run(&mut ctx),
        "auth" => auth::run(&mut ctx),
        "client" => client::run(&mut ctx),
        "command" => command::run(&mut ctx),
        "info" => info::run(&mut ctx),
        "shutdown" => shutdown::run(&mut ctx),
        "subscribe" | "psubscribe" | "unsubscribe" | "punsubscribe" => subscribe::run(&mut ctx),
        "acl" => acl::run(&mut ctx),
        "publish" => publish::run(&mut ctx).await,
        "role" => role::run(&mut ctx),
        "sentinel" => sentinel::run(&mut ctx).await,
        other => ctx.error(format!("ERR unknown command '{}'", other)),
    }
    ctx.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(v: &[&[u8]]) -> Vec<Vec<u8>> {
        v.iter().map(|s| s.to_vec()).collect()
    }

    #[test]
    fn unknown_command_text_like_redis() {
        assert_eq!(
            unknown_command(&argv(&[b"GET", b"a", b"b"])),
            b"ERR unknown command 'GET', with args beginning with: 'a' 'b' ".to_vec()
        );
        assert_eq!(
            unknown_command(&argv(&[b"QUIT"])),
            b"ERR unknown command 'QUIT', with args beginning with: ".to_vec()
        );
        let long = vec![b'x'; 200];
        let e = unknown_command(&argv(&[b"GET", &long, b"y"]));
        let want =
            [&b"ERR unknown command 'GET', with args beginning with: '"[..], &[b'x'; 128], b"' "].concat();
        assert_eq!(e, want);
        assert_eq!(
            unknown_command(&argv(&[b"a\0b", b"x\0y"])),
            b"ERR unknown command 'a', with args beginning with: 'x' ".to_vec()
        );
    }
}
