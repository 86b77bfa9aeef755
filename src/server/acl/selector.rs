//! ACL selectors (`acl.c: aclSelector`): which commands, channels and keys a user may use.
//! A user has a root selector and any number of extra `(...)` selectors; a command is allowed
//! when any selector allows it.

use std::collections::HashMap;

use crate::core::wire::glob::glob_match;
use crate::server::argv::Argv;
use crate::server::cmd::spec::{Cat, CommandTable, Flag, Spec};

/// Why an ACL rule was refused (`ACLSetUserStringError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("Unknown command or category name in ACL")]
    UnknownCommand,
    #[error("Syntax error")]
    Syntax,
    #[error(
        "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have \
         any effect. Try 'resetkeys' to start with an empty list of patterns"
    )]
    KeyAfterAllKeys,
    #[error(
        "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not \
         have any effect. Try 'resetchannels' to start with an empty list of channels"
    )]
    ChannelAfterAllChannels,
    #[error("The password you are trying to remove from the user does not exist")]
    NoSuchPassword,
    #[error(
        "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
    )]
    BadHash,
    #[error("Duplicate user found. A user can only be defined once in config files")]
    DuplicateUser,
    #[error("Allowing first-arg of a subcommand is not supported")]
    SubcommandFirstArg,
}

/// Read / write permission bits of a key pattern.
const KEY_READ: u8 = 1;
const KEY_WRITE: u8 = 2;
const KEY_ALL: u8 = KEY_READ | KEY_WRITE;

/// One selector. Command permissions are a bitmap indexed by [`CommandTable::id_of`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    allowed: u128,
    /// The reserved "future commands" bit that only `+@all` / `allcommands` set: it decides
    /// whether the description starts from `+@all` or `-@all`.
    future_commands: bool,
    /// `+cmd|firstarg` rules of commands without subcommands, by command id.
    first_args: HashMap<usize, Vec<Vec<u8>>>,
    all_keys: bool,
    /// Key patterns are kept for display only: no sentinel command takes keys.
    key_patterns: Vec<(u8, Vec<u8>)>,
    all_channels: bool,
    channels: Vec<Vec<u8>>,
}

/// Outcome of a permission check (`ACL_DENIED_*`), ordered like Redis's codes so the most
/// relevant denial among several selectors can be picked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Denial {
    Command,
    Channel,
}

impl Selector {
    /// An empty selector (`-@all`, no keys, no channels), as `ACLCreateSelector` makes with the
    /// default `acl-pubsub-default resetchannels`.
    pub fn new() -> Selector {
        Selector::default()
    }

    fn bit(&self, id: usize) -> bool {
        id < 128 && self.allowed & (1u128 << id) != 0
    }

    fn set_bit(&mut self, id: usize, on: bool) {
        if id < 128 {
            if on {
                self.allowed |= 1u128 << id;
            } else {
                self.allowed &= !(1u128 << id);
            }
        }
    }

    /// `ACLChangeSelectorPerm`: a command's bit, and those of all its subcommands.
    fn change_perm(&mut self, table: &CommandTable, cmd: &Spec, on: bool) {
        let id = table.id_of(cmd);
        self.set_bit(id, on);
        self.first_args.remove(&id);
        for sub in cmd.listed_subcommands() {
            self.set_bit(table.id_of(sub), on);
        }
    }

    /// `+@cat` / `-@cat`. Returns false for an unknown category.
    fn set_category_named(&mut self, table: &CommandTable, name: &[u8], on: bool) -> bool {
        if name.eq_ignore_ascii_case(b"all") {
            self.set_all(on);
            return true;
        }
        match Cat::from_name(name) {
            Some(cat) => {
                self.set_category(table, cat, on);
                true
            }
            None => false,
        }
    }

    fn set_category(&mut self, table: &CommandTable, cat: Cat, on: bool) {
        for cmd in table.all() {
            if cmd.in_category(cat) {
                self.change_perm(table, cmd, on);
            }
        }
    }

    fn set_all(&mut self, on: bool) {
        self.allowed = if on { u128::MAX } else { 0 };
        self.future_commands = on;
        self.first_args.clear();
    }

    /// Apply one rule (`ACLSetSelector`).
    pub fn apply(&mut self, table: &CommandTable, op: &[u8]) -> Result<(), RuleError> {
        let lower = op.to_ascii_lowercase();
        match lower.as_slice() {
            b"allkeys" | b"~*" => {
                self.all_keys = true;
                self.key_patterns.clear();
                return Ok(());
            }
            b"resetkeys" => {
                self.all_keys = false;
                self.key_patterns.clear();
                return Ok(());
            }
            b"allchannels" | b"&*" => {
                self.all_channels = true;
                self.channels.clear();
                return Ok(());
            }
            b"resetchannels" => {
                self.all_channels = false;
                self.channels.clear();
                return Ok(());
            }
            b"allcommands" | b"+@all" => {
                self.set_all(true);
                return Ok(());
            }
            b"nocommands" | b"-@all" => {
                self.set_all(false);
                return Ok(());
            }
            _ => {}
        }
        match op.first() {
            Some(b'~') | Some(b'%') => self.add_key_pattern(op),
            Some(b'&') => {
                if self.all_channels {
                    return Err(RuleError::ChannelAfterAllChannels);
                }
                let pat = op[1..].to_vec();
                if !self.channels.contains(&pat) {
                    self.channels.push(pat);
                }
                Ok(())
            }
            Some(&sign @ (b'+' | b'-')) if op.get(1) == Some(&b'@') => {
                if self.set_category_named(table, &op[2..], sign == b'+') {
                    Ok(())
                } else {
                    Err(RuleError::UnknownCommand)
                }
            }
            Some(b'+') => self.allow_command(table, &op[1..]),
            Some(b'-') => {
                let cmd = lookup_acl_command(table, &op[1..]).ok_or(RuleError::UnknownCommand)?;
                self.change_perm(table, cmd, false);
                Ok(())
            }
            _ => Err(RuleError::Syntax),
        }
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if self.all_keys {
            return Err(RuleError::KeyAfterAllKeys);
        }
        let (flags, offset) = if op[0] == b'%' {
            let mut flags = 0u8;
            let mut i = 1;
            loop {
                match op.get(i).map(|c| c.to_ascii_uppercase()) {
                    Some(b'R') if flags & KEY_READ == 0 => flags |= KEY_READ,
                    Some(b'W') if flags & KEY_WRITE == 0 => flags |= KEY_WRITE,
                    Some(b'~') => {
                        i += 1;
                        break;
                    }
                    _ => return Err(RuleError::Syntax),
                }
                i += 1;
            }
            (flags, i)
        } else {
            (KEY_ALL, 1)
        };
        let pat = op[offset..].to_vec();
        if flags == KEY_ALL && pat == b"*" {
            self.all_keys = true;
            self.key_patterns.clear();
            return Ok(());
        }
        match self.key_patterns.iter_mut().find(|(_, p)| *p == pat) {
            Some((f, _)) => *f |= flags,
            None => self.key_patterns.push((flags, pat)),
        }
        Ok(())
    }

    /// `+cmd`, `+cmd|sub`, or `+cmd|firstarg` for a command without subcommands.
    fn allow_command(&mut self, table: &CommandTable, name: &[u8]) -> Result<(), RuleError> {
        // Split at the last `|`, so `client|id|x` names a first-arg of `client|id`.
        let Some(bar) = name.iter().rposition(|&b| b == b'|') else {
            let cmd = lookup_acl_command(table, name).ok_or(RuleError::UnknownCommand)?;
            self.change_perm(table, cmd, true);
            return Ok(());
        };
        let (base, sub) = (&name[..bar], &name[bar + 1..]);
        let cmd = lookup_acl_command(table, base).ok_or(RuleError::UnknownCommand)?;
        if cmd.name.contains('|') {
            return Err(RuleError::SubcommandFirstArg);
        }
        if sub.is_empty() {
            return Err(RuleError::Syntax);
        }
        if !cmd.subcommands.is_empty() {
            let sub_cmd = lookup_acl_command(table, name).ok_or(RuleError::UnknownCommand)?;
            self.change_perm(table, sub_cmd, true);
        } else {
            tracing::warn!(
                "Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse \
                 of ACL and may get disabled in the future (offender: +{})",
                String::from_utf8_lossy(name)
            );
            let list = self.first_args.entry(table.id_of(cmd)).or_default();
            if !list.iter().any(|a| a.eq_ignore_ascii_case(sub)) {
                list.push(sub.to_vec());
            }
        }
        Ok(())
    }

    /// Whether this selector lets `cmd` run with `argv` (`ACLSelectorCheckCmd`).
    /// On a channel denial, also returns the index of the offending argument.
    pub fn check(&self, table: &CommandTable, cmd: &Spec, argv: &Argv) -> Result<(), (Denial, usize)> {
        if !cmd.has_flag(Flag::NoAuth) {
            let id = table.id_of(cmd);
            if !self.bit(id) {
                let idx = if cmd.name.contains('|') { 2 } else { 1 };
                let allowed = match (self.first_args.get(&id), argv.get(idx)) {
                    (Some(list), Some(arg)) if argv.len() >= 2 => {
                        list.iter().any(|a| a.eq_ignore_ascii_case(arg))
                    }
                    _ => false,
                };
                if !allowed {
                    return Err((Denial::Command, 0));
                }
            }
        }
        if !self.all_channels {
            for (idx, is_pattern) in cmd.channel_args(argv) {
                let ch = &argv[idx];
                let ok =
                    self.channels.iter().any(|p| if is_pattern { p == ch } else { glob_match(p, ch, false) });
                if !ok {
                    return Err((Denial::Channel, idx));
                }
            }
        }
        Ok(())
    }

    /// Keys part of the description (`~a %R~b`), without trailing space.
    pub fn describe_keys(&self) -> String {
        if self.all_keys {
            return "~*".into();
        }
        let pats: Vec<String> = self
            .key_patterns
            .iter()
            .map(|(flags, p)| {
                let prefix = match *flags {
                    KEY_ALL => "~",
                    KEY_READ => "%R~",
                    KEY_WRITE => "%W~",
                    _ => "%RW~",
                };
                format!("{}{}", prefix, String::from_utf8_lossy(p))
            })
            .collect();
        pats.join(" ")
    }

    /// Channels part as ACL GETUSER shows it (`&*`, `&a &b`, or empty).
    pub fn describe_channels(&self) -> String {
        if self.all_channels {
            return "&*".into();
        }
        let pats: Vec<String> =
            self.channels.iter().map(|p| format!("&{}", String::from_utf8_lossy(p))).collect();
        pats.join(" ")
    }

    /// The full selector description (`ACLDescribeSelector`): keys, channels, commands.
    pub fn describe(&self, table: &CommandTable) -> String {
        let mut res = String::new();
        let keys = self.describe_keys();
        if !keys.is_empty() {
            res.push_str(&keys);
            res.push(' ');
        }
        if self.all_channels {
            res.push_str("&* ");
        } else {
            res.push_str("resetchannels ");
            for c in &self.channels {
                res.push('&');
                res.push_str(&String::from_utf8_lossy(c));
                res.push(' ');
            }
        }
        res.push_str(&self.describe_commands(table));
        res
    }

    /// Count the commands of a category that are allowed / not allowed.
    fn count_category(&self, table: &CommandTable, cat: Cat) -> (usize, usize) {
        let (mut on, mut off) = (0, 0);
        for cmd in table.all() {
            if cmd.in_category(cat) {
                if self.bit(table.id_of(cmd)) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// The command rules (`ACLDescribeSelectorCommandRules`): start from `+@all` or `-@all`,
    /// greedily add the categories that best fit the bitmap, then fix single commands. Redis
    /// lists the single commands in its hash table's order; we use the table's order.
    pub fn describe_commands(&self, table: &CommandTable) -> String {
        let mut rules: Vec<String> = Vec::new();
        let additive = !self.future_commands;
        let mut fake = Selector::new();
        fake.set_all(!additive);
        rules.push(if additive { "-@all".into() } else { "+@all".into() });
        let mut temp = Selector { allowed: self.allowed, ..Selector::new() };
        loop {
            let mut best: Option<Cat> = None;
            let (mut min_diff, mut max_same) = (usize::MAX, 0);
            for cat in Cat::ALL {
                let (on, off) = temp.count_category(table, cat);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < min_diff || (diff == min_diff && same > max_same)) {
                    best = Some(cat);
                    min_diff = diff;
                    max_same = same;
                }
            }
            let Some(cat) = best else { break };
            fake.set_category(table, cat, additive);
            temp.set_category(table, cat, !additive);
            rules.push(format!("{}@{}", if additive { '+' } else { '-' }, cat.name()));
        }
        for cmd in table.all().iter().filter(|c| !c.name.contains('|')) {
            self.describe_single(table, cmd, &mut fake, &mut rules);
            for sub in cmd.listed_subcommands() {
                self.describe_single(table, sub, &mut fake, &mut rules);
            }
        }
        rules.join(" ")
    }

    fn describe_single(
        &self,
        table: &CommandTable,
        cmd: &Spec,
        fake: &mut Selector,
        rules: &mut Vec<String>,
    ) {
        let id = table.id_of(cmd);
        let user_bit = self.bit(id);
        if user_bit != fake.bit(id) {
            rules.push(format!("{}{}", if user_bit { '+' } else { '-' }, cmd.name));
            fake.change_perm(table, cmd, user_bit);
        }
        if !user_bit {
            if let Some(args) = self.first_args.get(&id) {
                for a in args {
                    rules.push(format!("+{}|{}", cmd.name, String::from_utf8_lossy(a)));
                }
            }
        }
    }
}

/// `ACLLookupCommand`: `name` or `name|sub`, by original names.
fn lookup_acl_command(table: &CommandTable, name: &[u8]) -> Option<&'static Spec> {
    let parts: Vec<&[u8]> = name.split(|&b| b == b'|').collect();
    match parts.as_slice() {
        [one] => table
            .all()
            .iter()
            .copied()
            .find(|c| !c.name.contains('|') && c.name.as_bytes().eq_ignore_ascii_case(one)),
        [base, sub] => {
            let base = lookup_acl_command(table, base)?;
            base.subcommand(sub)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::cmd::table::COMMANDS;

    fn table() -> CommandTable {
        CommandTable::new(COMMANDS, &[]).unwrap()
    }

    fn selector(t: &CommandTable, rules: &str) -> Selector {
        let mut s = Selector::new();
        for r in rules.split_whitespace() {
            s.apply(t, r.as_bytes()).unwrap();
        }
        s
    }

    #[test]
    fn describe_matches_redis_examples() {
        let t = table();
        // Observed on redis-sentinel 7.0.15.
        let s = selector(
            &t,
            "-@all +auth +client|getname +client|id +ping +hello +sentinel|myid +subscribe +psubscribe",
        );
        let d = s.describe_commands(&t);
        assert!(d.starts_with("-@all +@fast "), "{}", d);
        let mut rest: Vec<&str> = d.split(' ').skip(2).collect();
        rest.sort();
        let mut want = vec![
            "+psubscribe",
            "-role",
            "+client|getname",
            "+client|id",
            "-publish",
            "+subscribe",
            "+sentinel|myid",
        ];
        want.sort();
        assert_eq!(rest, want);
        let s = selector(&t, "-@all +@connection +@admin -client|kill");
        assert_eq!(s.describe_commands(&t), "-@all +@admin +@fast +@connection -client|kill -publish");
        let s = selector(&t, "+@all -@connection +ping -client|kill +@pubsub -publish");
        assert_eq!(s.describe_commands(&t), "+@all -@connection +ping -publish");
        assert_eq!(selector(&t, "+@all").describe_commands(&t), "+@all");
        assert_eq!(selector(&t, "+@all -ping").describe_commands(&t), "+@all -ping");
        assert_eq!(Selector::new().describe_commands(&t), "-@all");
    }

    #[test]
    fn keys_and_channels() {
        let t = table();
        let s = selector(&t, "%RW~k %W~j %R~j ~j %R~r &x &x");
        assert_eq!(s.describe_keys(), "~k ~j %R~r");
        assert_eq!(s.describe_channels(), "&x");
        let mut s = selector(&t, "allkeys");
        assert_eq!(s.apply(&t, b"~x"), Err(RuleError::KeyAfterAllKeys));
        assert_eq!(s.apply(&t, b"%X~x"), Err(RuleError::KeyAfterAllKeys));
        let mut s = selector(&t, "&*");
        assert_eq!(s.apply(&t, b"&x"), Err(RuleError::ChannelAfterAllChannels));
    }

    #[test]
    fn rule_errors() {
        let t = table();
        let mut s = Selector::new();
        assert_eq!(s.apply(&t, b"+get"), Err(RuleError::UnknownCommand));
        assert_eq!(s.apply(&t, b"+client|nope"), Err(RuleError::UnknownCommand));
        assert_eq!(s.apply(&t, b"+client|id|x"), Err(RuleError::SubcommandFirstArg));
        assert_eq!(s.apply(&t, b"+ping|"), Err(RuleError::Syntax));
        assert_eq!(s.apply(&t, b"-ping|x"), Err(RuleError::UnknownCommand));
        assert_eq!(s.apply(&t, b"+@nope"), Err(RuleError::UnknownCommand));
        assert_eq!(s.apply(&t, b"bogus"), Err(RuleError::Syntax));
        assert_eq!(s.apply(&t, b"%X~k"), Err(RuleError::Syntax));
    }

    #[test]
    fn permission_checks() {
        let t = table();
        let argv = |v: &[&str]| Argv::from_args(v);
        let s = selector(&t, "-@all +subscribe +psubscribe +ping|x &ev*");
        let sub = t.by_full_name(b"subscribe").unwrap();
        let psub = t.by_full_name(b"psubscribe").unwrap();
        let ping = t.by_full_name(b"ping").unwrap();
        let auth = t.by_full_name(b"auth").unwrap();
        assert_eq!(s.check(&t, sub, &argv(&["subscribe", "evx"])), Ok(()));
        assert_eq!(s.check(&t, sub, &argv(&["subscribe", "evx", "foo"])), Err((Denial::Channel, 2)));
        assert_eq!(s.check(&t, psub, &argv(&["psubscribe", "ev*"])), Ok(()));
        assert_eq!(s.check(&t, psub, &argv(&["psubscribe", "e*"])), Err((Denial::Channel, 1)));
        assert_eq!(s.check(&t, ping, &argv(&["ping", "X"])), Ok(()));
        assert_eq!(s.check(&t, ping, &argv(&["ping"])), Err((Denial::Command, 0)));
        // AUTH and HELLO are never denied.
        assert_eq!(s.check(&t, auth, &argv(&["auth", "a", "b"])), Ok(()));
        assert_eq!(s.describe_commands(&t), "-@all +ping|x +psubscribe +subscribe");
    }

    #[test]
    fn valkey_names_share_their_redis_twins_permission() {
        let t = table();
        let argv = |v: &[&str]| Argv::from_args(v);
        let lookup = |args: &[&str]| match t.lookup(&argv(args)) {
            crate::server::cmd::spec::Lookup::Found(c) => c,
            other => panic!("{args:?}: {other:?}"),
        };
        let primary = lookup(&["sentinel", "PRIMARY", "m"]);
        assert_eq!(primary.name, "sentinel|primary");
        // Allowed through the Redis name: the Valkey name runs too, and the other way round.
        let s = selector(&t, "-@all +sentinel|master");
        assert_eq!(s.check(&t, primary, &argv(&["sentinel", "primary", "m"])), Ok(()));
        let s = selector(&t, "-@all +sentinel|primary");
        assert_eq!(
            s.check(&t, lookup(&["sentinel", "master", "m"]), &argv(&["sentinel", "master", "m"])),
            Ok(())
        );
        assert_eq!(s.describe_commands(&t), "-@all +sentinel|master");
        assert_eq!(
            s.check(&t, lookup(&["sentinel", "primaries"]), &argv(&["sentinel", "primaries"])),
            Err((Denial::Command, 0))
        );
        // Categories cover them through their twins.
        let s = selector(&t, "-@all +@admin");
        assert_eq!(
            s.check(&t, lookup(&["sentinel", "primaries"]), &argv(&["sentinel", "primaries"])),
            Ok(())
        );
    }
}
