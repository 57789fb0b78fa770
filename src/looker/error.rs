//! Typed Looker errors users can match on, built from status + `Error` / `ValidationError` bodies.

use std::time::Duration;

use reqwest::StatusCode;

use super::errors::{LookerErrorBody, ValidationErrorDetail};
use crate::credentials::CredentialError;

/// What kind of failure a [`LookerError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LookerErrorKind {
    /// `POST /login` refused the client credentials (Looker answers 404 or 400/401/403).
    LoginFailed,
    /// A call still got 401 after one re-login, or a session that cannot log in again expired.
    SessionExpired,
    /// 404 `Error`.
    NotFound,
    /// 422 `ValidationError` (see [`LookerError::validation_errors`]).
    Validation,
    /// 400 `Error`.
    BadRequest,
    /// 403 `Error` (e.g. sudo by a non-admin).
    Forbidden,
    /// 409 `Error`.
    Conflict,
    /// 429, after the bounded Retry-After waits (or at once for non-idempotent calls).
    RateLimited,
    /// 5xx.
    Server,
    /// Any other non-success status.
    Http,
    /// Connection, TLS or timeout failure.
    Network,
    /// A credential could not be resolved.
    Credential,
    /// The session was closed (logged out) before the call.
    Closed,
    /// A success response could not be decoded.
    Decode,
    /// Misuse of the API (e.g. a request body that cannot be replayed, a bad URL).
    Usage,
}

/// A Looker error: kind, HTTP status, the vendor body (message, documentation URL, per-field
/// errors) and where it happened. Never carries tokens or secrets.
#[derive(Debug)]
pub struct LookerError(Box<Repr>);

#[derive(Debug)]
struct Repr {
    kind: LookerErrorKind,
    status: Option<StatusCode>,
    body: Option<LookerErrorBody>,
    retry_after: Option<Duration>,
    context: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl std::fmt::Display for LookerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for LookerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl LookerError {
    pub(crate) fn new(kind: LookerErrorKind, context: impl Into<String>) -> Self {
        Self(Box::new(Repr {
            kind,
            status: None,
            body: None,
            retry_after: None,
            context: context.into(),
            source: None,
        }))
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    /// Builds the error for a non-success response (`context` is e.g. `GET /api/4.0/looks/{id}`).
    pub fn from_response(
        status: StatusCode,
        retry_after: Option<Duration>,
        body: &[u8],
        context: impl Into<String>,
    ) -> Self {
        let parsed = LookerErrorBody::parse(body);
        let kind = match status.as_u16() {
            401 => LookerErrorKind::SessionExpired,
            404 => LookerErrorKind::NotFound,
            422 => LookerErrorKind::Validation,
            400 => LookerErrorKind::BadRequest,
            403 => LookerErrorKind::Forbidden,
            409 => LookerErrorKind::Conflict,
            429 => LookerErrorKind::RateLimited,
            500..=599 => LookerErrorKind::Server,
            _ => LookerErrorKind::Http,
        };
        Self(Box::new(Repr {
            kind,
            status: Some(status),
            body: Some(parsed),
            retry_after,
            context: context.into(),
            source: None,
        }))
    }

    pub(crate) fn login_failed(status: StatusCode, body: &[u8], context: &str) -> Self {
        let mut e = Self::from_response(status, None, body, context);
        e.0.kind = LookerErrorKind::LoginFailed;
        e
    }

    pub(crate) fn network(context: &str, e: reqwest::Error) -> Self {
        // reqwest errors carry the URL; drop it (it never holds secrets here, but stay minimal).
        Self::new(LookerErrorKind::Network, context).with_source(e.without_url())
    }

    pub(crate) fn credential(e: CredentialError) -> Self {
        Self::new(LookerErrorKind::Credential, "resolving Looker credentials").with_source(e)
    }

    /// The kind, to match on.
    pub fn kind(&self) -> LookerErrorKind {
        self.0.kind
    }

    /// The HTTP status, when the error came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        self.0.status
    }

    /// The parsed vendor body, when there was one.
    pub fn body(&self) -> Option<&LookerErrorBody> {
        self.0.body.as_ref()
    }

    /// The vendor message (`Error.message` / `ValidationError.message`).
    pub fn message(&self) -> Option<&str> {
        self.0.body.as_ref().map(|b| b.message())
    }

    /// The vendor documentation URL.
    pub fn documentation_url(&self) -> Option<&str> {
        self.0.body.as_ref().and_then(|b| b.documentation_url())
    }

    /// Per-field errors of a 422 `ValidationError` (empty otherwise).
    pub fn validation_errors(&self) -> &[ValidationErrorDetail] {
        match &self.0.body {
            Some(LookerErrorBody::Validation(v)) => &v.errors,
            _ => &[],
        }
    }

    /// The server's `Retry-After`, for 429s.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// Where it happened (method and path template, or the phase).
    pub fn context(&self) -> &str {
        &self.0.context
    }

    fn render(&self) -> String {
        let mut s = format!("looker {:?}", self.0.kind);
        if let Some(st) = self.0.status {
            s.push_str(&format!(" (HTTP {})", st.as_u16()));
        }
        if !self.0.context.is_empty() {
            s.push_str(&format!(" at {}", self.0.context));
        }
        if let Some(m) = self.message().filter(|m| !m.is_empty()) {
            s.push_str(&format!(": {m}"));
        }
        for d in self.validation_errors() {
            s.push_str(&format!(
                "; {}: {} ({})",
                d.field.as_deref().unwrap_or("?"),
                d.message.as_deref().unwrap_or(""),
                d.code.as_deref().unwrap_or("")
            ));
        }
        if let Some(ra) = self.0.retry_after {
            s.push_str(&format!("; retry after {}s", ra.as_secs()));
        }
        if let Some(src) = &self.0.source {
            s.push_str(&format!(": {src}"));
        }
        s
    }
}
