//! Loading sentinel.conf: every sentinel directive, the queue order, generic directives, the
//! command-line overrides, and every error, checked against the real redis-sentinel's
//! stderr byte for byte where our behaviour is meant to be identical.

mod config_common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use config_common::{redis_refusal, words};
use rsentinel::config::model::ServerConfig;
use rsentinel::config::{
    load, parse_str, ConfigError, KnownReplica, KnownSentinel, MasterConfig, Origin, RenameCommand,
    SentinelConfig,
};

const ID: &str = "0123456789abcdef0123456789abcdef01234567";

fn parse(text: &str) -> Result<(ServerConfig, SentinelConfig), ConfigError> {
    parse_str(text, "sentinel.conf")
}

fn ok(text: &str) -> SentinelConfig {
    match parse(text) {
        Ok((_, s)) => s,
        Err(e) => panic!("refused:\n{}\n{}", text, e),
    }
}

fn err(text: &str) -> ConfigError {
    match parse(text) {
        Ok(_) => panic!("accepted:\n{}", text),
        Err(e) => e,
    }
}

fn make_script(dir: &Path, name: &str, mode: u32) -> String {
    let p = dir.join(name);
    std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p.display().to_string()
}

#[test]
fn every_sentinel_directive_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let script = make_script(dir.path(), "notify.sh", 0o755);
    let text = format!(
        "sentinel myid {ID}
sentinel current-epoch 5
sentinel deny-scripts-reconfig no
sentinel resolve-hostnames no
sentinel announce-hostnames yes
sentinel announce-ip 10.0.0.9
sentinel announce-port 26999
sentinel sentinel-user su
sentinel sentinel-pass \"s p\"
sentinel monitor mymaster 127.0.0.1 6379 2
sentinel down-after-milliseconds mymaster 5000
sentinel failover-timeout mymaster 60000
sentinel parallel-syncs mymaster 3
sentinel notification-script mymaster {script}
sentinel client-reconfig-script mymaster {script}
sentinel auth-pass mymaster secret
sentinel auth-user mymaster admin
sentinel master-reboot-down-after-period mymaster 1000
sentinel config-epoch mymaster 4
sentinel leader-epoch mymaster 3
sentinel known-replica mymaster 127.0.0.1 6380
sentinel known-slave mymaster 127.0.0.1 6381
sentinel known-sentinel mymaster 127.0.0.2 26379 {ID}
sentinel rename-command mymaster CONFIG GUESSME
sentinel rename-command mymaster SLAVEOF xx
"
    );
    let s = ok(&text);
    let expected = SentinelConfig {
        myid: Some(ID.into()),
        current_epoch: 5,
        deny_scripts_reconfig: false,
        resolve_hostnames: false,
        announce_hostnames: true,
        announce_ip: Some("10.0.0.9".into()),
        announce_port: 26999,
        sentinel_user: Some("su".into()),
        sentinel_pass: Some("s p".into()),
        masters: vec![MasterConfig {
            name: "mymaster".into(),
            host: "127.0.0.1".into(),
            port: 6379,
            quorum: 2,
            down_after_ms: 5000,
            failover_timeout_ms: 60000,
            parallel_syncs: 3,
            notification_script: Some(script.clone()),
            client_reconfig_script: Some(script.clone()),
            auth_pass: Some("secret".into()),
            auth_user: Some("admin".into()),
            master_reboot_down_after_period_ms: 1000,
            config_epoch: 4,
            leader_epoch: 3,
            known_replicas: vec![
                KnownReplica { host: "127.0.0.1".into(), port: 6380 },
                KnownReplica { host: "127.0.0.1".into(), port: 6381 },
            ],
            known_sentinels: vec![KnownSentinel { host: "127.0.0.2".into(), port: 26379, runid: ID.into() }],
            rename_commands: vec![
                RenameCommand { from: "CONFIG".into(), to: "GUESSME".into() },
                RenameCommand { from: "SLAVEOF".into(), to: "xx".into() },
            ],
        }],
    };
    assert_eq!(s, expected);
}

#[test]
fn defaults_when_nothing_is_set() {
    let s = ok("sentinel monitor m 127.0.0.1 6379 1\n");
    assert_eq!(s.myid, None);
    assert!(s.deny_scripts_reconfig);
    let m = &s.masters[0];
    assert_eq!((m.down_after_ms, m.failover_timeout_ms, m.parallel_syncs), (30000, 180000, 1));
    assert_eq!(m.master_reboot_down_after_period_ms, 0);
}

#[test]
fn per_master_options_may_precede_monitor_and_queues_run_in_order() {
    let s = ok("sentinel down-after-milliseconds m 1234\n\
                sentinel known-replica m 127.0.0.1 7000\n\
                sentinel monitor m 127.0.0.1 6379 1\n\
                sentinel myid 0123456789abcdef0123456789abcdef01234567\n");
    assert_eq!(s.masters[0].down_after_ms, 1234);
    assert_eq!(s.masters[0].known_replicas.len(), 1);
    assert_eq!(s.myid.as_deref(), Some(ID));
    // resolve-hostnames is a pre-monitor option: it applies to an earlier monitor line.
    let s = ok("sentinel monitor m some-host.invalid 6379 1\nsentinel resolve-hostnames yes\n");
    assert_eq!(s.masters[0].host, "some-host.invalid");
    assert!(s.resolve_hostnames);
    // Masters keep file order.
    let s = ok("sentinel monitor b 127.0.0.1 1 1\nsentinel monitor a 127.0.0.1 2 1\n");
    assert_eq!(s.masters.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["b", "a"]);
}

#[test]
fn keywords_are_case_insensitive_and_lenient_numbers_follow_libc() {
    let s = ok("SENTINEL MONITOR m 127.0.0.1 6379 2\nSentinel Down-After-Milliseconds m 2000\n\
                sentinel announce-port abc\nsentinel parallel-syncs m -3\nsentinel config-epoch m 7x\n");
    assert_eq!(s.masters[0].down_after_ms, 2000);
    assert_eq!(s.announce_port, 0);
    assert_eq!(s.masters[0].parallel_syncs, -3);
    assert_eq!(s.masters[0].config_epoch, 7);
    // config-epoch raises the current epoch; current-epoch never lowers it.
    assert_eq!(s.current_epoch, 7);
    let s = ok("sentinel current-epoch 9\nsentinel current-epoch 3\n");
    assert_eq!(s.current_epoch, 9);
    // `atoi` reads a prefix: port "abc" is 0.
    let s = ok("sentinel monitor m 127.0.0.1 abc 1\n");
    assert_eq!(s.masters[0].port, 0);
}

#[test]
fn valkey_spellings_and_directives_are_accepted() {
    // Valkey 8's name for master-reboot-down-after-period, with the same checks.
    let s = ok("sentinel monitor m 127.0.0.1 6379 2\nsentinel PRIMARY-reboot-down-after-period m 1500\n");
    assert_eq!(s.masters[0].master_reboot_down_after_period_ms, 1500);
    let e = err("sentinel monitor m 127.0.0.1 6379 2\nsentinel primary-reboot-down-after-period m -1\n");
    assert!(e.to_string().contains("negative time parameter."), "{e}");
    // Directives only valkey-server 8.1 knows, and values only it accepts.
    ok("enable-debug-assert yes\nio-threads 256\nrepl-diskless-load flush-before-load\nprimaryauth x\n\
        log-format logfmt\ndual-channel-replication-enabled no\nunixsocketgroup nobody\n");
    let e = err("enable-debug-assert maybe\n");
    assert!(e.to_string().contains("argument must be 'yes' or 'no'"), "{e}");
}

#[test]
fn ignored_and_empty_forms() {
    // The old 4-argument known-sentinel is ignored, even for an unknown master.
    let s = ok("sentinel monitor m 127.0.0.1 6379 1\nsentinel known-sentinel m 127.0.0.1 26379\n\
                sentinel known-sentinel nosuch 127.0.0.1 26379\n");
    assert!(s.masters[0].known_sentinels.is_empty());
    let s = ok("sentinel announce-ip \"\"\nsentinel sentinel-user \"\"\nsentinel sentinel-pass \"\"\n");
    assert_eq!((s.announce_ip, s.sentinel_user, s.sentinel_pass), (None, None, None));
    // A lone `sentinel` is the mode switch.
    ok("sentinel\n");
    // Legacy IPv4 forms are IP literals for Redis (getaddrinfo); stored canonical.
    let s = ok("sentinel monitor m 127.1 6379 1\n");
    assert_eq!(s.masters[0].host, "127.0.0.1");
}

#[test]
fn generic_directives_rsentinel_acts_on() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "port 26380\nbind 127.0.0.1 ::1\nbind-source-addr 127.0.0.1\nprotected-mode yes\nrequirepass \"p w\"\n\
         user alice on >pw ~* +@all\nuser bob off\ndaemonize yes\npidfile /tmp/x.pid\nlogfile s.log\n\
         LOGLEVEL Warning\ndir {}\nrename-command ping pong\nrename-command info \"\"\nunixsocket /tmp/s.sock\n\
         unixsocketperm 700\nsyslog-enabled yes\nsyslog-ident sent\nsyslog-facility LOCAL3\ntls-port 26390\n\
         tls-replication yes\n",
        dir.path().display()
    );
    let (srv, _) = parse(&text).unwrap();
    assert_eq!(srv.port, 26380);
    assert_eq!(srv.bind, words(&["127.0.0.1", "::1"]));
    assert_eq!(srv.bind_source_addr.as_deref(), Some("127.0.0.1"));
    assert!(srv.protected_mode && srv.daemonize && srv.syslog_enabled && srv.tls.replication);
    assert_eq!(srv.requirepass.as_deref(), Some("p w"));
    assert_eq!(srv.users, vec![words(&["alice", "on", ">pw", "~*", "+@all"]), words(&["bob", "off"])]);
    assert_eq!(srv.pidfile.as_deref(), Some("/tmp/x.pid"));
    assert_eq!(srv.logfile, "s.log");
    assert_eq!(srv.loglevel, "warning");
    assert_eq!(srv.dir.as_deref(), Some(dir.path().to_str().unwrap()));
    assert_eq!(
        srv.rename_commands,
        vec![
            RenameCommand { from: "ping".into(), to: "pong".into() },
            RenameCommand { from: "info".into(), to: "".into() }
        ]
    );
    assert_eq!(srv.unixsocket.as_deref(), Some("/tmp/s.sock"));
    assert_eq!(srv.unixsocketperm, 0o700);
    assert_eq!((srv.syslog_ident.as_str(), srv.syslog_facility.as_str()), ("sent", "local3"));
    assert_eq!(srv.tls.port, 26390);
    // Sentinel defaults that differ from redis-server.
    let (srv, _) = parse("").unwrap();
    assert_eq!((srv.port, srv.protected_mode), (26379, false));
    // Last one wins; `nothing` (Redis 7.2+) is accepted as a level.
    let (srv, _) = parse("port 1\nport 2\nloglevel nothing\n").unwrap();
    assert_eq!((srv.port, srv.loglevel.as_str()), (2, "nothing"));
}

#[test]
fn debian_redis_conf_directives_are_all_accepted() {
    // Every active directive of the redis.conf Debian ships is a valid generic directive.
    let dir = tempfile::tempdir().unwrap();
    let shipped = std::fs::read_to_string("/etc/redis/redis.conf").expect("/etc/redis/redis.conf");
    let text: String = shipped
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("dir ") {
                format!("dir {}", dir.path().display())
            } else {
                l.into()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (srv, _) = parse(&text).unwrap_or_else(|e| panic!("{}", e));
    assert_eq!(srv.bind, words(&["127.0.0.1", "-::1"]));
    // And the shipped sentinel.conf.
    let shipped = std::fs::read_to_string("/etc/redis/sentinel.conf").expect("/etc/redis/sentinel.conf");
    let text = shipped.replace("dir /var/lib/redis", &format!("dir {}", dir.path().display()));
    let (srv, s) = parse(&text).unwrap_or_else(|e| panic!("{}", e));
    assert_eq!(srv.port, 26379);
    assert_eq!(s.masters[0].name, "mymaster");
}

#[test]
fn other_redis_directives_are_accepted_and_ignored() {
    let text = "maxclients 1000\nhz 50\nsave \"\"\nsave 900 1 300 10\nappendonly yes\nmaxmemory 1gb\n\
                client-output-buffer-limit pubsub 32mb 8mb 60\nlatency-tracking-info-percentiles 50 99 99.9\n\
                tls-cluster yes\nreplicaof no one\nshutdown-on-sigterm now force\nlist-max-ziplist-entries 5\n\
                lua-replicate-commands yes\nloadmodule /x.so a b\nmymodule.option 1\nwatchdog-period 0\n\
                aclfile /etc/users.acl\ninclude-not-a-thing-but-a.dotted.name x\n";
    let (srv, _) = parse(text).unwrap_or_else(|e| panic!("{}", e));
    assert_eq!(srv, ServerConfig { aclfile: Some("/etc/users.acl".into()), ..ServerConfig::default() });
}

/// (config text, line, message) for refusals where we match Redis exactly; each is also
/// run through the real redis-sentinel and its stderr compared with our Redis block.
fn refusals(dir: &Path) -> Vec<(String, usize, &'static str)> {
    let not_exec = make_script(dir, "not-exec.sh", 0o644);
    let m = "sentinel monitor m 127.0.0.1 6379 2\n";
    let mut v: Vec<(String, usize, &'static str)> = vec![
        ("sentinel monitor m 127.0.0.1 6379 0\n".into(), 1, "Quorum must be 1 or greater."),
        ("sentinel monitor m 127.0.0.1 6379 x\n".into(), 1, "Quorum must be 1 or greater."),
        ("sentinel monitor m 127.0.0.1 70000 1\n".into(), 1, "Invalid port number."),
        ("sentinel monitor m 127.0.0.1 -1 1\n".into(), 1, "Invalid port number."),
        ("sentinel monitor m localhost 6379 1\n".into(), 1, "Can't resolve instance hostname."),
        (format!("{m}{m}"), 2, "Duplicate master name."),
        (format!("{m}sentinel down-after-milliseconds m 0\n"), 2, "negative or zero time parameter."),
        (format!("{m}sentinel down-after-milliseconds m x\n"), 2, "negative or zero time parameter."),
        (format!("{m}sentinel failover-timeout m -5\n"), 2, "negative or zero time parameter."),
        (format!("{m}sentinel master-reboot-down-after-period m -1\n"), 2, "negative time parameter."),
        (
            format!("{m}sentinel notification-script m {not_exec}\n"),
            2,
            "Notification script seems non existing or non executable.",
        ),
        (
            format!("{m}sentinel client-reconfig-script m /nonexistent/script\n"),
            2,
            "Client reconfiguration script seems non existing or non executable.",
        ),
        ("sentinel myid abc\n".into(), 1, "Malformed Sentinel id in myid option."),
        (
            "sentinel deny-scripts-reconfig maybe\n".into(),
            1,
            "Please specify yes or no for the deny-scripts-reconfig options.",
        ),
        ("sentinel resolve-hostnames 1\n".into(), 1, "Please specify yes or no for the resolve-hostnames option."),
        ("sentinel announce-hostnames x\n".into(), 1, "Please specify yes or no for the announce-hostnames option."),
        (
            format!("{m}sentinel known-replica m 127.0.0.1 1\nsentinel known-slave m 127.0.0.1 1\n"),
            3,
            "Duplicate hostname and port for replica.",
        ),
        (format!("{m}sentinel known-replica m ::1 1\nsentinel known-replica m 0::1 1\n"), 3, "Duplicate hostname and port for replica."),
        (format!("{m}sentinel known-replica m 127.0.0.1 70000\n"), 2, "Invalid port number."),
        // With resolve-hostnames, replicas are keyed by the resolved address.
        (
            format!("sentinel resolve-hostnames yes\n{m}sentinel known-replica m localhost 1\nsentinel known-replica m 127.0.0.1 1\n"),
            4,
            "Duplicate hostname and port for replica.",
        ),
        (format!("{m}sentinel known-replica m localhost 1\n"), 2, "Can't resolve instance hostname."),
        (
            format!("{m}sentinel known-sentinel m 127.0.0.1 1 a\nsentinel known-sentinel m 127.0.0.2 2 a\n"),
            3,
            "Duplicate runid for sentinel.",
        ),
        (
            format!("{m}sentinel rename-command m CONFIG a\nsentinel rename-command m config b\n"),
            3,
            "Same command renamed multiple times with rename-command.",
        ),
        ("sentinel down-after-milliseconds nosuch 5\n".into(), 1, "No such master with specified name."),
        ("sentinel config-epoch nosuch 1\n".into(), 1, "No such master with specified name."),
        ("sentinel known-replica nosuch 127.0.0.1 1\n".into(), 1, "No such master with specified name."),
        ("sentinel down-after-milliseconds nosuch 5 6\n".into(), 1, "Unrecognized sentinel configuration statement."),
        ("sentinel monitor m 127.0.0.1 6379\n".into(), 1, "Unrecognized sentinel configuration statement."),
        ("sentinel current-epoch\n".into(), 1, "Unrecognized sentinel configuration statement."),
        ("sentinel bogus\n".into(), 1, "Unrecognized sentinel configuration statement."),
        ("sentinel quorum m 2\n".into(), 1, "Unrecognized sentinel configuration statement."),
        // Queue order: the pre-monitor error wins over an earlier post line.
        ("sentinel bogus\nsentinel myid abc\n".into(), 2, "Malformed Sentinel id in myid option."),
        (format!("sentinel myid abc\n{m}sentinel parallel-syncs nosuch 1\n"), 1, "Malformed Sentinel id in myid option."),
        // Generic lines are checked before any sentinel line.
        ("sentinel myid abc\nport 70000\n".into(), 2, "argument must be between 0 and 65535 inclusive"),
        ("port abc\n".into(), 1, "argument couldn't be parsed into an integer"),
        ("port 1 2\n".into(), 1, "wrong number of arguments"),
        ("port\n".into(), 1, "wrong number of arguments"),
        ("  Port  \"70000\"  \n".into(), 1, "argument must be between 0 and 65535 inclusive"),
        ("protected-mode maybe\n".into(), 1, "argument must be 'yes' or 'no'"),
        ("daemonize\n".into(), 1, "wrong number of arguments"),
        ("maxclients 0\n".into(), 1, "argument must be between 1 and 4294967295 inclusive"),
        ("syslog-facility foo\n".into(), 1, "argument(s) must be one of the following: user, local0, local1, local2, local3, local4, local5, local6, local7"),
        ("unixsocketperm 999\n".into(), 1, "argument couldn't be parsed as an octal number"),
        ("save 900\n".into(), 1, "Invalid save parameters"),
        ("bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n".into(), 1, "Too many bind addresses specified."),
        ("bogus\n".into(), 1, "Bad directive or wrong number of arguments"),
        ("# comment\n\nbogus a b\n".into(), 3, "Bad directive or wrong number of arguments"),
        ("include\n".into(), 1, "Bad directive or wrong number of arguments"),
        ("rename-command ping\n".into(), 1, "Bad directive or wrong number of arguments"),
        ("rename-command get foo\n".into(), 1, "No such command in rename-command"),
        ("rename-command ping info\n".into(), 1, "Target command name already exists"),
        ("rename-command ping pong\nrename-command ping x\n".into(), 2, "No such command in rename-command"),
        ("user\n".into(), 1, "Bad directive or wrong number of arguments"),
        (
            "user bob on\nuser bob off\n".into(),
            2,
            "Error in user declaration 'bob': Duplicate user found. A user can only be defined once in config files",
        ),
        ("dir /nonexistent/dir\n".into(), 1, "No such file or directory"),
        ("dir /etc/passwd\n".into(), 1, "Not a directory"),
        ("list-max-ziplist-entries 1 2\n".into(), 1, "Bad directive or wrong number of arguments"),
        ("foo.bar\n".into(), 1, "Module config specified without value"),
        ("port \"26379\"x\n".into(), 1, "Unbalanced quotes in configuration line"),
        ("requirepass 'abc\n".into(), 1, "Unbalanced quotes in configuration line"),
    ];
    v.push((
        "sentinel monitor m 127.0.0.1 6379 1 extra\n".into(),
        1,
        "Unrecognized sentinel configuration statement.",
    ));
    v
}

#[test]
fn refusals_name_the_line_with_redis_messages() {
    let dir = tempfile::tempdir().unwrap();
    for (text, line, message) in refusals(dir.path()) {
        let e = err(&text);
        assert_eq!(e.message(), message, "{}", text);
        assert_eq!(e.line(), Some(line), "{}", text);
        // Our lead line names file and line.
        let shown = e.to_string();
        assert!(shown.starts_with(&format!("sentinel.conf:{}: {}\n", line, message)), "{}", shown);
        assert!(shown.ends_with(&e.redis_block()));
    }
}

#[test]
fn refusals_match_real_redis_sentinel_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (text, _, _)) in refusals(dir.path()).into_iter().enumerate() {
        let name = format!("s{}.conf", i);
        let redis = redis_refusal(dir.path(), &name, &text, &[]);
        let ours = load(&dir.path().join(&name), &[]).expect_err(&text);
        assert_eq!(ours.redis_block(), redis, "config:\n{}", text);
    }
}

#[test]
fn command_line_overrides_are_extra_lines_after_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.conf");
    std::fs::write(&path, "port 1\nsentinel monitor m 127.0.0.1 6379 2\n").unwrap();
    let loaded = load(
        &path,
        &words(&[
            "--sentinel",
            "--port",
            "26390",
            "--bind",
            "127.0.0.1",
            "::1",
            "--sentinel down-after-milliseconds m 7",
        ]),
    )
    .unwrap();
    assert_eq!(loaded.server.port, 26390);
    assert_eq!(loaded.server.bind, words(&["127.0.0.1", "::1"]));
    assert_eq!(loaded.sentinel.masters[0].down_after_ms, 7);
    assert!(loaded.path.is_absolute());
    assert_eq!(loaded.path, path);

    // A bad override is reported like a bad line, numbered after the file, like Redis.
    for extra in [
        &["--port", "70000"][..],
        &["--bogus", "1", "2"],
        &["--sentinel", "--port", "x"],
        &["--port"],
        &["--save", "--port", "70000"],
        &["--sentinel", "myid", "abc"],
    ] {
        let redis = redis_refusal(dir.path(), "o.conf", "port 1\n", extra);
        let ours = load(&dir.path().join("o.conf"), &words(extra)).expect_err("refused");
        assert_eq!(ours.redis_block(), redis, "{:?}", extra);
        if let ConfigError::Line { origin, .. } = &ours {
            assert_eq!(*origin, Origin::CommandLine, "{:?}", extra);
        }
        assert!(ours.to_string().contains("(command-line option)"), "{}", ours);
    }
}

#[test]
fn fatal_block_is_redis_format() {
    let e = err("# c\n\nport 70000\n");
    assert_eq!(
        e.to_string(),
        "sentinel.conf:3: argument must be between 0 and 65535 inclusive\n\n\
         *** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n\
         Reading the configuration file, at line 3\n\
         >>> 'port 70000'\n\
         argument must be between 0 and 65535 inclusive\n"
    );
}

#[test]
fn missing_file_and_unopenable_log_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(&dir.path().join("nope.conf"), &[]).unwrap_err();
    assert!(matches!(e, ConfigError::Open { .. }));
    assert!(e.to_string().contains("can't open config file"), "{}", e);
    assert!(e.to_string().contains("No such file or directory"), "{}", e);

    let text = "logfile /nonexistent/dir/s.log\n";
    let redis = redis_refusal(dir.path(), "l.conf", text, &[]);
    let ours = load(&dir.path().join("l.conf"), &[]).unwrap_err();
    assert_eq!(ours.redis_block(), redis);
    assert_eq!(ours.message(), "Can't open the log file: No such file or directory");
}

#[test]
fn deliberate_differences_from_redis() {
    // loglevel: `nothing` exists (Redis 7.2+), so the list has five names.
    assert_eq!(
        err("loglevel foo\n").message(),
        "argument(s) must be one of the following: debug, verbose, notice, warning, nothing"
    );
    // announce-port is a port: Redis would store and announce 70000.
    assert_eq!(err("sentinel announce-port 70000\n").message(), "Invalid port number.");
    // A bad ACL rule is named (Redis names whatever word sits at the rule's index).
    assert_eq!(err("user bob on badrule\n").message(), "Error in user declaration 'badrule': Syntax error");
    // Users and aclfile together.
    assert!(err("aclfile /x.acl\nuser bob on\n")
        .message()
        .starts_with("Configuring Redis with users defined"));
    // Epochs from 2^63 on (Redis stores them; `-1` is 2^64 - 1 to strtoull, and the next
    // failover wraps it to 0).
    let m = "sentinel monitor m 127.0.0.1 6379 2\n";
    for line in [
        "sentinel current-epoch 9223372036854775808\n".to_string(),
        "sentinel current-epoch -1\n".to_string(),
        format!("{m}sentinel config-epoch m 18446744073709551615\n"),
        format!("{m}sentinel leader-epoch m 99999999999999999999\n"),
    ] {
        let e = err(&line);
        assert_eq!(e.message(), "Epoch out of range: the largest epoch is 9223372036854775807.", "{line}");
        assert_eq!(e.line(), Some(line.lines().count()), "{line}");
    }
    let s = ok(&format!(
        "sentinel current-epoch 9223372036854775807\n{m}sentinel leader-epoch m 9223372036854775807\n"
    ));
    assert_eq!((s.current_epoch, s.masters[0].leader_epoch), (i64::MAX as u64, i64::MAX as u64));
}

#[test]
fn include_reads_the_file_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("conf.d")).unwrap();
    std::fs::write(d.join("conf.d/a.conf"), "port 26401\n").unwrap();
    std::fs::write(d.join("conf.d/b.conf"), "port 26402\nloglevel debug\n").unwrap();
    std::fs::write(d.join("conf.d/skip.txt"), "bogus\n").unwrap();
    std::fs::write(d.join("bad.conf"), "\nport 99999\n").unwrap();
    std::fs::write(d.join("sent.conf"), "sentinel monitor m 127.0.0.1 1 1\n").unwrap();
    let main = d.join("s.conf");

    std::fs::write(
        &main,
        format!("include {}/conf.d/*.conf\nsentinel monitor m 127.0.0.1 1 1\n", d.display()),
    )
    .unwrap();
    let l = load(&main, &[]).unwrap();
    assert_eq!((l.server.port, l.server.loglevel.as_str()), (26402, "debug"));

    // Relative to the current `dir`; a pattern that matches nothing is fine.
    std::fs::write(&main, format!("dir {}\ninclude conf.d/a.conf\ninclude none-*.conf\n", d.display()))
        .unwrap();
    assert_eq!(load(&main, &[]).unwrap().server.port, 26401);

    // Errors inside an included file name that file and its line.
    std::fs::write(&main, format!("include {}/bad.conf\n", d.display())).unwrap();
    let e = load(&main, &[]).unwrap_err();
    assert_eq!(e.line(), Some(2));
    assert!(e.to_string().starts_with(&format!("{}/bad.conf:2: ", d.display())), "{}", e);

    std::fs::write(&main, format!("include {}/missing.conf\n", d.display())).unwrap();
    assert!(matches!(load(&main, &[]).unwrap_err(), ConfigError::Open { .. }));

    // sentinel directives would be duplicated into the main file by the rewrite.
    std::fs::write(&main, format!("include {}/sent.conf\n", d.display())).unwrap();
    let e = load(&main, &[]).unwrap_err();
    assert!(e.message().starts_with("sentinel directives are not supported in included files"), "{}", e);

    std::fs::write(&main, format!("include {}\n", main.display())).unwrap();
    assert!(load(&main, &[]).unwrap_err().message().contains("include loop"));
}

#[test]
fn relative_script_paths_follow_dir() {
    let dir = tempfile::tempdir().unwrap();
    make_script(dir.path(), "n.sh", 0o755);
    let text = format!(
        "dir {}\nsentinel monitor m 127.0.0.1 1 1\nsentinel notification-script m n.sh\n",
        dir.path().display()
    );
    assert_eq!(ok(&text).masters[0].notification_script.as_deref(), Some("n.sh"));
}
