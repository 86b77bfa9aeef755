//! `sentinel state-config-file`: loading a main file and a state file over it, writing only
//! the state file, and refusing bad state files.

use std::path::{Path, PathBuf};

use super::*;

const ID_MAIN: &str = "1111111111111111111111111111111111111111";
const ID_STATE: &str = "2222222222222222222222222222222222222222";
const PEER: &str = "3333333333333333333333333333333333333333";

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files { dir: tempfile::tempdir().expect("temp dir") }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// A main file that points at `state.conf` in the same directory.
    fn main_with_state(&self, body: &str) -> PathBuf {
        let state = self.path("state.conf");
        self.write(
            "sentinel.conf",
            &format!("port 26379\nsentinel state-config-file {}\n{}", state.display(), body),
        )
    }
}

fn load_err(path: &Path, overrides: &[String]) -> ConfigError {
    load(path, overrides).expect_err("refused")
}

#[test]
fn state_lines_override_the_main_file() {
    let f = Files::new();
    let main = f.main_with_state(&format!(
        "sentinel myid {ID_MAIN}\n\
         sentinel announce-ip 10.9.9.9\n\
         sentinel monitor mymaster 127.0.0.1 6379 2\n\
         sentinel down-after-milliseconds mymaster 5000\n\
         sentinel known-replica mymaster 127.0.0.1 6380\n\
         sentinel monitor other 127.0.0.1 7000 1\n\
         sentinel known-replica other 127.0.0.1 7001\n\
         sentinel known-sentinel other 127.0.0.1 26000 {PEER}\n\
         sentinel current-epoch 9\n"
    ));
    f.write(
        "state.conf",
        &format!(
            "sentinel myid {ID_STATE}\n\
             sentinel announce-ip \"\"\n\
             sentinel monitor mymaster 127.0.0.1 12399 2\n\
             sentinel config-epoch mymaster 7\n\
             sentinel known-replica mymaster 127.0.0.1 6380\n\
             sentinel known-replica other 127.0.0.1 7001\n\
             sentinel known-sentinel other 127.0.0.1 26001 {PEER}\n\
             sentinel current-epoch 7\n"
        ),
    );
    let c = load(&main, &[]).expect("loads");
    assert_eq!(c.sentinel.myid.as_deref(), Some(ID_STATE));
    assert_eq!(c.sentinel.announce_ip, None, "announce-ip \"\" in the state file unsets it");
    // current-epoch only ever goes up.
    assert_eq!(c.sentinel.current_epoch, 9);
    let m = &c.sentinel.masters[0];
    assert_eq!((m.name.as_str(), m.port, m.config_epoch), ("mymaster", 12399, 7));
    assert_eq!(
        m.down_after_ms,
        model::DEFAULT_DOWN_AFTER_MS,
        "a redefined master drops the main file's options"
    );
    assert_eq!(m.known_replicas.len(), 1, "a replica in both files counts once");
    let o = &c.sentinel.masters[1];
    assert_eq!(o.known_replicas.len(), 1, "a replica in both files counts once");
    assert_eq!(o.known_sentinels.len(), 1);
    assert_eq!(o.known_sentinels[0].port, 26001, "the state file's address of a peer wins");
    assert_eq!(c.notices.len(), 1, "{:?}", c.notices);
    assert!(c.notices[0].contains("mymaster") && c.notices[0].contains("12399"), "{:?}", c.notices);
    assert_eq!(c.persist_path(), f.path("state.conf"));
}

#[test]
fn missing_state_file_is_a_first_start() {
    let f = Files::new();
    let main = f.main_with_state("sentinel monitor m 127.0.0.1 6379 2\n");
    let c = load(&main, &[]).expect("loads");
    assert_eq!(c.sentinel.masters.len(), 1);
    assert_eq!(c.server.state_file.as_deref(), Some(f.path("state.conf").to_str().unwrap()));
}

#[test]
fn duplicates_inside_the_state_file_are_still_refused() {
    let f = Files::new();
    let main = f.main_with_state("sentinel monitor m 127.0.0.1 6379 2\n");
    let state =
        f.write("state.conf", "sentinel monitor m 127.0.0.1 6379 2\nsentinel monitor m 127.0.0.1 6379 2\n");
    let e = load_err(&main, &[]);
    assert_eq!(e.message(), "Duplicate master name.");
    assert!(e.to_string().starts_with(&format!("{}:2: ", state.display())), "{e}");

    f.write("state.conf", "sentinel known-replica m 127.0.0.1 1\nsentinel known-replica m 127.0.0.1 1\n");
    assert_eq!(load_err(&main, &[]).message(), "Duplicate hostname and port for replica.");
}

#[test]
fn save_writes_only_the_state_file_and_reloads_to_the_same_state() {
    let f = Files::new();
    let main = f.main_with_state(
        "sentinel monitor m 127.0.0.1 6379 2\n\
         sentinel down-after-milliseconds m 5000\n\
         sentinel resolve-hostnames yes\n\
         sentinel sentinel-pass secret\n",
    );
    let before = std::fs::read(&main).unwrap();
    let mut c = load(&main, &[]).expect("loads");
    // What SENTINEL SET / CONFIG SET could change at run time, back to defaults.
    c.sentinel.myid = Some(ID_STATE.into());
    c.sentinel.resolve_hostnames = false;
    c.sentinel.sentinel_pass = None;
    c.sentinel.masters[0].down_after_ms = model::DEFAULT_DOWN_AFTER_MS;
    c.sentinel.masters[0].port = 6390;
    save(&main, &c.server, &c.sentinel).expect("saved");
    assert_eq!(std::fs::read(&main).unwrap(), before, "the main file is never touched");
    let state = std::fs::read_to_string(f.path("state.conf")).unwrap();
    assert!(state.starts_with(&format!("{STATE_HEADER}\n")), "{state}");
    assert!(state.ends_with(&format!("\n{STATE_END}\n")), "{state}");
    assert!(
        state.lines().all(|l| l.starts_with("sentinel ") || l.starts_with('#')),
        "only sentinel lines: {state}"
    );
    let again = load(&main, &[]).expect("reloads");
    assert_eq!(again.sentinel, c.sentinel, "state file:\n{state}");
}

#[test]
fn state_file_equal_to_the_main_file_is_refused_at_its_line() {
    let f = Files::new();
    let main = f.path("sentinel.conf");
    std::fs::write(&main, format!("port 26379\nsentinel state-config-file {}\n", main.display())).unwrap();
    let e = load_err(&main, &[]);
    assert!(e.message().contains("must differ from the main config file"), "{e}");
    assert_eq!(e.line(), Some(2));
    // Another spelling of the same path, from the command line.
    let other = format!("{}/./sentinel.conf", f.dir.path().display());
    std::fs::write(&main, "port 26379\n").unwrap();
    let e = load_err(&main, &["--sentinel".into(), "state-config-file".into(), other]);
    assert!(e.message().contains("must differ from the main config file"), "{e}");
}

#[test]
fn relative_state_path_is_relative_to_dir() {
    let f = Files::new();
    let data = f.path("data");
    std::fs::create_dir(&data).unwrap();
    let main =
        f.write("sentinel.conf", &format!("dir {}\nsentinel state-config-file state.conf\n", data.display()));
    let c = load(&main, &[]).expect("loads");
    assert_eq!(c.server.state_file.as_deref(), Some(data.join("state.conf").to_str().unwrap()));
}

#[test]
fn truncated_state_file_is_refused_with_file_and_line() {
    let f = Files::new();
    let main = f.main_with_state("sentinel monitor m 127.0.0.1 6379 2\n");
    let mut c = load(&main, &[]).expect("loads");
    c.sentinel.myid = Some(ID_STATE.into());
    save(&main, &c.server, &c.sentinel).expect("saved");
    let full = std::fs::read_to_string(f.path("state.conf")).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    // Cut after a whole line: every line still parses, only the end line is missing.
    let cut = lines[..lines.len() - 2].join("\n") + "\n";
    let state = f.write("state.conf", &cut);
    let e = load_err(&main, &[]);
    assert!(e.message().contains("truncated"), "{e}");
    assert!(e.to_string().starts_with(&format!("{}:{}: ", state.display(), lines.len() - 2)), "{e}");
    // Cut inside a line.
    let monitor = lines.iter().position(|l| l.starts_with("sentinel monitor")).unwrap();
    let cut = lines[..monitor].join("\n") + "\nsentinel monitor m 127.0.0.1";
    f.write("state.conf", &cut);
    assert!(load_err(&main, &[]).message().contains("truncated"));
}

#[test]
fn corrupt_state_lines_are_refused_with_file_and_line() {
    let f = Files::new();
    let main = f.main_with_state("sentinel monitor m 127.0.0.1 6379 2\n");
    let cases = [
        (
            "sentinel monitor m 127.0.0.1 6379 2\nsentinel config-epoch m\n",
            2,
            "Unrecognized sentinel configuration statement.",
        ),
        ("sentinel known-replica nosuch 127.0.0.1 1\n", 1, "No such master with specified name."),
        ("# comment\nport 1234\n", 2, loader::ONLY_SENTINEL_IN_STATE),
        ("sentinel state-config-file /x\n", 1, loader::STATE_IN_STATE),
        ("sentinel myid \"abc\n", 1, "Unbalanced quotes in configuration line"),
    ];
    for (text, line, message) in cases {
        let state = f.write("state.conf", text);
        let e = load_err(&main, &[]);
        assert_eq!(e.message(), message, "{text:?}");
        assert!(e.to_string().starts_with(&format!("{}:{}: ", state.display(), line)), "{text:?}: {e}");
    }
}

#[test]
fn toml_main_file_takes_state_file_from_server_table() {
    let f = Files::new();
    let state = f.path("state.conf");
    let main = f.write(
        "sentinel.toml",
        &format!(
            "[server]\nport = 26379\nstate_file = \"{}\"\n\n[[sentinel.masters]]\nname = \"m\"\nhost = \"127.0.0.1\"\nport = 6379\nquorum = 2\n",
            state.display()
        ),
    );
    std::fs::write(&state, "sentinel monitor m 127.0.0.1 6390 2\n").unwrap();
    let c = load(&main, &[]).expect("loads");
    assert_eq!(c.sentinel.masters[0].port, 6390);
    save(&main, &c.server, &c.sentinel).expect("saved");
    assert!(std::fs::read_to_string(&state).unwrap().starts_with(STATE_HEADER));
    assert!(!std::fs::read_to_string(&main).unwrap().contains(STATE_HEADER));
}

#[test]
fn without_state_file_the_main_file_is_rewritten() {
    let f = Files::new();
    let main = f.write("sentinel.conf", "port 26379\nsentinel monitor m 127.0.0.1 6379 2\n");
    let c = load(&main, &[]).expect("loads");
    assert_eq!(c.persist_path(), main);
    save(&main, &c.server, &c.sentinel).expect("saved");
    assert!(std::fs::read_to_string(&main).unwrap().contains(REWRITE_SIGNATURE));
}

#[test]
fn only_the_state_file_must_be_writable() {
    let f = Files::new();
    let main = f.main_with_state("sentinel monitor m 127.0.0.1 6379 2\n");
    let c = load(&main, &[]).expect("loads");
    assert_eq!(c.check_writable(), Ok(()));
    let mut missing_dir = c.clone();
    missing_dir.server.state_file = Some(f.path("nosuch/state.conf").display().to_string());
    let e = missing_dir.check_writable().expect_err("no such directory");
    assert!(e.starts_with("Sentinel state file directory") && e.contains("No such file or directory"), "{e}");
}

#[test]
fn failed_state_save_names_the_step_and_leaves_the_main_file_alone() {
    let f = Files::new();
    let main = f.main_with_state("sentinel monitor m 127.0.0.1 6379 2\n");
    let before = std::fs::read(&main).unwrap();
    let mut c = load(&main, &[]).expect("loads");
    c.server.state_file = Some(f.path("nosuch/state.conf").display().to_string());
    let e = save(&main, &c.server, &c.sentinel).expect_err("cannot write");
    assert!(e.to_string().starts_with("Could not create tmp config file"), "{e}");
    assert_eq!(std::fs::read(&main).unwrap(), before);
}
