//! rsentinel's server alone: hostile and unusual clients, pub/sub delivery, CLIENT PAUSE,
//! ACL side effects, bind().

mod server_harness;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rsentinel::config::model::{RenameCommand, ServerConfig};
use server_harness::{client_fields, parse, Client, Ours};

/// Poll `f` until it returns true, failing after a deadline.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {}", what);
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn client_list(c: &mut Client) -> Vec<Vec<(String, String)>> {
    let text = String::from_utf8_lossy(&parse(&c.cmd("CLIENT LIST")).bytes()).into_owned();
    text.lines().map(client_fields).collect()
}

fn field<'a>(line: &'a [(String, String)], name: &str) -> &'a str {
    &line.iter().find(|(k, _)| k == name).unwrap().1
}

#[test]
fn byte_by_byte_requests() {
    let ours = Ours::start();
    let mut c = ours.client();
    let req = b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\nPING \"in\\x6cine\"\r\n";
    for b in req.iter() {
        c.send(&[*b]);
        c.stream.flush().unwrap();
    }
    assert_eq!(c.reply(), b"$5\r\nhello\r\n");
    assert_eq!(c.reply(), b"$6\r\ninline\r\n");
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let ours = Ours::start();
    let mut c = ours.client();
    let mut batch = Vec::new();
    for i in 0..500 {
        batch.extend_from_slice(&Client::encode(&[b"PING", format!("m{}", i).as_bytes()]));
    }
    c.send(&batch);
    for i in 0..500 {
        let want = format!("m{}", i);
        assert_eq!(c.reply(), format!("${}\r\n{}\r\n", want.len(), want).into_bytes());
    }
}

#[test]
fn huge_announced_lengths_do_not_block_others() {
    let ours = Ours::start();
    let mut greedy = ours.client();
    // Announce the largest request Redis accepts, send a little of it, and stall.
    greedy.send(b"*2147483647\r\n$536870912\r\nabc");
    let mut half = ours.client();
    half.send(b"*3\r\n$4\r\nPING\r\n$3\r\nab");
    let mut other = ours.client();
    assert_eq!(other.cmd("PING"), b"+PONG\r\n");
    // The stalled clients show their partial requests without the server having allocated
    // what they announced.
    // The stalled connections are accepted by their own tasks, possibly after `other`'s.
    eventually("all three clients to be listed", || client_list(&mut other).len() == 3);
    for line in &client_list(&mut other) {
        assert!(field(line, "tot-mem").parse::<u64>().unwrap() < 64 * 1024 * 1024, "{:?}", line);
    }
    // A client that disconnects mid-request is simply dropped.
    drop(half);
    drop(greedy);
    eventually("the stalled clients to go away", || client_list(&mut other).len() == 1);
    assert_eq!(other.cmd("PING"), b"+PONG\r\n");
}

#[test]
fn random_junk_never_kills_the_server() {
    use rand::{Rng, SeedableRng};
    let ours = Ours::start();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let alphabet = b"*$\r\n0123456789-+ \"'\\xPINGCLIENT\x00\xff";
    for _ in 0..200 {
        let mut s = TcpStream::connect(("127.0.0.1", ours.port)).unwrap();
        let n = rng.gen_range(1..400);
        let junk: Vec<u8> = (0..n).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
        let _ = s.write_all(&junk);
    }
    let mut c = ours.client();
    assert_eq!(c.cmd("PING"), b"+PONG\r\n");
}

#[test]
fn big_argument_arrives_in_pieces() {
    let ours = Ours::start();
    let mut c = ours.client();
    let payload = vec![b'z'; 3 * 1024 * 1024];
    let req = Client::encode(&[b"PING", &payload]);
    for chunk in req.chunks(100_000) {
        c.send(chunk);
    }
    let reply = c.reply();
    assert_eq!(&reply[..10], b"$3145728\r\n");
    assert_eq!(reply.len(), 3 * 1024 * 1024 + 12);
}

#[test]
fn pubsub_messages_interleave_with_replies() {
    let ours = Ours::start();
    for proto in [2u8, 3] {
        let mut c = ours.client();
        c.cmd(&format!("HELLO {}", proto));
        c.cmd("SUBSCRIBE +sdown");
        c.cmd("PSUBSCRIBE +s*");
        assert_eq!(ours.broker.publish(b"+sdown", b"master m 127.0.0.1 6379"), 2);
        let head = if proto == 2 { "*" } else { ">" };
        assert_eq!(
            String::from_utf8_lossy(&c.reply()),
            format!("{}3\r\n$7\r\nmessage\r\n$6\r\n+sdown\r\n$23\r\nmaster m 127.0.0.1 6379\r\n", head)
        );
        assert_eq!(
            String::from_utf8_lossy(&c.reply()),
            format!(
                "{}4\r\n$8\r\npmessage\r\n$3\r\n+s*\r\n$6\r\n+sdown\r\n$23\r\nmaster m 127.0.0.1 6379\r\n",
                head
            )
        );
        assert_eq!(ours.broker.publish(b"-sdown", b"x"), 0);
        c.cmd("PUNSUBSCRIBE");
        c.cmd("UNSUBSCRIBE");
        assert_eq!(ours.broker.publish(b"+sdown", b"x"), 0);
    }
    // Subscriptions of a closed connection are forgotten.
    let mut c = ours.client();
    c.cmd("SUBSCRIBE gone");
    drop(c);
    eventually("the broker to forget the closed subscriber", || ours.broker.counts() == (0, 0));
}

#[test]
fn slow_subscriber_hits_the_output_limit() {
    let ours = Ours::start();
    let mut slow = ours.client();
    slow.cmd("CLIENT SETNAME slow");
    slow.cmd("SUBSCRIBE flood");
    let mut admin = ours.client();
    let msg = vec![b'x'; 64 * 1024];
    // More than the 32 MB hard limit while the subscriber reads nothing.
    for _ in 0..700 {
        ours.broker.publish(b"flood", &msg);
    }
    eventually("the slow subscriber to be disconnected", || {
        client_list(&mut admin).iter().all(|l| field(l, "name") != "slow")
    });
    slow.stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    slow.expect_closed();
}

#[test]
fn client_pause_write_holds_publish_only() {
    let ours = Ours::start();
    let mut admin = ours.client();
    let mut w = ours.client();
    w.cmd("CLIENT SETNAME writer");
    assert_eq!(admin.cmd("CLIENT PAUSE 600000 WRITE"), b"+OK\r\n");
    // PING is not a write.
    assert_eq!(w.cmd("PING"), b"+PONG\r\n");
    w.send_cmd(&[b"PUBLISH", b"x", b"y"]);
    eventually("the writer to be blocked", || {
        client_list(&mut admin)
            .iter()
            .any(|l| field(l, "name") == "writer" && field(l, "flags").contains('b'))
    });
    let info = String::from_utf8_lossy(&parse(&admin.cmd("INFO clients")).bytes()).into_owned();
    assert!(info.contains("blocked_clients:1\r\n"), "{}", info);
    assert_eq!(admin.cmd("CLIENT UNPAUSE"), b"+OK\r\n");
    // The held PUBLISH now runs (the sentinel module answers it).
    let reply = w.reply();
    assert!(reply.starts_with(b":") || reply.starts_with(b"-"), "{:?}", reply);
    let info = String::from_utf8_lossy(&parse(&admin.cmd("INFO clients")).bytes()).into_owned();
    assert!(info.contains("blocked_clients:0\r\n"), "{}", info);
}

#[test]
fn client_pause_all_ends_by_itself() {
    let ours = Ours::start();
    let mut a = ours.client();
    assert_eq!(a.cmd("CLIENT PAUSE 300"), b"+OK\r\n");
    // Everything waits, even the client that paused; the pause then expires.
    assert_eq!(a.cmd("PING"), b"+PONG\r\n");
}

#[test]
fn killed_and_deleted_users_lose_their_connections() {
    let ours = Ours::start();
    let mut admin = ours.client();
    assert_eq!(admin.cmd("ACL SETUSER bob on >pw +@all"), b"+OK\r\n");
    let mut bob = ours.client();
    assert_eq!(bob.cmd("AUTH bob pw"), b"+OK\r\n");
    assert_eq!(admin.cmd("CLIENT KILL USER bob"), b":1\r\n");
    bob.expect_closed();
    let mut bob = ours.client();
    assert_eq!(bob.cmd("AUTH bob pw"), b"+OK\r\n");
    assert_eq!(admin.cmd("ACL DELUSER bob"), b":1\r\n");
    bob.expect_closed();
    // Deleting yourself: the reply still arrives, then the connection closes.
    assert_eq!(admin.cmd("ACL SETUSER me on >pw +@all"), b"+OK\r\n");
    assert_eq!(admin.cmd("AUTH me pw"), b"+OK\r\n");
    assert_eq!(admin.cmd("ACL DELUSER me"), b":1\r\n");
    admin.expect_closed();
}

#[test]
fn acl_changes_reach_the_config_for_rewrite() {
    let ours = Ours::start();
    let mut c = ours.client();
    assert_eq!(c.cmd("ACL SETUSER app on >pw -@all +ping"), b"+OK\r\n");
    let users = ours.handle.0.server_config.lock().unwrap().users.clone();
    assert!(users.contains(&vec![
        "app".to_string(),
        "on".into(),
        format!("#{}", rsentinel::server::acl::hash_password(b"pw")),
        "resetchannels".into(),
        "-@all".into(),
        "+ping".into(),
    ]));
    assert!(users.iter().any(|u| u[0] == "default"));
    assert_eq!(c.cmd("ACL DELUSER app"), b":1\r\n");
    let users = ours.handle.0.server_config.lock().unwrap().users.clone();
    assert!(users.iter().all(|u| u[0] != "app"));
}

#[test]
fn requirepass_and_renamed_commands() {
    let ours = Ours::start_with(ServerConfig {
        requirepass: Some("pw".into()),
        rename_commands: vec![RenameCommand { from: "client".into(), to: "cl".into() }],
        ..ServerConfig::default()
    });
    let mut c = ours.client();
    assert_eq!(c.cmd("PING"), b"-NOAUTH Authentication required.\r\n");
    assert_eq!(c.cmd("AUTH pw"), b"+OK\r\n");
    assert_eq!(c.cmd("CLIENT ID"), b"-ERR unknown command 'CLIENT', with args beginning with: 'ID' \r\n");
    assert!(c.cmd("CL ID").starts_with(b":"));
    assert_eq!(c.cmd("CL nope"), b"-ERR unknown subcommand 'nope'. Try CL HELP.\r\n");
    let help = parse(&c.cmd("CL HELP"));
    assert_eq!(help.items()[0].bytes(), b"CL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
}

#[test]
fn connection_stats() {
    let ours = Ours::start();
    let mut a = ours.client();
    for _ in 0..3 {
        let mut b = ours.client();
        b.cmd("PING");
    }
    let stat = |a: &mut Client, k: &str| -> u64 {
        let info = String::from_utf8_lossy(&parse(&a.cmd("INFO stats")).bytes()).into_owned();
        info.lines().find_map(|l| l.strip_prefix(&format!("{}:", k))).unwrap().parse().unwrap()
    };
    assert_eq!(stat(&mut a, "total_connections_received"), 4);
    // Three PINGs and the INFO just above (INFO counts once it has run).
    assert_eq!(stat(&mut a, "total_commands_processed"), 4);
    // Byte counters are updated by each connection's task after its socket call returns, so
    // another connection may look a moment too early.
    eventually("output bytes to be counted", || stat(&mut a, "total_net_output_bytes") >= 3 * 7);
    eventually("reads to be counted", || stat(&mut a, "total_reads_processed") >= 4);
}

#[test]
fn bind_listens_and_reports_errors() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let port = server_harness::free_port();
    let cfg = ServerConfig { port, bind: vec!["127.0.0.1".into()], ..ServerConfig::default() };
    let listeners = rt.block_on(rsentinel::server::bind(&cfg)).unwrap();
    assert_eq!((listeners.plain.len(), listeners.tls.len()), (1, 0));
    assert_eq!(listeners.plain[0].local_addr().unwrap().port(), port);
    // The same port again: a clear error.
    let err = rt.block_on(rsentinel::server::bind(&cfg)).unwrap_err();
    assert!(err
        .to_string()
        .contains(&format!("Could not create server TCP listening socket 127.0.0.1:{}", port)));
    drop(listeners);
    // Default: every interface (IPv4, and IPv6 when the host has it).
    let cfg = ServerConfig { port: server_harness::free_port(), ..ServerConfig::default() };
    let listeners = rt.block_on(rsentinel::server::bind(&cfg)).unwrap();
    assert!(listeners.plain.iter().any(|l| l.local_addr().unwrap().ip().is_unspecified()));
    drop(listeners);
    // A TLS port gets its own listeners; with neither port, nothing would listen.
    let (plain, tls) = (server_harness::free_port(), server_harness::free_port());
    let mut both = ServerConfig { port: plain, bind: vec!["127.0.0.1".into()], ..ServerConfig::default() };
    both.tls.port = tls;
    let listeners = rt.block_on(rsentinel::server::bind(&both)).unwrap();
    assert_eq!(listeners.tls[0].local_addr().unwrap().port(), tls);
    assert_eq!(listeners.plain[0].local_addr().unwrap().port(), plain);
    drop(listeners);
    let nowhere = ServerConfig { port: 0, ..ServerConfig::default() };
    let err = rt.block_on(rsentinel::server::bind(&nowhere)).unwrap_err();
    assert_eq!(err.to_string(), "Configured to not listen anywhere, exiting.");
    // Bad settings are refused before anything listens.
    let bad_user = ServerConfig { users: vec![vec!["x".into(), "+nosuchcommand".into()]], ..cfg.clone() };
    let err = rt.block_on(rsentinel::server::bind(&bad_user)).unwrap_err();
    assert_eq!(err.to_string(), "Error in user declaration 'x': Unknown command or category name in ACL");
    let bad_rename =
        ServerConfig { rename_commands: vec![RenameCommand { from: "get".into(), to: "x".into() }], ..cfg };
    let err = rt.block_on(rsentinel::server::bind(&bad_rename)).unwrap_err();
    assert_eq!(err.to_string(), "rename-command: No such command in rename-command");
}
