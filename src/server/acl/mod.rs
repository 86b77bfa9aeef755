//! Users, passwords and permissions (`acl.c`), for the commands sentinel mode has.
//!
//! `requirepass` is the default user's password; `user` lines from the config and
//! `ACL SETUSER` define other users. Command rules, channel patterns and `(...)` selectors work
//! as in Redis 7.0; key patterns are accepted and shown but never checked, since no sentinel
//! command takes keys.

pub mod log;
pub mod selector;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use self::selector::{Denial, RuleError, Selector};
use super::argv::Argv;
use super::cmd::spec::{CommandTable, Spec};
use crate::core::wire::split_args::split_args;

pub use self::log::{AclLog, LogReason};

/// A user (`acl.c: user`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub name: Vec<u8>,
    enabled: bool,
    nopass: bool,
    /// `Some(true)`: sanitize-payload; `Some(false)`: skip-sanitize-payload.
    sanitize: Option<bool>,
    /// Hex SHA-256 of each password, in the order they were added.
    passwords: Vec<String>,
    root: Selector,
    selectors: Vec<Selector>,
}

/// SHA-256 of a password, in lower-case hex (`ACLHashPassword`).
pub fn hash_password(pass: &[u8]) -> String {
    Sha256::digest(pass).iter().map(|b| format!("{:02x}", b)).collect()
}

/// Compare two hashes without an early exit, as Redis's `time_independent_strcmp`.
fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn valid_hash(h: &[u8]) -> bool {
    h.len() == 64 && h.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// `ACLStringHasSpaces`: user names may not contain spaces or NUL bytes.
pub fn has_spaces(name: &[u8]) -> bool {
    name.iter().any(|&c| c == 0 || matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
}

/// Why a user could not be set up (`ACLStringSetUser`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetUserError {
    #[error("Unmatched parenthesis in acl selector starting at '{0}'.")]
    UnmatchedParenthesis(String),
    #[error("Error in ACL SETUSER modifier '{op}': {err}")]
    Rule { op: String, err: RuleError },
}

impl User {
    /// A new user: disabled, no password, no commands, no channels (`ACLCreateUnlinkedUser`).
    pub fn new(name: &[u8]) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: None,
            passwords: Vec::new(),
            root: Selector::new(),
            selectors: Vec::new(),
        }
    }

    /// The default user before configuration: `on nopass ~* &* +@all`.
    fn default_user(table: &CommandTable) -> User {
        let mut u = User::new(b"default");
        for op in ["+@all", "~*", "&*", "on", "nopass"] {
            let _ = u.apply(table, op.as_bytes());
        }
        u
    }

    pub fn name_str(&self) -> String {
        String::from_utf8_lossy(&self.name).into_owned()
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    pub fn nopass(&self) -> bool {
        self.nopass
    }

    /// Apply one rule (`ACLSetUser`).
    pub fn apply(&mut self, table: &CommandTable, op: &[u8]) -> Result<(), RuleError> {
        if op.is_empty() {
            return Ok(());
        }
        match op.to_ascii_lowercase().as_slice() {
            b"on" => self.enabled = true,
            b"off" => self.enabled = false,
            b"skip-sanitize-payload" => self.sanitize = Some(false),
            b"sanitize-payload" => self.sanitize = Some(true),
            b"nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            b"resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            b"clearselectors" => self.selectors.clear(),
            b"reset" => {
                self.nopass = false;
                self.passwords.clear();
                for r in ["resetkeys", "resetchannels"] {
                    self.root.apply(table, r.as_bytes())?;
                }
                self.enabled = false;
                self.sanitize = Some(true);
                self.selectors.clear();
                self.root.apply(table, b"-@all")?;
            }
            _ => match op[0] {
                b'>' | b'#' => {
                    let hash = if op[0] == b'>' {
                        hash_password(&op[1..])
                    } else if valid_hash(&op[1..]) {
                        String::from_utf8_lossy(&op[1..]).into_owned()
                    } else {
                        return Err(RuleError::BadHash);
                    };
                    if !self.passwords.contains(&hash) {
                        self.passwords.push(hash);
                    }
                    self.nopass = false;
                }
                b'<' | b'!' => {
                    let hash = if op[0] == b'<' {
                        hash_password(&op[1..])
                    } else if valid_hash(&op[1..]) {
                        String::from_utf8_lossy(&op[1..]).into_owned()
                    } else {
                        return Err(RuleError::BadHash);
                    };
                    let pos =
                        self.passwords.iter().position(|p| *p == hash).ok_or(RuleError::NoSuchPassword)?;
                    self.passwords.remove(pos);
                }
                b'(' if op.ends_with(b")") => {
                    let mut s = Selector::new();
                    let inner = &op[1..op.len() - 1];
                    for rule in split_args(inner).unwrap_or_default() {
                        s.apply(table, &rule)?;
                    }
                    self.selectors.push(s);
                }
                _ => self.root.apply(table, op)?,
            },
        }
        Ok(())
    }

    /// Apply a list of rules atomically, merging `(...)` selectors split over several
    /// arguments (`ACLStringSetUser` + `ACLMergeSelectorArguments`).
    pub fn apply_all(&mut self, table: &CommandTable, args: &[&[u8]]) -> Result<(), SetUserError> {
        let merged = merge_selector_args(args)?;
        let mut staged = self.clone();
        for op in &merged {
            staged.apply(table, op).map_err(|err| SetUserError::Rule {
                op: String::from_utf8_lossy(crate::server::util::c_str(op)).into_owned(),
                err,
            })?;
        }
        *self = staged;
        Ok(())
    }

    /// Whether `password` opens this user (`ACLCheckUserCredentials`).
    pub fn check_password(&self, password: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let h = hash_password(password);
        self.passwords.iter().any(|p| same_hash(p, &h))
    }

    /// Check `cmd` against every selector (`ACLCheckAllUserCommandPerm`); on denial, the most
    /// relevant reason and argument index.
    pub fn check(&self, table: &CommandTable, cmd: &Spec, argv: &Argv) -> Result<(), (Denial, usize)> {
        let mut worst = (Denial::Command, 0usize);
        for s in std::iter::once(&self.root).chain(self.selectors.iter()) {
            match s.check(table, cmd, argv) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    if e.0 > worst.0 || (e.0 == worst.0 && e.1 > worst.1) {
                        worst = e;
                    }
                }
            }
        }
        Err(worst)
    }

    /// Flags in Redis's order (`ACLUserFlags`).
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize {
            Some(false) => f.push("skip-sanitize-payload"),
            Some(true) => f.push("sanitize-payload"),
            None => {}
        }
        f
    }

    pub fn passwords(&self) -> &[String] {
        &self.passwords
    }

    pub fn root(&self) -> &Selector {
        &self.root
    }

    pub fn selectors(&self) -> &[Selector] {
        &self.selectors
    }

    /// The rules after `user <name>` in ACL LIST and the config file (`ACLDescribeUser`).
    pub fn describe(&self, table: &CommandTable) -> String {
        let mut res = String::new();
        for f in self.flags() {
            res.push_str(f);
            res.push(' ');
        }
        for p in &self.passwords {
            res.push('#');
            res.push_str(p);
            res.push(' ');
        }
        res.push_str(&self.root.describe(table));
        for s in &self.selectors {
            res.push_str(" (");
            res.push_str(&s.describe(table));
            res.push(')');
        }
        res
    }
}

/// Join arguments of a selector split over several words: `(+ping` `~x)` → `(+ping ~x)`.
fn merge_selector_args(args: &[&[u8]]) -> Result<Vec<Vec<u8>>, SetUserError> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Vec<u8>)> = None;
    for (j, op) in args.iter().enumerate() {
        if let Some((start, mut sel)) = open.take() {
            sel.push(b' ');
            sel.extend_from_slice(op);
            if op.last() == Some(&b')') {
                out.push(sel);
            } else {
                open = Some((start, sel));
            }
            continue;
        }
        if op.first() == Some(&b'(') && op.last() != Some(&b')') {
            open = Some((j, op.to_vec()));
            continue;
        }
        out.push(op.to_vec());
    }
    match open {
        Some((start, _)) => Err(SetUserError::UnmatchedParenthesis(
            String::from_utf8_lossy(crate::server::util::c_str(args[start])).into_owned(),
        )),
        None => Ok(out),
    }
}

/// Why the configured users could not be loaded; the process refuses to start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigUserError {
    #[error("Error in user declaration '{user}': {msg}")]
    Rule { user: String, msg: String },
    #[error("Spaces not allowed in ACL usernames")]
    Spaces,
}

/// All users (the ACL LOG is kept apart: it changes on every denial, the users rarely).
#[derive(Debug, Clone)]
pub struct Acl {
    /// Sorted by name, like Redis's rax.
    users: BTreeMap<Vec<u8>, User>,
}

impl Acl {
    /// Users from the config: the default user, then `requirepass`, then the `user` lines in
    /// order (a `user default ...` line resets and redefines the default user).
    pub fn from_config(
        table: &CommandTable,
        requirepass: Option<&str>,
        user_lines: &[Vec<String>],
    ) -> Result<Acl, ConfigUserError> {
        let mut users = BTreeMap::new();
        let mut default = User::default_user(table);
        if let Some(pass) = requirepass {
            let _ = default.apply(table, b"resetpass");
            let _ = default.apply(table, format!(">{}", pass).as_bytes());
        }
        users.insert(b"default".to_vec(), default);
        let mut seen: Vec<&str> = Vec::new();
        for line in user_lines {
            let Some((name, rules)) = line.split_first() else { continue };
            let rule_err = |msg: String| ConfigUserError::Rule { user: name.clone(), msg };
            if seen.contains(&name.as_str()) {
                return Err(rule_err(RuleError::DuplicateUser.to_string()));
            }
            seen.push(name);
            if has_spaces(name.as_bytes()) {
                return Err(ConfigUserError::Spaces);
            }
            let args: Vec<&[u8]> = rules.iter().map(|r| r.as_bytes()).collect();
            let mut user = if name == "default" {
                let mut u = User::new(b"default");
                let _ = u.apply(table, b"reset");
                u
            } else {
                User::new(name.as_bytes())
            };
            user.apply_all(table, &args).map_err(|e| match e {
                SetUserError::Rule { err, .. } => rule_err(err.to_string()),
                other => rule_err(other.to_string()),
            })?;
            if !user.enabled {
                tracing::info!(
                    "The user '{}' is disabled (there is no 'on' modifier in the user description). Make \
                     sure this is not a configuration error.",
                    name
                );
            }
            users.insert(name.as_bytes().to_vec(), user);
        }
        Ok(Acl { users })
    }

    pub fn user(&self, name: &[u8]) -> Option<&User> {
        self.users.get(name)
    }

    pub fn default_user(&self) -> Option<&User> {
        self.users.get(&b"default"[..])
    }

    /// Whether new clients must authenticate: the default user has a password or is off.
    pub fn auth_required(&self) -> bool {
        self.default_user().is_none_or(|u| !u.nopass || !u.enabled)
    }

    /// The users, sorted by name.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// `ACL SETUSER`: create or modify a user atomically.
    pub fn set_user(
        &mut self,
        table: &CommandTable,
        name: &[u8],
        rules: &[&[u8]],
    ) -> Result<(), SetUserError> {
        let mut user = self.users.get(name).cloned().unwrap_or_else(|| User::new(name));
        user.apply_all(table, rules)?;
        self.users.insert(name.to_vec(), user);
        Ok(())
    }

    /// Remove a user; returns whether it existed. The default user is never removed.
    pub fn delete_user(&mut self, name: &[u8]) -> bool {
        name != b"default" && self.users.remove(name).is_some()
    }

    /// The `user ...` lines for the config rewrite: every user with its rules.
    pub fn config_lines(&self, table: &CommandTable) -> Vec<Vec<String>> {
        self.users
            .values()
            .map(|u| {
                let mut line = vec![u.name_str()];
                line.extend(u.describe(table).split(' ').map(str::to_string));
                line
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::cmd::table::COMMANDS;

    fn table() -> CommandTable {
        CommandTable::new(COMMANDS, &[]).unwrap()
    }

    fn args(s: &str) -> Vec<&[u8]> {
        s.split(' ').map(|a| a.as_bytes()).collect()
    }

    #[test]
    fn default_user_and_requirepass() {
        let t = table();
        let acl = Acl::from_config(&t, None, &[]).unwrap();
        assert!(!acl.auth_required());
        assert_eq!(acl.default_user().unwrap().describe(&t), "on nopass ~* &* +@all");
        let acl = Acl::from_config(&t, Some("secret"), &[]).unwrap();
        assert!(acl.auth_required());
        let d = acl.default_user().unwrap();
        assert!(d.check_password(b"secret"));
        assert!(!d.check_password(b"nope"));
        assert_eq!(d.describe(&t), format!("on #{} ~* &* +@all", hash_password(b"secret")));
    }

    #[test]
    fn config_lines_and_errors() {
        let t = table();
        let line = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        let acl = Acl::from_config(&t, None, &[line("admin on >pw allchannels +@all")]).unwrap();
        let admin = acl.user(b"admin").unwrap();
        assert_eq!(admin.describe(&t), format!("on #{} &* +@all", hash_password(b"pw")));
        let err = Acl::from_config(&t, None, &[line("x on +get")]).unwrap_err();
        assert_eq!(err.to_string(), "Error in user declaration 'x': Unknown command or category name in ACL");
        assert!(Acl::from_config(&t, None, &[line("x on"), line("x off")]).is_err());
        // `user default` replaces the built-in default user.
        let acl = Acl::from_config(&t, Some("pw"), &[line("default on nopass +ping")]).unwrap();
        assert_eq!(
            acl.default_user().unwrap().describe(&t),
            "on nopass sanitize-payload resetchannels -@all +ping"
        );
    }

    #[test]
    fn setuser_is_atomic_and_merges_selectors() {
        let t = table();
        let mut acl = Acl::from_config(&t, None, &[]).unwrap();
        let err = acl.set_user(&t, b"w", &args("on +client|id +client|nope")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Error in ACL SETUSER modifier '+client|nope': Unknown command or category name in ACL"
        );
        assert!(acl.user(b"w").is_none());
        let err = acl.set_user(&t, b"v", &args("(+ping ~x) (-@all &a")).unwrap_err();
        assert_eq!(err.to_string(), "Unmatched parenthesis in acl selector starting at '(-@all'.");
        acl.set_user(&t, b"v", &args("on (+ping ~x) (+role &a)")).unwrap();
        assert_eq!(
            acl.user(b"v").unwrap().describe(&t),
            "on resetchannels -@all (~x resetchannels -@all +ping) (resetchannels &a -@all +role)"
        );
        acl.set_user(&t, b"y", &args("reset")).unwrap();
        assert_eq!(acl.user(b"y").unwrap().describe(&t), "off sanitize-payload resetchannels -@all");
    }

    #[test]
    fn passwords() {
        let t = table();
        let mut acl = Acl::from_config(&t, None, &[]).unwrap();
        assert!(matches!(
            acl.set_user(&t, b"u", &args(">p #abc")),
            Err(SetUserError::Rule { err: RuleError::BadHash, .. })
        ));
        assert!(matches!(
            acl.set_user(&t, b"u", &args("<nope")),
            Err(SetUserError::Rule { err: RuleError::NoSuchPassword, .. })
        ));
        acl.set_user(&t, b"u", &args(">p >p >q <q")).unwrap();
        let u = acl.user(b"u").unwrap();
        assert_eq!(u.passwords(), ["148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940"]);
        // Disabled users never authenticate.
        assert!(!u.check_password(b"p"));
        acl.set_user(&t, b"u", &args("on")).unwrap();
        assert!(acl.user(b"u").unwrap().check_password(b"p"));
        assert!(!acl.delete_user(b"default"));
        assert!(acl.delete_user(b"u"));
    }
}
