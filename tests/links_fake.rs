//! The link registry against scripted fake servers: malformed input of every kind ends the
//! connection with exactly one `Closed`, never a panic; odd pub/sub traffic is only activity.

mod links_support;

use std::future::Future;

use bytes::BytesMut;
use links_support::{command, events_until, next_event, tag};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rsentinel::core::{Command, Conn, LinkId, Reply, ReplyTag};
use rsentinel::monitor::link::LinkEvents;
use rsentinel::monitor::{LinkEvent, LinkRegistry};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The bytes a list of commands occupies on the wire.
fn wire_len(cmds: &[Command]) -> usize {
    cmds.iter()
        .map(|c| {
            3 + c.len().to_string().len()
                + c.iter().map(|a| 5 + a.len().to_string().len() + a.len()).sum::<usize>()
        })
        .sum()
}

/// Start a one-connection fake server running `script`; returns its port.
async fn fake_server<F, Fut>(script: F) -> u16
where
    F: FnOnce(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        if let Ok((stream, _)) = listener.accept().await {
            script(stream).await;
        }
    });
    port
}

/// Read exactly the bytes of `cmds` (so closing later sends FIN, not RST over unread input).
async fn read_commands(stream: &mut TcpStream, cmds: &[Command]) {
    let mut buf = vec![0u8; wire_len(cmds)];
    stream.read_exact(&mut buf).await.expect("read the client's commands");
}

/// Connect one command link with a PING init to a server that answers with `garbage` and
/// return the error of its `Closed` (after checking nothing else arrived but `Connected`).
async fn closed_error_after(garbage: Vec<u8>) -> String {
    let init = vec![command(&["PING"])];
    let expected = init.clone();
    let port = fake_server(move |mut s| async move {
        read_commands(&mut s, &expected).await;
        let _ = s.write_all(&garbage).await;
        // Keep the socket open: the client must close because of what it read, not EOF.
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink).await;
    })
    .await;
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(1);
    registry.connect(link, Conn::Command, "127.0.0.1", port, init.into_iter().map(|c| (c, tag(1))).collect());
    assert!(matches!(next_event(&mut events).await, LinkEvent::Connected { .. }));
    match next_event(&mut events).await {
        LinkEvent::Closed { link: l, conn: Conn::Command, error } => {
            assert_eq!(l, link);
            assert_eq!(registry.connection_count(), 0);
            error
        }
        other => panic!("expected Closed, got {:?}", other),
    }
}

#[tokio::test]
async fn garbage_closes_the_connection() {
    let error = closed_error_after(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()).await;
    assert!(error.contains("Protocol error"), "{}", error);
}

#[tokio::test]
async fn huge_bulk_length_closes_the_connection() {
    let error = closed_error_after(b"$99999999999\r\n".to_vec()).await;
    assert!(error.contains("bulk length"), "{}", error);
    let error = closed_error_after(b"$600000000\r\nabc".to_vec()).await;
    assert!(error.contains("bulk length"), "{}", error);
}

/// The probe: a monitored node could send a 512 MB reply and have it buffered. A bulk over
/// the 8 MiB cap closes the link as soon as its length is read.
#[tokio::test]
async fn reply_over_the_size_cap_closes_the_connection() {
    let error = closed_error_after(format!("${}\r\nabc", 9 * 1024 * 1024).into_bytes()).await;
    assert!(error.contains("bulk length"), "{}", error);
}

#[tokio::test]
async fn deep_nesting_closes_the_connection_without_overflowing_the_stack() {
    let error = closed_error_after(b"*1\r\n".repeat(200_000)).await;
    assert!(error.contains("nested"), "{}", error);
}

#[tokio::test]
async fn unterminated_line_closes_the_connection() {
    let mut garbage = b"+".to_vec();
    garbage.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    let error = closed_error_after(garbage).await;
    assert!(error.contains("line longer"), "{}", error);
}

/// The server dies in the middle of a reply: the complete replies before it are delivered, then
/// exactly one `Closed`.
#[tokio::test]
async fn close_mid_reply_delivers_what_was_complete_then_closed() {
    let init = vec![command(&["CLIENT", "SETNAME", "x"]), command(&["PING"])];
    let expected = init.clone();
    let port = fake_server(move |mut s| async move {
        read_commands(&mut s, &expected).await;
        let _ = s.write_all(b"+OK\r\n$10\r\nhel").await;
    })
    .await;
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(1);
    registry.connect(
        link,
        Conn::Command,
        "127.0.0.1",
        port,
        vec![(init[0].clone(), tag(1)), (init[1].clone(), tag(2))],
    );
    let seen = events_until(&mut events, |ev| matches!(ev, LinkEvent::Closed { .. })).await;
    assert_eq!(seen.len(), 3, "{:?}", seen);
    assert!(matches!(seen[0], LinkEvent::Connected { .. }));
    assert_eq!(
        seen[1],
        LinkEvent::Reply { link, conn: Conn::Command, tag: tag(1), reply: Reply::Status("OK".into()) }
    );
    match &seen[2] {
        LinkEvent::Closed { error, .. } => assert!(error.contains("closed the connection"), "{}", error),
        other => panic!("{:?}", other),
    }
}

/// Replies that trickle in one byte at a time are reassembled.
#[tokio::test]
async fn replies_split_into_single_bytes_are_reassembled() {
    let init = vec![command(&["PING"]), command(&["INFO"])];
    let expected = init.clone();
    let port = fake_server(move |mut s| async move {
        read_commands(&mut s, &expected).await;
        let _ = s.set_nodelay(true);
        for b in b"+PONG\r\n*2\r\n$5\r\nhello\r\n*1\r\n:-7\r\n".iter() {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            let _ = s.flush().await;
            tokio::task::yield_now().await;
        }
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink).await;
    })
    .await;
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(1);
    registry.connect(
        link,
        Conn::Command,
        "127.0.0.1",
        port,
        vec![(init[0].clone(), tag(1)), (init[1].clone(), tag(2))],
    );
    let seen =
        events_until(&mut events, |ev| matches!(ev, LinkEvent::Reply { tag: t, .. } if *t == tag(2))).await;
    assert_eq!(
        &seen[1..],
        &[
            LinkEvent::Reply { link, conn: Conn::Command, tag: tag(1), reply: Reply::Status("PONG".into()) },
            LinkEvent::Reply {
                link,
                conn: Conn::Command,
                tag: tag(2),
                reply: Reply::Array(vec![
                    Reply::Bulk(b"hello".to_vec()),
                    Reply::Array(vec![Reply::Integer(-7)])
                ]),
            },
        ]
    );
}

/// On the pub/sub connection only `["message", channel, payload]` with three bulks is a
/// message; everything else (including errors after the tagged init replies) is activity.
#[tokio::test]
async fn odd_pubsub_traffic_is_only_activity() {
    let init = vec![command(&["AUTH", "pw"]), command(&["SUBSCRIBE", "__sentinel__:hello"])];
    let expected = init.clone();
    let port = fake_server(move |mut s| async move {
        read_commands(&mut s, &expected).await;
        let traffic: &[&[u8]] = &[
            b"-WRONGPASS invalid username-password pair\r\n",
            b"*3\r\n$9\r\nsubscribe\r\n$18\r\n__sentinel__:hello\r\n:1\r\n",
            b"*3\r\n$7\r\nmessage\r\n:1\r\n$1\r\nx\r\n",
            b"*2\r\n$7\r\nmessage\r\n$1\r\nc\r\n",
            b"*4\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n$1\r\nq\r\n",
            b"*3\r\n$7\r\nMESSAGE\r\n$1\r\nc\r\n$1\r\np\r\n",
            b"+PONG\r\n",
            b"-ERR whatever\r\n",
            b"*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$0\r\n\r\n",
        ];
        for t in traffic {
            let _ = s.write_all(t).await;
        }
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink).await;
    })
    .await;
    let (registry, mut events) = LinkRegistry::new();
    let link = LinkId(4);
    registry.connect(
        link,
        Conn::PubSub,
        "127.0.0.1",
        port,
        vec![(init[0].clone(), tag(1)), (init[1].clone(), tag(2))],
    );
    let seen = events_until(&mut events, |ev| matches!(ev, LinkEvent::Message { .. })).await;
    let mut expected = vec![
        LinkEvent::Connected { link, conn: Conn::PubSub, local_ip: "127.0.0.1".into() },
        LinkEvent::Reply {
            link,
            conn: Conn::PubSub,
            tag: tag(1),
            reply: Reply::Error("WRONGPASS invalid username-password pair".into()),
        },
    ];
    expected.extend(std::iter::repeat_n(LinkEvent::PubSubActivity { link }, 7));
    expected.push(LinkEvent::Message { link, channel: b"c".to_vec(), payload: Vec::new() });
    assert_eq!(seen, expected);
    // `send` never goes to a pub/sub connection.
    registry.send(
        link,
        command(&["PING"]),
        ReplyTag::Ping(rsentinel::core::InstanceRef::Master(rsentinel::core::MasterId(1))),
    );
    registry.close(link, Conn::PubSub);
    assert_eq!(registry.connection_count(), 0);
}

/// Our own hellos, echoed back by the server, never become events: the link reports only the
/// activity (once, they all arrive within 100 ms), and other sentinels' hellos pass through.
#[tokio::test]
async fn own_hellos_are_dropped_at_the_link() {
    let me = "a".repeat(40);
    let init = vec![command(&["SUBSCRIBE", "__sentinel__:hello"])];
    let expected = init.clone();
    let mine = format!("127.0.0.1,26379,{me},0,m,127.0.0.1,6379,0");
    let theirs = format!("127.0.0.1,26380,{},0,m,127.0.0.1,6379,0", "b".repeat(40));
    let theirs2 = theirs.clone();
    let port = fake_server(move |mut s| async move {
        read_commands(&mut s, &expected).await;
        let msg = |p: &str| {
            format!("*3\r\n$7\r\nmessage\r\n$18\r\n__sentinel__:hello\r\n${}\r\n{}\r\n", p.len(), p)
        };
        let mut out = String::new();
        for _ in 0..50 {
            out.push_str(&msg(&mine));
        }
        out.push_str(&msg(&theirs2));
        let _ = s.write_all(out.as_bytes()).await;
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink).await;
    })
    .await;
    let (registry, mut events) = LinkRegistry::new();
    registry.set_own_id(&me);
    let link = LinkId(5);
    registry.connect(link, Conn::PubSub, "127.0.0.1", port, vec![(init[0].clone(), tag(1))]);
    let seen = events_until(&mut events, |ev| matches!(ev, LinkEvent::Message { .. })).await;
    assert_eq!(
        seen,
        vec![
            LinkEvent::Connected { link, conn: Conn::PubSub, local_ip: "127.0.0.1".into() },
            LinkEvent::PubSubActivity { link },
            LinkEvent::Message {
                link,
                channel: b"__sentinel__:hello".to_vec(),
                payload: theirs.into_bytes()
            },
        ]
    );
    registry.close(link, Conn::PubSub);
}

/// Random bytes from the server: whatever they decode to, each connection ends with exactly one
/// `Closed` (when the input is rejected, or at EOF) and the process survives.
#[tokio::test]
async fn random_input_never_panics() {
    let (registry, mut events) = LinkRegistry::new();
    let alphabet = b"+-:$*\r\n0123456789-abc";
    let conns = 40u64;
    for seed in 0..conns {
        let mut rng = StdRng::seed_from_u64(seed);
        let len = rng.gen_range(1..2000);
        let bytes: Vec<u8> = (0..len)
            .map(|_| if rng.gen_bool(0.8) { alphabet[rng.gen_range(0..alphabet.len())] } else { rng.gen() })
            .collect();
        let port = fake_server(move |mut s| async move {
            let _ = s.write_all(&bytes).await;
            // Read until the client goes away, then close (EOF for clients still waiting).
            let mut buf = [0u8; 1024];
            let _ = tokio::time::timeout(std::time::Duration::from_millis(50), s.read(&mut buf)).await;
        })
        .await;
        let init = (0..5).map(|n| (command(&["PING"]), tag(n))).collect();
        registry.connect(LinkId(seed), Conn::Command, "127.0.0.1", port, init);
    }
    let mut closed = std::collections::HashSet::new();
    while closed.len() < conns as usize {
        if let LinkEvent::Closed { link, .. } = next_event(&mut events).await {
            assert!(closed.insert(link), "second Closed for {:?}", link);
        }
    }
    assert_eq!(registry.connection_count(), 0);
}

/// A listener that never accepts, with its accept queue full: the SYN is dropped and the
/// connect deadline fires.
#[tokio::test]
async fn connect_deadline_reports_closed() {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind("127.0.0.1:0".parse().expect("addr")).expect("bind");
    let listener = socket.listen(0).expect("listen");
    let port = listener.local_addr().expect("addr").port();
    // Fill the accept queue; once a filler cannot connect, the queue is full.
    let mut fillers = Vec::new();
    for _ in 0..8 {
        let attempt = TcpStream::connect(("127.0.0.1", port));
        match tokio::time::timeout(std::time::Duration::from_millis(300), attempt).await {
            Ok(Ok(s)) => fillers.push(s),
            _ => break,
        }
    }
    let (registry, mut events) = LinkRegistry::with_connect_timeout(std::time::Duration::from_millis(500));
    registry.connect(LinkId(1), Conn::Command, "127.0.0.1", port, vec![(command(&["PING"]), tag(1))]);
    match next_event(&mut events).await {
        LinkEvent::Closed { error, .. } => assert!(error.contains("timed out"), "{}", error),
        other => panic!("expected Closed, got {:?}", other),
    }
    drop(listener);
}

/// Dropping the registry ends every task: sockets close and the event stream ends.
#[tokio::test]
async fn dropping_the_registry_ends_all_tasks() {
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel();
    let port = fake_server(move |mut s| async move {
        let mut buf = BytesMut::new();
        while let Ok(n) = s.read_buf(&mut buf).await {
            if n == 0 {
                break;
            }
        }
        let _ = eof_tx.send(());
    })
    .await;
    let (registry, mut events): (LinkRegistry, LinkEvents) = LinkRegistry::new();
    registry.connect(LinkId(1), Conn::Command, "127.0.0.1", port, vec![]);
    assert!(matches!(next_event(&mut events).await, LinkEvent::Connected { .. }));
    drop(registry);
    let ended = tokio::time::timeout(links_support::DEADLINE, events.recv()).await;
    assert_eq!(ended, Ok(None));
    tokio::time::timeout(links_support::DEADLINE, eof_rx)
        .await
        .expect("server saw EOF")
        .expect("sender kept");
}
