//! Log lines in Redis's format (`<pid>:X 25 Nov 2026 16:22:06.123 # message`), to stdout or
//! the configured logfile, with a level that `SENTINEL CONFIG SET loglevel` can change live.

use std::fmt;
use std::fs::OpenOptions;
use std::sync::{Mutex, OnceLock};

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
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
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut w: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mark = match *event.metadata().level() {
            Level::ERROR | Level::WARN => '#',
            Level::INFO => '*',
            Level::DEBUG => '-',
            Level::TRACE => '.',
        };
        write!(w, "{}:X {} {} ", self.pid, timestamp(), mark)?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
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

/// Install the global logger. `logfile` empty means standard output.
pub fn init(logfile: &str, level: &str) -> std::io::Result<()> {
    let filter = level_filter(level).unwrap_or(LevelFilter::INFO);
    let (filter_layer, handle) = reload::Layer::new(filter);
    let format = RedisFormat { pid: std::process::id() };
    let registry = tracing_subscriber::registry().with(filter_layer);
    if logfile.is_empty() {
        let layer = tracing_subscriber::fmt::layer().event_format(format).with_writer(std::io::stdout);
        let _ = registry.with(layer).try_init();
    } else {
        let file = OpenOptions::new().create(true).append(true).open(logfile)?;
        let layer = tracing_subscriber::fmt::layer().event_format(format).with_writer(Mutex::new(file));
        let _ = registry.with(layer).try_init();
    }
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
    fn levels() {
        assert!(super::level_filter("NOTICE").is_some());
        assert!(super::level_filter("loud").is_none());
    }
}
