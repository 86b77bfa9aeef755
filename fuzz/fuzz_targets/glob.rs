//! The glob matcher (`core::wire::glob`): any pattern and subject, never a panic, an answer
//! within a time bound (no input may make it backtrack exponentially: CVE-2022-36021), and
//! the same answer as Redis's recursive search.
//!
//! Input: flags byte (bit 0: nocase), then the pattern, a 0xff byte, the subject.
#![no_main]

mod common;

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use rsentinel::core::wire::glob::{glob_match, glob_match_recursive};

/// Far above what `pattern.len() * subject.len()` steps take for fuzzer-sized inputs, even
/// instrumented; a backtracking search on `*?*?*?...` misses it by orders of magnitude.
const TIME_BOUND: Duration = Duration::from_millis(500);

fuzz_target!(|data: &[u8]| {
    let Some((&flags, data)) = data.split_first() else { return };
    let nocase = flags & 1 == 1;
    let (pattern, subject) = common::split_at_byte(data, 0xff);
    let start = Instant::now();
    let fast = glob_match(pattern, subject, nocase);
    let took = start.elapsed();
    assert!(
        took < TIME_BOUND,
        "{took:?} for a {}-byte pattern, {}-byte subject",
        pattern.len(),
        subject.len()
    );
    assert_eq!(fast, glob_match_recursive(pattern, subject, nocase));
});
