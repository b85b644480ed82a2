//! A progress line on standard error for long work (`attest batch`,
//! `attest register verify` and `export`): how many done, of how many,
//! the rate and the time left. Drawn only on a terminal, at most five
//! times a second, so that it costs nothing when output is piped or
//! logged.

use std::time::{Duration, Instant};

pub struct Progress {
    total: Option<u64>,
    done: u64,
    started: Instant,
    last: Instant,
    shown: bool,
    enabled: bool,
    /// Done before this run started (a resumed batch): not in the rate.
    base: u64,
}

impl Progress {
    /// A line for `total` items (unknown: no percentage or ETA), of which
    /// `already` were done before; drawn only when `enabled`.
    pub fn new(total: Option<u64>, already: u64, enabled: bool) -> Progress {
        let now = Instant::now();
        Progress {
            total,
            done: already,
            started: now,
            last: now,
            shown: false,
            enabled,
            base: already,
        }
    }

    /// The total, once known (counted while the work goes on).
    pub fn know_total(&mut self, total: u64) {
        self.total = Some(total);
    }

    pub fn advance(&mut self, n: u64) {
        self.done += n;
        if self.enabled && self.last.elapsed() >= Duration::from_millis(200) {
            self.last = Instant::now();
            self.draw();
        }
    }

    fn draw(&mut self) {
        let secs = self.started.elapsed().as_secs_f64();
        let line = line(self.done, self.done - self.base, self.total, secs);
        eprint!("\r\x1b[2K{line}");
        self.shown = true;
    }

    /// Draws the final count and ends the line.
    pub fn finish(&mut self) {
        if self.enabled {
            self.draw();
        }
        if self.shown {
            eprintln!();
        }
    }
}

/// The text of the line: `done` in all, `this_run` of them in `secs`.
fn line(done: u64, this_run: u64, total: Option<u64>, secs: f64) -> String {
    let rate = this_run as f64 / secs.max(1e-3);
    match total {
        Some(total) if rate > 0.0 => {
            let eta = (total.saturating_sub(done)) as f64 / rate;
            let pct = 100.0 * done as f64 / total.max(1) as f64;
            format!(
                "{done}/{total} ({pct:.1}%)  {rate:.0}/s  ETA {}",
                clock(eta)
            )
        }
        _ => format!("{done}  {rate:.0}/s"),
    }
}

fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_gives_count_share_rate_and_time_left() {
        assert_eq!(
            line(250, 200, Some(1000), 2.0),
            "250/1000 (25.0%)  100/s  ETA 0:00:08"
        );
        assert_eq!(
            line(4_000_000, 4_000_000, Some(10_000_000), 4_000.0),
            "4000000/10000000 (40.0%)  1000/s  ETA 1:40:00"
        );
        assert_eq!(line(10, 10, None, 5.0), "10  2/s");
        assert_eq!(line(0, 0, Some(10), 1.0), "0  0/s", "no rate yet, no ETA");
    }
}
