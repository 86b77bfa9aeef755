//! Command dispatch (`server.c: processCommand`) and one module per command.
//!
//! [`prepare`] resolves the request in the command table ([`table`]) once and runs Redis's
//! checks in Redis's order: the cross-protocol attack guard, command lookup, arity,
//! authentication, ACL, and the RESP2 pub/sub context. The connection task then waits out any
//! CLIENT PAUSE and runs the spec's handler ([`spec::Run`]) with a [`Ctx`]. Handlers read their
//! arguments into a typed request ([`ParseArgs`], mini-redis's `parse_frames`) and apply it,
//! writing the reply straight into the connection's output buffer ([`Ctx::w`]).

pub mod acl;
pub mod auth;
pub mod client;
pub mod command;
pub mod hello;
pub mod info;
pub mod ping;
pub mod publish;
pub mod shutdown;
pub mod spec;
pub mod subscribe;
pub mod table;

use std::time::Instant;

use bytes::BytesMut;

use self::spec::{Flag, Lookup, Spec};
use super::acl::selector::Denial;
use super::acl::LogReason;
use super::argv::{ArgError, Args, Argv};
use super::client::{BufferStats, ClientState};
use super::reply::RespWriter;
use super::util::{c_str, c_str_max, upper};
use super::{Frame, Server};

/// Why a request was not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Close the connection without a reply (HTTP-looking request).
    Close,
    /// An error line (without `-` and CRLF), raw bytes since it may quote the client's.
    Error(Vec<u8>),
}

fn error(msg: impl Into<String>) -> Rejection {
    Rejection::Error(msg.into().into_bytes())
}

/// Everything a command implementation gets.
pub struct Ctx<'a> {
    pub srv: &'a Server,
    pub client: &'a mut ClientState,
    pub argv: &'a Argv,
    pub cmd: &'static Spec,
    /// Buffer figures of the running request, for this client's own CLIENT LIST line.
    pub buffers: BufferStats,
    /// The connection's output buffer.
    out: &'a mut BytesMut,
    /// Error replies written so far.
    pub errors: u64,
}

/// A command's arguments read into a typed request (mini-redis's `parse_frames`); the
/// handler then applies it.
pub trait ParseArgs<'a>: Sized {
    fn parse(args: &mut Args<'a>) -> Result<Self, ArgError>;
}

impl<'a> Ctx<'a> {
    pub fn new(
        srv: &'a Server,
        client: &'a mut ClientState,
        argv: &'a Argv,
        cmd: &'static Spec,
        buffers: BufferStats,
        out: &'a mut BytesMut,
    ) -> Ctx<'a> {
        Ctx { srv, client, argv, cmd, buffers, out, errors: 0 }
    }

    /// The reply writer, in the client's current protocol (HELLO switches it before replying).
    pub fn w(&mut self) -> RespWriter<'_> {
        RespWriter::new(self.out, self.client.resp, &mut self.errors)
    }

    pub fn frame(&mut self, f: &Frame) {
        self.w().frame(f);
    }

    pub fn error(&mut self, msg: &str) {
        self.w().error(msg);
    }

    pub fn ok(&mut self) {
        self.w().ok();
    }

    pub fn syntax_error(&mut self) {
        self.reject(ArgError::Syntax);
    }

    /// Reply with the error an argument check produced.
    pub fn reject(&mut self, e: ArgError) {
        let text = e.text(self.argv);
        self.error(&text);
    }

    /// The arguments after the command (and subcommand) name.
    pub fn args(&self) -> Args<'a> {
        Args::new(self.argv, self.cmd.first_arg())
    }

    /// Read the arguments into `T`; on failure the error is the reply and None is returned.
    pub fn parse<T: ParseArgs<'a>>(&mut self) -> Option<T> {
        match T::parse(&mut self.args()) {
            Ok(t) => Some(t),
            Err(e) => {
                self.reject(e);
                None
            }
        }
    }

    /// Publish this client's current state so CLIENT LIST (including its own) sees it.
    pub fn publish_view(&mut self) {
        self.client.publish(self.buffers);
    }

    /// This client's CLIENT LIST line, as others would see it now.
    pub fn own_info_line(&mut self) -> String {
        self.publish_view();
        self.client.entry.info_line(Instant::now(), &self.srv.table)
    }
}

/// The handler of a container command run without a subcommand. Arity rules make that
/// impossible for ACL, CLIENT and SENTINEL (they need one); it answers like Redis's
/// container commands would.
pub fn container(ctx: &mut Ctx) {
    ctx.reject(ArgError::SubcommandSyntax);
}

/// The `<CMD> HELP` reply (`addReplyHelp`): a header naming the command as typed, the
/// command's lines, then HELP itself.
pub fn help_reply(ctx: &mut Ctx, lines: &[&str]) {
    let header =
        format!("{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", upper(c_str(ctx.argv.name())));
    let mut w = ctx.w();
    w.array(lines.len() + 3);
    w.simple(&header);
    lines.iter().for_each(|l| w.simple(l));
    w.simple("HELP");
    w.simple("    Prints this help.");
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
    argv: &Argv,
    buffers: BufferStats,
) -> Result<&'static Spec, Rejection> {
    let name = argv.name();
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
            e.extend_from_slice(format!("'. Try {} HELP.", upper(c_str(name))).as_bytes());
            return Err(Rejection::Error(e));
        }
        Lookup::Unknown => {
            client.last_cmd = None;
            return Err(Rejection::Error(unknown_command(argv)));
        }
    };
    client.last_cmd = Some(cmd);
    let arity_ok =
        cmd.arity_ok(argv.len()) || crate::server::sentinel::takes_valkey_arguments(cmd.name, argv);
    if !arity_ok {
        return Err(error(format!("ERR wrong number of arguments for '{}' command", cmd.name)));
    }
    if auth_required(srv, client) && !cmd.has_flag(Flag::NoAuth) {
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
fn unknown_command(argv: &Argv) -> Vec<u8> {
    let mut args: Vec<u8> = Vec::new();
    for a in argv.from(1) {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push(b'\'');
        args.extend_from_slice(c_str_max(a, room));
        args.extend_from_slice(b"' ");
    }
    let mut e = b"ERR unknown command '".to_vec();
    e.extend_from_slice(c_str_max(argv.name(), 128));
    e.extend_from_slice(b"', with args beginning with: ");
    e.extend_from_slice(&args);
    e
}

fn check_acl(
    srv: &Server,
    client: &mut ClientState,
    cmd: &'static Spec,
    argv: &Argv,
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
    client.publish(buffers);
    let info = client.entry.info_line(Instant::now(), &srv.table);
    let (reason, object, msg) = match denial {
        Denial::Command => (
            LogReason::Command,
            cmd.name.as_bytes().to_vec(),
            format!("NOPERM this user has no permissions to run the '{}' command", cmd.name),
        ),
        Denial::Channel => (
            LogReason::Channel,
            argv.get(idx).unwrap_or_default().to_vec(),
            "NOPERM this user has no permissions to access one of the channels used as arguments".to_string(),
        ),
    };
    srv.acl_log().add(reason, &object, &client.user, info, unix_ms());
    Err(error(msg))
}

/// Run a prepared command, writing its reply into `out`; returns the number of error replies
/// it wrote.
pub async fn execute(
    srv: &Server,
    client: &mut ClientState,
    argv: &Argv,
    cmd: &'static Spec,
    buffers: BufferStats,
    out: &mut BytesMut,
) -> u64 {
    srv.h.ensure_current(cmd.fresh).await;
    let mut ctx = Ctx::new(srv, client, argv, cmd, buffers, out);
    match cmd.run {
        spec::Run::Now(f) => f(&mut ctx),
        spec::Run::Wait(f) => f(&mut ctx).await,
    }
    ctx.errors
}

/// Run one request as a new, authenticated client speaking RESP `proto` would (every check of
/// [`prepare`], then the handler), returning the reply bytes. For tests and tools that compare
/// replies without a socket; a connection runs the same steps.
pub async fn execute_once(srv: &Server, args: &[&[u8]], proto: u8) -> Vec<u8> {
    let argv = Argv::from_args(args);
    let id = srv.clients.next_id();
    let entry = srv.clients.register(id, "127.0.0.1:0".into(), "127.0.0.1:0".into(), -1);
    let (push_tx, _push_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut client = ClientState::new(entry, push_tx, true);
    client.resp = proto;
    let mut out = BytesMut::new();
    match prepare(srv, &mut client, &argv, BufferStats::default()) {
        Err(Rejection::Error(e)) => RespWriter::new(&mut out, proto, &mut 0).error_bytes(&e),
        Err(Rejection::Close) => {}
        Ok(cmd) => {
            execute(srv, &mut client, &argv, cmd, BufferStats::default(), &mut out).await;
        }
    }
    srv.clients.unregister(id);
    out.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_command_text_like_redis() {
        let argv = |v: &[&[u8]]| Argv::from_args(v);
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
