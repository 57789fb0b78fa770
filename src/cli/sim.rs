//! `bi-rest sim`: the simulators as a product. Starts them on 127.0.0.1, prints one JSON line
//! with each vendor's URLs and the demo credentials, runs until Ctrl-C, then prints one JSON
//! line with the counters.

use std::io::Write;
use std::time::Duration;

use bi_rest::error::{Error, ErrorKind};
use bi_rest::sim::all::{start_all, SimSet, Vendor};
use bi_rest::sim::faults::Faults;
use bi_rest::sim::record::Recorder;
use clap::{Args, ValueEnum};
use std::sync::Arc;

use super::body::usage;

/// Options of `bi-rest sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// A vendor to simulate (repeat; default: all three).
    #[arg(long = "vendor", value_enum)]
    pub vendors: Vec<SimVendor>,
    /// First port on 127.0.0.1: the vendors take N, N+1, N+2 in the order given (default
    /// order mstr, looker, agileapps; default: free ports).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
    /// Session idle timeout in seconds (MicroStrategy, AgileApps).
    #[arg(long, value_name = "S")]
    pub idle_timeout: Option<u64>,
    /// Token lifetime in seconds (Looker `expires_in`).
    #[arg(long, value_name = "S")]
    pub token_ttl: Option<u64>,
    /// Sessions allowed per user (MicroStrategy, AgileApps; Looker: live tokens per user).
    #[arg(long, value_name = "N")]
    pub max_sessions: Option<usize>,
    /// Inject a fault at a rate: 5xx, drop, slow, html, expired or 429, e.g. `--fault 5xx=0.1`
    /// (repeat; every vendor).
    #[arg(long = "fault", value_name = "KIND=RATE")]
    pub faults: Vec<String>,
    /// Seed of tokens, ids and fault decisions.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The server version to report (MicroStrategy `GET /status`, Looker `GET /versions`;
    /// default: a current release of each).
    #[arg(long, value_name = "VERSION")]
    pub server_version: Option<String>,
    /// Append every request and response served to FILE as JSON lines, secrets redacted.
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
    /// Print, per vendor and spec, the operations answered by stateful handlers, by the
    /// spec-driven default and not at all, as JSON, and exit.
    #[arg(long)]
    pub coverage: bool,
}

/// A vendor on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimVendor {
    /// MicroStrategy / Strategy One.
    Mstr,
    /// Looker.
    Looker,
    /// AgileApps Cloud.
    Agileapps,
}

impl From<SimVendor> for Vendor {
    fn from(v: SimVendor) -> Vendor {
        match v {
            SimVendor::Mstr => Vendor::Mstr,
            SimVendor::Looker => Vendor::Looker,
            SimVendor::Agileapps => Vendor::AgileApps,
        }
    }
}

/// The simulator set the options describe.
pub fn sim_set(args: &SimArgs) -> Result<SimSet, Error> {
    let mut set = SimSet::new().seed(args.seed);
    for v in &args.vendors {
        set = set.vendor((*v).into());
    }
    if let Some(port) = args.port {
        set = set.port(port);
    }
    if let Some(s) = args.idle_timeout {
        set = set.idle_timeout(Duration::from_secs(s));
    }
    if let Some(s) = args.token_ttl {
        set = set.token_ttl(Duration::from_secs(s));
    }
    if let Some(n) = args.max_sessions {
        set = set.max_sessions(n);
    }
    if let Some(v) = &args.server_version {
        set = set.server_version(v);
    }
    if let Some(path) = &args.record {
        let recorder = Recorder::to_file(path)
            .map_err(|e| usage(format!("--record {}: {e}", path.display())))?;
        set = set.recorder(Arc::new(recorder));
    }
    let mut faults = Faults::none();
    for spec in &args.faults {
        faults
            .parse_spec(spec)
            .map_err(|e| usage(format!("--fault {spec}: {e}")))?;
    }
    Ok(set.faults(faults))
}

fn print_line(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer(&mut out, value);
    let _ = writeln!(out);
    let _ = out.flush();
}

/// Runs `bi-rest sim` until Ctrl-C.
pub async fn run(args: SimArgs) -> Result<Option<serde_json::Value>, Error> {
    if args.coverage {
        let report = bi_rest::sim::coverage::report();
        return Ok(Some(serde_json::json!({ "coverage": report })));
    }
    let set = sim_set(&args)?;
    let sims = start_all(set)
        .await
        .map_err(|e| Error::new(ErrorKind::Config, e.to_string()))?;
    print_line(&serde_json::json!({ "simulators": sims.describe() }));
    for (vendor, url) in sims.urls() {
        eprintln!("bi-rest sim: {:<9} {url}", vendor.name());
    }
    eprintln!("bi-rest sim: running on 127.0.0.1; Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::new(ErrorKind::Other, format!("cannot wait for Ctrl-C: {e}")))?;
    print_line(&serde_json::json!({ "counters": sims.counters() }));
    sims.shutdown().await;
    Ok(None)
}
