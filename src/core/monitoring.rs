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

    /// Send `commands` to `who` as one transaction, `MULTI` ... `EXEC`, replies discarded, as
    /// Sentinel sends its reconfigurations (their effect shows in a later INFO). Returns false
    /// if the link has no command connection and nothing was sent.
    pub(crate) fn send_transaction(&mut self, who: &InstanceRef, commands: Vec<Command>) -> bool {
        self.send_transaction_tagged(who, commands, ReplyTag::Discard)
    }

    /// [`Sentinel::send_transaction`] with the EXEC's reply delivered with `exec_tag`.
    pub(crate) fn send_transaction_tagged(
        &mut self,
        who: &InstanceRef,
        commands: Vec<Command>,
        exec_tag: ReplyTag,
    ) -> bool {
        let m = who.master();
        let multi = self.mcmd(m, "MULTI", &[]);
        if !self.send_to(who, multi, ReplyTag::Discard) {
            return false;
        }
        for c in commands {
            self.send_to(who, c, ReplyTag::Discard);
        }
        let exec = self.mcmd(m, "EXEC", &[]);
        self.send_to(who, exec, exec_tag);
        true
    }

    /// The tail of every Sentinel reconfiguration transaction: persist the new role (CONFIG
    /// REWRITE) and disconnect the clients (CLIENT KILL TYPE normal, then pubsub) so they ask a
    /// sentinel where the master is now.
    pub(crate) fn rewrite_and_kill_clients(&self, m: MasterId) -> Vec<Command> {
        vec![
            self.mcmd(m, "CONFIG", &["REWRITE"]),
            self.mcmd(m, "CLIENT", &["KILL", "TYPE", "normal"]),
            self.mcmd(m, "CLIENT", &["KILL", "TYPE", "pubsub"]),
        ]
    }

    /// `sentinelSendSlaveOf`: turn an instance into a replica of `target` (or into a master
    /// with `None`) with the transaction Redis uses, so the change is persisted and every
    /// client is disconnected to learn about it: MULTI, SLAVEOF, CONFIG REWRITE, CLIENT KILL
    /// TYPE normal, CLIENT KILL TYPE pubsub, EXEC. As Valkey 9.0 does, `FAILOVER ABORT` comes
    /// first when the instance's INFO shows a FAILOVER of its own under way (a node stuck
    /// mid-handover ignores SLAVEOF otherwise). Replies are discarded; success shows in a later
    /// INFO. Returns false if the link was down and nothing was sent.
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
        let mut commands = Vec::new();
        if self.instance(who).is_some_and(|i| i.node_failover_running()) {
            commands.push(self.mcmd(m, "FAILOVER", &["ABORT"]));
        }
        commands.push(self.mcmd(m, "SLAVEOF", &slaveof_args));
        commands.extend(self.rewrite_and_kill_clients(m));
        if !self.send_transaction(who, commands) {
            return false;
        }
        // rsentinel addition: ask for INFO right behind the transaction. SLAVEOF takes effect
        // inside EXEC, so this INFO already shows the new role/master, and the promotion or
        // reconfiguration is seen at once instead of at the next 1 s INFO poll. Redis waits for
        // the poll; the extra INFO changes nothing else.
        let info = self.mcmd(m, "INFO", &[]);
        self.send_to(who, info, ReplyTag::Info(who.clone()));
        true
    }
}

use super::instance::flags;
use super::types::{Conn, Kind, Level, LinkId, Millis, Reply, Role};

impl Sentinel {
    /// One tick for one master: the master itself, then its replicas, then its sentinels,
    /// then the end-of-tick switch to a promoted replica (`sentinelHandleDictOfRedisInstances`
    /// restricted to one master). Returns false once the master is gone, so its task can end.
    pub fn tick_master(&mut self, id: MasterId, now: Millis) -> bool {
        if !self.masters.contains_key(&id) {
            return false;
        }
        self.check_tilt(now);
        self.handle_instance(&InstanceRef::Master(id), now);
        // The members as they are now: one added during the pass waits for the next tick, one
        // removed is skipped (`handle_instance` finds nothing).
        let members = match self.masters.get_mut(&id) {
            Some(m) => {
                let cached = std::mem::take(&mut m.tick_refs);
                m.tick_members(cached)
            }
            None => return false,
        };
        for r in &members {
            self.handle_instance(r, now);
        }
        if let Some(m) = self.masters.get_mut(&id) {
            m.tick_refs = members;
        }
        self.switch_to_promoted_slave_if_needed(id, now);
        self.explain_no_failover(id, now);
        true
    }

    /// The global part of a tick: TILT detection and the script queue.
    pub fn tick_global(&mut self, now: Millis) {
        self.check_tilt(now);
        self.run_pending_scripts(now);
        self.kill_timedout_scripts(now);
    }

    /// `sentinelHandleRedisInstance`.
    fn handle_instance(&mut self, r: &InstanceRef, now: Millis) {
        if self.instance(r).is_none() {
            return;
        }
        self.reconnect_instance(r, now);
        self.send_owed_unpause(r);
        self.send_periodic_commands(r, now);
        if self.tilt {
            if now.saturating_sub(self.tilt_start_time) < self.timings.tilt_period {
                return;
            }
            self.tilt = false;
            self.event_raw(Level::Warning, "-tilt", "#tilt mode exited".into());
        }
        self.check_subjectively_down(r, now);
        if let InstanceRef::Master(id) = r {
            let id = *id;
            self.expire_owed_unpause(id, now);
            self.check_objectively_down(id, now);
            if self.start_failover_if_needed(id, now) {
                self.ask_master_state_to_other_sentinels(id, now, true);
            }
            self.failover_state_machine(id, now);
            self.ask_master_state_to_other_sentinels(id, now, false);
        }
    }

    /// The AUTH command for an instance, if credentials apply (`sentinelSendAuthIfNeeded`):
    /// masters and replicas use the master's auth-pass (and auth-user); peer sentinels use
    /// sentinel-pass (and sentinel-user), falling back to our own requirepass.
    fn auth_command(&self, r: &InstanceRef) -> Option<Command> {
        let (user, pass) = match r {
            InstanceRef::Sentinel(..) => match &self.settings.sentinel_pass {
                Some(p) => (self.settings.sentinel_user.clone(), p.clone()),
                None => (None, self.settings.requirepass.clone()?),
            },
            _ => {
                let m = self.masters.get(&r.master())?;
                (m.auth_user.clone(), m.auth_pass.clone()?)
            }
        };
        let mut args = Vec::new();
        if let Some(u) = &user {
            args.push(u.as_str());
        }
        args.push(pass.as_str());
        Some(self.mcmd(r.master(), "AUTH", &args))
    }

    /// `sentinelReconnectInstance`: (re)open the missing connections of an instance's link, at
    /// most once per ping period.
    fn reconnect_instance(&mut self, r: &InstanceRef, now: Millis) {
        let Some(inst) = self.instance(r) else { return };
        let (link_id, port) = (inst.link, inst.addr.port);
        let Some(link) = self.links.get(&link_id) else { return };
        if !link.disconnected() || port == 0 {
            return;
        }
        // With resolve-hostnames the name is resolved again on every connection (the link
        // layer does it), so an instance that moves to a new IP is followed, as Redis does.
        let host = if inst.addr.ip.is_empty()
            || (self.settings.resolve_hostnames && !inst.addr.hostname.is_empty())
        {
            inst.addr.hostname.clone()
        } else {
            inst.addr.ip.clone()
        };
        let ping_period = self.timings.ping_period;
        let waited = link.last_reconn_time.is_none_or(|t| now.saturating_sub(t) >= ping_period);
        let early = !waited
            && link.early_retry
            && link.early_retry_time.is_none_or(|t| now.saturating_sub(t) >= ping_period);
        if !waited && !early {
            return;
        }
        let (need_cc, need_pc) = (!link.cc, link.needs_pc && !link.pc);
        let id8: String = self.myid.chars().take(8).collect();
        let auth = self.auth_command(r);
        let m = r.master();
        let mut actions = Vec::new();
        let mut pending = 0;
        let mut pc_pending = 0;
        if need_cc {
            let mut init = Vec::new();
            if let Some(a) = auth.clone() {
                init.push((a, ReplyTag::Discard));
            }
            let name = format!("sentinel-{}-cmd", id8);
            init.push((self.mcmd(m, "CLIENT", &["SETNAME", &name]), ReplyTag::Discard));
            init.push((self.mcmd(m, "PING", &[]), ReplyTag::Ping(r.clone())));
            pending = init.len() as u32;
            actions.push(Action::Connect {
                link: link_id,
                conn: Conn::Command,
                ip: host.clone(),
                port,
                init,
            });
        }
        if need_pc {
            let mut init = Vec::new();
            if let Some(a) = auth {
                init.push((a, ReplyTag::Discard));
            }
            let name = format!("sentinel-{}-pubsub", id8);
            init.push((self.mcmd(m, "CLIENT", &["SETNAME", &name]), ReplyTag::Discard));
            // AUTH and SETNAME replies count as pending like on the command connection; the
            // subscription's replies are pub/sub traffic.
            pc_pending = init.len() as u32;
            let hello = crate::core::wire::hello_message::HELLO_CHANNEL;
            init.push((self.mcmd(m, "SUBSCRIBE", &[hello]), ReplyTag::Discard));
            actions.push(Action::Connect { link: link_id, conn: Conn::PubSub, ip: host, port, init });
        }
        let link = self.links.get_mut(&link_id).expect("checked above");
        link.last_reconn_time = Some(now);
        link.answered_since_reconnect = false;
        link.early_retry = false;
        if early {
            link.early_retry_time = Some(now);
        }
        if need_cc {
            link.cc = true;
            link.cc_conn_time = now;
            link.pending_commands = pending;
            link.local_ip = None;
            // The PING in the init sequence counts as a sent ping (sentinelSendPing).
            link.last_ping_time = Some(now);
            link.act_ping_time.get_or_insert(now);
        }
        link.pending_commands += pc_pending;
        if need_pc {
            link.pc = true;
            link.pc_conn_time = now;
            link.pc_last_activity = now;
        }
        self.out.extend(actions);
    }

    /// `sentinelSendPeriodicCommands`: INFO, PING and hello, each on its own period.
    fn send_periodic_commands(&mut self, r: &InstanceRef, now: Millis) {
        let Some(inst) = self.instance(r) else { return };
        let Some(link) = self.links.get(&inst.link) else { return };
        if link.disconnected() || link.pending_commands >= 100 * link.refcount.max(1) {
            return;
        }
        let m = &self.masters[&r.master()];
        // Replicas are polled every second while their master is being failed over or is
        // objectively down, or while their own replication link is down.
        let info_period = if inst.kind == Kind::Replica
            && (m.inst.has(flags::O_DOWN) || m.failover_in_progress() || inst.master_link_down_time != 0)
        {
            1000
        } else {
            self.timings.info_period
        };
        let ping_period = inst.down_after.min(self.timings.ping_period);
        let send_info = inst.kind != Kind::Sentinel
            && inst.info_refresh.is_none_or(|t| now.saturating_sub(t) > info_period);
        let send_ping = now.saturating_sub(link.last_pong_time) > ping_period
            && link.last_ping_time.is_none_or(|t| now.saturating_sub(t) > ping_period / 2);
        let send_hello =
            inst.last_pub_time.is_none_or(|t| now.saturating_sub(t) > self.timings.publish_period)
                && !self.hello_would_block(r);
        if send_info {
            let c = self.mcmd(r.master(), "INFO", &[]);
            self.send_to(r, c, ReplyTag::Info(r.clone()));
        }
        if send_ping {
            self.send_ping(r, now);
        }
        if send_hello {
            self.send_hello(r);
        }
    }

    /// `sentinelSendPing`: `act_ping_time` marks the oldest unanswered ping.
    fn send_ping(&mut self, r: &InstanceRef, now: Millis) -> bool {
        let c = self.mcmd(r.master(), "PING", &[]);
        if !self.send_to(r, c, ReplyTag::Ping(r.clone())) {
            return false;
        }
        let link = self.instance(r).map(|i| i.link);
        if let Some(l) = link.and_then(|l| self.links.get_mut(&l)) {
            l.last_ping_time = Some(now);
            l.act_ping_time.get_or_insert(now);
        }
        true
    }

    /// A reply arrived for a command sent with `tag` on `link`'s command connection.
    pub fn on_reply(&mut self, link: LinkId, tag: ReplyTag, reply: Reply, now: Millis) {
        if let Some(l) = self.links.get_mut(&link) {
            l.pending_commands = l.pending_commands.saturating_sub(1);
        }
        match tag {
            ReplyTag::Discard => {}
            ReplyTag::Ping(r) => self.on_ping_reply(link, &r, &reply, now),
            ReplyTag::Info(r) => {
                if let Reply::Bulk(b) = &reply {
                    let text = String::from_utf8_lossy(b).into_owned();
                    self.refresh_instance_info(&r, text, now);
                }
            }
            ReplyTag::Hello(r) => {
                if !matches!(reply, Reply::Error(_)) {
                    if let Some(i) = self.instance_mut(&r) {
                        i.last_pub_time = Some(now);
                    }
                }
            }
            ReplyTag::IsMasterDown { master, sentinel } => {
                self.on_is_master_down_reply(master, &sentinel, &reply, now)
            }
            ReplyTag::Unpaused { master, addr } => self.on_unpaused(master, &addr),
        }
    }

    /// `sentinelPingReplyCallback`: PONG, LOADING and MASTERDOWN count as the instance being
    /// up; any reply at all refreshes `last_pong_time`; BUSY on a down instance gets one
    /// SCRIPT KILL.
    fn on_ping_reply(&mut self, link: LinkId, r: &InstanceRef, reply: &Reply, now: Millis) {
        let Some(l) = self.links.get_mut(&link) else { return };
        l.last_pong_time = now;
        let Some(text) = reply.status_or_error_text() else { return };
        if text.starts_with("PONG") || text.starts_with("LOADING") || text.starts_with("MASTERDOWN") {
            l.last_avail_time = now;
            l.act_ping_time = None;
            l.answered_since_reconnect = true;
            if text.starts_with("PONG") {
                if let Some(i) = self.instance_mut(r) {
                    i.flags &= !flags::MASTER_REBOOT;
                }
            }
        } else if text.starts_with("BUSY") {
            let Some(i) = self.instance(r) else { return };
            if i.has(flags::S_DOWN) && !i.has(flags::SCRIPT_KILL_SENT) {
                let c = self.mcmd(r.master(), "SCRIPT", &["KILL"]);
                if self.send_to(r, c, ReplyTag::Discard) {
                    if let Some(i) = self.instance_mut(r) {
                        i.flags |= flags::SCRIPT_KILL_SENT;
                    }
                }
            }
        }
    }

    /// The shell's connection is up; `local_ip` is our side of the command connection.
    pub fn on_link_up(&mut self, link: LinkId, conn: Conn, local_ip: String) {
        if let Some(l) = self.links.get_mut(&link) {
            match conn {
                Conn::Command => {
                    l.cc_up = true;
                    l.local_ip = Some(local_ip);
                }
                Conn::PubSub => l.pc_up = true,
            }
        }
    }

    /// A connection failed or dropped (`instanceLinkConnectionError`): the link is marked
    /// disconnected and reconnected by a later tick. Pending replies are lost with it.
    ///
    /// Redis reconnects at most once per ping period after the last attempt. Every SLAVEOF
    /// transaction ends with `CLIENT KILL TYPE normal` and `CLIENT KILL TYPE pubsub`, which
    /// cut every sentinel's links to that server; when several master names on one server
    /// fail over together these cuts come faster than once per ping period, and waiting out
    /// the period after each would keep the links of the names still failing over (and the
    /// fresh link of a name that just switched, which must answer within down-after) down
    /// most of the time. So here:
    /// - a link that answered a PING since its last attempt (it worked, and the server closed
    ///   a connection) is reconnected at the next tick;
    /// - a connection the server had accepted but closed before the link answered gets one
    ///   early retry per ping period;
    /// - a connection that could not be established waits for the ping period, as in Redis.
    pub fn on_conn_closed(&mut self, link: LinkId, conn: Conn) {
        let Some(l) = self.links.get_mut(&link) else { return };
        let was_up = match conn {
            Conn::Command => l.cc_up,
            Conn::PubSub => l.pc_up,
        };
        match conn {
            Conn::Command => {
                l.cc = false;
                l.cc_up = false;
                l.pending_commands = 0;
                l.local_ip = None;
            }
            Conn::PubSub => {
                l.pc = false;
                l.pc_up = false;
            }
        }
        if std::mem::take(&mut l.answered_since_reconnect) {
            l.last_reconn_time = None;
        } else if was_up {
            l.early_retry = true;
        }
    }

    /// Anything that arrived on a pub/sub connection.
    pub fn on_pubsub_activity(&mut self, link: LinkId, now: Millis) {
        if let Some(l) = self.links.get_mut(&link) {
            l.pc_last_activity = now;
        }
    }

    /// A pub/sub `message` (`sentinelReceiveHelloMessages`): hellos that mention our own run
    /// id anywhere are ours echoed back and are dropped.
    pub fn on_pubsub_message(&mut self, link: LinkId, channel: &[u8], payload: &[u8], now: Millis) {
        self.on_pubsub_activity(link, now);
        if channel != crate::core::wire::hello_message::HELLO_CHANNEL.as_bytes() {
            return;
        }
        if crate::core::wire::contains_bytes(payload, self.myid.as_bytes()) {
            return;
        }
        self.process_hello(payload, now);
    }

    /// Close one connection of a link on our own initiative: the same bookkeeping as a drop,
    /// plus telling the shell to close the socket.
    fn force_close(&mut self, link: LinkId, conn: Conn) {
        if self.links.contains_key(&link) {
            self.on_conn_closed(link, conn);
            self.out.push(Action::Close { link, conn });
        }
    }

    /// `sentinelCheckSubjectivelyDown`.
    fn check_subjectively_down(&mut self, r: &InstanceRef, now: Millis) {
        let Some(inst) = self.instance(r) else { return };
        let Some(l) = self.links.get(&inst.link) else { return };
        let link_id = l.id;
        let elapsed = if let Some(t) = l.act_ping_time {
            now.saturating_sub(t)
        } else if l.disconnected() {
            now.saturating_sub(l.last_avail_time)
        } else {
            0
        };
        let down_after = inst.down_after;
        let reconnect_after = self.timings.min_link_reconnect_period;
        // A command connection that stopped answering is closed so it gets re-established.
        let close_cc = l.cc
            && now.saturating_sub(l.cc_conn_time) > reconnect_after
            && l.act_ping_time.is_some_and(|t| now.saturating_sub(t) > down_after / 2)
            && now.saturating_sub(l.last_pong_time) > down_after / 2;
        // A pub/sub connection that has been silent for three hello periods is closed too.
        let close_pc = l.pc
            && now.saturating_sub(l.pc_conn_time) > reconnect_after
            && now.saturating_sub(l.pc_last_activity) > 3 * self.timings.publish_period;
        let master = &self.masters[&r.master()];
        let reported_slave_too_long = inst.kind == Kind::Master
            && inst.role_reported == Role::Slave
            && now.saturating_sub(inst.role_reported_time) > down_after + 2 * self.timings.info_period;
        let reboot_down = inst.kind == Kind::Master
            && inst.has(flags::MASTER_REBOOT)
            && now.saturating_sub(master.master_reboot_since_time) > master.reboot_down_after_period;
        let sdown = elapsed > down_after || reported_slave_too_long || reboot_down;
        let was_sdown = inst.has(flags::S_DOWN);
        if close_cc {
            self.force_close(link_id, Conn::Command);
        }
        if close_pc {
            self.force_close(link_id, Conn::PubSub);
        }
        if sdown && !was_sdown {
            if let Some(i) = self.instance_mut(r) {
                i.flags |= flags::S_DOWN;
                i.s_down_since_time = Some(now);
            }
            self.event(Level::Warning, "+sdown", r, None);
        } else if !sdown && was_sdown {
            if let Some(i) = self.instance_mut(r) {
                i.flags &= !(flags::S_DOWN | flags::SCRIPT_KILL_SENT);
            }
            self.event(Level::Warning, "-sdown", r, None);
        }
    }
}
