//! Redis's glob matcher (`stringmatchlen`), used by PSUBSCRIBE, SENTINEL RESET, SENTINEL
//! CONFIG GET, COMMAND LIST FILTERBY PATTERN and ACL selectors.
//!
//! Redis 7.0.15 matches recursively, one level per `*`, and since 7.0.9 (CVE-2022-36021) stops
//! as soon as the rest of the pattern after some `*` has failed at every position of the rest
//! of the string (`skipLongerMatches`): no earlier `*` can help by taking more characters. That
//! search is the classic one that only ever backtracks to the most recent `*`, which is what
//! [`glob_match`] does, iteratively: at most `pattern.len() * subject.len()` token comparisons,
//! no recursion, whatever the pattern (`*?*?*?...Z` took exponential time before).
//!
//! Quirks of Redis's matcher kept, because replies and pub/sub deliveries show them:
//! - an empty subject matches only the empty pattern (`*` does not match ``);
//! - a pattern needing more than 1000 nested `*` (groups of consecutive stars count once, a
//!   final `*` does not count) matches nothing: Redis's "protection against abusive patterns";
//! - in `[...]`, ranges compare C `char`s, which are signed on the platforms Redis runs on
//!   (`[a-\xe9]` is the range `\xe9..=a`), the ends are swapped before `nocase` lowers them, an
//!   escaped character is compared case-sensitively, and an unterminated class runs to the end
//!   of the pattern (`[^` alone matches any one byte).

/// The deepest `*` nesting Redis's recursive matcher accepts.
const MAX_STAR_NESTING: usize = 1000;

fn same_byte(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Does the token at `pattern[pi]` (not a `*`) match the subject byte `c`? Returns the index of
/// the token after it when it does. Every token but `*` takes exactly one byte.
fn match_token(pattern: &[u8], pi: usize, c: u8, nocase: bool) -> Option<usize> {
    match pattern[pi] {
        b'?' => Some(pi + 1),
        b'[' => match_class(pattern, pi + 1, c, nocase),
        b'\\' if pi + 1 < pattern.len() => same_byte(pattern[pi + 1], c, nocase).then_some(pi + 2),
        other => same_byte(other, c, nocase).then_some(pi + 1),
    }
}

/// A `[...]` class starting right after its `[` at `start`. Returns the index after the
/// closing `]` (or after the pattern, for an unterminated class) when `c` is in it.
fn match_class(pattern: &[u8], start: usize, c: u8, nocase: bool) -> Option<usize> {
    let len = pattern.len();
    let mut i = start;
    let negated = pattern.get(i) == Some(&b'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    loop {
        if i >= len {
            // Unterminated: the class ends with the pattern.
            i = len - 1;
            break;
        }
        let p = pattern[i];
        if p == b'\\' && len - i >= 2 {
            i += 1;
            matched |= pattern[i] == c;
        } else if p == b']' {
            break;
        } else if len - i >= 3 && pattern[i + 1] == b'-' {
            // C `char` is signed: bytes from 0x80 up sort below 0.
            let (mut lo, mut hi) = (p as i8, pattern[i + 2] as i8);
            if lo > hi {
                std::mem::swap(&mut lo, &mut hi);
            }
            let mut b = c as i8;
            if nocase {
                let lower = |v: i8| (v as u8).to_ascii_lowercase() as i8;
                (lo, hi, b) = (lower(lo), lower(hi), lower(b));
            }
            matched |= lo <= b && b <= hi;
            i += 2;
        } else {
            matched |= same_byte(p, c, nocase);
        }
        i += 1;
    }
    (matched != negated).then_some(i + 1)
}

/// Redis's `stringmatchlen`: `*`, `?`, `[...]` (with `^` negation and ranges) and `\` escapes,
/// in time bounded by `pattern.len() * subject.len()`.
pub fn glob_match(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    if subject.is_empty() {
        return pattern.is_empty();
    }
    let (mut pi, mut si) = (0, 0);
    // The most recent `*`: where the pattern resumes after it, and the subject position it
    // was last tried at (it only ever takes non-empty suffixes, as in Redis).
    let mut last_star: Option<(usize, usize)> = None;
    let mut stars = 0;
    loop {
        if si == subject.len() {
            // Subject used up: only trailing stars may remain.
            while pattern.get(pi) == Some(&b'*') {
                pi += 1;
            }
            if pi == pattern.len() {
                return true;
            }
        } else if pi < pattern.len() {
            if pattern[pi] == b'*' {
                while pattern.get(pi + 1) == Some(&b'*') {
                    pi += 1;
                }
                if pi + 1 == pattern.len() {
                    return true;
                }
                stars += 1;
                if stars > MAX_STAR_NESTING {
                    return false;
                }
                pi += 1;
                last_star = Some((pi, si));
                continue;
            }
            if let Some(next) = match_token(pattern, pi, subject[si], nocase) {
                pi = next;
                si += 1;
                continue;
            }
        }
        // Mismatch: let the most recent `*` take one more byte, if any is left to take.
        match last_star {
            Some((resume, tried)) if tried + 1 < subject.len() => {
                last_star = Some((resume, tried + 1));
                pi = resume;
                si = tried + 1;
            }
            _ => return false,
        }
    }
}

/// Redis's recursive search, step for step (one call per `*`, `skipLongerMatches`, the nesting
/// limit), over the same tokens as [`glob_match`]: the oracle the tests and the fuzz target
/// compare it with. Polynomial only thanks to `skipLongerMatches`; keep inputs small.
#[cfg(any(test, fuzzing))]
pub fn glob_match_recursive(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    fn search(p: &[u8], s: &[u8], nocase: bool, give_up: &mut bool, nesting: usize) -> bool {
        if nesting > MAX_STAR_NESTING {
            return false;
        }
        let (mut pi, mut si) = (0, 0);
        while pi < p.len() && si < s.len() {
            if p[pi] == b'*' {
                while p.get(pi + 1) == Some(&b'*') {
                    pi += 1;
                }
                if pi + 1 == p.len() {
                    return true;
                }
                for start in si..s.len() {
                    if search(&p[pi + 1..], &s[start..], nocase, give_up, nesting + 1) {
                        return true;
                    }
                    if *give_up {
                        return false;
                    }
                }
                *give_up = true;
                return false;
            }
            match match_token(p, pi, s[si], nocase) {
                Some(next) => pi = next,
                None => return false,
            }
            si += 1;
            if si == s.len() {
                while p.get(pi) == Some(&b'*') {
                    pi += 1;
                }
            }
        }
        pi == p.len() && si == s.len()
    }
    search(pattern, subject, nocase, &mut false, 0)
}

#[cfg(test)]
mod tests {
    use super::{glob_match, glob_match_recursive};

    const ALPHABET: &[u8] = b"ab*?[]^-\\Az\xe9";

    #[test]
    fn globs() {
        assert!(glob_match(b"*", b"+sdown", false));
        assert!(glob_match(b"+s*", b"+sdown", false));
        assert!(glob_match(b"m?ster", b"master", false));
        assert!(glob_match(b"m[a-c]ster", b"mbster", false));
        assert!(!glob_match(b"m[^a]ster", b"master", false));
        assert!(!glob_match(b"MASTER", b"master", false));
        assert!(glob_match(b"MASTER", b"master", true));
        assert!(glob_match(b"a\\*b", b"a*b", false));
        assert!(glob_match(b"a*b*c", b"aXbYbZc", false));
        assert!(!glob_match(b"a*b*c", b"aXbYbZ", false));
    }

    /// The quirks listed in the module docs, each checked against redis-server 7.0.15's KEYS
    /// (which calls the same `stringmatchlen`).
    #[test]
    fn redis_quirks() {
        assert!(!glob_match(b"*", b"", false));
        assert!(glob_match(b"", b"", false));
        assert!(glob_match(b"[^", b"Q", false));
        assert!(!glob_match(b"[^", b"QQ", false));
        assert!(!glob_match(b"[", b"Q", false));
        assert!(glob_match(b"[abc", b"c", false));
        assert!(glob_match(b"a\\", b"a\\", false));
        assert!(glob_match(b"[a-\xe9]", b"\xf0", false));
        assert!(glob_match(b"[a-\xe9]", b"\x10", false));
        assert!(!glob_match(b"[a-\xe9]", b"b", false));
        assert!(!glob_match(b"[\\A]", b"a", true));
        assert!(glob_match(b"[A]", b"a", true));
        assert!(!glob_match(b"[Z-a]", b"z", true));
        let nested = |n: usize| [b"a*".repeat(n), b"b".to_vec()].concat();
        let subject = [vec![b'a'; 1200], b"b".to_vec()].concat();
        assert!(glob_match(&nested(1000), &subject, false));
        assert!(!glob_match(&nested(1001), &subject, false));
        assert!(glob_match(&[b"a*".repeat(1001), b"*".to_vec()].concat(), &subject, false));
    }

    /// The probe: `PSUBSCRIBE` of `*?` x 20 + `Z` made one event publish take 0.35 s, and a
    /// longer one never finishes with a backtracking matcher (C(60,30) paths). Bounded here by
    /// a deadline only a runaway search can miss.
    #[test]
    fn pathological_patterns_finish() {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let pattern = [b"*?".repeat(30), b"Z".to_vec()].concat();
            let miss = glob_match(&pattern, &[b'a'; 60], false);
            let long = [b"a*".repeat(900), b"Z".to_vec()].concat();
            let miss_long = glob_match(&long, &[b'a'; 100_000], false);
            let hit = glob_match(&pattern, &[vec![b'a'; 59], b"Z".to_vec()].concat(), false);
            let _ = tx.send((miss, miss_long, hit));
        });
        let result = rx.recv_timeout(std::time::Duration::from_secs(20)).expect("glob_match ran away");
        assert_eq!(result, (false, false, true));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Random patterns and subjects over a small alphabet full of metacharacters: the
        /// iterative search agrees with Redis's recursive one.
        #[test]
        fn same_answers_as_the_recursive_search(
            pattern in proptest::collection::vec(proptest::sample::select(ALPHABET.to_vec()), 0..12),
            subject in proptest::collection::vec(proptest::sample::select(ALPHABET.to_vec()), 0..10),
            nocase: bool,
        ) {
            proptest::prop_assert_eq!(
                glob_match(&pattern, &subject, nocase),
                glob_match_recursive(&pattern, &subject, nocase)
            );
        }
    }
}
