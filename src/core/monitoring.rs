//! Links, periodic commands, PING replies and subjective down (§6.1-§6.3, §6.7).

use super::types::{cmd, Action, Command, InstanceRef, MasterId, ReplyTag};
use super::Sentinel;

impl Sentinel {
    /// The name to send for command `name` to instances of `master`, after the master's
    /// `sentinel rename-command` table (`sentinelInstanceMapCommand`). Replicas and sentinels
    /// use their master's table.
    pub fn map_command(&self, master: MasterId, name: &str) -> String {
        self.masters
            .get(&master)
            .and_then(|m| m.renamed_commands.iter().find(|(f, _)| f.eq_ignore_ascii_case(name)))
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| name.to_string())
    }

    /// A command for instances of `master`, its name passed through the rename table.
    pub(crate) fn mcmd(&self, master: MasterId, name: &str, args: &[&str]) -> Command {
        let mut c = cmd([self.map_command(master, name)]);
        c.extend(args.iter().map(|a| a.as_bytes().to_vec()));
        c
    }

    /// Queue a command on an instance's command connection, counting it as pending.
    /// Returns false (and sends nothing) when the link has no command connection.
    pub(crate) fn send_to(&mut self, who: &InstanceRef, command: Command, tag: ReplyTag) -> bool {
        let Some(link) = self.instance(who).map(|i| i.link) else { return false };
        let Some(l) = self.links.get_mut(&link) else { return false };
        if !l.cc {
            return false;
        }
        l.pending_commands += 1;
        self.out.push(Action::Send { link, cmd: command, tag });
        true
    }

    /// `sentinelSendSlaveOf`: turn an instance into a replica of `target` (or into a master
    /// with `None`) with the transaction Redis uses, so the change is persisted and every
    /// client is disconnected to learn about it: MULTI, SLAVEOF, CONFIG REWRITE, CLIENT KILL
    /// TYPE normal, CLIENT KILL TYPE pubsub, EXEC. Replies are discarded; success shows in a
    /// later INFO. Returns false if the link was down and nothing was sent.
    pub fn send_slaveof(&mut self, who: &InstanceRef, target: Option<(&str, u16)>) -> bool {
        let m = who.master();
        let port;
        let slaveof_args: Vec<&str> = match target {
            Some((host, p)) => {
                port = p.to_string();
                vec![host, &port]
            }
            None => vec!["NO", "ONE"],
        };
        let cmds = [
            self.mcmd(m, "MULTI", &[]),
            self.mcmd(m, "SLAVEOF", &slaveof_args),
            self.mcmd(m, "CONFIG", &["REWRITE"]),
            self.mcmd(m, "CLIENT", &["KILL", "TYPE", "normal"]),
            self.mcmd(m, "CLIENT", &["KILL", "TYPE", "pubsub"]),
            self.mcmd(m, "EXEC", &[]),
        ];
        let mut iter = cmds.into_iter();
        if !self.send_to(who, iter.next().expect("six commands"), ReplyTag::Discard) {
            return false;
        }
        for c in iter {
            self.send_to(who, c, ReplyTag::Discard);
        }
        true
    }
}
