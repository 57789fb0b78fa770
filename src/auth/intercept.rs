//! Your own layer around every call: headers, audit, metrics.
//!
//! An [`Intercept`] registered with [`HttpConfig::intercept`](crate::auth::HttpConfig::intercept)
//! sees every request a client sends: the calls of the generated clients, [`Auth::send`]
//! and friends, and the session's own login, logout and keep-alive calls. It has one
//! defaulted method per phase (as `aws-smithy-runtime`'s `Intercept`): `modify_request`
//! gets `&mut`, `read_outcome` reads only.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use bi_rest::auth::{CallInfo, CallOutcome, HttpConfig, Intercept};
//!
//! /// Adds a correlation header and counts failed calls.
//! #[derive(Default)]
//! struct Audit {
//!     failures: AtomicU64,
//! }
//!
//! impl Intercept for Audit {
//!     fn modify_request(&self, _call: &CallInfo<'_>, request: &mut reqwest::Request) {
//!         request
//!             .headers_mut()
//!             .insert("x-correlation-id", reqwest::header::HeaderValue::from_static("job-42"));
//!     }
//!     fn read_outcome(&self, call: &CallInfo<'_>, outcome: &CallOutcome<'_>) {
//!         if !outcome.is_success() {
//!             self.failures.fetch_add(1, Ordering::Relaxed);
//!             eprintln!("{} {} failed after {:?}", call.vendor, call.operation_id, outcome.elapsed);
//!         }
//!     }
//! }
//!
//! let http = HttpConfig::default().intercept(Audit::default());
//! # let _ = http;
//! ```
//!
//! `modify_request` runs before the session's credentials are added (it never sees a token
//! or session cookie, and cannot replace them) and again for a replay after a renewal; the
//! transport's retries resend the request as modified. `read_outcome` runs once per call,
//! with its final answer (after retries, renewal and replay) or failure.
//!
//! [`Auth::send`]: crate::auth::Auth::send

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use reqwest::{Method, Request, Response, StatusCode};

use crate::auth::telemetry::{self, CallSite};
use crate::error::{Error, ErrorKind};

/// One call, as an [`Intercept`] sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CallInfo<'a> {
    /// The vendor of the client (`mstr`, `looker`, `agileapps`, or a custom name).
    pub vendor: &'static str,
    /// The operation id (`login`, `logout`, `keep_alive`, `session` for the session's own
    /// calls; `raw request` for requests sent with `Auth::send`).
    pub operation_id: &'a str,
    /// The spec's path template, for calls of a generated client.
    pub url_template: Option<&'a str>,
    /// The HTTP method.
    pub method: &'a Method,
    /// Whether the call is the session's own (login, logout, keep-alive).
    pub session_call: bool,
}

/// How a call ended, as an [`Intercept`] sees it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct CallOutcome<'a> {
    /// The final answer's status, when there was one.
    pub status: Option<StatusCode>,
    /// The final answer's headers, when there was one.
    pub headers: Option<&'a HeaderMap>,
    /// The failure's kind, when the call failed (no answer, or an answer mapped to an error).
    pub error: Option<ErrorKind>,
    /// From the call's send to its outcome (retries and replay included; a login that ran
    /// before a typed call is its own call).
    pub elapsed: Duration,
}

impl CallOutcome<'_> {
    /// Whether the call got a 2xx answer.
    pub fn is_success(&self) -> bool {
        self.error.is_none() && self.status.is_some_and(|s| s.is_success())
    }
}

/// A layer around every call of a client. Both methods default to doing nothing.
pub trait Intercept: Send + Sync + 'static {
    /// Changes a request before it is sent (add headers, say). Runs before the session's
    /// credentials are added.
    fn modify_request(&self, call: &CallInfo<'_>, request: &mut Request) {
        let _ = (call, request);
    }

    /// Reads a call's final outcome (audit, metrics).
    fn read_outcome(&self, call: &CallInfo<'_>, outcome: &CallOutcome<'_>) {
        let _ = (call, outcome);
    }
}

/// The interceptors of a client, in registration order (cheap to clone).
#[derive(Clone, Default)]
pub(crate) struct Interceptors(Arc<[Arc<dyn Intercept>]>);

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} interceptor(s)", self.0.len())
    }
}

impl Interceptors {
    /// These interceptors and `more` after them.
    pub(crate) fn with(&self, more: Arc<dyn Intercept>) -> Interceptors {
        Interceptors(self.0.iter().cloned().chain([more]).collect())
    }

    /// Whether there are none (the common case: nothing to do per call).
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs every `modify_request` on `request`.
    pub(crate) fn modify(&self, site: &CallSite<'_>, session_call: bool, request: &mut Request) {
        if self.is_empty() {
            return;
        }
        let method = request.method().clone();
        let call = call_info(site, &method, session_call);
        for i in self.0.iter() {
            i.modify_request(&call, request);
        }
    }

    /// A watch on one call (`None` when there are no interceptors): reports its outcome.
    pub(crate) fn watch(
        &self,
        site: &CallSite<'_>,
        method: &Method,
        session_call: bool,
    ) -> Option<Box<Watch>> {
        if self.is_empty() {
            return None;
        }
        Some(Box::new(Watch {
            interceptors: self.clone(),
            vendor: site.vendor,
            operation_id: site.operation_id.to_string(),
            url_template: site.url_template.map(str::to_string),
            method: method.clone(),
            session_call,
            started: Instant::now(),
        }))
    }
}

fn call_info<'a>(site: &CallSite<'a>, method: &'a Method, session_call: bool) -> CallInfo<'a> {
    CallInfo {
        vendor: site.vendor,
        operation_id: site.operation_id,
        url_template: site.url_template,
        method,
        session_call,
    }
}

/// One call being watched by the interceptors; reports its outcome once.
pub(crate) struct Watch {
    interceptors: Interceptors,
    vendor: &'static str,
    operation_id: String,
    url_template: Option<String>,
    method: Method,
    session_call: bool,
    started: Instant,
}

impl Watch {
    fn report(
        &self,
        status: Option<StatusCode>,
        headers: Option<&HeaderMap>,
        error: Option<ErrorKind>,
    ) {
        let site = CallSite {
            vendor: self.vendor,
            operation_id: &self.operation_id,
            url_template: self.url_template.as_deref(),
        };
        let call = call_info(&site, &self.method, self.session_call);
        let outcome = CallOutcome {
            status,
            headers,
            error,
            elapsed: self.started.elapsed(),
        };
        for i in self.interceptors.0.iter() {
            i.read_outcome(&call, &outcome);
        }
    }
}

/// A call's result as the span and the interceptors see it: the transport's
/// (`reqwest::Result`) or the library's (`Result<Response, Error>`).
pub(crate) trait Observed {
    /// Records the result on the call's span.
    fn record(&self, span: &tracing::Span);
    /// Reports the result to the interceptors.
    fn report_to(&self, watch: &Watch);
}

impl Observed for reqwest::Result<Response> {
    fn record(&self, span: &tracing::Span) {
        match self {
            Ok(response) => telemetry::record_response(span, response),
            Err(e) => telemetry::record_transport_error(span, e),
        }
    }

    fn report_to(&self, watch: &Watch) {
        match self {
            Ok(response) => {
                let error = crate::error::forced_kind(response.headers());
                watch.report(Some(response.status()), Some(response.headers()), error)
            }
            Err(e) => watch.report(None, None, Some(crate::error::classify_reqwest(e))),
        }
    }
}

impl Observed for Result<Response, Error> {
    fn record(&self, span: &tracing::Span) {
        match self {
            Ok(response) => telemetry::record_response(span, response),
            Err(e) => telemetry::record_error(span, e),
        }
    }

    fn report_to(&self, watch: &Watch) {
        match self {
            Ok(response) => watch.report(Some(response.status()), Some(response.headers()), None),
            Err(e) => watch.report(e.status(), None, Some(e.kind())),
        }
    }
}

/// Records a call's result on `span` and reports it to `watch`'s interceptors, once.
pub(crate) fn observe<R: Observed>(result: &R, span: &tracing::Span, watch: Option<Box<Watch>>) {
    result.record(span);
    if let Some(watch) = watch {
        result.report_to(&watch);
    }
}
