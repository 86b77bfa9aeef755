//! The TOML format: round trip with the .conf format, the same checks, errors with lines,
//! command-line overrides, and the shipped examples.

mod config_common;

use config_common::words;
use rsentinel::config::{load, parse_str, save, ConfigError};

const ID: &str = "0123456789abcdef0123456789abcdef01234567";

fn conf_text() -> String {
    format!(
        "port 26390\nbind 127.0.0.1\nmetrics-port 9121\nmetrics-bind 127.0.0.1\nrequirepass pw\nuser alice on >x ~* +@all\nloglevel verbose\n\
         rename-command ping pong\nsentinel myid {ID}\nsentinel current-epoch 3\nsentinel announce-ip 10.0.0.1\n\
         sentinel deny-scripts-reconfig no\nsentinel monitor m1 127.0.0.1 6379 2\n\
         sentinel down-after-milliseconds m1 5000\nsentinel auth-pass m1 \"s p\"\nsentinel config-epoch m1 3\n\
         sentinel known-replica m1 127.0.0.1 6380\nsentinel known-sentinel m1 127.0.0.2 26379 {ID}\n\
         sentinel rename-command m1 CONFIG XCONFIG\nsentinel monitor m2 ::1 7000 1\nsentinel parallel-syncs m2 -1\n"
    )
}

#[test]
fn conf_and_toml_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let (srv, s) = parse_str(&conf_text(), "s.conf").unwrap();
    let path = dir.path().join("s.toml");
    save(&path, &srv, &s).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("[[sentinel.masters]]"), "{}", text);
    assert!(text.contains("[[sentinel.masters.known_replicas]]"), "{}", text);
    assert!(text.contains("metrics_port = 9121\nmetrics_bind = [\"127.0.0.1\"]"), "{}", text);
    let loaded = load(&path, &[]).unwrap();
    assert_eq!(loaded.server, srv);
    assert_eq!(loaded.sentinel, s);
    save(&path, &loaded.server, &loaded.sentinel).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    // And back to .conf.
    let conf = dir.path().join("back.conf");
    save(&conf, &loaded.server, &loaded.sentinel).unwrap();
    let again = load(&conf, &[]).unwrap();
    assert_eq!(again.sentinel, s);
}

#[test]
fn toml_values_go_through_the_conf_checks() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 6379\nquorum = 0\n",
            5,
            "sentinel.masters[0].quorum: Quorum must be 1 or greater.",
        ),
        (
            "[[sentinel.masters]]\nname = \"m\"\nhost = \"localhost\"\nport = 1\n",
            3,
            "Can't resolve instance hostname.",
        ),
        (
            "[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 1\n[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 2\n",
            6,
            "Duplicate master name.",
        ),
        (
            "[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 1\ndown_after_ms = 0\n",
            5,
            "sentinel.masters[0].down_after_ms: negative or zero time parameter.",
        ),
        (
            "[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 1\nnotification_script = \"/nonexistent\"\n",
            5,
            "Notification script seems non existing or non executable.",
        ),
        (
            "[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 1\n[[sentinel.masters.known_replicas]]\nhost = \"127.0.0.1\"\nport = 5\n[[sentinel.masters.known_replicas]]\nhost = \"127.0.0.1\"\nport = 5\n",
            5,
            "Duplicate hostname and port for replica.",
        ),
        ("[sentinel]\nmyid = \"abc\"\n", 2, "sentinel.myid: Malformed Sentinel id in myid option."),
        ("[server]\nport = 1\nloglevel = \"loud\"\n", 3, "server.loglevel: argument(s) must be one of the following"),
        (
            "[server]\nusers = [[\"bob\", \"on\"], [\"bob\", \"off\"]]\n",
            2,
            "Error in user declaration 'bob': Duplicate user found.",
        ),
        ("[server]\nrename_commands = [{from = \"get\", to = \"x\"}]\n", 2, "No such command in rename-command"),
        // Syntax and type errors come from the TOML parser, with their line.
        ("[server]\nport = 70000\n", 2, ""),
        ("[server]\nmetrics_port = 70000\n", 2, ""),
        ("[server]\nmetrics_bind = [\"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\", \"a\"]\n", 2, "server.metrics_bind: Too many bind addresses specified."),
        ("[server]\nbogus = 1\n", 2, "unknown field `bogus`"),
        ("[sentinel]\n\n[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 1\nquorum = \"two\"\n", 7, ""),
        ("[server\n", 1, ""),
    ];
    for (text, line, message) in cases {
        let e = parse_str(text, "s.toml").expect_err(text);
        assert_eq!(e.line(), Some(*line), "{}\n{}", text, e);
        assert!(e.message().contains(message), "{}\n{}", text, e);
        assert!(e.to_string().starts_with(&format!("s.toml:{}: ", line)), "{}", e);
    }
}

#[test]
fn overrides_apply_on_top_of_toml() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        "[server]\nport = 1\n[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 6379\nquorum = 1\n",
    )
    .unwrap();
    let l = load(
        &path,
        &words(&["--port", "26391", "--metrics-port", "9121", "--sentinel down-after-milliseconds m 99"]),
    )
    .unwrap();
    assert_eq!((l.server.port, l.server.metrics_port), (26391, 9121));
    assert_eq!(l.sentinel.masters[0].down_after_ms, 99);
    let e = load(&path, &words(&["--port", "x"])).unwrap_err();
    assert!(matches!(e, ConfigError::Line { .. }));
    assert!(e.to_string().contains("(command-line option)"), "{}", e);
}

#[test]
fn shipped_examples_load() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    for name in ["sentinel.conf", "rsentinel.toml"] {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        let (srv, s) = parse_str(&text, name).unwrap_or_else(|e| panic!("{}", e));
        assert_eq!(srv.port, 26379, "{}", name);
        assert_eq!(s.masters[0].name, "mymaster", "{}", name);
        assert_eq!(s.masters[0].quorum, 2, "{}", name);
    }
}

#[test]
fn unrepresentable_state_is_an_error_and_keeps_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "[server]\nport = 1\n").unwrap();
    let (srv, mut s) = parse_str("", "s.conf").unwrap();
    // TOML integers are signed 64-bit.
    s.current_epoch = u64::MAX;
    let e = save(&path, &srv, &s).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "{}", e);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "[server]\nport = 1\n");
}
