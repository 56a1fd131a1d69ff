//! Progress of long work, with an estimate of the time left, for every
//! command that can take more than a moment.
//!
//! Sampling, restoration and parity run their rows on several threads deep
//! inside library functions, so those loops do not take a callback: each
//! finished unit (a sample, a row, a training step) is counted with
//! [`tick`] into one process-wide counter, and a [`Progress`] started by
//! the command reads it. On a terminal it draws a bar with the rate and
//! the time left; without one (a log, CI, a pipe) it prints a line when it
//! starts, one every [`LINE_EVERY`], and one when it ends, so long work is
//! never silent. Everything goes to stderr: stdout carries only results.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Units finished since the last [`Progress::start`].
static DONE: AtomicU64 = AtomicU64::new(0);

/// Interval between progress lines without a terminal.
pub const LINE_EVERY: Duration = Duration::from_secs(5);

/// Counts one finished unit of the work in progress.
pub fn tick() {
    DONE.fetch_add(1, Ordering::Relaxed);
}

/// The display of one piece of work; [`Progress::finish`] ends it.
pub struct Progress {
    what: String,
    unit: &'static str,
    total: u64,
    start: Instant,
    stop: Arc<AtomicBool>,
    reporter: Option<JoinHandle<()>>,
    bar: Option<ProgressBar>,
}

/// `d` as a person reads it: `4.2 s`, `3 min 10 s`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        let whole = s.round() as u64;
        format!("{} min {} s", whole / 60, whole % 60)
    }
}

/// One progress line: `what: 40/100 rows (40%), 2.0 s, about 3.0 s left`.
fn line(what: &str, unit: &str, done: u64, total: u64, elapsed: Duration) -> String {
    let share = done as f64 / total.max(1) as f64;
    let left = if done > 0 {
        format!(
            ", about {} left",
            duration(elapsed.mul_f64((1.0 - share) / share))
        )
    } else {
        String::new()
    };
    format!(
        "{what}: {done}/{total} {unit} ({:.0}%), {}{left}",
        100.0 * share,
        duration(elapsed)
    )
}

impl Progress {
    /// Starts counting `total` units of `unit` (`"samples"`, `"rows"`,
    /// `"steps"`) for `what`, from `done` already done (a resumed run).
    pub fn start(what: &str, unit: &'static str, total: u64, done: u64) -> Self {
        DONE.store(done, Ordering::Relaxed);
        let start = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let terminal = std::io::stderr().is_terminal();
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} {bar:30} {pos}/{len} {prefix} ({per_sec}, {eta} left)",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(what.to_string());
            bar.set_prefix(unit);
            bar
        });
        if !terminal {
            eprintln!("{}", line(what, unit, done, total, Duration::ZERO));
        }
        let reporter = {
            let (stop, bar, what) = (stop.clone(), bar.clone(), what.to_string());
            std::thread::spawn(move || {
                let mut last_line = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    let done = DONE.load(Ordering::Relaxed).min(total);
                    match &bar {
                        Some(bar) => bar.set_position(done),
                        None if last_line.elapsed() >= LINE_EVERY => {
                            last_line = Instant::now();
                            eprintln!("{}", line(&what, unit, done, total, start.elapsed()));
                        }
                        None => {}
                    }
                }
            })
        };
        Progress {
            what: what.to_string(),
            unit,
            total,
            start,
            stop,
            reporter: Some(reporter),
            bar,
        }
    }

    /// Shows a short note next to the bar (a terminal only), e.g. the loss.
    pub fn note(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} {message}", self.what));
        }
    }

    /// Ends the display with a line saying how long the work took.
    pub fn finish(mut self) {
        self.stop_reporter();
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!(
            "{}: {} {} in {}",
            self.what,
            DONE.load(Ordering::Relaxed).min(self.total),
            self.unit,
            duration(self.start.elapsed())
        );
    }

    fn stop_reporter(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.reporter.take() {
            let _ = handle.join();
        }
    }
}

impl Drop for Progress {
    /// Work that failed stops its display without a final line.
    fn drop(&mut self) {
        self.stop_reporter();
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_give_the_share_and_the_time_left() {
        assert_eq!(
            line("sampling", "samples", 25, 100, Duration::from_secs(3)),
            "sampling: 25/100 samples (25%), 3.0 s, about 9.0 s left"
        );
        assert_eq!(
            line("training", "steps", 0, 10, Duration::ZERO),
            "training: 0/10 steps (0%), 0.0 s"
        );
        assert_eq!(duration(Duration::from_secs(190)), "3 min 10 s");
    }
}
