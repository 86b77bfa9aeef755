//! Side-by-side tests: the same bytes go to a real redis-sentinel 7.0.15 and to rsentinel's
//! server, and the replies must match byte for byte. Only values that depend on time,
//! sockets, memory or hash-table order are normalised.

mod server_harness;

use rsentinel::config::model::{RenameCommand, ServerConfig};
use server_harness::{have_real, mask_client_line, parse, Client, Ours, Real, V};

/// Send each request to a fresh connection pair and compare the replies exactly.
fn exact(real: &mut Client, ours: &mut Client, requests: &[&[u8]]) {
    for req in requests {
        real.send(req);
        ours.send(req);
        let (r, o) = (real.reply(), ours.reply());
        assert_eq!(
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&r),
            "request {:?}",
            String::from_utf8_lossy(req)
        );
    }
}

fn pair() -> Option<(Real, Ours)> {
    if !have_real() {
        eprintln!("redis-sentinel not installed; skipping comparison");
        return None;
    }
    Some((Real::start(), Ours::start()))
}

/// Requests whose replies do not depend on anything volatile, in any protocol.
const STABLE: &[&[u8]] = &[
    b"PING\r\n",
    b"PING hello\r\n",
    b"*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n",
    b"ping\r\n",
    b"PING \"a\\x41b\" \r\n",
    b"PING 'it\\'s'\r\n",
    b"PING a\tb\r\n",
    b"PING a b\r\n",
    b"*2\r\n$4\r\nPING\r\n$1\r\n\xff\r\n",
    b"*2\r\n$4\r\nPING\r\n$3\r\na\x00b\r\n",
    b"ECHO a\r\n",
    b"QUIT\r\n",
    b"GET a b c d e f\r\n",
    b"get a b c d e f g h i j k l m n\r\n",
    b"*3\r\n$3\r\nGET\r\n$1\r\na\r\n$0\r\n\r\n",
    b"*2\r\n$3\r\nGET\r\n$3\r\na\x00b\r\n",
    b"*2\r\n$3\r\nGET\r\n$3\r\n\xff\xfeb\r\n",
    b"*2\r\n$3\r\nGET\r\n$3\r\na\rb\r\n",
    b"*1\r\n$0\r\n\r\n",
    b"*1\r\n$3\r\na\x00b\r\n",
    b"MULTI\r\n",
    b"CONFIG GET port\r\n",
    b"SSUBSCRIBE x\r\n",
    b"ROLE x\r\n",
    b"SENTINEL\r\n",
    b"SENTINEL foo\r\n",
    b"SENTINEL SIMULATE-FAILURE\r\n",
    b"SENTINEL INFO-CACHE\r\n",
    b"PUBLISH a\r\n",
    b"PUBLISH a b\r\n",
    b"PUBLISH __sentinel__:hello junk\r\n",
    b"ROLE\r\n",
    b"SUBSCRIBE\r\n",
    b"PSUBSCRIBE\r\n",
    b"AUTH\r\n",
    b"AUTH x\r\n",
    b"AUTH a b\r\n",
    b"AUTH a b c\r\n",
    b"HELLO abc\r\n",
    b"HELLO 4\r\n",
    b"HELLO 1\r\n",
    b"HELLO 0\r\n",
    b"HELLO -1\r\n",
    b"HELLO 3.0\r\n",
    b"HELLO 99999999999999999999\r\n",
    b"HELLO 3 FOO\r\n",
    b"HELLO 3 AUTH default\r\n",
    b"HELLO 3 SETNAME\r\n",
    b"HELLO 3 SETNAME a\\ b\r\n",
    b"HELLO 3 SETNAME 'a b'\r\n",
    b"CLIENT\r\n",
    b"CLIENT foo\r\n",
    b"CLIENT x y\r\n",
    b"client setname\r\n",
    b"CLIENT SETNAME a b\r\n",
    b"CLIENT SETNAME 'a b'\r\n",
    b"CLIENT SETNAME \"a\\nb\"\r\n",
    b"CLIENT SETNAME \"\\x7f\"\r\n",
    b"CLIENT SETNAME \"\\x80\"\r\n",
    b"CLIENT GETNAME\r\n",
    b"CLIENT SETNAME foo\r\n",
    b"CLIENT GETNAME\r\n",
    b"CLIENT SETNAME ~!\r\n",
    b"CLIENT GETNAME\r\n",
    b"CLIENT SETNAME \"\"\r\n",
    b"CLIENT GETNAME\r\n",
    b"CLIENT GETNAME x\r\n",
    b"CLIENT ID x\r\n",
    b"CLIENT INFO x\r\n",
    b"CLIENT HELP\r\n",
    b"CLIENT KILL\r\n",
    b"CLIENT KILL 1.2.3.4:5\r\n",
    b"CLIENT KILL foo\r\n",
    b"CLIENT KILL ID 99999\r\n",
    b"CLIENT KILL ID x\r\n",
    b"CLIENT KILL ID 0\r\n",
    b"CLIENT KILL ID\r\n",
    b"CLIENT KILL TYPE foo\r\n",
    b"CLIENT KILL TYPE normal SKIPME maybe\r\n",
    b"CLIENT KILL USER nobody\r\n",
    b"CLIENT KILL FOO bar\r\n",
    b"CLIENT KILL TYPE pubsub\r\n",
    b"CLIENT KILL TYPE master\r\n",
    b"CLIENT KILL TYPE replica\r\n",
    b"CLIENT KILL ADDR 1.2.3.4:5\r\n",
    b"CLIENT KILL LADDR 1.2.3.4:5\r\n",
    b"CLIENT KILL MAXAGE 5\r\n",
    b"CLIENT KILL a b c\r\n",
    b"CLIENT KILL ID 1 TYPE\r\n",
    b"CLIENT LIST TYPE\r\n",
    b"CLIENT LIST TYPE foo\r\n",
    b"CLIENT LIST TYPE master\r\n",
    b"CLIENT LIST ID\r\n",
    b"CLIENT LIST ID x\r\n",
    b"CLIENT LIST ID 999999\r\n",
    b"CLIENT LIST ID -1\r\n",
    b"CLIENT LIST FOO\r\n",
    b"CLIENT LIST TYPE normal ID 1\r\n",
    b"CLIENT GETREDIR\r\n",
    b"CLIENT TRACKINGINFO\r\n",
    b"CLIENT CACHING yes\r\n",
    b"CLIENT TRACKING foo\r\n",
    b"CLIENT TRACKING on REDIRECT 999999\r\n",
    b"CLIENT TRACKING on REDIRECT x\r\n",
    b"CLIENT TRACKING on prefix a\r\n",
    b"CLIENT TRACKING on bcast prefix a prefix ab\r\n",
    b"CLIENT TRACKING on optin optout\r\n",
    b"CLIENT TRACKING on bcast optin\r\n",
    b"CLIENT TRACKING on optin\r\n",
    b"CLIENT TRACKINGINFO\r\n",
    b"CLIENT CACHING yes\r\n",
    b"CLIENT TRACKINGINFO\r\n",
    b"CLIENT CACHING no\r\n",
    b"CLIENT CACHING maybe\r\n",
    b"CLIENT TRACKING on optout\r\n",
    b"CLIENT TRACKING on bcast\r\n",
    b"CLIENT GETREDIR\r\n",
    b"CLIENT TRACKING off\r\n",
    b"CLIENT TRACKING on bcast prefix a prefix b noloop\r\n",
    b"CLIENT TRACKING on bcast prefix ax\r\n",
    b"CLIENT TRACKINGINFO\r\n",
    b"CLIENT TRACKING off\r\n",
    b"CLIENT TRACKING on bcast\r\n",
    b"CLIENT TRACKINGINFO\r\n",
    b"CLIENT TRACKING off\r\n",
    b"CLIENT NO-EVICT\r\n",
    b"CLIENT NO-EVICT foo\r\n",
    b"CLIENT NO-EVICT on\r\n",
    b"CLIENT NO-EVICT off\r\n",
    b"CLIENT UNBLOCK 1\r\n",
    b"CLIENT UNBLOCK x\r\n",
    b"CLIENT UNBLOCK 1 foo\r\n",
    b"CLIENT UNBLOCK x foo\r\n",
    b"CLIENT UNBLOCK 1 error\r\n",
    b"CLIENT UNBLOCK 1 2 3\r\n",
    b"CLIENT PAUSE x\r\n",
    b"CLIENT PAUSE x foo\r\n",
    b"CLIENT PAUSE 10 foo\r\n",
    b"CLIENT PAUSE -1\r\n",
    b"CLIENT PAUSE 1 2 3\r\n",
    b"CLIENT UNPAUSE\r\n",
    b"CLIENT REPLY foo\r\n",
    b"COMMAND COUNT\r\n",
    b"COMMAND COUNT x\r\n",
    b"COMMAND HELP\r\n",
    b"COMMAND x\r\n",
    b"COMMAND GETKEYS\r\n",
    b"COMMAND GETKEYS ping\r\n",
    b"COMMAND GETKEYS ping x\r\n",
    b"COMMAND GETKEYS get x\r\n",
    b"COMMAND GETKEYS client nope x\r\n",
    b"COMMAND GETKEYS sentinel masters\r\n",
    b"COMMAND GETKEYSANDFLAGS ping x\r\n",
    b"COMMAND INFO ping\r\n",
    b"COMMAND INFO foo ping\r\n",
    b"COMMAND INFO client|id\r\n",
    b"COMMAND INFO client|nope a|b|c\r\n",
    b"COMMAND INFO sentinel|master publish hello auth shutdown\r\n",
    b"COMMAND DOCS foo\r\n",
    b"COMMAND DOCS ping\r\n",
    b"COMMAND DOCS hello shutdown client|kill sentinel|slaves\r\n",
    b"COMMAND LIST FILTERBY\r\n",
    b"COMMAND LIST FOO\r\n",
    b"COMMAND LIST FILTERBY FOO x\r\n",
    b"COMMAND LIST FILTERBY MODULE x\r\n",
    b"COMMAND LIST FILTERBY ACLCAT nope\r\n",
    b"ACL\r\n",
    b"ACL FOO\r\n",
    b"ACL HELP\r\n",
    b"ACL WHOAMI\r\n",
    b"ACL USERS\r\n",
    b"ACL LIST\r\n",
    b"ACL GETUSER default\r\n",
    b"ACL GETUSER nobody\r\n",
    b"ACL CAT\r\n",
    b"ACL CAT foo\r\n",
    b"ACL CAT read\r\n",
    b"ACL GENPASS 0\r\n",
    b"ACL GENPASS 9999\r\n",
    b"ACL GENPASS x\r\n",
    b"ACL GENPASS 1 2\r\n",
    b"ACL LOG foo\r\n",
    b"ACL LOG 1 2\r\n",
    b"ACL SAVE\r\n",
    b"ACL LOAD\r\n",
    b"ACL DELUSER default\r\n",
    b"ACL DELUSER nobody\r\n",
    b"ACL DRYRUN nobody ping\r\n",
    b"ACL DRYRUN default foo\r\n",
    b"ACL DRYRUN default client nope\r\n",
    b"ACL DRYRUN default ping a b\r\n",
    b"ACL DRYRUN default ping\r\n",
    b"ACL SETUSER \"a b\"\r\n",
    b"ACL SETUSER x +get\r\n",
    b"ACL SETUSER w +client|nope\r\n",
    b"ACL SETUSER w +client|id|x\r\n",
    b"ACL SETUSER w +ping|\r\n",
    b"ACL SETUSER w -ping|x\r\n",
    b"ACL SETUSER w +@nope\r\n",
    b"ACL SETUSER w bogus\r\n",
    b"ACL SETUSER w (+ping ~x) (-@all &a\r\n",
    b"ACL SETUSER u >p #abc\r\n",
    b"ACL SETUSER u <nope\r\n",
    b"ACL SETUSER z allkeys ~x\r\n",
    b"ACL SETUSER z allchannels &x\r\n",
    b"ACL GETUSER w\r\n",
    b"ACL SETUSER u >p >p >q <q\r\n",
    b"ACL GETUSER u\r\n",
    b"ACL SETUSER y reset\r\n",
    b"ACL GETUSER y\r\n",
    b"ACL SETUSER z on nopass +@all -ping ~a* %R~b &c allkeys\r\n",
    b"ACL GETUSER z\r\n",
    b"ACL SETUSER z resetkeys %RW~k %W~j %R~j ~j &x &x\r\n",
    b"ACL GETUSER z\r\n",
    b"ACL SETUSER v on (+ping ~x) \"(+role\" \"&a)\"\r\n",
    b"ACL GETUSER v\r\n",
    b"ACL SETUSER s on nopass -@all +@connection +@admin -client|kill\r\n",
    b"ACL SETUSER q on nopass +subscribe &ab\r\n",
    b"ACL DRYRUN q subscribe x ab\r\n",
    b"ACL DRYRUN q subscribe ab\r\n",
    b"ACL DRYRUN q publish x y\r\n",
    b"ACL DRYRUN q psubscribe ab\r\n",
    b"ACL DRYRUN s client kill 1.2.3.4:5\r\n",
    b"ACL DRYRUN s client id\r\n",
    b"ACL USERS\r\n",
    b"ACL DELUSER u y nobody\r\n",
    b"ACL USERS\r\n",
    b"ACL LOG RESET\r\n",
    b"ACL LOG\r\n",
    b"INFO replication\r\n",
    b"INFO foo bar\r\n",
    b"INFO commandstats\r\n",
    b"INFO keyspace\r\n",
    b"SHUTDOWN foo\r\n",
    b"SHUTDOWN ABORT\r\n",
    b"SHUTDOWN NOSAVE SAVE\r\n",
    b"SHUTDOWN SAVE NOSAVE\r\n",
    b"SHUTDOWN NOW FOO\r\n",
    b"SHUTDOWN ABORT NOW\r\n",
    b"\r\n   \r\nPING\r\n",
    b"*0\r\n*-1\r\nPING\r\n",
    b"*-5\r\nPING\r\n",
    b"*1\r\n$4\r\nPINGxx",
    b"*1\r\n$4\r\nPING\r\n\r\n",
];

#[test]
fn stable_replies_match_in_resp2() {
    let Some((real, ours)) = pair() else { return };
    exact(&mut real.client(), &mut ours.client(), STABLE);
}

#[test]
fn stable_replies_match_in_resp3() {
    let Some((real, ours)) = pair() else { return };
    let (mut r, mut o) = (real.client(), ours.client());
    r.cmd("HELLO 3");
    o.cmd("HELLO 3");
    exact(&mut r, &mut o, STABLE);
}

/// A HELLO reply with the client id masked.
fn mask_hello(reply: &[u8]) -> V {
    match parse(reply) {
        V::Map(m) => V::Map(
            m.into_iter()
                .map(|(k, v)| if k == V::Bulk(b"id".to_vec()) { (k, V::Int(0)) } else { (k, v) })
                .collect(),
        ),
        V::Array(a) => V::Array(
            a.chunks(2)
                .flat_map(|c| {
                    if c[0] == V::Bulk(b"id".to_vec()) {
                        vec![c[0].clone(), V::Int(0)]
                    } else {
                        c.to_vec()
                    }
                })
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn hello_replies_match() {
    let Some((real, ours)) = pair() else { return };
    let (mut r, mut o) = (real.client(), ours.client());
    for req in [
        "HELLO",
        "HELLO 3",
        "HELLO",
        "HELLO 2",
        "HELLO 2 SETNAME foo",
        "HELLO 3 AUTH default x",
        "HELLO 3 SETNAME x SETNAME y",
    ] {
        let (rr, or) = (r.cmd(req), o.cmd(req));
        assert_eq!(or[0], rr[0], "{}: type", req);
        assert_eq!(mask_hello(&or), mask_hello(&rr), "{}", req);
    }
    exact(&mut r, &mut o, &[b"CLIENT GETNAME\r\n"]);
    // The id in HELLO is the CLIENT ID.
    let id = o.cmd("CLIENT ID");
    let hello = parse(&o.cmd("HELLO"));
    let V::Map(m) = hello else { panic!("map") };
    let hello_id = m.iter().find(|(k, _)| *k == V::Bulk(b"id".to_vec())).unwrap().1.clone();
    assert_eq!(parse(&id), hello_id);
}

#[test]
fn client_info_and_list_lines_match() {
    let Some((real, ours)) = pair() else { return };
    for proto in ["2", "3"] {
        let (mut r, mut o) = (real.client(), ours.client());
        for c in [&mut r, &mut o] {
            c.cmd(&format!("HELLO {}", proto));
            c.cmd("CLIENT SETNAME me");
            c.cmd("CLIENT TRACKING on");
            c.cmd("CLIENT NO-EVICT on");
        }
        for req in ["CLIENT INFO", "CLIENT LIST TYPE normal"] {
            let (rr, or) = (r.cmd(req), o.cmd(req));
            assert_eq!(or[0], rr[0], "{} reply type", req);
            let (rv, ov) = (parse(&rr).bytes(), parse(&or).bytes());
            let (rs, os) = (String::from_utf8_lossy(&rv), String::from_utf8_lossy(&ov));
            assert!(rs.ends_with('\n') && os.ends_with('\n'), "{:?} {:?}", rs, os);
            // Connections of the previous round may still be closing: look at our own line,
            // the newest one (the list is in id order).
            let mine = |text: &str| text.lines().rfind(|l| l.contains(" name=me ")).map(mask_client_line);
            assert_eq!(mine(&os), mine(&rs), "{}", req);
            assert!(mine(&os).is_some());
        }
        // A subscriber, seen from another connection.
        let (mut rs, mut os) = (real.client(), ours.client());
        for c in [&mut rs, &mut os] {
            c.cmd("CLIENT SETNAME sub");
            c.cmd("SUBSCRIBE a");
            c.cmd("PSUBSCRIBE b*");
        }
        let (rr, or) = (r.cmd("CLIENT LIST TYPE pubsub"), o.cmd("CLIENT LIST TYPE pubsub"));
        let line = |b: &[u8]| {
            let text = String::from_utf8_lossy(&parse(b).bytes()).into_owned();
            text.lines().find(|l| l.contains(" name=sub ")).map(mask_client_line)
        };
        assert_eq!(line(&or), line(&rr));
        assert!(line(&or).is_some());
    }
}

#[test]
fn client_list_counts_and_kill() {
    let Some((real, ours)) = pair() else { return };
    for (port, is_real) in [(real.port, true), (ours.port, false)] {
        let mut a = Client::connect(port);
        let mut sub = Client::connect(port);
        sub.cmd("SUBSCRIBE x");
        // Earlier connections (the start-up probe) may still be closing: poll.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let list = String::from_utf8_lossy(&parse(&a.cmd("CLIENT LIST")).bytes()).into_owned();
            if list.lines().count() == 2 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "real={} {}", is_real, list);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(a.cmd("CLIENT KILL TYPE pubsub"), b":1\r\n");
        sub.expect_closed();
        let id = String::from_utf8_lossy(&a.cmd("CLIENT ID"))[1..].trim().to_string();
        // Killing yourself by id: the reply arrives, then the connection closes.
        assert_eq!(a.cmd(&format!("CLIENT KILL ID {} SKIPME no", id)), b":1\r\n");
        a.expect_closed();
        // Old form by address.
        let mut b = Client::connect(port);
        let mut c = Client::connect(port);
        let info = String::from_utf8_lossy(&parse(&c.cmd("CLIENT INFO")).bytes()).into_owned();
        let addr = info.split(' ').find_map(|kv| kv.strip_prefix("addr=")).unwrap().to_string();
        assert_eq!(b.cmd(&format!("CLIENT KILL {}", addr)), b"+OK\r\n");
        c.expect_closed();
        assert_eq!(b.cmd(&format!("CLIENT KILL {}", addr)), b"-ERR No such client\r\n");
    }
}

#[test]
fn command_table_matches() {
    let Some((real, ours)) = pair() else { return };
    for proto in ["2", "3"] {
        let (mut r, mut o) = (real.client(), ours.client());
        r.cmd(&format!("HELLO {}", proto));
        o.cmd(&format!("HELLO {}", proto));
        // Redis lists commands in its hash table's order: compare as sets.
        for req in [
            "COMMAND",
            "COMMAND INFO",
            "COMMAND DOCS",
            "COMMAND LIST",
            "COMMAND LIST FILTERBY ACLCAT connection",
            "COMMAND LIST FILTERBY PATTERN p*",
            "COMMAND LIST FILTERBY PATTERN CLIENT|*",
            "COMMAND INFO client",
            "COMMAND DOCS client sentinel acl command",
            "ACL CAT connection",
            "ACL CAT admin",
            "ACL CAT pubsub",
        ] {
            let (rr, or) = (r.cmd(req), o.cmd(req));
            assert_eq!(parse(&or).sorted(), parse(&rr).sorted(), "{} (RESP{})", req, proto);
        }
    }
}

#[test]
fn info_sections_and_fields_match() {
    let Some((real, ours)) = pair() else { return };
    let (mut r, mut o) = (real.client(), ours.client());
    // Section headers and field names, in order; the Sentinel section's body belongs to the
    // sentinel module and is checked there.
    let shape = |reply: &[u8]| -> Vec<String> {
        assert_eq!(reply[0], b'$');
        let text = String::from_utf8_lossy(&parse(reply).bytes()).into_owned();
        assert!(text.is_empty() || text.ends_with("\r\n"));
        let mut out = Vec::new();
        let mut in_sentinel = false;
        for line in text.split("\r\n") {
            if line.starts_with('#') {
                in_sentinel = line == "# Sentinel";
                out.push(line.to_string());
            } else if line.is_empty() {
                out.push(String::new());
            } else if !in_sentinel {
                out.push(line.split(':').next().unwrap().to_string());
            }
        }
        out
    };
    for req in [
        "INFO",
        "INFO default",
        "INFO all",
        "INFO everything",
        "INFO server",
        "INFO CLIENTS",
        "INFO stats",
        "INFO cpu",
        "INFO sentinel server",
        "INFO server clients",
        "INFO foo cpu",
        "INFO all sentinel",
    ] {
        assert_eq!(shape(&o.cmd(req)), shape(&r.cmd(req)), "{}", req);
    }
    // RESP3 still gets a bulk string.
    o.cmd("HELLO 3");
    assert_eq!(o.cmd("INFO cpu")[0], b'$');
}

#[test]
fn info_values_are_real() {
    let ours = Ours::start();
    let mut c = ours.client();
    let mut sub = ours.client();
    sub.cmd("SUBSCRIBE a b");
    sub.reply();
    sub.cmd("PSUBSCRIBE x*");
    c.cmd("GET x");
    let info = String::from_utf8_lossy(&parse(&c.cmd("INFO")).bytes()).into_owned();
    let field = |name: &str| -> String {
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{}:", name)))
            .unwrap_or_else(|| panic!("{}", name))
            .to_string()
    };
    assert_eq!(field("redis_version"), "7.0.15");
    assert_eq!(field("redis_mode"), "sentinel");
    assert_eq!(field("process_id"), std::process::id().to_string());
    assert_eq!(field("run_id"), "0123456789abcdef0123456789abcdef01234567");
    assert_eq!(field("tcp_port"), ours.port.to_string());
    assert_eq!(field("connected_clients"), "2");
    assert_eq!(field("total_connections_received"), "2");
    assert_eq!(field("pubsub_channels"), "2");
    assert_eq!(field("pubsub_patterns"), "1");
    // SUBSCRIBE, PSUBSCRIBE (INFO itself is counted after it runs); GET is unknown.
    assert_eq!(field("total_commands_processed"), "2");
    assert_eq!(field("total_error_replies"), "1");
    assert!(field("total_net_input_bytes").parse::<u64>().unwrap() > 0);
    let hz: u32 = field("hz").parse().unwrap();
    assert!((10..20).contains(&hz));
    assert!(field("used_cpu_user").contains('.'));
}

#[test]
fn subscribe_flows_match() {
    let Some((real, ours)) = pair() else { return };
    let flow: &[&[u8]] = &[
        b"SUBSCRIBE a\r\n",
        b"SUBSCRIBE a\r\n",
        b"PING\r\n",
        b"PING x\r\n",
        b"CLIENT GETNAME\r\n",
        b"INFO foo\r\n",
        b"HELLO 9\r\n",
        b"COMMAND COUNT\r\n",
        b"ROLE\r\n",
        b"GET x\r\n",
        b"QUIT\r\n",
        b"SUBSCRIBE\r\n",
        b"PSUBSCRIBE a* a*\r\n",
        b"PUNSUBSCRIBE x\r\n",
        b"UNSUBSCRIBE c\r\n",
        b"UNSUBSCRIBE\r\n",
        b"PUNSUBSCRIBE\r\n",
        b"UNSUBSCRIBE\r\n",
        b"PUNSUBSCRIBE\r\n",
        b"PING\r\n",
        b"CLIENT ID x\r\n",
    ];
    // Each SUBSCRIBE / PSUBSCRIBE request may produce several replies; count them.
    let replies_for = |req: &[u8]| -> usize {
        let s = String::from_utf8_lossy(req);
        let words: Vec<&str> = s.split_whitespace().collect();
        match words[0] {
            "SUBSCRIBE" | "PSUBSCRIBE" | "UNSUBSCRIBE" | "PUNSUBSCRIBE" if words.len() > 1 => words.len() - 1,
            _ => 1,
        }
    };
    for proto in ["2", "3"] {
        let (mut r, mut o) = (real.client(), ours.client());
        r.cmd(&format!("HELLO {}", proto));
        o.cmd(&format!("HELLO {}", proto));
        for req in flow {
            r.send(req);
            o.send(req);
            for _ in 0..replies_for(req) {
                assert_eq!(
                    String::from_utf8_lossy(&o.reply()),
                    String::from_utf8_lossy(&r.reply()),
                    "RESP{} {:?}",
                    proto,
                    String::from_utf8_lossy(req)
                );
            }
        }
    }
}

#[test]
fn unsubscribe_all_lists_every_subscription() {
    let Some((real, ours)) = pair() else { return };
    for proto in ["2", "3"] {
        let (mut r, mut o) = (real.client(), ours.client());
        for c in [&mut r, &mut o] {
            c.cmd(&format!("HELLO {}", proto));
            c.send(b"SUBSCRIBE a b c\r\n");
            c.reply();
            c.reply();
            c.reply();
        }
        // Redis walks its channel dict in hash order: compare the channels as a set and the
        // counts as a sequence.
        let collect = |c: &mut Client| {
            c.send(b"UNSUBSCRIBE\r\n");
            let mut names = Vec::new();
            let mut counts = Vec::new();
            for _ in 0..3 {
                let reply = c.reply();
                assert_eq!(reply[0], if proto == "2" { b'*' } else { b'>' });
                let v = parse(&reply);
                let items = v.items();
                assert_eq!(items[0], V::Bulk(b"unsubscribe".to_vec()));
                names.push(items[1].bytes());
                counts.push(items[2].clone());
            }
            names.sort();
            (names, counts)
        };
        assert_eq!(collect(&mut o), collect(&mut r));
    }
}

#[test]
fn published_events_reach_subscribers_like_redis() {
    if !have_real() {
        return;
    }
    // A real sentinel publishes +sdown quickly with a short down-after.
    let real = Real::start_with("sentinel down-after-milliseconds m 100\n");
    let ours = Ours::start();
    for proto in ["2", "3"] {
        let mut r = real.client();
        let mut o = ours.client();
        for c in [&mut r, &mut o] {
            c.cmd(&format!("HELLO {}", proto));
            c.cmd("PSUBSCRIBE *");
            c.cmd("SUBSCRIBE +sdown");
        }
        // The real one reports +sdown (on the channel and the pattern) once the master is
        // found down; reset the master (from another connection) so it happens again now.
        assert_eq!(real.client().cmd("SENTINEL RESET m"), b":1\r\n");
        let mut got = Vec::new();
        while got.len() < 2 {
            let reply = r.reply();
            let v = parse(&reply);
            let items = v.items().to_vec();
            let channel = items[items.len() - 2].bytes();
            if channel == b"+sdown" {
                got.push(reply);
            }
        }
        let payload = parse(&got[0]).items().last().unwrap().bytes();
        ours.broker.publish(b"+sdown", &payload);
        let mut mine = vec![o.reply(), o.reply()];
        mine.sort();
        got.sort();
        assert_eq!(mine, got, "RESP{}", proto);
    }
}

#[test]
fn protocol_errors_match_and_close() {
    let Some((real, ours)) = pair() else { return };
    let cases: &[&[u8]] = &[
        b"*a\r\n",
        b"*2\r\nx\r\n",
        b"*1\r\n$-1\r\n",
        b"*1\r\n$abc\r\n",
        b"*1\r\n$600000000\r\n",
        b"*1\r\n$536870913\r\n",
        b"*99999999999999999999\r\n",
        b"*+1\r\n$4\r\nPING\r\n",
        b"*1\r\n$+4\r\nPING\r\n",
        b"*1\r\n$ 4\r\n",
        b"*1x\r\n",
        b"*1\r\n$4x\r\n",
        b"PING 'abc\r\n",
        b"PING \"a\"b\r\n",
        b"\"\r\n",
        b"PING\r\n*a\r\nPING\r\n",
        b"*2\r\n$4\r\nPING\r\n\xff\r\n",
    ];
    for case in cases {
        let (mut r, mut o) = (real.client(), ours.client());
        r.send(case);
        o.send(case);
        let mut rr = Vec::new();
        while let Some(x) = r.try_reply() {
            rr.push(x);
        }
        let mut or = Vec::new();
        while let Some(x) = o.try_reply() {
            or.push(x);
        }
        assert_eq!(or, rr, "{:?}", String::from_utf8_lossy(case));
    }
    // Too long lines (no line end within 64 KB).
    for case in [
        vec![b'x'; 70_000],
        [b"*1\r\n$".as_slice(), &[b'1'; 70_000]].concat(),
        [b"*".as_slice(), &[b'1'; 70_000]].concat(),
    ] {
        let (mut r, mut o) = (real.client(), ours.client());
        r.send(&case);
        o.send(&case);
        assert_eq!(o.try_reply(), r.try_reply());
        o.expect_closed();
    }
    // HTTP-looking requests close the connection silently.
    for case in [&b"POST / HTTP/1.1\r\n"[..], b"host: x\r\n"] {
        let (mut r, mut o) = (real.client(), ours.client());
        r.send(case);
        o.send(case);
        assert_eq!(r.try_reply(), None);
        assert_eq!(o.try_reply(), None);
    }
}

#[test]
fn client_reply_modes_match() {
    let Some((real, ours)) = pair() else { return };
    let (mut r, mut o) = (real.client(), ours.client());
    for c in [&mut r, &mut o] {
        c.send(b"CLIENT REPLY OFF\r\nPING\r\nGET x\r\nCLIENT REPLY SKIP\r\nPING a\r\nCLIENT REPLY ON\r\nPING b\r\n");
    }
    exact(&mut r, &mut o, &[b"CLIENT REPLY SKIP\r\nPING c\r\nPING d\r\n"]);
    assert_eq!(o.reply(), r.reply()); // the +OK of REPLY ON came first
}

#[test]
fn auth_and_acl_match_with_requirepass() {
    if !have_real() {
        return;
    }
    let users = "user admin on >pw allchannels +@all\n\
                 user r on >pw2 -@all +auth +client|getname +client|id +ping +hello +sentinel|myid &ev* +subscribe +psubscribe\n";
    let real = Real::start_with(&format!("requirepass secret\n{}", users));
    let ours = Ours::start_with(ServerConfig {
        requirepass: Some("secret".into()),
        users: users.lines().map(|l| l.split(' ').skip(1).map(str::to_string).collect()).collect(),
        ..ServerConfig::default()
    });
    let (mut r, mut o) = (real.client(), ours.client());
    exact(
        &mut r,
        &mut o,
        &[
            b"PING\r\n",
            b"GET x\r\n",
            b"ROLE x\r\n",
            b"CLIENT ID\r\n",
            b"HELLO\r\n",
            b"HELLO 3\r\n",
            b"HELLO 3 AUTH default bad\r\n",
            b"AUTH\r\n",
            b"AUTH wrong\r\n",
            b"AUTH nobody x\r\n",
            b"PING\r\n",
            // Ten arguments are fine before AUTH (the arity error comes first).
            &Client::encode(&[&b"PING"[..]; 10]),
        ],
    );
    // Unauthenticated size limits close the connection.
    for case in [&b"*11\r\n"[..], b"*1\r\n$16385\r\n"] {
        let (mut r2, mut o2) = (real.client(), ours.client());
        r2.send(case);
        o2.send(case);
        assert_eq!(o2.try_reply(), r2.try_reply());
        assert_eq!(o2.try_reply(), None);
    }
    exact(
        &mut r,
        &mut o,
        &[
            b"AUTH secret\r\n",
            b"PING\r\n",
            b"AUTH wrong\r\n",
            b"PING\r\n",
            b"ACL WHOAMI\r\n",
            &Client::encode(&[&b"PING"[..]; 11]),
            b"AUTH r pw2\r\n",
            b"ACL WHOAMI\r\n",
            b"PING\r\n",
            b"ROLE\r\n",
            b"CLIENT ID x\r\n",
            b"CLIENT SETNAME x\r\n",
            b"SENTINEL masters\r\n",
            b"INFO\r\n",
            b"SUBSCRIBE foo\r\n",
            b"SUBSCRIBE evx\r\n",
            b"PSUBSCRIBE e*\r\n",
            b"PSUBSCRIBE ev*\r\n",
            b"PSUBSCRIBE ev*x\r\n",
            b"UNSUBSCRIBE nope\r\n",
            b"AUTH admin pw\r\n",
            b"ACL USERS\r\n",
            b"ACL GETUSER admin\r\n",
            b"ACL DRYRUN r ping\r\n",
            b"ACL DRYRUN r role\r\n",
            b"ACL DRYRUN r subscribe evx foo\r\n",
            b"HELLO 3 AUTH r pw2\r\n",
            b"ACL LOG\r\n",
            b"AUTH admin pw\r\n",
        ],
    );
    // The first connection is stuck in RESP2 pub/sub as a user that cannot unsubscribe.
    let (mut r, mut o) = (real.client(), ours.client());
    exact(&mut r, &mut o, &[b"AUTH admin pw\r\n"]);
    // ACL LOG: newest first, grouped; ages and client details are volatile.
    let (rr, or) = (r.cmd("ACL LOG"), o.cmd("ACL LOG"));
    let strip = |b: &[u8]| -> Vec<Vec<(V, V)>> {
        parse(b)
            .items()
            .iter()
            .map(|e| {
                let pairs: Vec<(V, V)> = match e {
                    V::Map(m) => m.clone(),
                    other => other.items().chunks(2).map(|c| (c[0].clone(), c[1].clone())).collect(),
                };
                pairs
                    .into_iter()
                    .filter(|(k, _)| *k != V::Bulk(b"age-seconds".to_vec()))
                    .map(|(k, v)| {
                        if k == V::Bulk(b"client-info".to_vec()) {
                            let line = mask_client_line(&String::from_utf8_lossy(&v.bytes()));
                            (k, V::Bulk(line.into_bytes()))
                        } else {
                            (k, v)
                        }
                    })
                    .collect()
            })
            .collect()
    };
    assert_eq!(strip(&or), strip(&rr));
    // ACL LIST: rules after the category choice come in hash order in Redis.
    let tokens = |b: &[u8]| -> Vec<Vec<String>> {
        parse(b)
            .items()
            .iter()
            .map(|l| {
                let mut t: Vec<String> =
                    String::from_utf8_lossy(&l.bytes()).split(' ').map(str::to_string).collect();
                t.sort();
                t
            })
            .collect()
    };
    assert_eq!(tokens(&o.cmd("ACL LIST")), tokens(&r.cmd("ACL LIST")));
}

#[test]
fn rename_command_matches() {
    if !have_real() {
        return;
    }
    let real = Real::start_with("rename-command ping pong2\nrename-command role \"\"\n");
    let ours = Ours::start_with(ServerConfig {
        rename_commands: vec![
            RenameCommand { from: "ping".into(), to: "pong2".into() },
            RenameCommand { from: "role".into(), to: "".into() },
        ],
        ..ServerConfig::default()
    });
    exact(
        &mut real.client(),
        &mut ours.client(),
        &[
            b"PING\r\n",
            b"PONG2\r\n",
            b"pong2 x\r\n",
            b"pong2 x y\r\n",
            b"ROLE\r\n",
            b"COMMAND COUNT\r\n",
            b"COMMAND INFO ping pong2 role\r\n",
            b"COMMAND DOCS ping\r\n",
        ],
    );
}

#[test]
fn shutdown_closes_the_connection() {
    let Some((real, ours)) = pair() else { return };
    for port in [real.port, ours.port] {
        let mut c = Client::connect(port);
        c.send(b"SHUTDOWN NOSAVE\r\n");
        assert_eq!(c.try_reply(), None);
    }
    assert!(*ours.handle.0.shutdown.borrow());
}

#[test]
fn last_command_field_matches() {
    let Some((real, ours)) = pair() else { return };
    let (mut ra, mut oa) = (real.client(), ours.client());
    let (mut rb, mut ob) = (real.client(), ours.client());
    ra.cmd("CLIENT SETNAME watched");
    oa.cmd("CLIENT SETNAME watched");
    // What CLIENT LIST shows as the last command of another client.
    let cmd_of = |b: &mut Client| -> String {
        let text = String::from_utf8_lossy(&parse(&b.cmd("CLIENT LIST")).bytes()).into_owned();
        let line = text.lines().find(|l| l.contains("name=watched")).unwrap().to_string();
        line.split(' ').find_map(|kv| kv.strip_prefix("cmd=")).unwrap().to_string()
    };
    for req in ["GET x", "ROLE x", "CLIENT nope", "CLIENT", "CLIENT GETNAME", "PING"] {
        ra.cmd(req);
        oa.cmd(req);
        assert_eq!(cmd_of(&mut ob), cmd_of(&mut rb), "after {}", req);
    }
}

#[test]
fn redis_cli_output_matches() {
    let Some((real, ours)) = pair() else { return };
    let cli = |port: u16, args: &[&str]| -> String {
        let out = std::process::Command::new("/usr/bin/redis-cli")
            .arg("-p")
            .arg(port.to_string())
            .args(args)
            .output()
            .expect("redis-cli");
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    for args in [
        &["PING"][..],
        &["PING", "hi"],
        &["COMMAND", "COUNT"],
        &["COMMAND", "INFO", "ping"],
        &["ACL", "WHOAMI"],
        &["ACL", "CAT"],
        &["CLIENT", "GETNAME"],
        &["GET", "x"],
        &["-3", "CLIENT", "TRACKINGINFO"],
        &["-3", "ACL", "GETUSER", "default"],
        &["-3", "INFO", "nothing"],
        &["-3", "COMMAND", "DOCS", "ping"],
    ] {
        assert_eq!(cli(ours.port, args), cli(real.port, args), "{:?}", args);
    }
}
