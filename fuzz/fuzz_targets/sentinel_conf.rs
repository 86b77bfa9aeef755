//! The sentinel.conf loader with command-line `--directive` overrides: any text, never a
//! panic; a config that loads is rewritten (Redis's CONFIG REWRITE rules) into text that loads
//! back to the same config.
//!
//! Input: the file's text, then a NUL byte, then the command-line words, one per line.
//! Inputs naming `include` are skipped: they would read arbitrary files of this machine.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rsentinel::config::{parse_str_with_overrides, render};

pub const FILE: &str = "sentinel.conf";

fuzz_target!(|data: &[u8]| {
    let (text, words) = common::split_at_byte(data, 0);
    let text = String::from_utf8_lossy(text);
    let words: Vec<String> = String::from_utf8_lossy(words).split('\n').map(str::to_string).collect();
    let words = if words == [""] { Vec::new() } else { words };
    if text.to_ascii_lowercase().contains("include")
        || words.iter().any(|w| w.to_ascii_lowercase().contains("include"))
    {
        return;
    }
    let Ok((mut server, sentinel)) = parse_str_with_overrides(&text, FILE, &words) else { return };
    // The rewrite always writes `dir` (as Redis does): without one, it is the current directory.
    if server.dir.is_none() {
        server.dir = std::env::current_dir().ok().map(|d| d.display().to_string());
    }
    let rewritten = render(FILE, &text, &server, &sentinel).expect("a .conf always renders");
    match parse_str_with_overrides(&rewritten, FILE, &[]) {
        Ok(again) => assert_eq!(again, (server, sentinel), "rewritten:\n{rewritten}"),
        Err(e) => panic!("the rewrite does not load: {e}\nrewritten:\n{rewritten}"),
    }
});
