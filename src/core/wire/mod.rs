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

/// Whether `needle` occurs in `hay` (Redis's `strstr`). Every hello received goes through this,
/// tens of thousands a second with many masters: windows are compared only when their first
/// byte matches, which skips the call to a full comparison for almost every position.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    let Some(&first) = needle.first() else { return true };
    hay.windows(needle.len()).any(|w| w[0] == first && w == needle)
}
