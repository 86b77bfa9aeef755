//! Log lines in Redis's format (`<pid>:X 25 Nov 2026 16:22:06.123 # message`), to stdout or
//! the configured logfile, with a level that `SENTINEL CONFIG SET loglevel` can change live.
//!
//! With `log-format json` each line is instead one JSON object, written by
//! tracing-subscriber's JSON formatter: `timestamp` (RFC 3339, UTC), `level`, `pid`, `role`
//! (`sentinel`), `message` (the Redis log text) and, for Sentinel events, the event type and
//! its parts as separate fields ([`log_event`]).

use std::fmt;
use std::fs::OpenOptions;
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::{Format, Json, JsonFields, Writer};
use tracing_subscriber::fmt::time::SystemTime;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::reload;
use tracing_subscriber::util::SubscriberInitExt;

type ReloadHandle = reload::Handle<LevelFilter, tracing_subscriber::Registry>;

static LEVEL: OnceLock<ReloadHandle> = OnceLock::new();

/// Redis's log level names → a tracing filter. `verbose` and `debug` both map to DEBUG.
pub fn level_filter(name: &str) -> Option<LevelFilter> {
    Some(match name.to_ascii_lowercase().as_str() {
        "debug" | "verbose" => LevelFilter::DEBUG,
        "notice" => LevelFilter::INFO,
        "warning" => LevelFilter::WARN,
        "nothing" => LevelFilter::OFF,
        _ => return None,
    })
}

/// Change the level at run time; false if the name is not a Redis level.
pub fn set_level(name: &str) -> bool {
    match (level_filter(name), LEVEL.get()) {
        (Some(f), Some(h)) => h.modify(|l| *l = f).is_ok(),
        (Some(_), None) => true,
        (None, _) => false,
    }
}

struct RedisFormat {
    pid: u32,
}

impl<S, N> FormatEvent<S, N> for RedisFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, _ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mark = match *event.metadata().level() {
            Level::ERROR | Level::WARN => '#',
            Level::INFO => '*',
            Level::DEBUG => '-',
            Level::TRACE => '.',
        };
        // Only the message: the structured fields of events are for the JSON format.
        let mut message = MessageOnly(String::new());
        event.record(&mut message);
        writeln!(w, "{}:X {} {} {}", self.pid, timestamp(), mark, message.0)
    }
}

/// Collects an event's `message` field.
struct MessageOnly(String);

impl Visit for MessageOnly {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{:?}", value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = value.to_string();
        }
    }
}

/// tracing-subscriber's JSON format (event fields at the top level, no target or spans)
/// with the process's `pid` and `role` added as the first keys of every object.
struct JsonFormat {
    inner: Format<Json, SystemTime>,
    /// `"pid":<pid>,"role":"sentinel",`
    process_keys: String,
}

impl JsonFormat {
    fn new(pid: u32) -> JsonFormat {
        let inner = tracing_subscriber::fmt::format()
            .json()
            .flatten_event(true)
            .with_target(false)
            .with_current_span(false)
            .with_span_list(false);
        JsonFormat { inner, process_keys: format!("\"pid\":{},\"role\":\"sentinel\",", pid) }
    }
}

impl<S, N> FormatEvent<S, N> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mut line = String::new();
        self.inner.format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(w, "{{{}{}", self.process_keys, rest),
            None => w.write_str(&line),
        }
    }
}

/// The parts of a Sentinel event message, as `sentinelEvent` builds it: the `%@` form
/// `<type> <name> <ip> <port>[ @ <master> <ip> <port>][ <detail>]`, or the bare forms of
/// `+new-epoch <epoch>`, `+vote-for-leader <runid> <epoch>` and
/// `+switch-master <master> <old ip> <old port> <new ip> <new port>`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EventParts<'a> {
    /// `master`, `slave` or `sentinel`.
    pub instance: Option<&'a str>,
    /// The instance's name (a replica's `ip:port`, a sentinel's `ip:port` or run id).
    pub name: Option<&'a str>,
    /// The instance's address, `ip:port` (`+switch-master`: the new master address).
    pub address: Option<String>,
    /// The master the event belongs to.
    pub master: Option<&'a str>,
    /// That master's address, `ip:port`.
    pub master_address: Option<String>,
    /// `+switch-master`: the address the master moved from.
    pub old_address: Option<String>,
    /// `+new-epoch`, `+vote-for-leader`: the epoch.
    pub epoch: Option<u64>,
    /// `+vote-for-leader`: the run id voted for.
    pub leader: Option<&'a str>,
    /// Whatever follows the instance (e.g. `#quorum 2/2`, `quorum 2`), or the whole message
    /// of an event of no known shape.
    pub detail: Option<String>,
}

/// Split an event message into its parts (see [`EventParts`]).
pub fn event_parts<'a>(kind: &str, msg: &'a str) -> EventParts<'a> {
    let w: Vec<&str> = msg.split(' ').collect();
    let addr = |ip: &str, port: &str| format!("{}:{}", ip, port);
    let rest = |from: usize| (w.len() > from).then(|| w[from..].join(" "));
    match (kind, w.as_slice()) {
        ("+new-epoch", [epoch]) => EventParts { epoch: epoch.parse().ok(), ..EventParts::default() },
        ("+vote-for-leader", [leader, epoch]) => {
            EventParts { leader: Some(leader), epoch: epoch.parse().ok(), ..EventParts::default() }
        }
        ("+switch-master", [master, old_ip, old_port, ip, port]) => EventParts {
            master: Some(master),
            master_address: Some(addr(ip, port)),
            address: Some(addr(ip, port)),
            old_address: Some(addr(old_ip, old_port)),
            ..EventParts::default()
        },
        (_, [kind @ ("master" | "slave" | "sentinel"), name, ip, port, ..]) => {
            let mut p = EventParts {
                instance: Some(kind),
                name: Some(name),
                address: Some(addr(ip, port)),
                ..EventParts::default()
            };
            match &w[4..] {
                ["@", master, mip, mport, ..] if *kind != "master" => {
                    p.master = Some(master);
                    p.master_address = Some(addr(mip, mport));
                    p.detail = rest(8);
                }
                _ => {
                    if *kind == "master" {
                        p.master = Some(name);
                        p.master_address = p.address.clone();
                    }
                    p.detail = rest(4);
                }
            }
            p
        }
        _ => EventParts { detail: (!msg.is_empty()).then(|| msg.to_string()), ..EventParts::default() },
    }
}

/// Log a Sentinel event (`+sdown master mymaster 127.0.0.1 6379`): the message is Redis's log
/// line, and the event type and parts go along as fields for the JSON format.
pub fn log_event(level: crate::core::Level, kind: &str, msg: &str) {
    use crate::core::Level as L;
    // Split the message only for events that are logged at the current level.
    macro_rules! emit {
        ($lvl:expr) => {
            if tracing::enabled!($lvl) {
                let p = event_parts(kind, msg);
                tracing::event!(
                    $lvl,
                    event = kind,
                    instance = p.instance,
                    name = p.name,
                    address = p.address.as_deref(),
                    master = p.master,
                    master_address = p.master_address.as_deref(),
                    old_address = p.old_address.as_deref(),
                    epoch = p.epoch,
                    leader = p.leader,
                    detail = p.detail.as_deref(),
                    "{} {}",
                    kind,
                    msg
                )
            }
        };
    }
    match level {
        L::Debug | L::Verbose => emit!(Level::DEBUG),
        L::Notice => emit!(Level::INFO),
        L::Warning => emit!(Level::WARN),
    }
}

/// `25 Nov 2026 16:22:06.123` in UTC, computed without a date crate.
fn timestamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Install the global logger. `logfile` empty means standard output; `format` is the
/// `log-format` (`legacy`: Redis's lines, `json`: one JSON object per line).
pub fn init(logfile: &str, level: &str, format: &str) -> std::io::Result<()> {
    let filter = level_filter(level).unwrap_or(LevelFilter::INFO);
    let (filter_layer, handle) = reload::Layer::new(filter);
    let writer = if logfile.is_empty() {
        BoxMakeWriter::new(std::io::stdout)
    } else {
        BoxMakeWriter::new(Mutex::new(OpenOptions::new().create(true).append(true).open(logfile)?))
    };
    let registry = tracing_subscriber::registry().with(filter_layer);
    let pid = std::process::id();
    let layer = if format == crate::config::LOG_FORMAT_JSON {
        tracing_subscriber::fmt::layer()
            .fmt_fields(JsonFields::new())
            .event_format(JsonFormat::new(pid))
            .with_writer(writer)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer().event_format(RedisFormat { pid }).with_writer(writer).boxed()
    };
    let _ = registry.with(layer).try_init();
    let _ = LEVEL.set(handle);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_shape() {
        let t = super::timestamp();
        // e.g. "25 Nov 2026 16:22:06.123"
        assert_eq!(t.len(), 24, "{}", t);
        assert_eq!(&t[2..3], " ");
        assert_eq!(&t[20..21], ".");
    }

    #[test]
    fn event_parts_of_each_shape() {
        use super::{event_parts, EventParts};
        let p = event_parts("+odown", "master mymaster 10.0.0.1 6379 #quorum 2/2");
        assert_eq!(p.instance, Some("master"));
        assert_eq!(p.master, Some("mymaster"));
        assert_eq!(p.address.as_deref(), Some("10.0.0.1:6379"));
        assert_eq!(p.master_address.as_deref(), Some("10.0.0.1:6379"));
        assert_eq!(p.detail.as_deref(), Some("#quorum 2/2"));

        let p = event_parts("+sdown", "slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 10.0.0.1 6379");
        assert_eq!(p.instance, Some("slave"));
        assert_eq!(p.name, Some("10.0.0.2:6380"));
        assert_eq!(p.address.as_deref(), Some("10.0.0.2:6380"));
        assert_eq!(p.master, Some("mymaster"));
        assert_eq!(p.master_address.as_deref(), Some("10.0.0.1:6379"));
        assert_eq!(p.detail, None);

        let p = event_parts("+switch-master", "mymaster 10.0.0.1 6379 10.0.0.2 6380");
        assert_eq!(p.master, Some("mymaster"));
        assert_eq!(p.old_address.as_deref(), Some("10.0.0.1:6379"));
        assert_eq!(p.address.as_deref(), Some("10.0.0.2:6380"));

        assert_eq!(event_parts("+new-epoch", "7").epoch, Some(7));
        let p = event_parts("+vote-for-leader", "abc 9");
        assert_eq!((p.leader, p.epoch), (Some("abc"), Some(9)));
        assert_eq!(
            event_parts("+tilt", "#tilt mode entered"),
            EventParts { detail: Some("#tilt mode entered".into()), ..EventParts::default() }
        );
    }

    #[test]
    fn levels() {
        assert!(super::level_filter("NOTICE").is_some());
        assert!(super::level_filter("loud").is_none());
    }
}
