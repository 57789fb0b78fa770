//! Tracing: one span per call, following the OpenTelemetry HTTP client conventions, and the
//! session's events (login, renewal, replay, retry, logout), each with its reason.
//!
//! Every request bi-rest sends runs inside a span named [`CALL_SPAN`] (target
//! `bi_rest::call`, level INFO) with these fields:
//!
//! | field | value |
//! |---|---|
//! | `otel.name` | `GET /api/reports/{id}` (the method and `url.template`), else the method |
//! | `otel.kind` | `client` |
//! | `http.request.method` | `GET`, `POST`, ... |
//! | `server.address`, `server.port` | the host and port the call went to |
//! | `url.template` | the spec's path template, for calls of a generated client |
//! | `bi_rest.vendor` | `mstr`, `looker`, `agileapps`, or the custom vendor's name |
//! | `bi_rest.operation_id` | the spec's operation id; `login`, `logout`, `keep_alive` or `session` for the session's own calls; `raw request` for [`Auth::send`](crate::auth::Auth::send) |
//! | `http.response.status_code` | the final answer's status |
//! | `http.request.resend_count` | retries and replays of this call, when any |
//! | `error.type` | the status code of a failed answer, else the [`ErrorKind`](crate::error::ErrorKind) name |
//! | `otel.status_code` | `ERROR` when the call failed |
//!
//! A URL's query string, user info, header values, cookies, bodies, tokens and passwords are
//! never recorded. Events (target `bi_rest::session` and `bi_rest::transport`) carry an
//! `event` field and a `reason`, and are emitted inside the call span that caused them:
//!
//! | `event` | level | `reason` |
//! |---|---|---|
//! | `login`, `renewal` | INFO | `no session`, `session about to expire`, `server ended the session` |
//! | `logged_in` | INFO | (the new `generation`) |
//! | `login_failed` | WARN | the [`ErrorKind`](crate::error::ErrorKind) name |
//! | `replay` | INFO | `server ended the session` |
//! | `retry` | INFO | `status 503`, `connection failed`, ... (with `retry` and `wait_ms`) |
//! | `keep_alive` | DEBUG | `idle timeout approaching` |
//! | `logout` | INFO | `close`, `dropped without close`, `unusable login answer` |
//! | `logout_failed` | WARN | as `logout`, with `error.type` |
//!
//! With `tracing-opentelemetry`, the span exports as an OpenTelemetry client span (it reads
//! `otel.name`, `otel.kind` and `otel.status_code`).

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Request, Response, StatusCode};
use tracing::field::Empty;
use tracing::Span;

use crate::error::Error;

/// The name of the span around every call.
pub const CALL_SPAN: &str = "bi_rest.call";

/// What is known of a call before it is sent: who it goes to and which operation it is.
#[derive(Debug, Clone, Copy)]
pub struct CallSite<'a> {
    /// The vendor of the [`Auth`](crate::auth::Auth) handle that sends it.
    pub vendor: &'static str,
    /// The operation id (see the module docs for the session's own calls).
    pub operation_id: &'a str,
    /// The spec's path template, when known.
    pub url_template: Option<&'a str>,
}

/// `otel.name`: `METHOD template`, or the method alone.
struct OtelName<'a>(&'a reqwest::Method, Option<&'a str>);

impl fmt::Display for OtelName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Some(template) => write!(f, "{} {}", self.0, template),
            None => write!(f, "{}", self.0),
        }
    }
}

/// The span of one call of `site` sending `request` (disabled, and nearly free, when no
/// subscriber wants it).
pub(crate) fn call_span(site: &CallSite<'_>, request: &Request) -> Span {
    let url = request.url();
    tracing::info_span!(
        target: "bi_rest::call",
        CALL_SPAN,
        otel.name = %OtelName(request.method(), site.url_template),
        otel.kind = "client",
        otel.status_code = Empty,
        http.request.method = %request.method(),
        server.address = url.host_str().unwrap_or_default(),
        server.port = url.port_or_known_default(),
        url.template = site.url_template,
        bi_rest.vendor = site.vendor,
        bi_rest.operation_id = site.operation_id,
        http.response.status_code = Empty,
        http.request.resend_count = Empty,
        error.type = Empty,
    )
}

/// Records a call's answer on its span.
pub(crate) fn record_response(span: &Span, response: &Response) {
    if span.is_disabled() {
        return;
    }
    let status = response.status();
    span.record("http.response.status_code", status.as_u16());
    if status.is_client_error() || status.is_server_error() {
        record_error_type(span, error_type_of(status, response.headers()));
    }
}

/// Records a failed call (no answer, or an answer mapped to `err`) on its span.
pub(crate) fn record_error(span: &Span, err: &Error) {
    if span.is_disabled() {
        return;
    }
    match err.status() {
        Some(status) => {
            span.record("http.response.status_code", status.as_u16());
            record_error_type(span, status.as_str());
        }
        None => record_error_type(span, err.kind().as_str()),
    }
}

/// Records a call that got no answer (`reqwest`'s error) on its span.
pub(crate) fn record_transport_error(span: &Span, err: &reqwest::Error) {
    if span.is_disabled() {
        return;
    }
    record_error_type(span, crate::error::classify_reqwest(err).as_str());
}

fn record_error_type(span: &Span, error_type: &str) {
    span.record("error.type", error_type);
    span.record("otel.status_code", "ERROR");
}

/// `error.type` of a failed answer: the kind the core forced on it (a failed login's answer,
/// say), else its status code.
fn error_type_of(status: StatusCode, headers: &reqwest::header::HeaderMap) -> &'static str {
    match crate::error::forced_kind(headers) {
        Some(kind) => kind.as_str(),
        None => status_str(status),
    }
}

/// The status code as a static string (`"404"`): the common error codes by name, else
/// `http_4xx` / `http_5xx`.
fn status_str(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        408 => "408",
        409 => "409",
        410 => "410",
        412 => "412",
        413 => "413",
        415 => "415",
        422 => "422",
        429 => "429",
        500 => "500",
        501 => "501",
        502 => "502",
        503 => "503",
        504 => "504",
        code if code < 500 => "http_4xx",
        _ => "http_5xx",
    }
}

/// Records one more resend (a retry or a replay) on the current call's span.
pub(crate) fn count_resend(resends: u32) {
    let span = Span::current();
    if !span.is_disabled() {
        span.record("http.request.resend_count", resends);
    }
}

/// Why a login runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoginReason {
    /// There is no session yet.
    NoSession,
    /// The session is about to expire (its expiry, less the refresh lag, has passed).
    Expiring,
    /// The server answered that the session is gone.
    Rejected,
}

impl LoginReason {
    fn as_str(self) -> &'static str {
        match self {
            LoginReason::NoSession => "no session",
            LoginReason::Expiring => "session about to expire",
            LoginReason::Rejected => "server ended the session",
        }
    }
}

/// A login (`renewal` when a session existed before) starts.
pub(crate) fn login_started(
    vendor: &'static str,
    reason: LoginReason,
    renewal: bool,
    attempt: u64,
) {
    let event = if renewal { "renewal" } else { "login" };
    tracing::info!(
        target: "bi_rest::session",
        event = event,
        bi_rest.vendor = vendor,
        reason = reason.as_str(),
        attempt,
        "{event}"
    );
}

/// A login ended: the new session generation, or the failure.
pub(crate) fn login_finished(vendor: &'static str, outcome: Result<u64, &Error>) {
    match outcome {
        Ok(generation) => tracing::info!(
            target: "bi_rest::session",
            event = "logged_in",
            bi_rest.vendor = vendor,
            generation,
            "logged in"
        ),
        Err(err) => tracing::warn!(
            target: "bi_rest::session",
            event = "login_failed",
            bi_rest.vendor = vendor,
            reason = err.kind().as_str(),
            http.response.status_code = err.status().map(|s| s.as_u16()),
            "login failed"
        ),
    }
}

/// A call is replayed once with the renewed session.
pub(crate) fn replay(operation_id: &str, generation: u64) {
    tracing::info!(
        target: "bi_rest::session",
        event = "replay",
        bi_rest.operation_id = operation_id,
        reason = LoginReason::Rejected.as_str(),
        generation,
        "replaying the call once with the renewed session"
    );
}

/// Why the transport retries.
pub(crate) fn retry(method: &reqwest::Method, reason: RetryReason, retries: u32, wait: Duration) {
    tracing::info!(
        target: "bi_rest::transport",
        event = "retry",
        http.request.method = %method,
        reason = %reason,
        retry = retries + 1,
        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        "transient failure; retrying"
    );
}

/// A transient failure's description: the status code, or the connection failure.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RetryReason {
    /// The server answered with a transient status (429, 502, 503, 504).
    Status(StatusCode),
    /// The connection failed before an answer.
    Connection,
}

impl fmt::Display for RetryReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryReason::Status(status) => write!(f, "status {}", status.as_u16()),
            RetryReason::Connection => f.write_str("connection failed"),
        }
    }
}

/// Why a session is logged out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogoutReason {
    /// `close()` was called.
    Close,
    /// The last handle was dropped without `close()`.
    Drop,
    /// A login answer opened a session that cannot be used.
    Orphan,
}

impl LogoutReason {
    fn as_str(self) -> &'static str {
        match self {
            LogoutReason::Close => "close",
            LogoutReason::Drop => "dropped without close",
            LogoutReason::Orphan => "unusable login answer",
        }
    }
}

/// A session is logged out (`sessions`: how many, a stack counts each).
pub(crate) fn logout(vendor: &'static str, reason: LogoutReason, sessions: usize) {
    tracing::info!(
        target: "bi_rest::session",
        event = "logout",
        bi_rest.vendor = vendor,
        reason = reason.as_str(),
        sessions,
        "logging out"
    );
}

/// A logout failed (the session may stay open on the server until its idle timeout).
pub(crate) fn logout_failed(vendor: &'static str, reason: LogoutReason, err: &Error) {
    tracing::warn!(
        target: "bi_rest::session",
        event = "logout_failed",
        bi_rest.vendor = vendor,
        reason = reason.as_str(),
        error.type = err.kind().as_str(),
        error = %err,
        "logout failed"
    );
}

/// The private header that carries a parked span's ticket from the `pre` hook to `exec`
/// (removed before the request is sent).
const PARKED_SPAN_HEADER: &str = "x-bi-rest-call-span";

/// At most this many spans wait between `pre` and `exec` (a request dropped in between
/// leaves its span behind; past the bound, the oldest are dropped).
const MAX_PARKED: usize = 4096;

/// Spans started by the `pre` hook (so a login runs inside the call's span), waiting for the
/// same request's `exec`. Used only when the span is enabled.
#[derive(Debug, Default)]
pub(crate) struct ParkedSpans {
    next: AtomicU64,
    spans: Mutex<HashMap<u64, Span>>,
}

impl ParkedSpans {
    /// Parks `span` for `request` (nothing when the span is disabled).
    pub(crate) fn park(&self, request: &mut Request, span: Span) {
        if span.is_disabled() {
            return;
        }
        let ticket = self.next.fetch_add(1, Ordering::Relaxed);
        request.headers_mut().insert(
            PARKED_SPAN_HEADER,
            reqwest::header::HeaderValue::from(ticket),
        );
        let mut spans = self.spans.lock().unwrap_or_else(|p| p.into_inner());
        if spans.len() >= MAX_PARKED {
            let oldest = ticket.saturating_sub(MAX_PARKED as u64 / 2);
            spans.retain(|&t, _| t >= oldest);
        }
        spans.insert(ticket, span);
    }

    /// The span parked for `request`, removing its ticket header.
    pub(crate) fn take(&self, request: &mut Request) -> Option<Span> {
        let ticket = request.headers_mut().remove(PARKED_SPAN_HEADER)?;
        let ticket: u64 = ticket.to_str().ok()?.parse().ok()?;
        self.spans
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ticket)
    }
}
