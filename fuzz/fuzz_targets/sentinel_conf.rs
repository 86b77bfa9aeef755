//! The sentinel.conf loader with command-line `--directive` overrides: any text, never a
//! panic; a config that loads is rewritten (Redis's CONFIG REWRITE rules) into text that loads
//! back to the same config. Input: see `common::check_config_round_trip`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| common::check_config_round_trip("sentinel.conf", data));
