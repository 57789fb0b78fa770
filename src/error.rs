//! The one error type of bi-rest: an opaque [`Error`] with a public [`ErrorKind`], `is_*`
//! accessors, the vendor's own detail ([`VendorError`]) and a stable CLI [`Error::exit_code`].
//!
//! Secrets never reach this type: messages are built from vendor codes, statuses and
//! server-provided messages, and the captured response kept for replaying a login failure
//! to a generated client is never printed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::Serialize;

/// The largest part of a response body kept in [`VendorError::raw_body`].
pub const RAW_BODY_LIMIT: usize = 2048;

/// The response header the auth core adds to a response it hands back after an auth
/// failure it could not fix (for example an expired delegated session), so conversions from
/// generated-client errors recover the right [`ErrorKind`]. Value: [`ErrorKind::as_str`].
pub const ERROR_KIND_HEADER: &str = "x-bi-rest-error-kind";

/// Prefix of the message of a `progenitor_client::Error::Custom` produced by the auth hooks;
/// `[bi-rest:<kind>] <message>`, parsed back by the conversion into [`Error`].
const CUSTOM_TAG_PREFIX: &str = "[bi-rest:";

/// What went wrong, coarse enough to act on. Match on it with [`Error::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server rejected the login (bad credentials, disabled login mode, session cap).
    LoginFailed,
    /// The session expired and cannot be renewed by the client (delegated, proxy, SAML, sudo
    /// sessions, or a restored session without credentials).
    SessionExpired,
    /// The server says the session is invalid or timed out (it was not renewed).
    SessionInvalid,
    /// The resource or endpoint does not exist.
    NotFound,
    /// The request was malformed, missing a field, or not supported.
    InvalidRequest,
    /// The user lacks a privilege or permission.
    InsufficientPrivileges,
    /// The object already exists.
    AlreadyExists,
    /// The request conflicts with the resource's state (e.g. not ready yet).
    Conflict,
    /// Too many requests; see [`VendorError::retry_after`].
    RateLimited,
    /// The server (for MicroStrategy: the Intelligence Server) failed.
    Server,
    /// The server's backend (for MicroStrategy: the Intelligence Server) or a service behind
    /// it is unreachable or unavailable.
    ServerUnreachable,
    /// The connection failed (DNS, refused, reset).
    Network,
    /// TLS failed (certificate verification, handshake).
    Tls,
    /// The request timed out.
    Timeout,
    /// A response body was larger than the limit (see [`crate::auth::BodyLimits`]).
    ResponseTooLarge,
    /// A redirect was refused: to another origin (under the default policy), from https to
    /// http, with a request body to another origin, or too many (a loop). See
    /// [`crate::auth::RedirectPolicy`].
    Redirect,
    /// A credential could not be resolved.
    Credential,
    /// A response could not be decoded.
    Decode,
    /// The client configuration is invalid (URL, CA bundle, proxy, session file).
    Config,
    /// The fleet's session store (Redis, a shared file) failed, timed out, or holds data this
    /// process cannot open (wrong key). Calls never fail for it: the process falls back to a
    /// session of its own; explicit fleet operations (closing the fleet) report it.
    Store,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// A stable snake_case name, used in [`ERROR_KIND_HEADER`] and tagged hook messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::LoginFailed => "login_failed",
            ErrorKind::SessionExpired => "session_expired",
            ErrorKind::SessionInvalid => "session_invalid",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::InsufficientPrivileges => "insufficient_privileges",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::ServerUnreachable => "server_unreachable",
            ErrorKind::Network => "network",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::ResponseTooLarge => "response_too_large",
            ErrorKind::Redirect => "redirect",
            ErrorKind::Credential => "credential",
            ErrorKind::Decode => "decode",
            ErrorKind::Config => "config",
            ErrorKind::Store => "store",
            ErrorKind::Other => "other",
        }
    }

    /// The inverse of [`ErrorKind::as_str`].
    pub fn parse(name: &str) -> Option<ErrorKind> {
        const ALL: [ErrorKind; 21] = [
            ErrorKind::LoginFailed,
            ErrorKind::SessionExpired,
            ErrorKind::SessionInvalid,
            ErrorKind::NotFound,
            ErrorKind::InvalidRequest,
            ErrorKind::InsufficientPrivileges,
            ErrorKind::AlreadyExists,
            ErrorKind::Conflict,
            ErrorKind::RateLimited,
            ErrorKind::Server,
            ErrorKind::ServerUnreachable,
            ErrorKind::Network,
            ErrorKind::Tls,
            ErrorKind::Timeout,
            ErrorKind::ResponseTooLarge,
            ErrorKind::Redirect,
            ErrorKind::Credential,
            ErrorKind::Decode,
            ErrorKind::Config,
            ErrorKind::Store,
            ErrorKind::Other,
        ];
        ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The CLI exit code for this kind: 3 authentication failed, 4 session expired and not
    /// renewable, 5 not found, 6 insufficient privileges, 7 invalid request, 8 server error,
    /// 9 network, TLS, timeout, refused redirect, response too large or session store, 2
    /// usage/configuration, 1 other.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::LoginFailed | ErrorKind::Credential => 3,
            ErrorKind::SessionExpired | ErrorKind::SessionInvalid => 4,
            ErrorKind::NotFound => 5,
            ErrorKind::InsufficientPrivileges => 6,
            ErrorKind::InvalidRequest | ErrorKind::AlreadyExists | ErrorKind::Conflict => 7,
            ErrorKind::Server | ErrorKind::ServerUnreachable | ErrorKind::RateLimited => 8,
            ErrorKind::Network
            | ErrorKind::Tls
            | ErrorKind::Timeout
            | ErrorKind::ResponseTooLarge
            | ErrorKind::Redirect
            | ErrorKind::Store => 9,
            ErrorKind::Config => 2,
            ErrorKind::Decode | ErrorKind::Other => 1,
        }
    }

    /// The kind a bare HTTP status suggests when the body says nothing more.
    pub fn from_status(status: StatusCode) -> ErrorKind {
        match status.as_u16() {
            400 | 405 | 406 | 411 | 413 | 414 | 415 | 422 => ErrorKind::InvalidRequest,
            401 => ErrorKind::SessionInvalid,
            403 => ErrorKind::InsufficientPrivileges,
            404 | 410 => ErrorKind::NotFound,
            408 | 504 => ErrorKind::Timeout,
            409 | 412 | 423 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            502 | 503 => ErrorKind::ServerUnreachable,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Other,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of a vendor's list of sub-errors (MicroStrategy `subErrors`, modeling-service
/// `errors`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubError {
    /// The entry's code, if any (e.g. a modeling-service hex code `8004cc4c`).
    pub code: Option<String>,
    /// The entry's message.
    pub message: Option<String>,
    /// The MicroStrategy Intelligence Server code, if any.
    pub i_server_code: Option<i64>,
    /// Any further detail (`additionalProperties`), as sent.
    pub additional: Option<serde_json::Value>,
}

/// A per-field validation error (Looker `ValidationError.errors`, and similar).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FieldError {
    /// The field the error is about.
    pub field: Option<String>,
    /// The vendor's code for it (e.g. `missing`).
    pub code: Option<String>,
    /// The message.
    pub message: Option<String>,
    /// A documentation link, if sent.
    pub documentation_url: Option<String>,
}

/// What the server said, as precisely as it said it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct VendorError {
    /// The HTTP status, if a response was received.
    pub status: Option<u16>,
    /// The vendor code as sent (`ERR009`, `ERR0017`, `-101`, `8004cc4c`, ...).
    pub code: Option<String>,
    /// The vendor's message.
    pub message: Option<String>,
    /// MicroStrategy `ticketId` (for the server log).
    pub ticket_id: Option<String>,
    /// MicroStrategy `iServerCode`.
    pub i_server_code: Option<i64>,
    /// MicroStrategy `subErrors` or modeling-service `errors`.
    pub sub_errors: Vec<SubError>,
    /// Looker `documentation_url`.
    pub documentation_url: Option<String>,
    /// Per-field validation errors.
    pub field_errors: Vec<FieldError>,
    /// `Retry-After`, when the server sent one.
    pub retry_after: Option<Duration>,
    /// The response's `Content-Type`.
    pub content_type: Option<String>,
    /// The start of the body (at most [`RAW_BODY_LIMIT`] bytes, lossy UTF-8), when it could
    /// not be parsed as a known error shape or for reference.
    pub raw_body: Option<String>,
}

impl VendorError {
    /// A vendor error carrying only the response's status, content type and raw body.
    pub fn from_raw(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> VendorError {
        VendorError {
            status: Some(status.as_u16()),
            content_type: headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            retry_after: headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| {
                    crate::auth::retry::parse_retry_after(v, std::time::SystemTime::now())
                }),
            raw_body: truncate_body(body),
            ..VendorError::default()
        }
    }
}

/// The start of a body as lossy UTF-8, at most [`RAW_BODY_LIMIT`] bytes; `None` when empty.
pub fn truncate_body(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let cut = body.len().min(RAW_BODY_LIMIT);
    let mut text = String::from_utf8_lossy(&body[..cut]).into_owned();
    if body.len() > RAW_BODY_LIMIT {
        text.push_str("...");
    }
    Some(text)
}

/// A complete server response kept so the auth core can hand a failed login's real answer to
/// a generated client (whose `exec` hook can only return a response). Never printed.
#[derive(Clone)]
pub(crate) struct CapturedResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    vendor_name: Option<&'static str>,
    vendor: Option<VendorError>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    captured: Option<CapturedResponse>,
}

/// The bi-rest error: a kind, a message, the vendor's detail and the underlying cause.
///
/// Cheap to clone (shared inside), so one login failure can be handed to every caller that
/// waited for it.
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

impl Error {
    /// A new error of `kind` with a message (which must not contain secrets).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Arc::new(Inner {
                kind,
                message: message.into(),
                vendor_name: None,
                vendor: None,
                source: None,
                captured: None,
            }),
        }
    }

    /// An error from a server response, with the vendor's detail.
    pub fn from_vendor(kind: ErrorKind, vendor_name: &'static str, vendor: VendorError) -> Error {
        let message = vendor
            .message
            .clone()
            .or_else(|| vendor.status.map(|s| format!("HTTP {s}")))
            .unwrap_or_else(|| "server error".to_string());
        Error {
            inner: Arc::new(Inner {
                kind,
                message,
                vendor_name: Some(vendor_name),
                vendor: Some(vendor),
                source: None,
                captured: None,
            }),
        }
    }

    /// Attaches the underlying cause.
    pub fn with_source(self, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        self.map_inner(|inner| inner.source = Some(Box::new(source)))
    }

    /// Replaces the kind (keeping everything else).
    pub fn with_kind(self, kind: ErrorKind) -> Error {
        self.map_inner(|inner| inner.kind = kind)
    }

    /// Prefixes the message with where/what (e.g. `login`, `GET /sessions`).
    pub fn context(self, what: &str) -> Error {
        self.map_inner(|inner| inner.message = format!("{what}: {}", inner.message))
    }

    pub(crate) fn with_captured(self, captured: CapturedResponse) -> Error {
        self.map_inner(|inner| inner.captured = Some(captured))
    }

    pub(crate) fn captured(&self) -> Option<&CapturedResponse> {
        self.inner.captured.as_ref()
    }

    fn map_inner(self, f: impl FnOnce(&mut Inner)) -> Error {
        let mut inner = match Arc::try_unwrap(self.inner) {
            Ok(inner) => inner,
            Err(shared) => Inner {
                kind: shared.kind,
                message: shared.message.clone(),
                vendor_name: shared.vendor_name,
                vendor: shared.vendor.clone(),
                source: shared
                    .source
                    .as_ref()
                    .map(|s| Box::new(SharedSource(s.to_string())) as _),
                captured: shared.captured.clone(),
            },
        };
        f(&mut inner);
        Error {
            inner: Arc::new(inner),
        }
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message (vendor message or description), without the code.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The vendor's detail, when the error came from a server response.
    pub fn vendor(&self) -> Option<&VendorError> {
        self.inner.vendor.as_ref()
    }

    /// Which vendor layer produced this error (`mstr`, `looker`, `agileapps`, `http`).
    pub fn vendor_name(&self) -> Option<&'static str> {
        self.inner.vendor_name
    }

    /// The HTTP status, if any.
    pub fn status(&self) -> Option<StatusCode> {
        self.vendor()
            .and_then(|v| v.status)
            .and_then(|s| StatusCode::from_u16(s).ok())
    }

    /// The vendor code, if any.
    pub fn code(&self) -> Option<&str> {
        self.vendor().and_then(|v| v.code.as_deref())
    }

    /// The MicroStrategy ticket id, if any.
    pub fn ticket_id(&self) -> Option<&str> {
        self.vendor().and_then(|v| v.ticket_id.as_deref())
    }

    /// The CLI exit code (see [`ErrorKind::exit_code`]).
    pub fn exit_code(&self) -> i32 {
        self.kind().exit_code()
    }

    /// Whether the login was rejected.
    pub fn is_login_failed(&self) -> bool {
        self.kind() == ErrorKind::LoginFailed
    }
    /// Whether the session expired and cannot be renewed by the client.
    pub fn is_session_expired(&self) -> bool {
        self.kind() == ErrorKind::SessionExpired
    }
    /// Whether the server reported the session invalid.
    pub fn is_session_invalid(&self) -> bool {
        self.kind() == ErrorKind::SessionInvalid
    }
    /// Whether the resource was not found.
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }
    /// Whether the request was invalid.
    pub fn is_invalid_request(&self) -> bool {
        self.kind() == ErrorKind::InvalidRequest
    }
    /// Whether a privilege or permission is missing.
    pub fn is_insufficient_privileges(&self) -> bool {
        self.kind() == ErrorKind::InsufficientPrivileges
    }
    /// Whether the object already exists.
    pub fn is_already_exists(&self) -> bool {
        self.kind() == ErrorKind::AlreadyExists
    }
    /// Whether the request conflicts with the resource's state.
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }
    /// Whether the server rate-limited the call.
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }
    /// Whether the server failed.
    pub fn is_server(&self) -> bool {
        self.kind() == ErrorKind::Server
    }
    /// Whether the server's backend is unreachable.
    pub fn is_server_unreachable(&self) -> bool {
        self.kind() == ErrorKind::ServerUnreachable
    }
    /// Whether the network failed.
    pub fn is_network(&self) -> bool {
        self.kind() == ErrorKind::Network
    }
    /// Whether TLS failed.
    pub fn is_tls(&self) -> bool {
        self.kind() == ErrorKind::Tls
    }
    /// Whether the call timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }
    /// Whether a credential could not be resolved.
    pub fn is_credential(&self) -> bool {
        self.kind() == ErrorKind::Credential
    }
    /// Whether a response could not be decoded.
    pub fn is_decode(&self) -> bool {
        self.kind() == ErrorKind::Decode
    }
    /// Whether the configuration is invalid.
    pub fn is_config(&self) -> bool {
        self.kind() == ErrorKind::Config
    }

    /// The message for a `progenitor_client::Error::Custom` from the auth hooks; the kind is
    /// tagged so [`Error::from_progenitor`] recovers it.
    pub fn to_custom_message(&self) -> String {
        format!("{CUSTOM_TAG_PREFIX}{}] {self}", self.kind().as_str())
    }

    /// An error for a transport failure, classified as timeout, TLS, network, decode, or
    /// what the transport refused (response too large, redirect). The URL is stripped (it may
    /// carry query parameters).
    pub fn from_reqwest(err: reqwest::Error) -> Error {
        let err = err.without_url();
        if let Some(refused) = transport_error(&err) {
            return Error::new(refused.kind(), refused.to_string()).with_source(err);
        }
        let kind = classify_reqwest(&err);
        Error::new(kind, err.to_string()).with_source(err)
    }

    /// Converts a generated-client error, reading the body of an unexpected response so the
    /// vendor detail is kept. Uses the built-in error-shape sniffer ([`map_response`]).
    pub async fn from_progenitor<E: Serialize>(err: progenitor_client::Error<E>) -> Error {
        match err {
            progenitor_client::Error::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(body) => map_response(status, &headers, &body),
                    Err(e) => map_response(status, &headers, &[]).with_source(e.without_url()),
                }
            }
            other => Error::from(other),
        }
    }
}

impl Error {
    /// Like [`Error::from_progenitor`], trying a vendor layer's own `mappers` first (for
    /// shapes the built-in sniffer does not know, e.g. AgileApps `{platform:{message}}`).
    pub async fn from_progenitor_with<E: Serialize>(
        mappers: &[&dyn ErrorMapper],
        err: progenitor_client::Error<E>,
    ) -> Error {
        use progenitor_client::Error as P;
        match err {
            P::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                match response.bytes().await {
                    Ok(body) => map_response_with(mappers, status, &headers, &body),
                    Err(e) => map_response_with(mappers, status, &headers, &[])
                        .with_source(e.without_url()),
                }
            }
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                let body = serde_json::to_vec(rv.as_ref()).unwrap_or_default();
                map_response_with(mappers, status, &headers, &body)
            }
            other => Error::from(other),
        }
    }
}

/// Keeps the text of a source error when an `Error` shared by several callers is modified.
#[derive(Debug)]
struct SharedSource(String);
impl fmt::Display for SharedSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SharedSource {}

/// The transport's refusal in `err`'s sources, if any.
fn transport_error(err: &reqwest::Error) -> Option<&crate::auth::TransportError> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<crate::auth::TransportError>() {
            return Some(refused);
        }
        source = s.source();
    }
    None
}

pub(crate) fn classify_reqwest(err: &reqwest::Error) -> ErrorKind {
    if let Some(refused) = transport_error(err) {
        return refused.kind();
    }
    if err.is_timeout() {
        return ErrorKind::Timeout;
    }
    if err.is_builder() {
        return ErrorKind::Config;
    }
    if err.is_decode() {
        // `json()` failing on the content is a decode error; a body whose transfer broke
        // (connection closed mid-body, truncated chunked encoding) is a network error.
        let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
        while let Some(s) = source {
            if s.is::<serde_json::Error>() {
                return ErrorKind::Decode;
            }
            source = s.source();
        }
        return ErrorKind::Network;
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(s) = source {
        let text = s.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
            return ErrorKind::Tls;
        }
        source = s.source();
    }
    if err.is_connect() || err.is_request() || err.is_body() {
        return ErrorKind::Network;
    }
    ErrorKind::Other
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.vendor() {
            Some(v) => {
                if let Some(code) = &v.code {
                    write!(f, "{code} ")?;
                } else if let Some(status) = v.status {
                    write!(f, "HTTP {status} ")?;
                }
                f.write_str(&self.inner.message)?;
                if let Some(ticket) = &v.ticket_id {
                    write!(f, " [ticket {ticket}]")?;
                }
                Ok(())
            }
            None => f.write_str(&self.inner.message),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("vendor_name", &self.inner.vendor_name)
            .field("vendor", &self.inner.vendor)
            .field("source", &self.inner.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_ref()
            .map(|s| s.as_ref() as &(dyn std::error::Error + 'static))
    }
}

impl From<reqwest::Error> for Error {
    fn from(err: reqwest::Error) -> Self {
        Error::from_reqwest(err)
    }
}

impl From<crate::credentials::CredentialError> for Error {
    fn from(err: crate::credentials::CredentialError) -> Self {
        let kind = match err.kind {
            crate::credentials::CredentialErrorKind::NotGiven(_) => ErrorKind::SessionExpired,
            _ => ErrorKind::Credential,
        };
        Error::new(kind, err.to_string()).with_source(err)
    }
}

impl<E: Serialize> From<progenitor_client::Error<E>> for Error {
    /// Converts synchronously. An `UnexpectedResponse`'s body cannot be read here (only its
    /// status and headers are used); prefer [`Error::from_progenitor`] to keep it.
    fn from(err: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as P;
        match err {
            P::InvalidRequest(msg) => Error::new(ErrorKind::InvalidRequest, msg),
            P::CommunicationError(e) | P::InvalidUpgrade(e) | P::ResponseBodyError(e) => {
                Error::from_reqwest(e)
            }
            P::ErrorResponse(rv) => {
                let status = rv.status();
                let headers = rv.headers().clone();
                let body = serde_json::to_vec(rv.as_ref()).unwrap_or_default();
                map_response(status, &headers, &body)
            }
            P::InvalidResponsePayload(body, e) => {
                let vendor = VendorError {
                    raw_body: truncate_body(&body),
                    ..VendorError::default()
                };
                Error::from_vendor(ErrorKind::Decode, "http", vendor)
                    .context("invalid response payload")
                    .with_source(e)
            }
            P::UnexpectedResponse(response) => {
                map_response(response.status(), response.headers(), &[])
            }
            P::Custom(msg) => parse_custom(&msg),
        }
    }
}

fn parse_custom(msg: &str) -> Error {
    if let Some(rest) = msg.strip_prefix(CUSTOM_TAG_PREFIX) {
        if let Some((kind, message)) = rest.split_once("] ") {
            if let Some(kind) = ErrorKind::parse(kind) {
                return Error::new(kind, message);
            }
        }
    }
    Error::new(ErrorKind::Other, msg)
}

/// A vendor's error mapper: turns a non-success response into an [`Error`].
pub trait ErrorMapper: Send + Sync {
    /// Maps the response; `None` when the body is not this vendor's shape.
    fn map(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error>;
}

/// Maps any non-success response: the rules of the vendor the [`VENDOR_HEADER`] mark names
/// (MicroStrategy `{code,...}` and `{errors:[...]}`, Looker `{message, errors}`, AgileApps
/// `<platform><message>`), else the vendor-neutral `{message, documentation_url, errors}`
/// shape, else the status alone; the [`ERROR_KIND_HEADER`] marker overrides the kind. Never
/// panics.
pub fn map_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    map_response_with(&[], status, headers, body)
}

/// Like [`map_response`], trying `mappers` (a vendor layer's own) before the built-in ones.
pub fn map_response_with(
    mappers: &[&dyn ErrorMapper],
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Error {
    let forced = forced_kind(headers);
    let mapped = mappers
        .iter()
        .find_map(|m| m.map(status, headers, body))
        .or_else(|| builtin_map(status, headers, body))
        .unwrap_or_else(|| status_only(status, headers, body));
    match forced {
        Some(kind) => mapped.with_kind(kind),
        None => mapped,
    }
}

/// The kind the core forced on an answer with the [`ERROR_KIND_HEADER`] marker, if any.
pub(crate) fn forced_kind(headers: &HeaderMap) -> Option<ErrorKind> {
    headers
        .get(ERROR_KIND_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(ErrorKind::parse)
}

/// The header by which the auth hooks mark a failed answer with the vendor whose client
/// received it (`mstr`, `looker`, `agileapps`): [`map_response`] then applies that vendor's
/// error rules, and only those.
pub const VENDOR_HEADER: &str = "x-bi-rest-vendor";

/// Marks `headers` with the vendor whose client received them (see [`VENDOR_HEADER`]).
pub fn mark_vendor(headers: &mut HeaderMap, vendor: &'static str) {
    headers.insert(
        reqwest::header::HeaderName::from_static(VENDOR_HEADER),
        reqwest::header::HeaderValue::from_static(vendor),
    );
}

/// The error rules of the vendor named by the [`VENDOR_HEADER`] mark, if any. Each vendor's
/// answers are read by its own rules: a MicroStrategy-looking body from another vendor is not
/// taken for a MicroStrategy error.
fn vendor_map(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error> {
    let vendor = headers.get(VENDOR_HEADER)?.to_str().ok()?;
    match vendor {
        "mstr" => crate::mstr::errors::MstrErrorMapper.map(status, headers, body),
        "agileapps" => crate::agileapps::AgileAppsErrorMapper.map(status, headers, body),
        "looker" => Some(crate::looker::map_looker_error(status, headers, body)),
        _ => None,
    }
}

fn builtin_map(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error> {
    vendor_map(status, headers, body).or_else(|| GenericJsonMapper.map(status, headers, body))
}

/// An error carrying only the status (for empty bodies, HTML pages, wrong content types).
pub fn status_only(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let vendor = VendorError::from_raw(status, headers, body);
    let message = match (status.canonical_reason(), &vendor.content_type) {
        (Some(reason), Some(ct)) if !body.is_empty() => {
            format!("HTTP {} {reason} ({ct} body)", status.as_u16())
        }
        (Some(reason), _) => format!("HTTP {} {reason}", status.as_u16()),
        (None, _) => format!("HTTP {}", status.as_u16()),
    };
    let mut vendor = vendor;
    vendor.message = Some(message);
    Error::from_vendor(ErrorKind::from_status(status), "http", vendor)
}

/// The vendor-neutral JSON shape `{ "message": ..., "documentation_url": ..., "errors":
/// [{field, code, message, documentation_url}] }` (Looker and many others); kind from status.
pub struct GenericJsonMapper;

impl ErrorMapper for GenericJsonMapper {
    fn map(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let obj = value.as_object()?;
        let message = obj.get("message").and_then(|m| m.as_str())?;
        let mut vendor = VendorError::from_raw(status, headers, body);
        vendor.message = Some(message.to_string());
        vendor.documentation_url = obj
            .get("documentation_url")
            .and_then(|d| d.as_str())
            .map(str::to_string);
        vendor.code = obj.get("code").and_then(json_scalar_string);
        if let Some(errors) = obj.get("errors").and_then(|e| e.as_array()) {
            vendor.field_errors = errors
                .iter()
                .filter_map(|e| e.as_object())
                .map(|e| FieldError {
                    field: e.get("field").and_then(json_scalar_string),
                    code: e.get("code").and_then(json_scalar_string),
                    message: e.get("message").and_then(json_scalar_string),
                    documentation_url: e.get("documentation_url").and_then(json_scalar_string),
                })
                .collect();
        }
        vendor.raw_body = None;
        Some(Error::from_vendor(
            ErrorKind::from_status(status),
            "http",
            vendor,
        ))
    }
}

/// A JSON string, number or bool as a string.
pub(crate) fn json_scalar_string(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_round_trip() {
        for name in [
            "login_failed",
            "session_expired",
            "not_found",
            "tls",
            "config",
            "other",
        ] {
            assert_eq!(ErrorKind::parse(name).unwrap().as_str(), name);
        }
    }

    #[test]
    fn custom_tag_round_trips() {
        let e = Error::new(ErrorKind::SessionExpired, "delegated session expired");
        let back: Error = progenitor_client::Error::<()>::Custom(e.to_custom_message()).into();
        assert_eq!(back.kind(), ErrorKind::SessionExpired);
        assert_eq!(back.exit_code(), 4);
    }

    /// Each vendor's answers are read by its own rules: an unmarked or Looker-marked body in
    /// MicroStrategy's shape is not taken for a MicroStrategy error (no ticket, no
    /// iServerCode), a MicroStrategy-marked one is.
    #[test]
    fn error_rules_belong_to_the_vendor_that_received_the_answer() {
        let body =
            br#"{"code":"ERR004","message":"Object not found","ticketId":"t-1","iServerCode":-1}"#;
        let json = || {
            let mut h = HeaderMap::new();
            h.insert(
                reqwest::header::CONTENT_TYPE,
                "application/json".parse().expect("header"),
            );
            h
        };
        for vendor in [None, Some("looker"), Some("agileapps")] {
            let mut headers = json();
            if let Some(v) = vendor {
                mark_vendor(&mut headers, v);
            }
            let e = map_response(StatusCode::NOT_FOUND, &headers, body);
            assert_eq!(e.ticket_id(), None, "{vendor:?}");
            assert_ne!(e.vendor_name(), Some("mstr"), "{vendor:?}");
            assert_eq!(e.kind(), ErrorKind::NotFound, "{vendor:?}");
        }
        {
            let mut headers = json();
            mark_vendor(&mut headers, "mstr");
            let e = map_response(StatusCode::NOT_FOUND, &headers, body);
            assert_eq!(e.ticket_id(), Some("t-1"));
            assert_eq!(e.code(), Some("ERR004"));
        }
    }

    #[test]
    fn html_and_empty_bodies_map_by_status() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::CONTENT_TYPE,
            "text/html".parse().expect("header"),
        );
        let e = map_response(
            StatusCode::BAD_GATEWAY,
            &headers,
            b"<html><body>Bad gateway</body></html>",
        );
        assert_eq!(e.kind(), ErrorKind::ServerUnreachable);
        assert!(e
            .vendor()
            .unwrap()
            .raw_body
            .as_ref()
            .unwrap()
            .contains("<html>"));
        let e = map_response(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), b"");
        assert_eq!(e.kind(), ErrorKind::Server);
        assert_eq!(e.exit_code(), 8);
    }
}
