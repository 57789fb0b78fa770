//! When a request may be sent again.
//!
//! - A request rejected because the session was gone was never executed: replaying it once
//!   with a new session is safe for any method.
//! - A rate-limited (429) request may be retried after `Retry-After` only if its method is
//!   idempotent, a bounded number of times.
//! - A request that timed out or got a 5xx is never replayed by the core (it may have run);
//!   callers decide, and never blindly for a non-idempotent method.
//! - A request whose body is a stream cannot be cloned, so it is never replayed.

use std::time::Duration;

use reqwest::Method;

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

/// Bounded retries of rate-limited idempotent calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a 429 is retried (idempotent methods only). Default 2.
    pub rate_limit_retries: u32,
    /// The longest `Retry-After` honoured; a longer one is returned to the caller. Default 30 s.
    pub max_retry_after: Duration,
    /// The wait when a 429 has no `Retry-After`. Default 1 s.
    pub default_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            rate_limit_retries: 2,
            max_retry_after: Duration::from_secs(30),
            default_retry_after: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            rate_limit_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// How long to wait before retrying a 429 that sent `retry_after` (seconds), or `None` to
    /// give up.
    pub fn rate_limit_wait(&self, attempt: u32, retry_after: Option<&str>) -> Option<Duration> {
        if attempt >= self.rate_limit_retries {
            return None;
        }
        let wait = match retry_after {
            Some(v) => Duration::from_secs(v.trim().parse::<u64>().ok()?),
            None => self.default_retry_after,
        };
        (wait <= self.max_retry_after).then_some(wait)
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
    fn rate_limit_wait_is_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.rate_limit_wait(0, Some("3")),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.rate_limit_wait(0, Some("3600")), None);
        assert_eq!(p.rate_limit_wait(2, Some("1")), None);
    }
}
