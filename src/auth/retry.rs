//! When a request may be sent again, and how long to wait first.
//!
//! - A request rejected because the session was gone was never executed: replaying it once
//!   with a new session is safe for any method (the auth core does it).
//! - A transient failure is retried by the transport ([`crate::auth::transport`]) with
//!   exponential backoff and full jitter, honouring `Retry-After` (seconds or an HTTP date),
//!   within a retry budget (a token bucket, as aws-sdk-rust's standard retry mode):
//!   - an idempotent request (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) that failed before an
//!     answer (connection refused or reset, closed without a reply) or got 502, 503, 504 or 429;
//!   - any request whose connection could not be established (it provably never reached the
//!     server).
//! - A request that timed out is never retried (a non-idempotent one may have run, and the
//!   timeout is the caller's deadline for the whole call); a 500 is never retried.
//! - A request whose body is a stream cannot be cloned, so it is never sent twice.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use reqwest::{Method, StatusCode};

/// Why a replay is considered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayReason {
    /// The server said the session was gone (the request was not executed).
    SessionExpired,
    /// The server answered 429.
    RateLimited,
    /// The request timed out (it may have been executed).
    Timeout,
    /// The server answered 5xx (it may have been executed).
    ServerError,
}

/// Whether `method` is idempotent per RFC 9110 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE).
pub fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// Whether a request with `method` may be replayed for `reason`.
pub fn may_replay(reason: ReplayReason, method: &Method) -> bool {
    match reason {
        ReplayReason::SessionExpired => true,
        ReplayReason::RateLimited | ReplayReason::Timeout | ReplayReason::ServerError => {
            is_idempotent(method)
        }
    }
}

/// Whether an answer with `status` is transient (502, 503, 504, 429): an idempotent request
/// that got it is retried.
pub fn is_transient_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Retries of transient failures. The defaults: 2 retries (3 attempts), backoff from 100 ms
/// doubling up to 20 s with full jitter, `Retry-After` honoured up to 30 s, a budget of 500
/// tokens where a retry costs 5 and a success gives 1 back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a transient failure is retried (0: never). Default 2.
    pub max_retries: u32,
    /// The backoff before the first retry when the server sent no `Retry-After`; it doubles
    /// at each retry and the wait is drawn uniformly from zero to it (full jitter).
    /// Default 100 ms.
    pub base_backoff: Duration,
    /// The largest backoff (before jitter). Default 20 s.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one is returned to the caller at once.
    /// Default 30 s.
    pub max_retry_after: Duration,
    /// The retry budget's capacity in tokens (0: no budget, retries limited only by
    /// `max_retries`). Default 500.
    pub budget_capacity: u32,
    /// The tokens a retry takes from the budget. Default 5.
    pub retry_cost: u32,
    /// The tokens a successful answer gives back (up to the capacity). Default 1.
    pub success_refill: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(30),
            budget_capacity: 500,
            retry_cost: 5,
            success_refill: 1,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The default policy with `retries` retries.
    pub fn with_max_retries(mut self, retries: u32) -> RetryPolicy {
        self.max_retries = retries;
        self
    }

    /// How long to wait before retry number `attempt` (0 for the first retry): the server's
    /// `Retry-After` when it sent one (`None` when it asks for longer than
    /// [`RetryPolicy::max_retry_after`]: give up), else the jittered exponential backoff.
    /// `jitter` is a uniform draw from `[0, 1)`.
    pub fn wait(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        jitter: f64,
    ) -> Option<Duration> {
        if let Some(wait) = retry_after {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let factor = 2u32.saturating_pow(attempt.min(31));
        let ceiling = self
            .base_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        Some(ceiling.mul_f64(jitter.clamp(0.0, 1.0)))
    }
}

/// Parses a `Retry-After` value: delay-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2015
/// 07:28:00 GMT`, as a delay from `now`; a date in the past is a zero delay). `None` when it
/// is neither.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The retry budget: a token bucket shared by every clone of a client. A retry takes
/// [`RetryPolicy::retry_cost`] tokens and is not made when they are not there; a successful
/// answer gives [`RetryPolicy::success_refill`] back. It caps the extra load retries add when
/// a server is down for everyone.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: AtomicU64,
    capacity: u64,
}

impl RetryBudget {
    pub(crate) fn new(policy: &RetryPolicy) -> RetryBudget {
        RetryBudget {
            tokens: AtomicU64::new(u64::from(policy.budget_capacity)),
            capacity: u64::from(policy.budget_capacity),
        }
    }

    /// Takes `cost` tokens; false (nothing taken) when the budget cannot pay. Always true
    /// without a budget (capacity 0).
    pub(crate) fn try_take(&self, cost: u32) -> bool {
        if self.capacity == 0 {
            return true;
        }
        let cost = u64::from(cost);
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Gives `refill` tokens back, up to the capacity.
    pub(crate) fn refill(&self, refill: u32) {
        if self.capacity == 0 || refill == 0 {
            return;
        }
        let (refill, capacity) = (u64::from(refill), self.capacity);
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                (t < capacity).then(|| (t + refill).min(capacity))
            });
    }

    /// The tokens left.
    #[cfg(test)]
    pub(crate) fn tokens(&self) -> u64 {
        self.tokens.load(Ordering::Acquire)
    }
}

/// How the transport waits between retries: `tokio::time::sleep` by default; tests install
/// one that records the waits and returns at once (see `HttpConfig::retry_sleeper`).
#[derive(Clone)]
pub struct Sleeper(Arc<dyn Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync>);

impl Sleeper {
    /// A sleeper calling `f` for each wait.
    pub fn new(f: impl Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static) -> Self {
        Sleeper(Arc::new(f))
    }

    /// Waits `wait`.
    pub(crate) fn sleep(&self, wait: Duration) -> BoxFuture<'static, ()> {
        (self.0)(wait)
    }
}

impl Default for Sleeper {
    fn default() -> Self {
        Sleeper::new(|wait| Box::pin(tokio::time::sleep(wait)))
    }
}

impl fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sleeper")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_session_expiry_replays_non_idempotent_methods() {
        assert!(may_replay(ReplayReason::SessionExpired, &Method::POST));
        assert!(!may_replay(ReplayReason::Timeout, &Method::POST));
        assert!(!may_replay(ReplayReason::ServerError, &Method::PATCH));
        assert!(may_replay(ReplayReason::ServerError, &Method::GET));
        assert!(!may_replay(ReplayReason::RateLimited, &Method::POST));
    }

    #[test]
    fn retry_after_is_bounded_and_backoff_is_jittered_exponential() {
        let p = RetryPolicy::default();
        let s = Duration::from_secs;
        assert_eq!(p.wait(0, Some(s(3)), 0.5), Some(s(3)));
        assert_eq!(p.wait(0, Some(s(3600)), 0.5), None);
        assert_eq!(p.wait(0, None, 1.0), Some(Duration::from_millis(100)));
        assert_eq!(p.wait(3, None, 1.0), Some(Duration::from_millis(800)));
        assert_eq!(p.wait(3, None, 0.5), Some(Duration::from_millis(400)));
        assert_eq!(p.wait(0, None, 0.0), Some(Duration::ZERO));
        assert_eq!(p.wait(40, None, 1.0), Some(s(20)));
    }

    #[test]
    fn retry_after_as_seconds_and_as_http_date() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let s = Duration::from_secs;
        assert_eq!(parse_retry_after(" 7 ", now), Some(s(7)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:29:30 GMT", now),
            Some(s(90))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn the_budget_runs_out_and_refills() {
        let p = RetryPolicy {
            budget_capacity: 10,
            ..RetryPolicy::default()
        };
        let b = RetryBudget::new(&p);
        assert!(b.try_take(5));
        assert!(b.try_take(5));
        assert!(!b.try_take(5));
        assert_eq!(b.tokens(), 0);
        for _ in 0..20 {
            b.refill(1);
        }
        assert_eq!(b.tokens(), 10);
        let unlimited = RetryBudget::new(&RetryPolicy {
            budget_capacity: 0,
            ..RetryPolicy::default()
        });
        assert!((0..1000).all(|_| unlimited.try_take(5)));
    }
}
