//! Tracing and interceptors: every call in one `bi_rest.call` span (OpenTelemetry HTTP
//! client conventions), the session's steps as events, and an [`Intercept`] that adds a
//! header to every call and records each call's outcome.
//!
//!     cargo run --example tracing --features mstr,sim

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bi_rest::auth::{CallInfo, CallOutcome, HttpConfig, Intercept};
use bi_rest::credentials::Credential;
use bi_rest::mstr::MstrClient;
use reqwest::header::HeaderValue;
use tracing_subscriber::fmt::format::FmtSpan;

/// Calls and failures seen by [`Audit`].
#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    failures: AtomicU64,
}

/// Adds `x-request-source` to every call and counts calls and failures.
struct Audit(Arc<Counts>);

impl Intercept for Audit {
    fn modify_request(&self, _call: &CallInfo<'_>, request: &mut reqwest::Request) {
        request.headers_mut().insert(
            "x-request-source",
            HeaderValue::from_static("tracing-example"),
        );
    }

    fn read_outcome(&self, call: &CallInfo<'_>, outcome: &CallOutcome<'_>) {
        self.0.calls.fetch_add(1, Ordering::Relaxed);
        if !outcome.is_success() {
            self.0.failures.fetch_add(1, Ordering::Relaxed);
        }
        println!(
            "audit: {} {} -> {:?} in {:?}",
            call.method,
            call.operation_id,
            outcome.status.map(|s| s.as_u16()),
            outcome.elapsed
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .init();

    let sim = bi_rest::sim::mstr::start(Default::default()).await?;
    let counts = Arc::new(Counts::default());
    let client = MstrClient::builder(sim.base_url())
        .standard("administrator", Credential::value("admin-pass"))
        .http(HttpConfig::default().intercept(Audit(counts.clone())))
        .build()?;
    let api = client.typed();
    let projects = api.get_projects_1().send().await?;
    println!("{} projects", projects.len());
    client.close().await?;
    println!(
        "{} calls, {} failed",
        counts.calls.load(Ordering::Relaxed),
        counts.failures.load(Ordering::Relaxed)
    );
    Ok(())
}
