//! How the demo tells its story: numbered steps with timings (colour and a spinner on a
//! terminal, plain text when piped or with `--plain`, one JSON document with `--json`), and
//! the closing table per vendor.

use std::future::Future;
use std::io::Write;
use std::time::{Duration, Instant};

use bi_rest::error::{Error, ErrorKind};
use serde::Serialize;

/// How the account is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colour and a progress spinner (stdout is a terminal).
    Pretty,
    /// Plain text, one line per step.
    Plain,
    /// Nothing while running; one JSON document at the end.
    Json,
}

/// One step of the account.
#[derive(Debug, Clone, Serialize)]
pub struct StepRecord {
    /// The vendor section (`mstr`, `looker`, `agileapps`).
    pub vendor: &'static str,
    /// What the step does.
    pub title: String,
    /// Whether it behaved as expected.
    pub ok: bool,
    /// What happened (the result, or the error).
    pub detail: String,
    /// Wall time in milliseconds.
    pub ms: f64,
}

/// The closing numbers of one vendor, read from its simulator's counters (renewals from the
/// clients' own statistics).
#[derive(Debug, Clone, Default, Serialize)]
pub struct VendorTotals {
    /// The vendor section.
    pub vendor: &'static str,
    /// Successful logins the server saw.
    pub logins: u64,
    /// Sessions the clients renewed by themselves after the server ended them.
    pub renewals: u64,
    /// Authenticated calls the server accepted.
    pub calls: u64,
    /// Steps of this vendor that did not behave as expected.
    pub failures: u64,
    /// Sessions still open on the server at the end (must be 0).
    pub open_sessions: u64,
}

/// A step failed; the rest of its vendor section is skipped (cleanup still runs).
#[derive(Debug, Clone, Copy)]
pub struct Aborted;

/// Collects and prints the account.
#[derive(Debug)]
pub struct Reporter {
    style: Style,
    vendor: &'static str,
    steps: Vec<StepRecord>,
    totals: Vec<VendorTotals>,
    started: Instant,
}

const SPINNER: &[&str] = &["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// A check inside a step: `Ok(())` when `cond` holds, else an error saying what was expected.
pub fn expect(cond: bool, what: impl FnOnce() -> String) -> Result<(), Error> {
    if cond {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Other, what()))
    }
}

impl Reporter {
    /// A reporter printing in `style`.
    pub fn new(style: Style) -> Reporter {
        Reporter {
            style,
            vendor: "",
            steps: Vec::new(),
            totals: Vec::new(),
            started: Instant::now(),
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.style == Style::Pretty {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn print(&self, line: &str) {
        if self.style != Style::Json {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    /// Starts a vendor section with a heading.
    pub fn section(&mut self, vendor: &'static str, heading: &str) {
        self.vendor = vendor;
        self.print("");
        let line = self.paint("1;36", &format!("== {heading} =="));
        self.print(&line);
    }

    /// A line of commentary (not a step).
    pub fn note(&self, text: &str) {
        let line = self.paint("2", &format!("   {text}"));
        self.print(&line);
    }

    /// Runs one step: `fut` yields the value and a one-line account of what happened.
    pub async fn step<T>(
        &mut self,
        title: &str,
        fut: impl Future<Output = Result<(T, String), Error>>,
    ) -> Result<T, Aborted> {
        let start = Instant::now();
        let outcome = if self.style == Style::Pretty {
            let mut fut = std::pin::pin!(fut);
            let mut tick = tokio::time::interval(Duration::from_millis(80));
            let mut frame = 0usize;
            loop {
                tokio::select! {
                    out = &mut fut => break out,
                    _ = tick.tick() => {
                        let mut out = std::io::stdout().lock();
                        let _ = write!(out, "\r\x1b[2K \x1b[33m{}\x1b[0m {title}", SPINNER[frame % SPINNER.len()]);
                        let _ = out.flush();
                        frame += 1;
                    }
                }
            }
        } else {
            fut.await
        };
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        if self.style == Style::Pretty {
            let mut out = std::io::stdout().lock();
            let _ = write!(out, "\r\x1b[2K");
            let _ = out.flush();
        }
        let n = self.steps.len() + 1;
        let (value, ok, detail) = match outcome {
            Ok((value, detail)) => (Some(value), true, detail),
            Err(err) => (None, false, error_detail(&err)),
        };
        let mark = if ok {
            self.paint("32", "ok  ")
        } else {
            self.paint("1;31", "FAIL")
        };
        let timing = self.paint("2", &format!("{ms:>8.1} ms"));
        let detail_line = if ok {
            self.paint("2", &detail)
        } else {
            self.paint("31", &detail)
        };
        self.print(&format!("{mark} {n:>2}. {title:<72} {timing}"));
        if !detail.is_empty() {
            self.print(&format!("         {detail_line}"));
        }
        self.steps.push(StepRecord {
            vendor: self.vendor,
            title: title.to_string(),
            ok,
            detail,
            ms,
        });
        value.ok_or(Aborted)
    }

    /// How many steps of `vendor` failed so far.
    pub fn failures(&self, vendor: &str) -> u64 {
        self.steps
            .iter()
            .filter(|s| s.vendor == vendor && !s.ok)
            .count() as u64
    }

    /// Records a vendor's closing numbers.
    pub fn totals(&mut self, totals: VendorTotals) {
        self.totals.push(totals);
    }

    /// Prints the closing table (or the JSON document) and says whether every step was ok
    /// and every vendor ended with 0 sessions open.
    pub fn finish(self) -> bool {
        let wall_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let ok = self.steps.iter().all(|s| s.ok)
            && !self.steps.is_empty()
            && self
                .totals
                .iter()
                .all(|t| t.open_sessions == 0 && t.failures == 0);
        if self.style == Style::Json {
            let doc = serde_json::json!({
                "ok": ok,
                "wall_ms": wall_ms,
                "steps": self.steps,
                "vendors": self.totals,
            });
            let mut out = std::io::stdout().lock();
            let _ = serde_json::to_writer_pretty(&mut out, &doc);
            let _ = writeln!(out);
            return ok;
        }
        self.print("");
        let head = format!(
            "{:<16} {:>7} {:>9} {:>7} {:>9} {:>14}",
            "vendor", "logins", "renewals", "calls", "failures", "sessions open"
        );
        let head = self.paint("1", &head);
        self.print(&head);
        for t in &self.totals {
            let open = format!("{:>14}", t.open_sessions);
            let open = if t.open_sessions == 0 {
                self.paint("32", &open)
            } else {
                self.paint("1;31", &open)
            };
            let failures = format!("{:>9}", t.failures);
            let failures = if t.failures == 0 {
                self.paint("32", &failures)
            } else {
                self.paint("1;31", &failures)
            };
            self.print(&format!(
                "{:<16} {:>7} {:>9} {:>7} {failures} {open}",
                display_name(t.vendor),
                t.logins,
                t.renewals,
                t.calls
            ));
        }
        let failed = self.steps.iter().filter(|s| !s.ok).count();
        let summary = format!(
            "{} steps, {} failed, wall time {:.2} s",
            self.steps.len(),
            failed,
            wall_ms / 1000.0
        );
        let summary = if ok {
            self.paint("1;32", &summary)
        } else {
            self.paint("1;31", &summary)
        };
        self.print("");
        self.print(&summary);
        ok
    }
}

/// The table's name for a vendor section.
pub fn display_name(vendor: &str) -> &str {
    match vendor {
        "mstr" => "MicroStrategy",
        "looker" => "Looker",
        "agileapps" => "AgileApps",
        other => other,
    }
}

/// An error as one line: kind, vendor code, message, HTTP status.
pub fn error_detail(err: &Error) -> String {
    let mut line = format!("[{}]", err.kind().as_str());
    if let Some(code) = err.code() {
        line.push(' ');
        line.push_str(code);
    }
    line.push(' ');
    line.push_str(&err.message().replace('\n', " "));
    if let Some(status) = err.status() {
        line.push_str(&format!(" (HTTP {})", status.as_u16()));
    }
    line
}
