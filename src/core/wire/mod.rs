//! Pure wire code, each piece once: what Redis's C code does to bytes, reproduced exactly so
//! that parsing and replies match redis-sentinel. No state, no I/O; the core, the config loader
//! and the server all use it.

pub mod glob;
pub mod hello_message;
pub mod info_report;
pub mod numbers;
pub mod split_args;

/// Case-insensitive comparison of an argument with an ASCII keyword (`strcasecmp(...) == 0`).
pub fn eq_ic(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}
