//! Local simulators of the vendor REST servers (feature `sim`).
//!
//! Each vendor module (`mstr`, and later `looker`, `agileapps`) builds an axum [`Router`] with
//! its endpoints and hands it to [`serve`], which binds `127.0.0.1:0` (never another address),
//! applies fault injection in front of the router and returns a [`RunningSim`] handle.
//!
//! Shared plumbing, reusable by every vendor simulator:
//! - [`serve`] / [`ServeOptions`] / [`RunningSim`]: the loopback server, its origin URL and
//!   shutdown (explicit with [`RunningSim::shutdown`], or when the handle is dropped).
//! - [`faults`]: fault injection by rate ([`faults::Faults`], [`faults::FaultInjector`]) for the
//!   kinds 5xx, dropped connection, slow reply, HTML error page from a proxy, expired session
//!   and rate limiting (429 with `Retry-After`). All but the expired session are applied here,
//!   before the router runs; an expired-session fault is handed to the vendor handlers as the
//!   request extension [`faults::ExpireSessionFault`].
//! - [`SeededRng`]: a small deterministic generator (SplitMix64) so runs with the same seed
//!   are repeatable (fault decisions, tokens, ticket ids).
//! - [`Counter`]: a relaxed atomic counter for the vendor counters that tests assert on.
//!
//! - [`rfc3339`]: date-time fields in the vendors' format.
//!
//! Adding a vendor (`src/sim/<vendor>.rs`): keep its state in an `Arc`, build a `Router` with
//! that state, create one `Arc<FaultInjector>` (share it with the state so handlers can look at
//! [`faults::ExpireSessionFault`]), set [`ServeOptions::server_error`] to the vendor's 5xx body
//! and [`ServeOptions::rate_limited`] to its 429 body, set [`ServeOptions::port`], call [`serve`] and wrap the [`RunningSim`] in the vendor's handle (base URL, counters,
//! `expire_all_sessions`, `faults()`). The MicroStrategy simulator ([`mstr`]) is the model:
//!
//! ```
//! use std::sync::Arc;
//! use axum::{routing::get, Router};
//! use bi_rest::sim::faults::{FaultInjector, FaultKind, Faults};
//! use bi_rest::sim::{serve, ServeOptions};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let injector = Arc::new(FaultInjector::new(Faults::none(), 42));
//! let router = Router::new().route("/ping", get(|| async { "pong" }));
//! let sim = serve(router, ServeOptions::new(injector.clone())).await?;
//! let body = reqwest::get(format!("{}/ping", sim.origin())).await?.text().await?;
//! assert_eq!(body, "pong");
//! injector.set_rate(FaultKind::HtmlErrorPage, 1.0);
//! let resp = reqwest::get(format!("{}/ping", sim.origin())).await?;
//! assert_eq!(resp.status(), 502);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Nothing here imports the client side of the crate (auth, generated clients, vendor layers).

pub mod agileapps;
pub mod all;
pub mod coverage;
pub mod faults;
pub mod looker;
pub mod mstr;
pub mod record;
pub mod spec;

/// How a simulator shapes the informational fields of its session answers, so tests can
/// prove a client accepts every harmless variation a real server sends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AnswerShape {
    /// As the vendor documents them.
    #[default]
    Documented,
    /// Harmless variations: numbers as text, a string field as an object, documented
    /// optional fields missing, undocumented fields added.
    Variant,
}

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;

use self::faults::{ExpireSessionFault, FaultInjector, FaultKind};

/// Errors starting a simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Binding the loopback listener failed.
    #[error("simulator: cannot bind 127.0.0.1:{port}: {source}")]
    Bind {
        /// The requested port (0 = any free port).
        port: u16,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Reading the bound address failed.
    #[error("simulator: cannot read the bound address: {0}")]
    LocalAddr(std::io::Error),
    /// A configuration value is invalid (names the setting).
    #[error("simulator: invalid configuration `{setting}`: {reason}")]
    Config {
        /// The setting that is wrong.
        setting: String,
        /// Why it is wrong.
        reason: String,
    },
}

/// Builds the reply of an injected fault in the vendor's error shape; the argument is a
/// fresh ticket id.
pub type FaultReplyFn = Arc<dyn Fn(String) -> Response<Body> + Send + Sync>;

/// Builds the reply of an injected 5xx fault (see [`FaultReplyFn`]).
pub type ServerErrorFn = FaultReplyFn;

/// How [`serve`] runs a vendor router.
#[derive(Clone)]
pub struct ServeOptions {
    /// Port on 127.0.0.1 to bind; 0 (the default) picks a free port.
    pub port: u16,
    /// Fault injection shared with the vendor handlers.
    pub faults: Arc<FaultInjector>,
    /// The vendor-shaped response for an injected 5xx fault.
    pub server_error: ServerErrorFn,
    /// The vendor-shaped body of an injected 429 fault; [`serve`] forces the status to 429
    /// and sets `Retry-After` from the injector.
    pub rate_limited: FaultReplyFn,
    /// Where to record every exchange (none: no recording, no cost).
    pub recorder: Option<Arc<record::Recorder>>,
    /// The vendor name written in recordings.
    pub vendor: &'static str,
}

impl ServeOptions {
    /// Options with port 0, the given injector and plain-text bodies for injected 5xx and 429
    /// faults.
    pub fn new(faults: Arc<FaultInjector>) -> Self {
        ServeOptions {
            port: 0,
            faults,
            server_error: Arc::new(|ticket| {
                let mut resp = Response::new(Body::from(format!(
                    "Internal Server Error (ticket {ticket})"
                )));
                *resp.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
                resp
            }),
            rate_limited: Arc::new(|_ticket| Response::new(Body::from("Too Many Requests"))),
            recorder: None,
            vendor: "sim",
        }
    }
}

/// A running simulator: its loopback address and a shutdown switch. Dropping it stops the
/// server (open connections are closed).
#[derive(Debug)]
pub struct RunningSim {
    addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl RunningSim {
    /// The bound address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, closes open connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Error a connection's service returns to make hyper close the connection without a reply
/// (the "dropped connection" fault).
#[derive(Debug, thiserror::Error)]
#[error("simulated dropped connection")]
struct DropConnection;

/// Binds 127.0.0.1:`options.port` and serves `router` behind fault injection until the
/// returned handle is shut down or dropped. Must be called inside a tokio runtime.
pub async fn serve(router: Router, options: ServeOptions) -> Result<RunningSim, SimError> {
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], options.port)))
        .await
        .map_err(|source| SimError::Bind {
            port: options.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(SimError::LocalAddr)?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let task = tokio::spawn(accept_loop(listener, router, options, shutdown_rx));
    Ok(RunningSim {
        addr,
        shutdown,
        task: Some(task),
    })
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _peer)) = accepted else {
            // Transient accept errors (e.g. too many open files): back off briefly.
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let options = options.clone();
        let mut conn_shutdown = shutdown.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                handle(router.clone(), options.clone(), req)
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = conn_shutdown.changed() => {}
            }
        });
    }
}

type HandleFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, DropConnection>> + Send>>;

fn handle(router: Router, options: ServeOptions, req: Request<Incoming>) -> HandleFuture {
    match options.recorder.clone() {
        None => serve_one(router, options, req.map(Body::new)),
        Some(recorder) => Box::pin(recorded(router, options, recorder, req)),
    }
}

/// Most bytes of a body kept for a recording (a larger body is recorded as its size).
const RECORD_LIMIT: usize = 16 * 1024 * 1024;

/// Serves one request and records the exchange.
async fn recorded(
    router: Router,
    options: ServeOptions,
    recorder: Arc<record::Recorder>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(Body::new(body), RECORD_LIMIT)
        .await
        .unwrap_or_default();
    let method = parts.method.clone();
    let uri = parts.uri.clone();
    let headers = parts.headers.clone();
    let req = Request::from_parts(parts, Body::from(body.clone()));
    let mut x = record::Exchange {
        vendor: options.vendor,
        method: method.as_str(),
        path: uri.path(),
        query: uri.query(),
        request_headers: Some(&headers),
        request_body: &body,
        ..record::Exchange::default()
    };
    match serve_one(router, options, req).await {
        Ok(resp) => {
            let (rparts, rbody) = resp.into_parts();
            let rbody = axum::body::to_bytes(rbody, RECORD_LIMIT)
                .await
                .unwrap_or_default();
            x.status = Some(rparts.status.as_u16());
            x.response_headers = Some(&rparts.headers);
            x.response_body = &rbody;
            recorder.record(&x);
            Ok(Response::from_parts(rparts, Body::from(rbody)))
        }
        Err(dropped) => {
            recorder.record(&x);
            Err(dropped)
        }
    }
}

fn serve_one(router: Router, options: ServeOptions, mut req: Request<Body>) -> HandleFuture {
    Box::pin(async move {
        match options.faults.roll() {
            Some(FaultKind::DroppedConnection) => return Err(DropConnection),
            Some(FaultKind::ServerError) => {
                return Ok((options.server_error)(options.faults.ticket_id()))
            }
            Some(FaultKind::HtmlErrorPage) => return Ok(faults::html_error_page()),
            Some(FaultKind::SlowReply) => tokio::time::sleep(options.faults.slow_delay()).await,
            Some(FaultKind::ExpiredSession) => {
                req.extensions_mut().insert(ExpireSessionFault);
            }
            Some(FaultKind::RateLimited) => {
                let mut resp = (options.rate_limited)(options.faults.ticket_id());
                *resp.status_mut() = axum::http::StatusCode::TOO_MANY_REQUESTS;
                resp.headers_mut().insert(
                    axum::http::header::RETRY_AFTER,
                    axum::http::HeaderValue::from(options.faults.retry_after()),
                );
                return Ok(resp);
            }
            None => {}
        }
        let resp: Result<Response<Body>, Infallible> = router.oneshot(req).await;
        match resp {
            Ok(resp) => Ok(resp),
            Err(never) => match never {},
        }
    })
}

/// A monotonically increasing counter (relaxed atomics; exact once the server is idle).
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn incr(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A deterministic pseudo-random generator (SplitMix64): the same seed gives the same
/// sequence, so simulator runs are repeatable. Not for cryptographic use.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// `len` characters drawn from `alphabet` (which must not be empty; an empty alphabet
    /// yields an empty string).
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        if alphabet.is_empty() {
            return String::new();
        }
        (0..len)
            .map(|_| alphabet[(self.next_u64() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

/// Formats a time as RFC 3339 in UTC with milliseconds (`2026-11-23T12:03:20.000Z`), as the
/// vendors' date-time fields are written.
pub fn rfc3339(t: std::time::SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Lower-case hex digits, for ticket ids.
pub const HEX_LOWER: &[u8] = b"0123456789abcdef";
/// Upper-case hex digits, for session ids and object ids.
pub const HEX_UPPER: &[u8] = b"0123456789ABCDEF";
/// Lower-case letters and digits, for tokens.
pub const ALNUM_LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        use std::time::{Duration, UNIX_EPOCH};
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_123);
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59.123Z");
    }

    #[test]
    fn seeded_rng_is_repeatable() {
        let mut a = SeededRng::new(42);
        let mut b = SeededRng::new(42);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        let f = SeededRng::new(7).next_f64();
        assert!((0.0..1.0).contains(&f));
    }
}
