//! Redis's config-line tokenizer and quoting, byte for byte.
//!
//! Mirrors `sds.c: sdssplitargs` (reading) and `sdscatrepr` (writing):
//! - words are separated by spaces, tabs, CR, LF (leading `isspace` characters are skipped);
//! - `"..."` understands `\n \r \t \b \a`, `\xHH` and `\<any>`; `'...'` only understands `\'`;
//! - a closing quote must be followed by whitespace or the end of the line, otherwise the whole
//!   line is "Unbalanced quotes in configuration line";
//! - a quote in the middle of a bare word opens a quoted section (`a"b c"` is one word `ab c`).

/// Split a (trimmed) config line into words (Redis's `sdssplitargs`, shared with inline
/// commands). `None` means unbalanced quotes.
pub fn split_args(line: &str) -> Option<Vec<String>> {
    let words = crate::core::wire::split_args::split_args(line.as_bytes())?;
    Some(words.into_iter().map(|w| String::from_utf8_lossy(&w).into_owned()).collect())
}

/// Trim what `sdstrim(line, " \t\r\n")` trims.
pub fn trim_line(line: &str) -> &str {
    line.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// `sdscatrepr`: always quoted, with C escapes for anything not printable ASCII.
pub fn repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for &c in s.as_bytes() {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{:02x}", c)),
        }
    }
    out.push('"');
    out
}

/// A word as it must be written so that [`split_args`] reads it back unchanged: bare when
/// that is safe, quoted with [`repr`] otherwise (empty, whitespace, quotes, control bytes).
///
/// Redis writes passwords, script paths and master names bare, so a value with a space
/// produces a config file it cannot load again (spec §12); we quote instead.
pub fn word(s: &str) -> String {
    let safe = !s.is_empty() && s.bytes().all(|c| c > 0x20 && c != 0x7f && c != b'"' && c != b'\'');
    if safe {
        s.to_string()
    } else {
        repr(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> Option<Vec<String>> {
        split_args(s)
    }

    fn v(words: &[&str]) -> Option<Vec<String>> {
        Some(words.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn bare_words_and_whitespace() {
        assert_eq!(sa("port  26379\t x"), v(&["port", "26379", "x"]));
        assert_eq!(sa(""), v(&[]));
        assert_eq!(sa("   "), v(&[]));
    }

    #[test]
    fn double_quotes_and_escapes() {
        assert_eq!(sa(r#"a "b c" "\x41\n\t\"\\z""#), v(&["a", "b c", "A\n\t\"\\z"]));
        assert_eq!(sa(r#""""#), v(&[""]));
        // \x with non-hex digits is a plain escaped 'x'.
        assert_eq!(sa(r#""\xZZ""#), v(&["xZZ"]));
    }

    #[test]
    fn single_quotes() {
        assert_eq!(sa(r#"'a b' 'it\'s' '\n'"#), v(&["a b", "it's", "\\n"]));
    }

    #[test]
    fn unbalanced_quotes() {
        assert_eq!(sa(r#""abc"#), None);
        assert_eq!(sa(r#"'abc"#), None);
        assert_eq!(sa(r#""abc"def"#), None);
        assert_eq!(sa(r#"port "26379"x"#), None);
        assert_eq!(sa(r#"a"b"#), None);
    }

    #[test]
    fn quote_inside_bare_word_opens_a_section() {
        assert_eq!(sa(r#"a"b c""#), v(&["ab c"]));
    }

    #[test]
    fn repr_and_word_round_trip() {
        for s in ["", "a b", "x\"y", "it's", "tab\there", "\u{7}bell", "plain", "#hash", "é", "back\\slash"]
        {
            assert_eq!(split_args(&word(s)), v(&[s]), "{:?}", s);
            assert_eq!(split_args(&repr(s)), v(&[s]), "{:?}", s);
        }
        assert_eq!(word("plain"), "plain");
        assert_eq!(word("a b"), "\"a b\"");
        assert_eq!(repr("1.2.3.4"), "\"1.2.3.4\"");
        assert_eq!(repr("é"), "\"\\xc3\\xa9\"");
    }
}
