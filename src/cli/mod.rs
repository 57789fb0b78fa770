//! The `bi-rest` command line: one contract for every vendor (`mstr`, `looker`, `agileapps`),
//! plus `sim`, `demo`, `completions` and `man`.
//!
//! Output is JSON on stdout. An error is one line on stderr, `bi-rest: <vendor code> <message>
//! [ticket <id>]`, and the exit code says what happened: 0 ok, 2 usage, 3 authentication
//! failed, 4 session expired and not renewable, 5 not found, 6 insufficient privileges,
//! 7 invalid request, 8 server error, 9 network, TLS, timeout, refused redirect or response
//! too large, 1 other.

pub mod agileapps;
pub mod body;
pub mod common;
#[cfg(feature = "sim")]
pub mod demo;
pub mod dynamic;
pub mod looker;
pub mod missing;
pub mod mstr;
pub mod output;
#[cfg(feature = "sim")]
pub mod sim;

use std::path::Path;
use std::process::ExitCode;

use bi_rest::error::Error;
use clap::{CommandFactory, Parser, Subcommand};

use self::body::usage;

/// Typed, authenticated clients for MicroStrategy / Strategy One, Looker and AgileApps.
#[derive(Debug, Parser)]
#[command(name = "bi-rest", version, about, long_about = None)]
pub struct Cli {
    /// Log to stderr: -v info, -vv debug (secrets are never logged).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// MicroStrategy / Strategy One.
    Mstr(Box<mstr::MstrArgs>),
    /// Looker.
    Looker(Box<looker::LookerArgs>),
    /// AgileApps Cloud.
    Agileapps(Box<agileapps::AgileAppsArgs>),
    /// The whole system at work against the embedded simulators (exits non-zero on any failure).
    #[cfg(feature = "sim")]
    Demo(demo::DemoArgs),
    /// Run the simulators on 127.0.0.1 until Ctrl-C (URLs and demo credentials as one JSON line).
    #[cfg(feature = "sim")]
    Sim(sim::SimArgs),
    /// Shell completions for bi-rest.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The man page (roff) for bi-rest.
    Man,
}

/// Parses the command line, runs it and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bi-rest: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let outcome = runtime.block_on(run(cli));
    // Give spawned logouts (drop paths) a moment to finish before the runtime goes.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match outcome {
        Ok(Some(value)) => {
            output::print_json(&value);
            ExitCode::SUCCESS
        }
        Ok(None) => ExitCode::SUCCESS,
        Err(err) => {
            let code = output::report(&err);
            match common::INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
                0 => ExitCode::from(code),
                signal => ExitCode::from(u8::try_from(128 + signal).unwrap_or(1)),
            }
        }
    }
}

async fn run(cli: Cli) -> Result<Option<serde_json::Value>, Error> {
    match cli.command {
        Command::Mstr(args) => mstr::run(*args).await.map(Some),
        Command::Looker(args) => looker::run(*args).await.map(Some),
        Command::Agileapps(args) => agileapps::run(*args).await.map(Some),
        #[cfg(feature = "sim")]
        Command::Demo(args) => demo::run(args).await,
        #[cfg(feature = "sim")]
        Command::Sim(args) => sim::run(args).await,
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "bi-rest",
                &mut std::io::stdout(),
            );
            Ok(None)
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map_err(|e| usage(format!("cannot write the man page: {e}")))?;
            Ok(None)
        }
    }
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => tracing::Level::WARN,
        1 => tracing::Level::INFO,
        _ => tracing::Level::DEBUG,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// The API root stored in a session file, if the file exists.
pub fn session_file_base_url(path: Option<&Path>) -> Result<Option<String>, Error> {
    let Some(path) = path.filter(|p| p.exists()) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("session file {}: {e}", path.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| usage(format!("session file {}: not JSON: {e}", path.display())))?;
    Ok(value
        .get("base_url")
        .and_then(|v| v.as_str())
        .map(str::to_string))
}

/// The generated MicroStrategy operations, for `call`.
pub fn mstr_operations() -> dynamic::OpTable {
    use bi_rest::generated::mstr::operations;
    dynamic::OpTable {
        find: operations::find,
        all: operations::ALL,
    }
}
