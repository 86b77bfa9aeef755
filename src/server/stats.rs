//! Counters behind INFO's Stats and Clients sections (`server.stat_*`), plus the
//! instantaneous rates Redis samples every 100 ms (`trackInstantaneousMetric`).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Instant;

/// Samples kept per rate (`STATS_METRIC_SAMPLES`).
const SAMPLES: usize = 16;
/// Seconds over which the recent maximum buffer sizes are kept (`CLIENTS_PEAK_MEM_USAGE_SLOTS`).
const PEAK_SLOTS: usize = 8;

/// One rate: a ring of per-second values computed from successive counter readings.
#[derive(Debug, Default)]
struct Rate {
    last_at: Option<Instant>,
    last_value: u64,
    samples: [f64; SAMPLES],
    next: usize,
}

impl Rate {
    fn sample(&mut self, now: Instant, value: u64) {
        if let Some(at) = self.last_at {
            let ms = now.duration_since(at).as_millis() as f64;
            let per_sec =
                if ms > 0.0 { value.saturating_sub(self.last_value) as f64 * 1000.0 / ms } else { 0.0 };
            self.samples[self.next] = per_sec;
            self.next = (self.next + 1) % SAMPLES;
        }
        self.last_at = Some(now);
        self.last_value = value;
    }

    fn average(&self) -> f64 {
        self.samples.iter().sum::<f64>() / SAMPLES as f64
    }
}

#[derive(Debug, Default)]
struct Rates {
    ops: Rate,
    input: Rate,
    output: Rate,
}

/// Server-wide counters; shared by all connection tasks.
#[derive(Debug, Default)]
pub struct ServerStats {
    pub connections_received: AtomicU64,
    pub commands_processed: AtomicU64,
    pub net_input_bytes: AtomicU64,
    pub net_output_bytes: AtomicU64,
    pub rejected_connections: AtomicU64,
    pub error_replies: AtomicU64,
    pub reads_processed: AtomicU64,
    pub writes_processed: AtomicU64,
    /// Clients currently waiting on CLIENT PAUSE.
    pub blocked_clients: AtomicUsize,
    /// Clients with CLIENT TRACKING on.
    pub tracking_clients: AtomicUsize,
    rates: Mutex<Rates>,
    /// Per-second maxima of client input / output buffer sizes, last [`PEAK_SLOTS`] seconds.
    peaks: Peaks,
}

/// Buffer peaks, recorded by every connection after every batch of requests: atomics, so the
/// common case (the current second's slot already holds a larger value) is two loads.
#[derive(Debug, Default)]
struct Peaks {
    input: [AtomicUsize; PEAK_SLOTS],
    output: [AtomicUsize; PEAK_SLOTS],
    slot_second: AtomicU64,
    /// Serialises moving to a new second.
    rotate: Mutex<()>,
}

impl Peaks {
    fn slot(&self, second: u64) -> usize {
        if second != self.slot_second.load(Relaxed) {
            let _serial = self.rotate.lock().unwrap_or_else(|e| e.into_inner());
            let last = self.slot_second.load(Relaxed);
            if second > last {
                // Clear the slots of the seconds that went by without samples.
                let gap = (second - last).min(PEAK_SLOTS as u64);
                for k in 1..=gap {
                    let i = ((last + k) % PEAK_SLOTS as u64) as usize;
                    self.input[i].store(0, Relaxed);
                    self.output[i].store(0, Relaxed);
                }
                self.slot_second.store(second, Relaxed);
            }
        }
        (second % PEAK_SLOTS as u64) as usize
    }

    fn note(cell: &AtomicUsize, value: usize) {
        if cell.load(Relaxed) < value {
            cell.fetch_max(value, Relaxed);
        }
    }
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl ServerStats {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Relaxed)
    }

    /// Take one sample of each rate; called every 100 ms.
    pub fn sample(&self, now: Instant) {
        let mut r = self.rates.lock().unwrap_or_else(|e| e.into_inner());
        r.ops.sample(now, Self::get(&self.commands_processed));
        r.input.sample(now, Self::get(&self.net_input_bytes));
        r.output.sample(now, Self::get(&self.net_output_bytes));
    }

    /// (ops/sec, input KB/s, output KB/s).
    pub fn instantaneous(&self) -> (u64, f64, f64) {
        let r = self.rates.lock().unwrap_or_else(|e| e.into_inner());
        (r.ops.average().round() as u64, r.input.average() / 1024.0, r.output.average() / 1024.0)
    }

    /// Record the current size of a client's query and reply buffers.
    pub fn note_buffers(&self, input: usize, output: usize) {
        let p = &self.peaks;
        let i = p.slot(unix_seconds());
        Peaks::note(&p.input[i], input);
        Peaks::note(&p.output[i], output);
    }

    /// (client_recent_max_input_buffer, client_recent_max_output_buffer).
    pub fn recent_max_buffers(&self) -> (usize, usize) {
        let p = &self.peaks;
        p.slot(unix_seconds());
        let max = |cells: &[AtomicUsize]| cells.iter().map(|c| c.load(Relaxed)).max().unwrap_or(0);
        (max(&p.input), max(&p.output))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn rates_average_over_samples() {
        let s = ServerStats::default();
        let t0 = Instant::now();
        s.sample(t0);
        for i in 1..=SAMPLES as u64 {
            ServerStats::add(&s.commands_processed, 10);
            s.sample(t0 + Duration::from_millis(100 * i));
        }
        assert_eq!(s.instantaneous().0, 100);
    }

    #[test]
    fn buffer_peaks() {
        let s = ServerStats::default();
        s.note_buffers(100, 5);
        s.note_buffers(50, 7);
        assert_eq!(s.recent_max_buffers(), (100, 7));
    }
}
