//! The one place that formats Sentinel's event messages (`sentinelEvent`).

use super::instance::{Instance, Master};
use super::types::{Action, InstanceRef, Kind, Level, MasterId};
use super::Sentinel;

/// The `%@` prefix of an event about `inst` (which belongs to `master`): `<type> <name> <ip>
/// <port>`, followed for replicas and sentinels by ` @ <master-name> <master-ip> <master-port>`.
pub fn instance_prefix(inst: &Instance, master: &Master, announce_hostnames: bool) -> String {
    let host = |i: &Instance| {
        if announce_hostnames {
            i.addr.hostname.clone()
        } else {
            i.addr.ip.clone()
        }
    };
    let mut s = format!("{} {} {} {}", inst.kind.as_str(), inst.name, host(inst), inst.addr.port);
    if inst.kind != Kind::Master {
        let m = &master.inst;
        s.push_str(&format!(" @ {} {} {}", m.name, host(m), m.addr.port));
    }
    s
}

impl Sentinel {
    /// Emit an event with a free-form message (no instance prefix).
    pub(crate) fn event_raw(&mut self, level: Level, kind: &str, msg: String) {
        self.out.push(Action::Event { level, kind: kind.to_string(), msg });
    }

    /// Emit an event about an instance: the message is `%@` followed by ` <extra>` if given.
    /// Warning-level events also queue the master's notification script, as Redis does.
    /// An instance that no longer exists emits nothing.
    pub(crate) fn event(&mut self, level: Level, kind: &str, who: &InstanceRef, extra: Option<&str>) {
        let Some(master) = self.masters.get(&who.master()) else { return };
        let inst = match who {
            InstanceRef::Master(_) => &master.inst,
            InstanceRef::Replica(_, key) => match master.replicas.get(key) {
                Some(i) => i,
                None => return,
            },
            InstanceRef::Sentinel(_, runid) => match master.sentinels.get(runid) {
                Some(i) => i,
                None => return,
            },
        };
        let mut msg = instance_prefix(inst, master, self.settings.announce_hostnames);
        if let Some(e) = extra {
            msg.push(' ');
            msg.push_str(e);
        }
        self.event_msg(level, kind, who.master(), msg);
    }

    /// Emit an event that belongs to a master but whose message has no `%@` prefix
    /// (`+new-epoch`, `+vote-for-leader`, `+switch-master`). Warning-level events run the
    /// master's notification script with `<kind> <msg>`, as Redis does.
    pub(crate) fn event_msg(&mut self, level: Level, kind: &str, master: MasterId, msg: String) {
        let script = match self.masters.get(&master) {
            Some(m) if level == Level::Warning => m.notification_script.clone(),
            _ => None,
        };
        if let Some(script) = script {
            self.schedule_script(script, vec![kind.to_string(), msg.clone()]);
        }
        self.out.push(Action::Event { level, kind: kind.to_string(), msg });
    }

    pub(crate) fn log(&mut self, level: Level, msg: String) {
        self.out.push(Action::Log { level, msg });
    }
}
