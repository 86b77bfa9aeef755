//! The link registry against a real redis-server: init pipelining, reply order and tags,
//! pub/sub hellos, and exactly-once `Closed` semantics.

mod links_support;

use links_support::{command, events_until, free_port, next_event, tag, RedisServer};
use rsentinel::core::{Conn, LinkId, Reply, ReplyTag};
use rsentinel::monitor::{LinkEvent, LinkRegistry};

const HELLO: &str = "__sentinel__:hello";

fn reply_of(ev: &LinkEvent) -> Option<(LinkId, Conn, &ReplyTag, &Reply)> {
    match ev {
        LinkEvent::Reply { link, conn, tag, reply } => Some((*link, *conn, tag, reply)),
        _ => None,
    }
}

/// The link an event belongs to.
fn link_of(ev: &LinkEvent) -> LinkId {
    match ev {
        LinkEvent::Connected { link, .. }
        | LinkEvent::Reply { link, .. }
        | LinkEvent::Message { link, .. }
        | LinkEvent::PubSubActivity { link }
        | LinkEvent::Closed { link, .. } => *link,
    }
}

/// Connect a command link with `init`, wait for `Connected` and the init replies.
async fn connected_command_link(
    registry: &LinkRegistry,
    events: &mut rsentinel::monitor::link::LinkEvents,
    link: LinkId,
    port: u16,
    name: &str,
) {
    registry.connect(
        link,
        Conn::Command,
        "127.0.0.1",
        port,
        vec![
            (command(&["CLIENT", "SETNAME", name]), ReplyTag::Discard),
            (
                command(&["PING"]),
                ReplyTag::Ping(rsentinel::core::InstanceRef::Master(rsentinel::core::MasterId(1))),
            ),
        ],
    );
    events_until(events, |ev| matches!(reply_of(ev), Some((l, _, ReplyTag::Ping(_), _)) if l == link)).await;
}

/// Init replies come first, in order and with their tags, then the commands queued before
/// the connection was up, in the order they were sent.
#[tokio::test]
async fn command_link_pipelines_init_then_queued_commands() {
    let server = RedisServer::start();
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(1);
    registry.connect(
        link,
        Conn::Command,
        "127.0.0.1",
        server.port,
        vec![(command(&["CLIENT", "SETNAME", "sentinel-test-cmd"]), tag(1)), (command(&["PING"]), tag(2))],
    );
    // The test runtime is single-threaded and nothing has awaited yet, so the task has not even
    // started connecting: these are queued before the connection is up.
    registry.send(link, command(&["INFO"]), tag(3));
    registry.send(link, command(&["NOSUCHCOMMAND", "x"]), tag(4));
    registry.send(link, command(&["CLIENT", "GETNAME"]), tag(5));
    registry.send(link, command(&["ECHO", "a\r\nb\0c"]), tag(6));

    match next_event(&mut events).await {
        LinkEvent::Connected { link: l, conn: Conn::Command, local_ip } => {
            assert_eq!(l, link);
            assert_eq!(local_ip, "127.0.0.1");
        }
        other => panic!("expected Connected, got {:?}", other),
    }
    let mut replies = Vec::new();
    for _ in 0..6 {
        let ev = next_event(&mut events).await;
        let (l, conn, t, r) = reply_of(&ev).unwrap_or_else(|| panic!("expected a reply, got {:?}", ev));
        assert_eq!((l, conn), (link, Conn::Command));
        replies.push((t.clone(), r.clone()));
    }
    let tags: Vec<ReplyTag> = replies.iter().map(|(t, _)| t.clone()).collect();
    assert_eq!(tags, (1..=6).map(tag).collect::<Vec<_>>());
    assert_eq!(replies[0].1, Reply::Status("OK".into()));
    assert_eq!(replies[1].1, Reply::Status("PONG".into()));
    match &replies[2].1 {
        Reply::Bulk(info) => assert!(String::from_utf8_lossy(info).contains("redis_version:")),
        other => panic!("INFO should be a bulk string, got {:?}", other),
    }
    match &replies[3].1 {
        Reply::Error(e) => assert!(e.starts_with("ERR unknown command"), "{}", e),
        other => panic!("expected an error, got {:?}", other),
    }
    assert_eq!(replies[4].1, Reply::Bulk(b"sentinel-test-cmd".to_vec()));
    assert_eq!(replies[5].1, Reply::Bulk(b"a\r\nb\0c".to_vec()));
    assert!(server.cli(&["CLIENT", "LIST"]).contains("name=sentinel-test-cmd"));
}

/// The pub/sub connection: init replies are tagged, the SUBSCRIBE confirmation is activity,
/// and hellos published through our command link or redis-cli arrive as messages.
#[tokio::test]
async fn pubsub_link_receives_hello_messages() {
    let server = RedisServer::start();
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(7);
    registry.connect(
        link,
        Conn::PubSub,
        "127.0.0.1",
        server.port,
        vec![
            (command(&["CLIENT", "SETNAME", "sentinel-test-pubsub"]), tag(1)),
            (command(&["SUBSCRIBE", HELLO]), tag(2)),
        ],
    );
    let seen = events_until(&mut events, |ev| matches!(ev, LinkEvent::PubSubActivity { .. })).await;
    assert_eq!(
        seen,
        vec![
            LinkEvent::Connected { link, conn: Conn::PubSub, local_ip: "127.0.0.1".into() },
            LinkEvent::Reply { link, conn: Conn::PubSub, tag: tag(1), reply: Reply::Status("OK".into()) },
            LinkEvent::PubSubActivity { link },
        ]
    );

    // Publish through the command connection of the same link, as Sentinel sends hellos.
    connected_command_link(&registry, &mut events, link, server.port, "sentinel-test-cmd").await;
    let payload = "127.0.0.1,26379,0123456789abcdef0123456789abcdef01234567,0,mymaster,127.0.0.1,6379,0";
    registry.send(link, command(&["PUBLISH", HELLO, payload]), tag(3));
    let seen = events_until(&mut events, |ev| matches!(ev, LinkEvent::Message { .. })).await;
    assert_eq!(
        seen.last(),
        Some(&LinkEvent::Message { link, channel: HELLO.into(), payload: payload.into() })
    );
    // The PUBLISH reply (one subscriber) arrives too, before or after the message.
    let publish_reply = LinkEvent::Reply { link, conn: Conn::Command, tag: tag(3), reply: Reply::Integer(1) };
    if !seen.contains(&publish_reply) {
        assert_eq!(next_event(&mut events).await, publish_reply);
    }

    assert_eq!(server.cli(&["PUBLISH", HELLO, "from-cli"]).trim(), "1");
    assert_eq!(
        next_event(&mut events).await,
        LinkEvent::Message { link, channel: HELLO.into(), payload: b"from-cli".to_vec() }
    );
}

/// When the server dies, each connection reports `Closed` once and retires: sends to the link
/// are dropped and nothing more arrives from it.
#[tokio::test]
async fn server_death_closes_each_connection_once() {
    let mut server = RedisServer::start();
    let witness = RedisServer::start();
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(1);
    connected_command_link(&registry, &mut events, link, server.port, "doomed-cmd").await;
    registry.connect(
        link,
        Conn::PubSub,
        "127.0.0.1",
        server.port,
        vec![(command(&["SUBSCRIBE", HELLO]), tag(9))],
    );
    events_until(&mut events, |ev| matches!(ev, LinkEvent::PubSubActivity { .. })).await;
    assert_eq!(registry.connection_count(), 2);

    server.kill();
    let mut closed = Vec::new();
    while closed.len() < 2 {
        match next_event(&mut events).await {
            LinkEvent::Closed { link: l, conn, error } => {
                assert_eq!(l, link);
                assert!(!error.is_empty());
                closed.push(conn);
            }
            other => panic!("unexpected event after the server died: {:?}", other),
        }
    }
    closed.sort_by_key(|c| *c == Conn::PubSub);
    assert_eq!(closed, vec![Conn::Command, Conn::PubSub]);
    assert_eq!(registry.connection_count(), 0);

    // A send to the retired link goes nowhere. A command on another link is the barrier: the
    // channel is FIFO, so anything the dead link emitted would come before its reply.
    registry.send(link, command(&["PING"]), tag(10));
    let other = LinkId(2);
    connected_command_link(&registry, &mut events, other, witness.port, "witness").await;
    registry.send(other, command(&["PING"]), tag(11));
    let seen =
        events_until(&mut events, |ev| matches!(reply_of(ev), Some((_, _, t, _)) if *t == tag(11))).await;
    assert!(seen.iter().all(|ev| link_of(ev) == other), "{:?}", seen);
}

/// Events already queued when the core closes a connection are not delivered, and the
/// connection's socket goes away.
#[tokio::test]
async fn close_silences_the_connection() {
    let server = RedisServer::start();
    let (registry, mut events) = LinkRegistry::new();
    let closed = LinkId(1);
    let witness = LinkId(2);
    connected_command_link(&registry, &mut events, closed, server.port, "to-be-closed").await;
    connected_command_link(&registry, &mut events, witness, server.port, "witness").await;

    // Many replies in flight (many likely already queued as events) when the close comes.
    for n in 0..2000 {
        registry.send(closed, command(&["PING"]), tag(100 + n));
    }
    let first = next_event(&mut events).await;
    assert_eq!(link_of(&first), closed);
    registry.close(closed, Conn::Command);
    assert_eq!(registry.connection_count(), 1);

    // Wait until the server no longer lists the closed connection, then use the witness link
    // as a barrier (see server_death_closes_each_connection_once).
    let start = std::time::Instant::now();
    while server.cli(&["CLIENT", "LIST"]).contains("name=to-be-closed") {
        assert!(start.elapsed() < links_support::DEADLINE, "closed connection still open on the server");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    registry.send(witness, command(&["PING"]), tag(1));
    let seen =
        events_until(&mut events, |ev| matches!(reply_of(ev), Some((_, _, t, _)) if *t == tag(1))).await;
    assert!(seen.iter().all(|ev| link_of(ev) == witness), "{:?}", seen);
}

/// A second connect for the same (link, conn) replaces the first one, which falls silent.
#[tokio::test]
async fn reconnect_replaces_the_old_connection() {
    let server = RedisServer::start();
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(3);
    connected_command_link(&registry, &mut events, link, server.port, "first").await;
    for n in 0..2000 {
        registry.send(link, command(&["PING"]), tag(100 + n));
    }
    let first = next_event(&mut events).await;
    assert!(matches!(reply_of(&first), Some((_, _, t, _)) if *t == tag(100)), "{:?}", first);

    registry.connect(link, Conn::Command, "127.0.0.1", server.port, vec![(command(&["PING"]), tag(1))]);
    registry.send(link, command(&["CLIENT", "GETNAME"]), tag(2));
    let seen =
        events_until(&mut events, |ev| matches!(reply_of(ev), Some((_, _, t, _)) if *t == tag(2))).await;
    assert_eq!(
        seen,
        vec![
            LinkEvent::Connected { link, conn: Conn::Command, local_ip: "127.0.0.1".into() },
            LinkEvent::Reply { link, conn: Conn::Command, tag: tag(1), reply: Reply::Status("PONG".into()) },
            LinkEvent::Reply { link, conn: Conn::Command, tag: tag(2), reply: Reply::Null },
        ]
    );
    assert_eq!(registry.connection_count(), 1);
}

/// drop_link closes both connections of a link and leaves other links alone.
#[tokio::test]
async fn drop_link_closes_both_connections() {
    let server = RedisServer::start();
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(1);
    let witness = LinkId(2);
    connected_command_link(&registry, &mut events, link, server.port, "dropped-cmd").await;
    registry.connect(
        link,
        Conn::PubSub,
        "127.0.0.1",
        server.port,
        vec![
            (command(&["CLIENT", "SETNAME", "dropped-pubsub"]), tag(1)),
            (command(&["SUBSCRIBE", HELLO]), tag(2)),
        ],
    );
    events_until(&mut events, |ev| matches!(ev, LinkEvent::PubSubActivity { .. })).await;
    connected_command_link(&registry, &mut events, witness, server.port, "witness").await;

    registry.drop_link(link);
    assert_eq!(registry.connection_count(), 1);
    let start = std::time::Instant::now();
    loop {
        let clients = server.cli(&["CLIENT", "LIST"]);
        if !clients.contains("name=dropped-") {
            assert!(clients.contains("name=witness"));
            break;
        }
        assert!(start.elapsed() < links_support::DEADLINE, "dropped link still connected");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(server.cli(&["PUBLISH", HELLO, "nobody"]).trim(), "0");
    registry.send(witness, command(&["PING"]), tag(3));
    let seen =
        events_until(&mut events, |ev| matches!(reply_of(ev), Some((_, _, t, _)) if *t == tag(3))).await;
    assert!(seen.iter().all(|ev| link_of(ev) == witness), "{:?}", seen);
}

/// Nothing listens on the port: the connection reports `Closed`, and queued sends vanish.
#[tokio::test]
async fn refused_connection_reports_closed() {
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(5);
    registry.connect(link, Conn::Command, "127.0.0.1", free_port(), vec![(command(&["PING"]), tag(1))]);
    registry.send(link, command(&["PING"]), tag(2));
    match next_event(&mut events).await {
        LinkEvent::Closed { link: l, conn: Conn::Command, error } => {
            assert_eq!(l, link);
            assert!(error.to_lowercase().contains("refused"), "{}", error);
        }
        other => panic!("expected Closed, got {:?}", other),
    }
    assert_eq!(registry.connection_count(), 0);
}

/// Many links at once on a multi-threaded runtime (a sentinel with 1,000 masters holds
/// thousands): every one connects and answers, and every one reports `Closed` exactly once when
/// the server dies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_links() {
    let mut server = RedisServer::start();
    let (registry, mut events) = LinkRegistry::new();
    let links = 1000u64;
    for n in 0..links {
        let init = vec![(command(&["CLIENT", "SETNAME", &format!("l{}", n)]), ReplyTag::Discard)];
        registry.connect(LinkId(n), Conn::Command, "127.0.0.1", server.port, init);
        registry.send(LinkId(n), command(&["ECHO", &n.to_string()]), tag(n));
    }
    let mut answered = std::collections::HashSet::new();
    while answered.len() < links as usize {
        if let LinkEvent::Reply { link, tag: t, reply, .. } = next_event(&mut events).await {
            if t != ReplyTag::Discard {
                assert_eq!(t, tag(link.0));
                assert_eq!(reply, Reply::Bulk(link.0.to_string().into_bytes()));
                assert!(answered.insert(link));
            }
        }
    }
    assert_eq!(registry.connection_count(), links as usize);
    server.kill();
    let mut closed = std::collections::HashSet::new();
    while closed.len() < links as usize {
        match next_event(&mut events).await {
            LinkEvent::Closed { link, .. } => assert!(closed.insert(link), "second Closed for {:?}", link),
            LinkEvent::Reply { tag: ReplyTag::Discard, .. } => {}
            other => panic!("unexpected {:?}", other),
        }
    }
    assert_eq!(registry.connection_count(), 0);
}
