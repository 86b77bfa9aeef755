//! Parsing the INFO text of monitored redis-servers into the fields Sentinel uses
//! (`sentinelRefreshInstanceInfo`, §6.4 of the checklist).
//!
//! The parse is line by line and order-sensitive like Redis's: the replica fields
//! (`master_host`, `master_port`, ...) only count after a `role:slave` line has been seen.
//! Unknown lines are ignored; malformed values are skipped rather than guessed.

use crate::core::Role;

/// What Sentinel reads from one INFO reply.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InfoReport {
    pub run_id: Option<String>,
    pub role: Option<Role>,
    /// `slaveN:` lines of a master (new `ip=..,port=..` and old `ip,port,state` formats).
    pub replicas: Vec<(String, u16)>,
    /// `master_link_down_since_seconds` in ms (Redis prints -1 when the link was never up).
    pub master_link_down_ms: Option<i64>,
    pub master_host: Option<String>,
    pub master_port: Option<u16>,
    pub master_link_up: Option<bool>,
    pub slave_priority: Option<i64>,
    pub slave_repl_offset: Option<u64>,
    pub replica_announced: Option<bool>,
    /// `master_failover_state` (INFO replication of redis-server 6.2+ and Valkey, whatever the
    /// role): `no-failover`, `waiting-for-sync` or `failover-in-progress`.
    pub master_failover_state: Option<String>,
}

/// Parse one `slaveN:` line; `None` if it is not one or is malformed.
fn parse_replica_line(l: &str) -> Option<(String, u16)> {
    let b = l.as_bytes();
    if b.len() < 7 || !l.starts_with("slave") || !b[5].is_ascii_digit() {
        return None;
    }
    let (ip, port) = if !l.contains("ip=") {
        // Old format: slaveN:<ip>,<port>,<state>
        let rest = &l[l.find(':')? + 1..];
        let mut parts = rest.splitn(3, ',');
        let ip = parts.next()?;
        let port = parts.next()?;
        parts.next()?;
        (ip, port)
    } else {
        let field = |name: &str| -> Option<&str> {
            let start = l.find(name)? + name.len();
            let rest = &l[start..];
            Some(rest.split(',').next().unwrap_or(rest))
        };
        (field("ip=")?, field("port=")?)
    };
    if ip.is_empty() {
        return None;
    }
    Some((ip.to_string(), port.trim().parse().ok()?))
}

/// The run id in a `run_id:` value: Redis copies the first 40 bytes of any line of at least
/// 47 bytes (`memcpy(ri->runid, l+7, 40)`), whatever they are. The text here is a `str`, so
/// when byte 40 falls inside a multi-byte character the cut character becomes U+FFFD instead
/// of splitting it (which would panic): a garbled id is still an id, compared and shown as is.
fn run_id_field(v: &str) -> Option<String> {
    let bytes = v.as_bytes().get(..40)?;
    Some(String::from_utf8_lossy(bytes).into_owned())
}

/// Parse a full INFO reply.
pub fn parse(text: &str) -> InfoReport {
    let mut r = InfoReport::default();
    let mut seen_slave_role = false;
    for l in text.split("\r\n").flat_map(|l| l.split('\n')) {
        let l = l.trim_end_matches('\r');
        if let Some(v) = l.strip_prefix("run_id:") {
            if let Some(id) = run_id_field(v) {
                r.run_id = Some(id);
            }
        } else if let Some(rep) = parse_replica_line(l) {
            r.replicas.push(rep);
        } else if let Some(v) = l.strip_prefix("master_link_down_since_seconds:") {
            if let Ok(n) = v.trim().parse::<i64>() {
                r.master_link_down_ms = Some(n.saturating_mul(1000));
            }
        } else if let Some(v) = l.strip_prefix("master_failover_state:") {
            r.master_failover_state = Some(v.trim().to_string());
        } else if l == "role:master" {
            r.role = Some(Role::Master);
        } else if l == "role:slave" {
            r.role = Some(Role::Slave);
            seen_slave_role = true;
        } else if seen_slave_role {
            if let Some(v) = l.strip_prefix("master_host:") {
                r.master_host = Some(v.to_string());
            } else if let Some(v) = l.strip_prefix("master_port:") {
                if let Ok(p) = v.trim().parse() {
                    r.master_port = Some(p);
                }
            } else if let Some(v) = l.strip_prefix("master_link_status:") {
                r.master_link_up = Some(v.eq_ignore_ascii_case("up"));
            } else if let Some(v) = l.strip_prefix("slave_priority:") {
                if let Ok(p) = v.trim().parse() {
                    r.slave_priority = Some(p);
                }
            } else if let Some(v) = l.strip_prefix("slave_repl_offset:") {
                if let Ok(o) = v.trim().parse() {
                    r.slave_repl_offset = Some(o);
                }
            } else if let Some(v) = l.strip_prefix("replica_announced:") {
                r.replica_announced = Some(v.trim() != "0");
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    const MASTER: &str =
        "# Server\r\nredis_version:7.0.15\r\nrun_id:0123456789abcdef0123456789abcdef01234567\r\n\
        # Replication\r\nrole:master\r\nconnected_slaves:2\r\n\
        slave0:ip=127.0.0.1,port=6381,state=online,offset=1234,lag=0\r\n\
        slave1:127.0.0.2,6382,online\r\nmaster_repl_offset:1234\r\n";

    const REPLICA: &str =
        "run_id:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nrole:slave\r\nmaster_host:127.0.0.1\r\n\
        master_port:6380\r\nmaster_link_status:down\r\nmaster_link_down_since_seconds:-1\r\n\
        master_failover_state:no-failover\r\nslave_read_repl_offset:99\r\nslave_repl_offset:98\r\nslave_priority:10\r\nreplica_announced:0\r\n";

    #[test]
    fn master_info() {
        let r = parse(MASTER);
        assert_eq!(r.run_id.as_deref(), Some("0123456789abcdef0123456789abcdef01234567"));
        assert_eq!(r.role, Some(Role::Master));
        assert_eq!(r.replicas, vec![("127.0.0.1".into(), 6381), ("127.0.0.2".into(), 6382)]);
        assert_eq!(r.master_host, None);
        assert_eq!(r.master_failover_state, None, "redis-server < 6.2 has no such line");
    }

    #[test]
    fn replica_info() {
        let r = parse(REPLICA);
        assert_eq!(r.role, Some(Role::Slave));
        assert_eq!(r.master_host.as_deref(), Some("127.0.0.1"));
        assert_eq!(r.master_port, Some(6380));
        assert_eq!(r.master_link_up, Some(false));
        assert_eq!(r.master_link_down_ms, Some(-1000));
        assert_eq!(r.slave_repl_offset, Some(98));
        assert_eq!(r.slave_priority, Some(10));
        assert_eq!(r.replica_announced, Some(false));
        assert_eq!(r.master_failover_state.as_deref(), Some("no-failover"));
    }

    #[test]
    fn failover_state_is_read_whatever_the_role() {
        let r = parse("master_failover_state:waiting-for-sync\r\nrole:master\r\n");
        assert_eq!(r.master_failover_state.as_deref(), Some("waiting-for-sync"));
    }

    #[test]
    fn replica_fields_need_role_slave_first() {
        let r = parse("master_host:10.0.0.1\r\nrole:master\r\n");
        assert_eq!(r.master_host, None);
    }

    /// The probe: byte 40 of the run id inside a multi-byte character used to panic the task
    /// that processes replies (`v[..40]`), which left the master unanswered and soon `s_down`.
    #[test]
    fn run_id_cut_inside_a_multibyte_character() {
        let id = format!("{}é{}", "a".repeat(39), "b".repeat(10));
        let r = parse(&format!("run_id:{}\r\nrole:master\r\n", id));
        assert_eq!(r.run_id, Some(format!("{}\u{fffd}", "a".repeat(39))));
        assert_eq!(r.role, Some(Role::Master));
        // Every cut position, with characters of every UTF-8 length.
        for pad in 0..4 {
            let v = format!("{}{}", "x".repeat(pad), "é€😀".repeat(12));
            let r = parse(&format!("run_id:{}\r\n", v));
            assert_eq!(r.run_id.map(|id| id.len() >= 40), Some(true));
        }
    }

    #[test]
    fn junk_is_ignored() {
        let r = parse("slave0:ip=,port=x\r\nslave1:garbage\r\nrun_id:short\r\n\u{0}\u{1}\r\n");
        assert_eq!(r, InfoReport::default());
    }
}
