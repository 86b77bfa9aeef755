//! Reading `sentinel.conf` text the way `config.c: loadServerConfigFromString` does.
//!
//! Generic lines are applied as they are read; `sentinel` lines are queued and applied after
//! the whole text (see `sentinel_lines.rs`), so a generic error anywhere is reported before
//! any sentinel error, as Redis does.
//!
//! `include <path>` is supported: the file is read in place (relative paths are relative to
//! the current `dir`), with `*`, `?` and `[...]` wildcards in the file name (matches read in
//! sorted order, no match is not an error, as with Redis's `glob`). `sentinel` directives are
//! refused inside included files: the config rewrite only writes the main file, so they would
//! be duplicated there and the next start would fail on `Duplicate master name.`.

use std::path::{Path, PathBuf};

use super::error::{ConfigError, Origin};
use super::generic::{GenericState, Outcome};
use super::lexer::{split_args, trim_line};
use super::model::{SentinelConfig, ServerConfig};
use super::rewrite::{STATE_END, STATE_HEADER};
use super::sentinel_lines::{phase_of, Phase, SentinelBuilder, UNRECOGNIZED};
use super::sys;

const MAX_INCLUDE_DEPTH: usize = 16;
/// `sentinel state-config-file <path>` (the keyword after `sentinel`).
const STATE_DIRECTIVE: &str = "state-config-file";
pub const SENTINEL_IN_INCLUDE: &str = "sentinel directives are not supported in included files (the config rewrite writes only the main file, which would then hold them twice)";

/// One `sentinel` line waiting for its queue to run.
struct Queued {
    /// From the state file: runs after every main-file line, as an overlay.
    from_state: bool,
    phase: Phase,
    args: Vec<String>,
    file: String,
    line: usize,
    text: String,
    origin: Origin,
}

pub struct Loader {
    generic: GenericState,
    queue: Vec<Queued>,
    sentinel: Option<SentinelBuilder>,
    depth: usize,
    /// Where the last `sentinel state-config-file` line was (for errors about it).
    state_directive: Option<Located>,
}

/// A config line, for errors that point at it.
#[derive(Clone)]
struct Located {
    file: String,
    line: usize,
    text: String,
    origin: Origin,
}

impl Located {
    fn error(&self, message: String) -> ConfigError {
        ConfigError::Line {
            file: self.file.clone(),
            line: self.line,
            text: self.text.clone(),
            message,
            origin: self.origin,
        }
    }
}

pub const ONLY_SENTINEL_IN_STATE: &str =
    "Only sentinel directives belong in the state file (sentinel state-config-file).";
pub const STATE_IN_STATE: &str =
    "sentinel state-config-file belongs in the main config file, not in the state file.";
pub const STATE_IS_MAIN: &str = "sentinel state-config-file must differ from the main config file.";

impl Loader {
    pub fn new() -> Loader {
        Loader {
            generic: GenericState::new(ServerConfig::default()),
            queue: Vec::new(),
            sentinel: None,
            depth: 0,
            state_directive: None,
        }
    }

    /// Continue from an already loaded configuration (a TOML file, before applying the
    /// command-line options on top of it).
    pub fn seeded(server: ServerConfig, sentinel: SentinelBuilder) -> Loader {
        Loader {
            generic: GenericState::new(server),
            queue: Vec::new(),
            sentinel: Some(sentinel),
            depth: 0,
            state_directive: None,
        }
    }

    /// Read config text. `file_lines` is how many of its lines come from the file itself; the
    /// ones after it are command-line options.
    pub fn read_text(&mut self, text: &str, file: &str, file_lines: usize) -> Result<(), ConfigError> {
        for (i, raw) in text.split('\n').enumerate() {
            let line = trim_line(raw);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let linenum = i + 1;
            let origin = if linenum > file_lines { Origin::CommandLine } else { Origin::File };
            let err = |message: String| ConfigError::Line {
                file: file.to_string(),
                line: linenum,
                text: line.to_string(),
                message,
                origin,
            };
            let args =
                split_args(line).ok_or_else(|| err("Unbalanced quotes in configuration line".into()))?;
            if args.is_empty() {
                continue;
            }
            match self.generic.apply(&args).map_err(err)? {
                Outcome::Done => {}
                Outcome::Include(pattern) => self.include(&pattern).map_err(|e| match e {
                    IncludeError::Config(c) => c,
                    IncludeError::Here(m) => err(m),
                })?,
                Outcome::Sentinel(words) => {
                    if self.depth > 0 {
                        return Err(err(SENTINEL_IN_INCLUDE.into()));
                    }
                    if words[0].eq_ignore_ascii_case(STATE_DIRECTIVE) {
                        let [_, path] = words.as_slice() else { return Err(err(UNRECOGNIZED.into())) };
                        self.generic.server.state_file = (!path.is_empty()).then(|| path.clone());
                        self.state_directive = Some(Located {
                            file: file.to_string(),
                            line: linenum,
                            text: line.to_string(),
                            origin,
                        });
                        continue;
                    }
                    self.queue.push(Queued {
                        from_state: false,
                        phase: phase_of(&words[0]),
                        args: words,
                        file: file.to_string(),
                        line: linenum,
                        text: line.to_string(),
                        origin,
                    });
                }
            }
        }
        Ok(())
    }

    fn include(&mut self, pattern: &str) -> Result<(), IncludeError> {
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(IncludeError::Here(format!(
                "include nested more than {} levels deep (an include loop?)",
                MAX_INCLUDE_DEPTH
            )));
        }
        let full = self.generic.base_dir.join(pattern);
        let files = if pattern.contains(['*', '?', '[']) {
            expand_glob(&full).map_err(IncludeError::Here)?
        } else {
            vec![full]
        };
        for f in files {
            let shown = f.display().to_string();
            let bytes = std::fs::read(&f).map_err(|e| {
                IncludeError::Config(ConfigError::Open { path: shown.clone(), reason: sys::io_strerror(&e) })
            })?;
            let text = String::from_utf8_lossy(&bytes);
            self.depth += 1;
            let r = self.read_text(&text, &shown, usize::MAX);
            self.depth -= 1;
            r.map_err(IncludeError::Config)?;
        }
        Ok(())
    }

    /// Resolve the `sentinel state-config-file` path (relative to `dir`, where the sentinel
    /// runs), store it back absolute, and refuse one that names the main config file
    /// `main` itself. `shown` names the main file in errors about a TOML `state_file`.
    pub fn resolve_state_file(&mut self, main: &Path, shown: &str) -> Result<Option<PathBuf>, ConfigError> {
        let Some(raw) = self.generic.server.state_file.clone() else { return Ok(None) };
        let path = self.generic.base_dir.join(raw);
        if sys::same_file(&path, main) {
            return Err(match &self.state_directive {
                Some(at) => at.error(STATE_IS_MAIN.into()),
                None => ConfigError::Global { file: shown.to_string(), message: STATE_IS_MAIN.into() },
            });
        }
        self.generic.server.state_file = Some(path.display().to_string());
        Ok(Some(path))
    }

    /// Read the state file, if it exists yet: only `sentinel` lines, queued to run after all
    /// of the main file's (see `SentinelBuilder::begin_state_overlay`). A file that rsentinel
    /// wrote must end with its end line: a cut-short file is refused rather than half loaded.
    pub fn read_state_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let shown = path.display().to_string();
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(ConfigError::Open { path: shown, reason: sys::io_strerror(&e) }),
        };
        let text = String::from_utf8_lossy(&bytes);
        check_state_complete(&text, &shown)?;
        for (i, raw) in text.split('\n').enumerate() {
            let line = trim_line(raw);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at =
                Located { file: shown.clone(), line: i + 1, text: line.to_string(), origin: Origin::File };
            let args =
                split_args(line).ok_or_else(|| at.error("Unbalanced quotes in configuration line".into()))?;
            match args.split_first() {
                None => continue,
                Some((first, words)) if first.eq_ignore_ascii_case("sentinel") && !words.is_empty() => {
                    if words[0].eq_ignore_ascii_case(STATE_DIRECTIVE) {
                        return Err(at.error(STATE_IN_STATE.into()));
                    }
                    self.queue.push(Queued {
                        from_state: true,
                        phase: phase_of(&words[0]),
                        args: words.to_vec(),
                        file: at.file,
                        line: at.line,
                        text: at.text,
                        origin: Origin::File,
                    });
                }
                Some(_) => return Err(at.error(ONLY_SENTINEL_IN_STATE.into())),
            }
        }
        Ok(())
    }

    /// Run the sentinel queues (pre-monitor, monitor, post) of the main file, then those of
    /// the state file over them. Also returns what the state file overrode, for the log.
    pub fn finish(mut self) -> Result<(ServerConfig, SentinelConfig, Vec<String>), ConfigError> {
        let base = self.generic.base_dir.clone();
        let mut builder = self.sentinel.take().unwrap_or_else(|| SentinelBuilder::new(&base));
        self.queue.sort_by_key(|q| (q.from_state, q.phase));
        let mut overlay = false;
        for q in &self.queue {
            if q.from_state && !overlay {
                builder.begin_state_overlay();
                overlay = true;
            }
            builder.handle(&q.args).map_err(|message| ConfigError::Line {
                file: q.file.clone(),
                line: q.line,
                text: q.text.clone(),
                message,
                origin: q.origin,
            })?;
        }
        let notices = builder.take_notices();
        Ok((self.generic.server, builder.finish(), notices))
    }

    /// Checks that need the whole config but not the sentinel queues (run between the two,
    /// where Redis runs them). `open_logfile` is Redis's "can we append to the log file" test.
    pub fn check_generic(&self, file: &str, open_logfile: bool) -> Result<(), ConfigError> {
        let global = |message: String| ConfigError::Global { file: file.to_string(), message };
        let logfile = &self.generic.server.logfile;
        if open_logfile && !logfile.is_empty() {
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(self.generic.base_dir.join(logfile))
                .map_err(|e| global(format!("Can't open the log file: {}", sys::io_strerror(&e))))?;
        }
        self.generic.final_check().map_err(global)
    }
}

/// A state file that starts with rsentinel's header must end with its end line; one that
/// does not was cut short (a copy interrupted, a full disk outside our atomic rewrite).
fn check_state_complete(text: &str, file: &str) -> Result<(), ConfigError> {
    let lines: Vec<&str> = text.split('\n').map(trim_line).collect();
    if lines.first() != Some(&STATE_HEADER) {
        return Ok(());
    }
    let Some((n, last)) = lines.iter().enumerate().rev().find(|(_, l)| !l.is_empty()) else { return Ok(()) };
    if *last == STATE_END {
        return Ok(());
    }
    Err(Located { file: file.to_string(), line: n + 1, text: last.to_string(), origin: Origin::File }.error(format!(
        "The state file is truncated: it ends before its '{}' line. Refusing to start with half a state: restore the file, or remove it to start from the main config file alone.",
        STATE_END
    )))
}

enum IncludeError {
    /// An error inside the included file (reported with its own name and line).
    Config(ConfigError),
    /// An error about the `include` line itself.
    Here(String),
}

/// Expand a wildcard in the last path component (sorted, like `glob(3)`).
fn expand_glob(full: &Path) -> Result<Vec<PathBuf>, String> {
    let dir = full.parent().unwrap_or(Path::new("/"));
    let name = full.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if dir.to_string_lossy().contains(['*', '?', '[']) {
        return Err("include: wildcards are only supported in the file name, not in directories".into());
    }
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            // glob(3) does not match a leading dot with a wildcard.
            if n.starts_with('.') && !name.starts_with('.') {
                continue;
            }
            if wildcard_match(name.as_bytes(), n.as_bytes()) {
                out.push(dir.join(n));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// fnmatch-style matching of `*`, `?` and `[...]` (with `!`/`^` negation and ranges).
fn wildcard_match(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| wildcard_match(&p[1..], &s[i..])),
        Some(b'?') => !s.is_empty() && wildcard_match(&p[1..], &s[1..]),
        Some(b'[') => {
            let Some(&c) = s.first() else { return false };
            let mut i = 1;
            let negate = matches!(p.get(1), Some(b'!' | b'^'));
            if negate {
                i += 1;
            }
            let mut matched = false;
            let mut first = true;
            while i < p.len() && (first || p[i] != b']') {
                first = false;
                if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
                    matched |= p[i] <= c && c <= p[i + 2];
                    i += 3;
                } else {
                    matched |= p[i] == c;
                    i += 1;
                }
            }
            if i >= p.len() {
                // No closing bracket: a literal '['.
                return c == b'[' && wildcard_match(&p[1..], &s[1..]);
            }
            matched != negate && wildcard_match(&p[i + 1..], &s[1..])
        }
        Some(&pc) => s.first() == Some(&pc) && wildcard_match(&p[1..], &s[1..]),
    }
}

/// Build the text Redis parses for command-line words after the config file
/// (`server.c: main`): each `--name` starts a new line, other words are its arguments,
/// quoted with `sdscatrepr`. `--save` with no value means `save ""`.
pub fn options_text(words: &[String]) -> String {
    let mut options = String::new();
    let mut handled_last_arg = true;
    for (j, w) in words.iter().enumerate() {
        if handled_last_arg && w.starts_with("--") {
            if !options.is_empty() {
                options.push('\n');
            }
            options.push_str(&w[2..]);
            options.push(' ');
            if split_args(w).map(|a| a.len()) == Some(1) {
                // A bare option name: the next word is its value, except for the two
                // valueless forms Redis 7.0.1+ special-cases, `--save` (meaning `save ""`)
                // and the `--sentinel` mode switch, when followed by another option.
                handled_last_arg = false;
                let next_is_option = words.get(j + 1).is_some_and(|n| n.starts_with("--"));
                let last = j + 1 == words.len();
                if w.eq_ignore_ascii_case("--save") && (next_is_option || last) {
                    options.push_str("\"\"");
                    handled_last_arg = true;
                } else if w.eq_ignore_ascii_case("--sentinel") && (next_is_option || last) {
                    handled_last_arg = true;
                }
            }
        } else {
            options.push_str(&super::lexer::repr(w));
            options.push(' ');
            handled_last_arg = true;
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_text_like_redis_main() {
        assert_eq!(options_text(&words(&["--port", "26380"])), "port \"26380\" ");
        assert_eq!(
            options_text(&words(&["--port", "1", "--bind", "127.0.0.1", "::1"])),
            "port \"1\" \nbind \"127.0.0.1\" \"::1\" "
        );
        assert_eq!(options_text(&words(&["--sentinel", "--port", "1"])), "sentinel \nport \"1\" ");
        assert_eq!(options_text(&words(&["--save", "--port", "1"])), "save \"\"\nport \"1\" ");
        assert_eq!(options_text(&words(&["--save"])), "save \"\"");
        // A value that starts with "--" after an option name is a value.
        assert_eq!(options_text(&words(&["--requirepass", "--x"])), "requirepass \"--x\" ");
        assert_eq!(options_text(&words(&[])), "");
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match(b"*.conf", b"a.conf"));
        assert!(!wildcard_match(b"*.conf", b"a.conf.bak"));
        assert!(wildcard_match(b"s?.conf", b"s1.conf"));
        assert!(wildcard_match(b"s[0-9].conf", b"s7.conf"));
        assert!(!wildcard_match(b"s[!0-9].conf", b"s7.conf"));
        assert!(wildcard_match(b"*", b""));
    }
}
