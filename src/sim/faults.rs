//! Fault injection by rate, shared by every simulator.
//!
//! A [`Faults`] value maps each [`FaultKind`] to a rate in `[0, 1]`. For every request the
//! [`FaultInjector`] draws one number per kind from a seeded generator (in the fixed order of
//! [`FaultKind::ALL`]) and injects the first kind whose draw falls under its rate, so a rate of
//! 1.0 always fires, 0.0 never does, and the same seed gives the same sequence of decisions.
//! Rates can be changed while the server runs.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Response, StatusCode};

use super::{Counter, SeededRng, HEX_LOWER};

/// The kinds of fault a simulator can inject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// A 5xx reply in the vendor's error shape (`5xx`).
    ServerError,
    /// The connection is closed without any reply (`drop`).
    DroppedConnection,
    /// The reply is delayed by [`Faults::slow_delay`] (`slow`).
    SlowReply,
    /// A 502 HTML page, as a reverse proxy in front of the server would send (`html`).
    HtmlErrorPage,
    /// The caller's session is expired just before the request is handled (`expired`).
    ExpiredSession,
    /// A 429 "too many requests" reply in the vendor's error shape with a `Retry-After`
    /// header of [`Faults::get_retry_after`] whole seconds (`429`).
    RateLimited,
}

impl FaultKind {
    /// Every kind, in the order the injector draws them.
    pub const ALL: [FaultKind; 6] = [
        FaultKind::ServerError,
        FaultKind::DroppedConnection,
        FaultKind::SlowReply,
        FaultKind::HtmlErrorPage,
        FaultKind::ExpiredSession,
        FaultKind::RateLimited,
    ];

    /// The short name used on the command line (`--fault KIND=RATE`).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::ServerError => "5xx",
            FaultKind::DroppedConnection => "drop",
            FaultKind::SlowReply => "slow",
            FaultKind::HtmlErrorPage => "html",
            FaultKind::ExpiredSession => "expired",
            FaultKind::RateLimited => "429",
        }
    }

    fn index(self) -> usize {
        match self {
            FaultKind::ServerError => 0,
            FaultKind::DroppedConnection => 1,
            FaultKind::SlowReply => 2,
            FaultKind::HtmlErrorPage => 3,
            FaultKind::ExpiredSession => 4,
            FaultKind::RateLimited => 5,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Error parsing a fault kind or a `KIND=RATE` specification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultParseError {
    /// The kind is not one of `5xx`, `drop`, `slow`, `html`, `expired`, `429`.
    #[error("unknown fault kind `{0}` (expected 5xx, drop, slow, html, expired or 429)")]
    UnknownKind(String),
    /// The specification is not `KIND=RATE`.
    #[error("fault `{0}` is not KIND=RATE")]
    Syntax(String),
    /// The rate is not a number in [0, 1].
    #[error("fault rate `{0}` is not a number between 0 and 1")]
    Rate(String),
}

impl FromStr for FaultKind {
    type Err = FaultParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "5xx" | "500" | "server-error" => Ok(FaultKind::ServerError),
            "drop" | "dropped" | "dropped-connection" => Ok(FaultKind::DroppedConnection),
            "slow" | "slow-reply" => Ok(FaultKind::SlowReply),
            "html" | "html-error" | "proxy" => Ok(FaultKind::HtmlErrorPage),
            "expired" | "expired-session" | "expire" => Ok(FaultKind::ExpiredSession),
            "429" | "rate-limited" | "ratelimit" | "throttle" => Ok(FaultKind::RateLimited),
            other => Err(FaultParseError::UnknownKind(other.to_string())),
        }
    }
}

/// Fault rates per kind plus the delay of a slow reply and the `Retry-After` of a 429.
/// The default injects nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct Faults {
    rates: BTreeMap<FaultKind, f64>,
    slow_delay: Duration,
    retry_after: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            rates: BTreeMap::new(),
            slow_delay: Duration::from_secs(2),
            retry_after: 1,
        }
    }
}

impl Faults {
    /// No faults, slow replies delayed by 2 s, injected 429s say `Retry-After: 1`.
    pub fn none() -> Self {
        Faults::default()
    }

    /// Sets the rate of `kind` (clamped to `[0, 1]`; NaN counts as 0).
    pub fn rate(mut self, kind: FaultKind, rate: f64) -> Self {
        self.set_rate(kind, rate);
        self
    }

    /// Sets the rate of `kind` in place (clamped to `[0, 1]`; NaN counts as 0).
    pub fn set_rate(&mut self, kind: FaultKind, rate: f64) {
        let rate = if rate.is_nan() {
            0.0
        } else {
            rate.clamp(0.0, 1.0)
        };
        self.rates.insert(kind, rate);
    }

    /// Sets how long a slow reply waits before being handled.
    pub fn slow_delay(mut self, delay: Duration) -> Self {
        self.slow_delay = delay;
        self
    }

    /// Sets the `Retry-After` seconds of an injected 429.
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = secs;
        self
    }

    /// The `Retry-After` seconds of an injected 429.
    pub fn get_retry_after(&self) -> u64 {
        self.retry_after
    }

    /// The rate of `kind` (0 when unset).
    pub fn get(&self, kind: FaultKind) -> f64 {
        self.rates.get(&kind).copied().unwrap_or(0.0)
    }

    /// The delay of a slow reply.
    pub fn get_slow_delay(&self) -> Duration {
        self.slow_delay
    }

    /// Parses `KIND=RATE` (as given to `--fault`) and sets that rate.
    pub fn parse_spec(&mut self, spec: &str) -> Result<(), FaultParseError> {
        let (kind, rate) = spec
            .split_once('=')
            .ok_or_else(|| FaultParseError::Syntax(spec.to_string()))?;
        let kind: FaultKind = kind.parse()?;
        let rate: f64 = rate
            .trim()
            .parse()
            .map_err(|_| FaultParseError::Rate(rate.to_string()))?;
        if !(0.0..=1.0).contains(&rate) {
            return Err(FaultParseError::Rate(rate.to_string()));
        }
        self.set_rate(kind, rate);
        Ok(())
    }
}

/// Marker request extension: the vendor handler must treat the caller's session as expired
/// (drop it and answer as the real server does for a timed-out session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpireSessionFault;

/// Decides, per request, which fault (if any) to inject; counts what it injected.
#[derive(Debug)]
pub struct FaultInjector {
    faults: Mutex<Faults>,
    rng: Mutex<SeededRng>,
    tickets: Mutex<SeededRng>,
    injected: [Counter; 6],
}

impl FaultInjector {
    /// An injector with the given rates and seed.
    pub fn new(faults: Faults, seed: u64) -> Self {
        FaultInjector {
            faults: Mutex::new(faults),
            rng: Mutex::new(SeededRng::new(seed)),
            tickets: Mutex::new(SeededRng::new(seed ^ 0x7469_636b_6574)),
            injected: Default::default(),
        }
    }

    /// Replaces all rates and the slow delay.
    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = faults;
    }

    /// Changes the rate of one kind.
    pub fn set_rate(&self, kind: FaultKind, rate: f64) {
        lock(&self.faults).set_rate(kind, rate);
    }

    /// The current rates.
    pub fn faults(&self) -> Faults {
        lock(&self.faults).clone()
    }

    /// The delay of a slow reply.
    pub fn slow_delay(&self) -> Duration {
        lock(&self.faults).slow_delay
    }

    /// The `Retry-After` seconds of an injected 429.
    pub fn retry_after(&self) -> u64 {
        lock(&self.faults).retry_after
    }

    /// How many faults of `kind` were injected so far.
    pub fn injected(&self, kind: FaultKind) -> u64 {
        self.injected[kind.index()].get()
    }

    /// Draws the decision for one request and counts it.
    pub fn roll(&self) -> Option<FaultKind> {
        let faults = lock(&self.faults).clone();
        if faults.rates.values().all(|r| *r <= 0.0) {
            return None;
        }
        let mut rng = lock(&self.rng);
        for kind in FaultKind::ALL {
            let draw = rng.next_f64();
            if draw < faults.get(kind) {
                self.injected[kind.index()].incr();
                return Some(kind);
            }
        }
        None
    }

    /// A fresh 32-hex-digit ticket id (from a generator seeded like the injector).
    pub fn ticket_id(&self) -> String {
        lock(&self.tickets).string(HEX_LOWER, 32)
    }
}

/// Locks a mutex, recovering the data if a holder panicked (the simulator state stays usable).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The 502 HTML page a reverse proxy sends when the application server is unavailable.
pub fn html_error_page() -> Response<Body> {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
                <center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n\
                </body>\r\n</html>\r\n";
    let mut resp = Response::new(Body::from(page));
    *resp.status_mut() = StatusCode::BAD_GATEWAY;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/html"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_specs() {
        let mut f = Faults::none();
        f.parse_spec("5xx=0.25").unwrap();
        f.parse_spec("expired=1").unwrap();
        f.parse_spec("429=0.5").unwrap();
        assert_eq!(f.get(FaultKind::RateLimited), 0.5);
        assert_eq!("rate-limited".parse(), Ok(FaultKind::RateLimited));
        assert_eq!(FaultKind::RateLimited.to_string(), "429");
        assert_eq!(f.get(FaultKind::ServerError), 0.25);
        assert_eq!(f.get(FaultKind::ExpiredSession), 1.0);
        assert_eq!(f.get(FaultKind::SlowReply), 0.0);
        assert!(matches!(
            f.parse_spec("nope=1"),
            Err(FaultParseError::UnknownKind(_))
        ));
        assert!(matches!(
            f.parse_spec("5xx=2"),
            Err(FaultParseError::Rate(_))
        ));
        assert!(matches!(
            f.parse_spec("5xx"),
            Err(FaultParseError::Syntax(_))
        ));
    }

    #[test]
    fn rates_one_and_zero_and_repeatability() {
        let inj = FaultInjector::new(Faults::none().rate(FaultKind::HtmlErrorPage, 1.0), 1);
        assert!((0..100).all(|_| inj.roll() == Some(FaultKind::HtmlErrorPage)));
        assert_eq!(inj.injected(FaultKind::HtmlErrorPage), 100);
        inj.set_rate(FaultKind::HtmlErrorPage, 0.0);
        assert!((0..100).all(|_| inj.roll().is_none()));

        let a = FaultInjector::new(Faults::none().rate(FaultKind::ServerError, 0.5), 9);
        let b = FaultInjector::new(Faults::none().rate(FaultKind::ServerError, 0.5), 9);
        let xs: Vec<_> = (0..64).map(|_| a.roll()).collect();
        let ys: Vec<_> = (0..64).map(|_| b.roll()).collect();
        assert_eq!(xs, ys);
        let hits = xs.iter().filter(|x| x.is_some()).count();
        assert!(hits > 10 && hits < 54, "{hits}");
    }
}
