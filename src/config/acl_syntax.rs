//! Syntax check of `user <name> <rules...>` lines, as Redis's config loader does it
//! (`ACLAppendUserForLoading` applying every rule to a scratch user).
//!
//! Only what Redis rejects while *reading* the file is checked here: unknown rule shapes,
//! malformed password hashes, removing a password that was never added, patterns with spaces,
//! a pattern after `~*` / `&*`, unbalanced selectors. Command and category names (`+get`,
//! `+@nosuch`) are only checked by Redis later, when the users are created, so they are not
//! checked here.
//!
//! Redis names the wrong word in its message by indexing the line's words with the rule's
//! position among the rules (so `user bob on badrule` blames `bob`). We name the rule itself.

use std::collections::HashSet;

const SYNTAX: &str = "Syntax error";
const NO_SUCH_PASS: &str = "The password you are trying to remove from the user does not exist";
const BAD_HASH: &str =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
const AFTER_ALLKEYS: &str = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const AFTER_ALLCHANNELS: &str = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
const UNBALANCED: &str = "Unknown command or category name in ACL";

/// The message for a duplicate user (Redis: users may be defined once in config files).
pub fn duplicate_user(name: &str) -> String {
    format!("Error in user declaration '{}': Duplicate user found. A user can only be defined once in config files", name)
}

/// Check the words after `user` (`words[0]` is the user name). The error is the full message
/// Redis prints, `Error in user declaration '<word>': <reason>`.
pub fn check_user(words: &[String]) -> Result<(), String> {
    let rules = merge_selectors(&words[1..]).map_err(|w| declaration_error(&w, UNBALANCED))?;
    let mut scratch = Scratch::default();
    for rule in &rules {
        scratch.apply(rule).map_err(|why| declaration_error(rule, why))?;
    }
    Ok(())
}

fn declaration_error(word: &str, why: &str) -> String {
    format!("Error in user declaration '{}': {}", word, why)
}

/// Join `(` ... `)` word runs into one selector rule (`ACLMergeSelectorArguments`). An
/// unterminated selector returns its first word.
fn merge_selectors(words: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for w in words {
        if let Some(sel) = open.as_mut() {
            sel.push(' ');
            sel.push_str(w);
            if w.ends_with(')') {
                out.push(open.take().unwrap_or_default());
            }
            continue;
        }
        if w.starts_with('(') && !w.ends_with(')') {
            open = Some(w.clone());
            continue;
        }
        out.push(w.clone());
    }
    match open {
        Some(sel) => Err(sel.split(' ').next().unwrap_or_default().to_string()),
        None => Ok(out),
    }
}

#[derive(Default)]
struct Scratch {
    passwords: HashSet<String>,
    hashes: HashSet<String>,
    root: Selector,
}

#[derive(Default)]
struct Selector {
    allkeys: bool,
    allchannels: bool,
}

impl Scratch {
    fn apply(&mut self, op: &str) -> Result<(), &'static str> {
        let lower = op.to_ascii_lowercase();
        match lower.as_str() {
            "" | "on" | "off" | "skip-sanitize-payload" | "sanitize-payload" | "clearselectors" => Ok(()),
            "nopass" | "resetpass" => {
                self.passwords.clear();
                self.hashes.clear();
                Ok(())
            }
            "reset" => {
                *self = Scratch::default();
                Ok(())
            }
            _ => match op.as_bytes()[0] {
                b'>' => {
                    self.passwords.insert(op[1..].to_string());
                    Ok(())
                }
                b'#' => {
                    check_hash(&op[1..])?;
                    self.hashes.insert(op[1..].to_string());
                    Ok(())
                }
                // Without SHA-256 a password added as `#hash` cannot be matched against a
                // plain `<password` (or the reverse), so a removal is only refused when it
                // certainly matches nothing.
                b'<' => {
                    if self.passwords.contains(&op[1..]) || !self.hashes.is_empty() {
                        Ok(())
                    } else {
                        Err(NO_SUCH_PASS)
                    }
                }
                b'!' => {
                    check_hash(&op[1..])?;
                    if self.hashes.contains(&op[1..]) || !self.passwords.is_empty() {
                        Ok(())
                    } else {
                        Err(NO_SUCH_PASS)
                    }
                }
                b'(' if op.ends_with(')') && op.len() >= 2 => {
                    let mut sel = Selector::default();
                    for inner in op[1..op.len() - 1].split(' ') {
                        sel.apply(inner)?;
                    }
                    Ok(())
                }
                _ => self.root.apply(op),
            },
        }
    }
}

impl Selector {
    /// `ACLSetSelector`: key, channel and command rules.
    fn apply(&mut self, op: &str) -> Result<(), &'static str> {
        let lower = op.to_ascii_lowercase();
        match lower.as_str() {
            "" => return Ok(()),
            "allkeys" | "~*" => {
                self.allkeys = true;
                return Ok(());
            }
            "resetkeys" => {
                self.allkeys = false;
                return Ok(());
            }
            "allchannels" | "&*" => {
                self.allchannels = true;
                return Ok(());
            }
            "resetchannels" => {
                self.allchannels = false;
                return Ok(());
            }
            "allcommands" | "nocommands" => return Ok(()),
            _ => {}
        }
        let b = op.as_bytes();
        match b[0] {
            b'~' | b'%' => {
                if self.allkeys {
                    return Err(AFTER_ALLKEYS);
                }
                let (mut read, mut write) = (b[0] == b'~', b[0] == b'~');
                let mut offset = 1;
                if b[0] == b'%' {
                    while offset < b.len() {
                        match b[offset] {
                            b'R' | b'r' if !read => read = true,
                            b'W' | b'w' if !write => write = true,
                            b'~' => {
                                offset += 1;
                                break;
                            }
                            _ => return Err(SYNTAX),
                        }
                        offset += 1;
                    }
                    if !read && !write {
                        return Err(SYNTAX);
                    }
                }
                let pattern = &op[offset..];
                if pattern.contains(' ') {
                    return Err(SYNTAX);
                }
                if read && write && pattern == "*" {
                    self.allkeys = true;
                }
                Ok(())
            }
            b'&' => {
                if self.allchannels {
                    return Err(AFTER_ALLCHANNELS);
                }
                if op[1..].contains(' ') {
                    return Err(SYNTAX);
                }
                Ok(())
            }
            // Command and category rules are resolved when the users are created.
            b'+' | b'-' => Ok(()),
            _ => Err(SYNTAX),
        }
    }
}

fn check_hash(h: &str) -> Result<(), &'static str> {
    if h.len() == 64 && h.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
        Ok(())
    } else {
        Err(BAD_HASH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str) -> Result<(), String> {
        let words = crate::config::lexer::split_args(line).unwrap();
        check_user(&words[1..])
    }

    #[test]
    fn accepted_rules() {
        for l in [
            "user bob on >pw ~* +@all",
            "user bob",
            "user bob \"\"",
            "user default on nopass ~* &* +@all",
            "user bob allkeys allchannels allcommands nocommands reset resetpass resetkeys resetchannels nopass skip-sanitize-payload sanitize-payload off",
            "user bob ( ~x )",
            "user bob (~x) (~y +get)",
            "user bob %R~foo %RW~a %W~* %R",
            "user bob ~* resetkeys ~foo",
            "user bob >a <a",
            "user bob +@nosuch -debug +client|list + -",
            "user bob #0000000000000000000000000000000000000000000000000000000000000000",
            "user bob ON NoPass",
        ] {
            assert_eq!(check(l), Ok(()), "{}", l);
        }
    }

    #[test]
    fn refused_rules_with_redis_reasons() {
        let cases = [
            ("user bob badrule", "'badrule': Syntax error"),
            ("user bob @all", "'@all': Syntax error"),
            ("user bob (on)", "'(on)': Syntax error"),
            ("user bob )", "')': Syntax error"),
            ("user bob %X~a", "'%X~a': Syntax error"),
            ("user bob %~x", "'%~x': Syntax error"),
            ("user bob \"~x  y\"", "'~x  y': Syntax error"),
            ("user bob \"&a b\"", "'&a b': Syntax error"),
            ("user bob #abc", "'#abc': The password hash must be exactly"),
            ("user bob <pw", "'<pw': The password you are trying to remove"),
            ("user bob >a nopass <a", "'<a': The password you are trying to remove"),
            ("user bob ~* ~foo", "'~foo': Adding a pattern after the * pattern (or the 'allkeys' flag)"),
            (
                "user bob allchannels &x",
                "'&x': Adding a pattern after the * pattern (or the 'allchannels' flag)",
            ),
            ("user bob \"(~* ~x)\"", "Adding a pattern after the * pattern (or the 'allkeys' flag)"),
            ("user bob \"(~x +get\"", "'(~x': Unknown command or category name in ACL"),
        ];
        for (l, want) in cases {
            let e = check(l).expect_err(l);
            assert!(e.starts_with("Error in user declaration '"), "{}", e);
            assert!(e.contains(want), "{} -> {}", l, e);
        }
    }
}
