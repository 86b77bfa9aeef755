//! TLS: a TLS-only deployment (every redis-server and sentinel on a `tls-port` with `port 0`,
//! `tls-replication yes`) of rsentinels, of redis-sentinels and of a mix: discovery,
//! SDOWN/ODOWN, failover, clients finding the master (redis-cli `--tls`, redis-py with
//! `ssl=True`); no clear text on any link; start-up refusals; certificate rotation;
//! `tls-auth-clients`; handshake failures logged without flooding; hostname verification.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use common::scenario::{mix_for_env, switch_payload, wait_event_on_all, Payload, DOWN_AFTER_MS};
use common::tls_certs::{common_name, Leaf, TestCerts};
use common::{
    free_port, process, unique_name, wait_until, Client, Deployment, Kind, RedisServer, SentinelOptions,
    SentinelProc,
};
use Kind::{Redis as R, Rsentinel as RS};

const DISCOVERY: Duration = Duration::from_secs(40);
const EVENT: Duration = Duration::from_secs(40);
const FAILOVER: Duration = Duration::from_secs(90);

fn tls_options() -> SentinelOptions {
    SentinelOptions { tls: true, ..SentinelOptions::default() }
}

/// `redis-cli --tls ... -p <port> <args>` with the test client certificate.
fn redis_cli_tls(port: u16, args: &[&str]) -> String {
    let certs = TestCerts::shared();
    let out = Command::new(common::tool_path("RSENTINEL_REDIS_CLI", "redis-cli"))
        .args(certs.cli_args())
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .output()
        .expect("run redis-cli");
    assert!(out.status.success(), "redis-cli failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// redis-py over TLS: discover the master through the sentinels, write and read a key on it.
/// Prints `<ip> <port> <value>`.
const REDIS_PY_TLS: &str = r#"
import sys
from redis.sentinel import Sentinel
name, ca, cert, key, ports = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], [int(p) for p in sys.argv[5:]]
tls = dict(ssl=True, ssl_ca_certs=ca, ssl_certfile=cert, ssl_keyfile=key)
sentinel = Sentinel([("127.0.0.1", p) for p in ports], sentinel_kwargs=dict(tls, socket_timeout=2), socket_timeout=2, **tls)
ip, port = sentinel.discover_master(name)
master = sentinel.master_for(name, socket_timeout=2, **tls)
master.set("tls-key", "over-tls")
print(ip, port, master.get("tls-key").decode())
"#;

fn redis_py_discovers(name: &str, sentinel_ports: &[u16]) -> String {
    let certs = TestCerts::shared();
    let mut cmd = Command::new("/usr/bin/python3");
    cmd.args(["-c", REDIS_PY_TLS, name, &certs.ca(), &certs.path("client.crt"), &certs.path("client.key")]);
    cmd.args(sentinel_ports.iter().map(u16::to_string));
    let out = cmd.output().expect("run python3");
    assert!(out.status.success(), "redis-py failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The whole TLS-only scenario for one mix of sentinel kinds.
fn tls_only_deployment(mix: &[Kind]) {
    let mix = mix_for_env(mix);
    eprintln!("=== TLS-only mix {mix:?}");
    let mut d = Deployment::builder()
        .master_name(&unique_name("tls"))
        .replicas(2)
        .sentinel_kinds(&mix)
        .quorum(2)
        .down_after_ms(DOWN_AFTER_MS)
        .failover_timeout_ms(10_000)
        .redis_args(&["--repl-diskless-sync-delay", "0"])
        .tls()
        .start();
    // Discovery: replicas through INFO, peers through hellos, all over TLS.
    d.wait_for_discovery(DISCOVERY);
    for s in &d.sentinels {
        let peers: Vec<i64> =
            s.instances("SENTINELS", &d.name).iter().filter_map(|p| p.field_int("port")).collect();
        for other in d.sentinels.iter().filter(|o| o.port() != s.port()) {
            assert!(
                peers.contains(&i64::from(other.port())),
                "{}: peers {peers:?} list the TLS port",
                s.kind()
            );
        }
    }
    // Clients find the master over TLS.
    let master_port = d.master.port();
    let reply = redis_cli_tls(d.sentinels[0].port(), &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", &d.name]);
    assert_eq!(reply.split_whitespace().collect::<Vec<_>>(), vec!["127.0.0.1", &master_port.to_string()]);
    let ports: Vec<u16> = d.sentinels.iter().map(SentinelProc::port).collect();
    assert_eq!(redis_py_discovers(&d.name, &ports), format!("127.0.0.1 {master_port} over-tls"));

    // SDOWN, ODOWN and a failover, agreed on by every sentinel.
    let mut subs = d.subscribe_all(&["*"]);
    d.master.kill();
    let master = format!("master {} 127.0.0.1 {master_port}", d.name);
    wait_event_on_all(&mut subs, "+sdown", &Payload::Is(master.clone()), EVENT);
    let new = d.wait_for_new_master(master_port, FAILOVER);
    wait_event_on_all(
        &mut subs,
        "+switch-master",
        &Payload::Is(switch_payload(&d.name, master_port, new)),
        EVENT,
    );
    // The leader reached ODOWN through the others' answers over TLS (a follower may learn the
    // new configuration from a hello before its own ODOWN).
    let odown = Payload::StartsWith(format!("{master} #quorum "));
    assert!(
        subs.iter().any(|s| s.seen().iter().any(|m| m.channel == "+odown" && odown.matches(&m.payload))),
        "{mix:?}: some sentinel reached +odown"
    );
    assert_eq!(d.server(new).expect("new master").role(), "master");
    let other = d.replicas.iter().find(|r| r.port() != new).expect("other replica");
    other.wait_replicating_from(new, FAILOVER, "the other replica follows the new master over TLS");
    assert_eq!(redis_py_discovers(&d.name, &ports), format!("127.0.0.1 {new} over-tls"));
}

// Side by side: the same deployment of each kind, and mixed both ways.
#[test]
fn tls_only_deployment_of_rsentinels() {
    tls_only_deployment(&[RS, RS, RS]);
}

#[test]
fn tls_only_deployment_of_redis_sentinels() {
    tls_only_deployment(&[R, R, R]);
}

#[test]
fn tls_only_mixed_deployments() {
    tls_only_deployment(&[RS, RS, R]);
    tls_only_deployment(&[R, R, RS]);
}

// ---------------------------------------------------------------------------------------------
// No clear text: the TLS port does not answer plaintext, and every outgoing link starts with
// a TLS handshake.

/// Whether `bytes` start like a TLS handshake record (ContentType 22, version 3.x).
fn is_tls_record(bytes: &[u8]) -> bool {
    bytes.len() >= 3 && bytes[0] == 0x16 && bytes[1] == 0x03
}

#[test]
fn the_tls_port_gives_plaintext_clients_nothing() {
    for kind in Kind::from_env() {
        let s = SentinelProc::start_with(kind, "", tls_options());
        assert!(s.client().ping_ok(), "{kind}: a TLS client is served");
        for probe in [&b"PING\r\n"[..], b"*1\r\n$4\r\nPING\r\n"] {
            let mut c = Client::try_connect_plain(s.port()).expect("plain connect");
            c.send_raw(probe).expect("send");
            let got = c.read_until_closed(Duration::from_secs(10)).unwrap_or_default();
            assert!(!got.windows(4).any(|w| w == b"PONG"), "{kind}: plaintext PING answered: {got:?}");
            assert!(
                !got.starts_with(b"+") && !got.starts_with(b"-"),
                "{kind}: a RESP reply in clear: {got:?}"
            );
        }
    }
}

/// Accept `n` connections on `listener` and return the first bytes each sent.
fn first_bytes_of(listener: &TcpListener, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
    listener.set_nonblocking(true).expect("nonblocking");
    let deadline = Instant::now() + timeout;
    let mut out = Vec::new();
    while out.len() < n {
        assert!(Instant::now() < deadline, "only {} of {n} connections within {timeout:?}", out.len());
        match listener.accept() {
            Ok((mut conn, _)) => {
                conn.set_nonblocking(false).expect("blocking");
                conn.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
                let mut buf = [0u8; 16];
                let n = conn.read(&mut buf).unwrap_or(0);
                out.push(buf[..n].to_vec());
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::thread::sleep(common::POLL_INTERVAL),
            Err(e) => panic!("accept: {e}"),
        }
    }
    out
}

#[test]
fn every_outgoing_link_starts_with_a_tls_handshake() {
    for kind in Kind::from_env() {
        // A "master" and a "peer sentinel" that only record what arrives.
        let master = TcpListener::bind("127.0.0.1:0").expect("bind");
        let peer = TcpListener::bind("127.0.0.1:0").expect("bind");
        let name = unique_name("probe");
        let conf = format!(
            "sentinel monitor {name} 127.0.0.1 {} 1\nsentinel known-sentinel {name} 127.0.0.1 {} {}\n",
            master.local_addr().unwrap().port(),
            peer.local_addr().unwrap().port(),
            "a".repeat(40)
        );
        let _s = SentinelProc::start_with(kind, &conf, tls_options());
        // The command and pub/sub connections to the master, the command one to the peer.
        for bytes in first_bytes_of(&master, 2, Duration::from_secs(15)) {
            assert!(is_tls_record(&bytes), "{kind}: master link began with {bytes:?}");
        }
        let bytes = &first_bytes_of(&peer, 1, Duration::from_secs(15))[0];
        assert!(is_tls_record(bytes), "{kind}: sentinel link began with {bytes:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Start-up refusals: the file and the reason.

/// Run rsentinel (TLS-only) with `extra` config lines and expect it to refuse to start with
/// every text of `expect` in its output.
fn refuses(kind: Kind, extra: &str, expect: &[&str]) {
    let port = free_port();
    let conf = format!("{}bind 127.0.0.1\n{extra}", TestCerts::shared().config_lines(port));
    let out = SentinelProc::run_to_exit(kind, Some(&conf), &[], Duration::from_secs(20));
    assert!(!out.status.success(), "{kind} started with {extra:?}:\n{}", out.output);
    for e in expect {
        assert!(out.output.contains(e), "{kind}: no {e:?} in:\n{}", out.output);
    }
}

#[test]
fn bad_certificates_stop_the_start_with_the_file_and_the_reason() {
    let certs = TestCerts::shared();
    let dir = process::temp_dir("tls-bad");
    let d = |f: &str| dir.path().join(f).to_string_lossy().into_owned();
    let missing = d("missing.crt");
    // Refused by both implementations.
    for kind in Kind::from_env() {
        refuses(kind, &format!("tls-cert-file {missing}\n"), &[]);
        refuses(kind, "tls-ca-cert-file \"\"\n", &[]);
    }
    let fatal = "Failed to configure TLS. Check logs for more info.";
    refuses(
        RS,
        &format!("tls-cert-file {missing}\n"),
        &[&format!("Failed to load certificate: {missing}: No such file or directory"), fatal],
    );
    let a_dir = dir.path().to_string_lossy().into_owned();
    refuses(
        RS,
        &format!("tls-key-file {a_dir}\n"),
        &[&format!("Failed to load private key: {a_dir}: Is a directory")],
    );
    // A key of another certificate.
    refuses(
        RS,
        &format!("tls-key-file {}\n", certs.path("client.key")),
        &[&format!(
            "Failed to load private key: {}: the key does not match the certificate in {}",
            certs.path("client.key"),
            certs.path("redis.crt")
        )],
    );
    // A certificate signed by another CA than the configured one.
    let other = TestCerts::generate(&dir.path().join("other"), "Other");
    refuses(
        RS,
        &format!("tls-ca-cert-file {}\n", other.ca()),
        &[
            &format!(
                "The certificate {} does not verify against the CA certificate(s) in {}",
                certs.path("redis.crt"),
                other.ca()
            ),
            "UnknownIssuer",
        ],
    );
    refuses(RS, "tls-ca-cert-file \"\"\n", &["Either tls-ca-cert-file or tls-ca-cert-dir must be specified"]);
    refuses(RS, "tls-protocols \"TLSv1.1 TLSv1.2\"\n", &["TLSv1.1 is not supported"]);
    refuses(
        RS,
        "tls-ciphers HIGH:!aNULL\n",
        &["Failed to configure ciphers: HIGH:!aNULL: rustls cannot honour 'HIGH'"],
    );
    // A password-protected key: the wrong password is refused, the right one works.
    let enc = d("enc.key");
    let out = Command::new("openssl")
        .args([
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:s3cret",
            "-in",
            &certs.path("redis.key"),
            "-out",
            &enc,
        ])
        .output()
        .expect("openssl pkcs8");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    refuses(
        RS,
        &format!("tls-key-file {enc}\ntls-key-file-pass wrong\n"),
        &[&format!("Failed to load private key: {enc}: cannot decrypt the key")],
    );
    refuses(
        RS,
        &format!("tls-key-file {enc}\n"),
        &[&format!("Failed to load private key: {enc}: the key is encrypted and no password is configured")],
    );
    for kind in Kind::from_env() {
        let s = SentinelProc::start_with(
            kind,
            &format!("tls-key-file {enc}\ntls-key-file-pass s3cret\n"),
            tls_options(),
        );
        assert!(s.client().ping_ok(), "{kind} serves TLS with the decrypted key");
    }
    // An X.509 v1 certificate (what `openssl x509 -req` makes without extensions, as Redis's
    // gen-test-certs.sh does): rustls cannot use it, and says how to fix it.
    let tag = unique_name("v1");
    let csr = certs.request(&tag, "v1", "redis.key");
    let v1 = certs.path(&format!("{tag}.crt"));
    certs.sign(&csr, &v1, None);
    refuses(
        RS,
        &format!("tls-cert-file {v1}\n"),
        &[&format!("Failed to load certificate: {v1}"), "rustls accepts only v3 certificates"],
    );
    // The CAs may come from a directory; links may present their own certificate.
    let ca_dir = dir.path().join("cas");
    std::fs::create_dir_all(&ca_dir).unwrap();
    // Named by subject hash, as OpenSSL's directory lookup (c_rehash) wants it.
    let hash =
        Command::new("openssl").args(["x509", "-hash", "-noout", "-in", &certs.ca()]).output().unwrap();
    let hash = String::from_utf8_lossy(&hash.stdout).trim().to_string();
    std::fs::copy(certs.ca(), ca_dir.join(format!("{hash}.0"))).unwrap();
    std::fs::write(ca_dir.join("README"), "not a certificate\n").unwrap();
    let master = RedisServer::start_tls(&[]);
    let name = unique_name("cadir");
    let conf = format!(
        "tls-ca-cert-file \"\"\ntls-ca-cert-dir {}\ntls-client-cert-file {}\ntls-client-key-file {}\n\
         sentinel monitor {name} 127.0.0.1 {} 1\n",
        ca_dir.display(),
        certs.path("client.crt"),
        certs.path("client.key"),
        master.port()
    );
    for kind in Kind::from_env() {
        let s = SentinelProc::start_with(kind, &conf, tls_options());
        wait_until(Duration::from_secs(20), &format!("{kind} monitors the master"), || {
            let m = s.client().cmd(&["SENTINEL", "MASTER", &name]);
            m.field("flags").as_deref() == Some("master")
                && m.field_int("info-refresh").is_some_and(|v| v < 5000)
        });
    }
    // A client certificate of another CA is refused like the server one.
    refuses(
        RS,
        &format!(
            "tls-client-cert-file {}\ntls-client-key-file {}\n",
            other.path("client.crt"),
            other.path("client.key")
        ),
        &[&format!("The certificate {} does not verify", other.path("client.crt"))],
    );
    // --check-config reads the TLS files too.
    let conf = format!("{}tls-cert-file {missing}\n", certs.config_lines(free_port()));
    let out = SentinelProc::run_to_exit(RS, Some(&conf), &["--check-config"], Duration::from_secs(20));
    assert!(!out.status.success() && out.output.contains(&missing), "{}", out.output);
}

// ---------------------------------------------------------------------------------------------
// tls-auth-clients

#[test]
fn tls_auth_clients_decides_whether_a_client_certificate_is_required() {
    let no_cert = TestCerts::shared().client_config(false);
    for kind in Kind::from_env() {
        for (setting, admitted) in [("yes", false), ("optional", true), ("no", true)] {
            let s = SentinelProc::start_with(kind, &format!("tls-auth-clients {setting}\n"), tls_options());
            let reply =
                Client::try_connect_tls(s.port(), no_cert.clone()).and_then(|mut c| c.try_cmd(&["PING"]));
            assert_eq!(reply.is_ok(), admitted, "{kind} tls-auth-clients {setting}: {reply:?}");
            assert!(s.client().ping_ok(), "{kind} tls-auth-clients {setting}: a client with a certificate");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Certificate rotation without a restart

/// The common name of the certificate the server on `port` presents to a new connection.
fn served_cn(port: u16) -> Option<String> {
    let c = Client::try_connect(port).ok()?;
    let cert = c.stream().tls()?.peer_certificates()?.first()?.to_vec();
    Some(common_name(&cert))
}

/// Replace `dst` with the contents of `src` atomically (write a temp file, rename).
fn replace_file(src: &std::path::Path, dst: &std::path::Path) {
    let tmp = dst.with_extension("tmp");
    std::fs::copy(src, &tmp).expect("copy");
    std::fs::rename(&tmp, dst).expect("rename");
}

#[test]
fn a_rotated_certificate_is_served_without_a_restart() {
    let certs = TestCerts::shared();
    let dir = process::temp_dir("tls-rotate");
    let (crt, key) = (dir.path().join("live.crt"), dir.path().join("live.key"));
    std::fs::copy(certs.path("redis.crt"), &crt).unwrap();
    std::fs::copy(certs.path("redis.key"), &key).unwrap();
    let conf = format!("tls-cert-file {}\ntls-key-file {}\n", crt.display(), key.display());
    let mut s = SentinelProc::start_with(RS, &conf, tls_options());
    assert_eq!(served_cn(s.port()).as_deref(), Some("Shared Generic-cert"));

    let tag = unique_name("rotated");
    let (new_crt, new_key) = certs.make_leaf(&tag, &format!("{tag}-cert"), Leaf::Generic, false);
    replace_file(&new_key, &key);
    replace_file(&new_crt, &crt);
    wait_until(Duration::from_secs(15), "the rotated certificate is served", || {
        served_cn(s.port()).as_deref() == Some(&format!("{tag}-cert"))
    });
    assert!(
        s.log_text().contains("TLS configuration reloaded (the certificate files changed)"),
        "{}",
        s.log_text()
    );

    // A broken rotation (a key of another certificate) keeps the working configuration.
    replace_file(std::path::Path::new(&certs.path("client.key")), &key);
    wait_until(Duration::from_secs(15), "the failed reload is logged", || {
        s.log_text().contains(
            "Failed to reload the TLS configuration (the certificate files changed), keeping the current one",
        )
    });
    assert_eq!(served_cn(s.port()).as_deref(), Some(format!("{tag}-cert").as_str()));

    // SIGHUP re-reads the files (and does not stop the process, as for Redis).
    replace_file(&new_key, &key);
    wait_until(Duration::from_secs(15), "the repaired files are loaded", || {
        s.log_text().matches("TLS configuration reloaded (the certificate files changed)").count() >= 2
    });
    s.signal(libc::SIGHUP);
    wait_until(Duration::from_secs(15), "SIGHUP reloads", || {
        s.log_text().contains("TLS configuration reloaded (SIGHUP)")
    });
    assert!(s.is_running() && s.client().ping_ok());
}

// ---------------------------------------------------------------------------------------------
// Handshake failures with a peer are logged once, not on every reconnection.

#[test]
fn a_peer_failing_the_handshake_is_logged_once_per_period() {
    let master = RedisServer::start_tls(&[]);
    // The sentinel trusts another CA (and presents a certificate of it): every handshake with
    // the master fails. Its own port is plain so the test can talk to it.
    let dir = process::temp_dir("tls-other");
    let other = TestCerts::generate(dir.path(), "Other");
    let name = unique_name("hsfail");
    let conf = format!(
        "tls-replication yes\ntls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\nsentinel monitor {name} 127.0.0.1 {} 1\n",
        other.path("redis.crt"),
        other.path("redis.key"),
        other.ca(),
        master.port()
    );
    let s = SentinelProc::start(RS, &conf);
    let line = format!("TLS handshake with 127.0.0.1:{} failed", master.port());
    wait_until(Duration::from_secs(15), "the handshake failure is logged", || s.log_text().contains(&line));
    // Both links retry every second; a few seconds later there is still one line.
    std::thread::sleep(Duration::from_secs(5));
    let log = s.log_text();
    assert_eq!(log.matches(&line).count(), 1, "{log}");
    assert!(log.contains("invalid peer certificate: UnknownIssuer"), "{log}");
    let flags = s.client().cmd(&["SENTINEL", "MASTER", &name]).field("flags").unwrap_or_default();
    assert!(flags.contains("disconnected"), "the master is not reachable: {flags}");
}

// ---------------------------------------------------------------------------------------------
// Hostnames: sent as SNI and checked against the certificate

#[test]
fn a_master_addressed_by_hostname_must_present_a_certificate_for_that_name() {
    let certs = TestCerts::shared();
    let tag = unique_name("iponly");
    let (crt, key) = certs.make_leaf(&tag, &format!("{tag}-cert"), Leaf::IpOnly, false);
    let (crt, key) = (crt.to_string_lossy().into_owned(), key.to_string_lossy().into_owned());
    let named = RedisServer::start_tls(&[]);
    let ip_only = RedisServer::start_tls(&["--tls-cert-file", &crt, "--tls-key-file", &key]);
    let (good, bad, by_ip) = (unique_name("named"), unique_name("unnamed"), unique_name("byip"));
    let conf = format!(
        "sentinel resolve-hostnames yes\n\
         sentinel monitor {good} localhost {} 1\n\
         sentinel monitor {bad} localhost {} 1\n\
         sentinel monitor {by_ip} 127.0.0.1 {} 1\n",
        named.port(),
        ip_only.port(),
        ip_only.port()
    );
    let s = SentinelProc::start_with(RS, &conf, tls_options());
    let refreshed = |name: &str| {
        let m = s.client().cmd(&["SENTINEL", "MASTER", name]);
        m.field("flags").as_deref() == Some("master") && m.field_int("info-refresh").is_some_and(|v| v < 5000)
    };
    wait_until(Duration::from_secs(20), "the master named localhost in its certificate is monitored", || {
        refreshed(&good)
    });
    wait_until(Duration::from_secs(20), "the same certificate is accepted for the IP", || refreshed(&by_ip));
    let m = s.client().cmd(&["SENTINEL", "MASTER", &bad]);
    assert!(m.field("flags").unwrap_or_default().contains("disconnected"), "{m}");
    wait_until(Duration::from_secs(15), "the name mismatch is logged", || {
        s.log_text().contains(&format!("TLS handshake with localhost:{} failed", ip_only.port()))
    });
    assert!(s.log_text().contains("certificate not valid for name \"localhost\""), "{}", s.log_text());
}

#[test]
fn info_reports_the_tls_port_when_port_is_0() {
    // With `port 0`, INFO's tcp_port is the TLS port, as in Redis.
    for kind in Kind::from_env() {
        let s = SentinelProc::start_with(kind, "", tls_options());
        let port = s.client().info_field("server", "tcp_port");
        assert_eq!(port, Some(s.port().to_string()), "{kind}");
    }
}
