//! The one transport every request of every vendor goes through (calls of the generated
//! clients, [`Auth::send`](crate::auth::Auth::send), and the vendors' login, logout and
//! keep-alive calls through [`LoginContext`](crate::auth::LoginContext)). Each rule of a
//! hostile network lives here once:
//!
//! - **Redirects** ([`RedirectPolicy`]): followed here, not by reqwest; same-origin by
//!   default, credentials never sent to another origin, `https` -> `http` refused, at most
//!   [`MAX_REDIRECTS`] hops.
//! - **Bounded reads** ([`BodyLimits`]): success bodies limited as they stream, error bodies
//!   cut to a prefix, login answers smaller still.
//! - **Timeouts**: the request timeout (client default, [`CallOptions`], or the request's own)
//!   is a deadline for the whole call, redirects, retries and the body included.
//! - **Transient failures** ([`RetryPolicy`]): retried with backoff and jitter within a
//!   budget, see [`crate::auth::retry`].

pub mod limits;
pub mod redirect;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use futures::future::BoxFuture;
use reqwest::{Method, Request, Response};
use url::Url;

pub use self::limits::{BodyLimits, CallOptions};
use self::redirect::Hop;
pub use self::redirect::{RedirectPolicy, MAX_REDIRECTS};
use crate::auth::intercept::Interceptors;
use crate::auth::retry::{
    is_idempotent, is_transient_status, parse_retry_after, RetryBudget, RetryPolicy, Sleeper,
};
use crate::auth::telemetry::{self, RetryReason};
use crate::error::{classify_reqwest, ErrorKind};

/// What the transport refused. It reaches callers as the source of a [`crate::Error`] of the
/// kind [`TransportError::kind`] names; URLs in it carry no query string or user info.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A response body passed its limit.
    #[error("the response body from {url} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// Where the response came from.
        url: String,
        /// The limit, bytes.
        limit: u64,
    },
    /// A redirect was refused.
    #[error("redirect from {from} to {to} refused: {reason}")]
    RedirectRefused {
        /// The URL that answered with the redirect.
        from: String,
        /// The redirect's target.
        to: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Too many redirects.
    #[error(
        "redirect loop: {hops} redirects starting at {url} (at most {MAX_REDIRECTS} are followed)"
    )]
    RedirectLoop {
        /// The URL the call started at.
        url: String,
        /// The redirects met.
        hops: usize,
    },
}

impl TransportError {
    /// The error kind: [`ErrorKind::ResponseTooLarge`] or [`ErrorKind::Redirect`].
    pub fn kind(&self) -> ErrorKind {
        match self {
            TransportError::TooLarge { .. } => ErrorKind::ResponseTooLarge,
            TransportError::RedirectRefused { .. } | TransportError::RedirectLoop { .. } => {
                ErrorKind::Redirect
            }
        }
    }
}

/// `scheme://host[:port]/path` of `url`: no user info, query or fragment (they may carry
/// secrets).
pub(crate) fn display_url(url: &Url) -> String {
    let mut shown = format!("{}://{}", url.scheme(), url.host_str().unwrap_or_default());
    if let Some(port) = url.port() {
        shown.push_str(&format!(":{port}"));
    }
    shown.push_str(url.path());
    shown
}

/// Which limit an answer gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// An API call: [`BodyLimits::response`] (or the [`CallOptions`] limit).
    Call,
    /// A login, logout or keep-alive call: [`BodyLimits::login`].
    Session,
}

/// Counters of the transport (reported in [`crate::auth::AuthStats`]).
#[derive(Debug, Default)]
pub(crate) struct TransportStats {
    pub(crate) retries: AtomicU64,
    pub(crate) retry_budget_exhausted: AtomicU64,
    pub(crate) redirects: AtomicU64,
}

/// The transport: a reqwest client that follows no redirect, and the rules above.
#[derive(Debug)]
pub(crate) struct Transport {
    pub(crate) client: reqwest::Client,
    pub(crate) redirects: RedirectPolicy,
    pub(crate) limits: BodyLimits,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: RetryBudget,
    pub(crate) sleeper: Sleeper,
    pub(crate) interceptors: Interceptors,
    pub(crate) stats: TransportStats,
}

impl Transport {
    /// Sends `request` under the rules; the answer's body is bounded.
    pub(crate) fn execute(
        self: &Arc<Self>,
        request: Request,
        purpose: Purpose,
    ) -> BoxFuture<'static, reqwest::Result<Response>> {
        Box::pin(self.clone().run(request, purpose))
    }

    async fn run(
        self: Arc<Self>,
        mut request: Request,
        purpose: Purpose,
    ) -> reqwest::Result<Response> {
        let options = CallOptions::current();
        let deadline = request
            .timeout()
            .copied()
            .or(options.timeout)
            .or(self.timeout)
            .map(|t| Instant::now() + t);
        let origin = request.url().clone();
        let (mut hops, mut retries) = (0usize, 0u32);
        loop {
            let mut copy = request.try_clone();
            if let Some(deadline) = deadline {
                *request.timeout_mut() = Some(deadline.saturating_duration_since(Instant::now()));
            }
            let method = request.method().clone();
            let result = self.client.execute(request).await;
            if let Some(wait) = self.retry_wait(&method, &result, retries, deadline, copy.is_some())
            {
                if let Some(next) = copy.take() {
                    let reason = match &result {
                        Ok(r) => RetryReason::Status(r.status()),
                        Err(_) => RetryReason::Connection,
                    };
                    drop(result);
                    telemetry::retry(&method, reason, retries, wait);
                    self.sleeper.sleep(wait).await;
                    retries += 1;
                    telemetry::count_resend(retries);
                    request = next;
                    continue;
                }
            }
            let response = result?;
            let status = response.status();
            match redirect::next_hop(
                self.redirects,
                &origin,
                copy.as_ref(),
                status,
                response.headers(),
                hops,
            ) {
                Hop::Deliver => {}
                Hop::Follow(next) => {
                    tracing::debug!(status = status.as_u16(), to = %display_url(next.url()), "following a redirect");
                    self.stats.redirects.fetch_add(1, Ordering::Relaxed);
                    hops += 1;
                    request = next;
                    continue;
                }
                Hop::Refuse(e) => return Err(self.reqwest_error(e).await),
            }
            if status.as_u16() < 500 && !is_transient_status(status) {
                self.budget.refill(self.retry.success_refill);
            }
            if !status.is_success() {
                return limits::read_prefix(response, self.limits.error_prefix).await;
            }
            let limit = match purpose {
                Purpose::Call => options.max_response_bytes.unwrap_or(self.limits.response),
                Purpose::Session => self.limits.login,
            };
            return Ok(limits::limit_body(response, &method, limit));
        }
    }

    /// The wait before retrying, when `result` is a transient failure that may be retried
    /// now (attempts, deadline and budget permitting).
    fn retry_wait(
        &self,
        method: &Method,
        result: &reqwest::Result<Response>,
        retries: u32,
        deadline: Option<Instant>,
        cloneable: bool,
    ) -> Option<Duration> {
        let transient = match result {
            // Never a timeout: it is the caller's deadline, and the request may have run.
            Err(e) if e.is_timeout() => false,
            // Connection refused, reset, closed without an answer; a connect error means the
            // request never reached the server, so any method may go again.
            Err(e) => {
                classify_reqwest(e) == ErrorKind::Network
                    && (e.is_connect() || is_idempotent(method))
            }
            Ok(r) => is_transient_status(r.status()) && is_idempotent(method),
        };
        if !transient || !cloneable || retries >= self.retry.max_retries {
            return None;
        }
        let retry_after = match result {
            Ok(r) => r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now())),
            Err(_) => None,
        };
        let wait = self.retry.wait(retries, retry_after, fastrand::f64())?;
        if deadline.is_some_and(|d| Instant::now() + wait >= d) {
            return None;
        }
        if !self.budget.try_take(self.retry.retry_cost) {
            self.stats
                .retry_budget_exhausted
                .fetch_add(1, Ordering::Relaxed);
            tracing::debug!("retry budget exhausted; not retrying");
            return None;
        }
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        Some(wait)
    }

    /// `e` as a `reqwest::Error` (what the generated clients' `exec` hook must return): the
    /// error of a body that fails with `e`, so `e` is its source and
    /// [`crate::Error::from_reqwest`] recovers it.
    async fn reqwest_error(&self, e: TransportError) -> reqwest::Error {
        let body = reqwest::Body::wrap_stream(futures::stream::once(async move {
            Err::<Bytes, TransportError>(e)
        }));
        match Response::from(http::Response::new(body)).bytes().await {
            Err(e) => e,
            // Unreachable (the body fails); a request with an invalid header name never
            // builds, which keeps the types honest without a panic path on server input.
            Ok(_) => match self
                .client
                .request(Method::GET, "http://invalid.invalid/")
                .header("invalid header name", "")
                .build()
            {
                Err(e) => e,
                Ok(_) => unreachable!("a header name with spaces is invalid"),
            },
        }
    }
}
