//! The TOML config loader (with command-line overrides): any text, never a panic; a config
//! that loads is rendered into TOML that loads back to the same config.
//!
//! Input: the TOML text, then a NUL byte, then the command-line words, one per line. Inputs
//! naming `include` are skipped (they would read arbitrary files of this machine).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rsentinel::config::{parse_str_with_overrides, render};

pub const FILE: &str = "sentinel.toml";

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
    let Ok((server, sentinel)) = parse_str_with_overrides(&text, FILE, &words) else { return };
    let rendered = match render(FILE, "", &server, &sentinel) {
        Ok(t) => t,
        Err(e) => panic!("a loaded config does not render as TOML: {e}"),
    };
    match parse_str_with_overrides(&rendered, FILE, &[]) {
        Ok(again) => assert_eq!(again, (server, sentinel), "rendered:\n{rendered}"),
        Err(e) => panic!("the rendered TOML does not load: {e}\nrendered:\n{rendered}"),
    }
});
