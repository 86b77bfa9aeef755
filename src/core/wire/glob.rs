//! Redis's glob matcher (`stringmatchlen`), used by PSUBSCRIBE, SENTINEL RESET, SENTINEL
//! CONFIG GET, COMMAND LIST FILTERBY PATTERN and ACL selectors.

/// Redis's `stringmatchlen`: `*`, `?`, `[...]` (with `^` negation and ranges) and `\` escapes.
pub fn glob_match(pattern: &[u8], s: &[u8], nocase: bool) -> bool {
    fn eq(a: u8, b: u8, nocase: bool) -> bool {
        if nocase {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    }
    fn m(p: &[u8], s: &[u8], nocase: bool, depth: u32) -> bool {
        if depth > 1000 {
            return false;
        }
        let (mut pi, mut si) = (0, 0);
        while pi < p.len() {
            match p[pi] {
                b'*' => {
                    while pi + 1 < p.len() && p[pi + 1] == b'*' {
                        pi += 1;
                    }
                    if pi + 1 == p.len() {
                        return true;
                    }
                    for k in si..=s.len() {
                        if m(&p[pi + 1..], &s[k..], nocase, depth + 1) {
                            return true;
                        }
                    }
                    return false;
                }
                b'?' => {
                    if si >= s.len() {
                        return false;
                    }
                    si += 1;
                }
                b'[' => {
                    if si >= s.len() {
                        return false;
                    }
                    pi += 1;
                    let not = pi < p.len() && p[pi] == b'^';
                    if not {
                        pi += 1;
                    }
                    let mut matched = false;
                    loop {
                        if pi >= p.len() {
                            pi -= 1;
                            break;
                        }
                        if p[pi] == b'\\' && pi + 1 < p.len() {
                            pi += 1;
                            if eq(p[pi], s[si], nocase) {
                                matched = true;
                            }
                        } else if p[pi] == b']' {
                            break;
                        } else if pi + 2 < p.len() && p[pi + 1] == b'-' {
                            let (mut a, mut b) = (p[pi], p[pi + 2]);
                            if a > b {
                                std::mem::swap(&mut a, &mut b);
                            }
                            let c = if nocase { s[si].to_ascii_lowercase() } else { s[si] };
                            let (a, b) = if nocase {
                                (a.to_ascii_lowercase(), b.to_ascii_lowercase())
                            } else {
                                (a, b)
                            };
                            if c >= a && c <= b {
                                matched = true;
                            }
                            pi += 2;
                        } else if eq(p[pi], s[si], nocase) {
                            matched = true;
                        }
                        pi += 1;
                    }
                    if not {
                        matched = !matched;
                    }
                    if !matched {
                        return false;
                    }
                    si += 1;
                }
                b'\\' if pi + 1 < p.len() => {
                    pi += 1;
                    if si >= s.len() || !eq(p[pi], s[si], nocase) {
                        return false;
                    }
                    si += 1;
                }
                c => {
                    if si >= s.len() || !eq(c, s[si], nocase) {
                        return false;
                    }
                    si += 1;
                }
            }
            pi += 1;
        }
        si == s.len()
    }
    m(pattern, s, nocase, 0)
}

#[cfg(test)]
mod tests {
    use super::glob_match;

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
    }
}
