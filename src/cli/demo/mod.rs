//! `bi-rest demo`: starts the embedded simulators on free loopback ports and walks through
//! what bi-rest is for, vendor by vendor, through the generated typed clients and the auth
//! layers, with a step-by-step account and a closing table read from the simulators' own
//! counters. Exits non-zero if any step misbehaves, so it doubles as a smoke test.

#[cfg(feature = "agileapps")]
pub mod agileapps;
#[cfg(feature = "looker-4_0")]
pub mod looker;
pub mod mstr;
pub mod report;

use std::io::IsTerminal;

use bi_rest::error::{Error, ErrorKind};
use clap::Args;

use self::report::{Reporter, Style};

/// Options of `bi-rest demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Plain text (no colour, no progress indicator), as when stdout is not a terminal.
    #[arg(long, conflicts_with = "json")]
    pub plain: bool,
    /// One machine-readable JSON document: every step (ok, detail, ms) and the closing table.
    #[arg(long)]
    pub json: bool,
}

/// Runs the demo; an error when any step misbehaved or a session was left open.
pub async fn run(args: DemoArgs) -> Result<Option<serde_json::Value>, Error> {
    let style = if args.json {
        Style::Json
    } else if args.plain || !std::io::stdout().is_terminal() {
        Style::Plain
    } else {
        Style::Pretty
    };
    let mut rep = Reporter::new(style);
    if style != Style::Json {
        println!("bi-rest demo: typed, authenticated clients against embedded simulators (127.0.0.1 only)");
    }
    mstr::run(&mut rep).await;
    #[cfg(feature = "looker-4_0")]
    looker::run(&mut rep).await;
    #[cfg(feature = "agileapps")]
    agileapps::run(&mut rep).await;
    if rep.finish() {
        Ok(None)
    } else {
        Err(Error::new(
            ErrorKind::Other,
            "demo: a step misbehaved or a session was left open (see above)",
        ))
    }
}
