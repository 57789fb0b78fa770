//! What a vendor layer tells the auth core: how to log in and out, how to decorate a request,
//! how an expired session looks, and how to keep a session alive.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder, StatusCode};
use tracing::Instrument;
use url::Url;

use crate::auth::clock::Clock;
use crate::auth::config::HttpConfig;
use crate::auth::cookies::CookieJar;
use crate::auth::session::Session;
use crate::auth::telemetry::{self, CallSite};
use crate::auth::transport::{Purpose, Transport};
use crate::error::{CapturedResponse, Error, ErrorKind};

/// Everything a vendor's login, logout or keep-alive call needs: the HTTP client (sharing the
/// core's cookie jar), the transport every request goes through, and the API root.
#[derive(Clone)]
pub struct LoginContext {
    pub(crate) client: reqwest::Client,
    pub(crate) transport: Arc<Transport>,
    pub(crate) base_url: Url,
    pub(crate) jar: Arc<CookieJar>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) http: HttpConfig,
    /// The authenticator's vendor name (spans, interceptors).
    pub(crate) vendor: &'static str,
}

impl fmt::Debug for LoginContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginContext")
            .field("base_url", &self.base_url.as_str())
            .finish()
    }
}

impl LoginContext {
    /// The HTTP client (cookies go to and come from the core's jar), to build requests; send
    /// them with [`LoginContext::send`] so the transport's rules apply.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// The API root.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The cookie jar.
    pub fn cookies(&self) -> &CookieJar {
        &self.jar
    }

    /// The same context with a new transport and HTTP client (same settings, same cookie
    /// jar) whose connections belong to the runtime it is first used on.
    pub(crate) fn with_fresh_client(&self) -> Result<LoginContext, Error> {
        let transport = Arc::new(
            self.http
                .build_transport(self.jar.clone(), self.transport.retry)?,
        );
        Ok(LoginContext {
            client: transport.client.clone(),
            transport,
            ..self.clone()
        })
    }

    /// The handle's clock (turn a vendor's "expires in N s" into an instant with it).
    pub fn now(&self) -> std::time::SystemTime {
        self.clock.now()
    }

    /// `path` appended to the API root (`/auth/login` -> `https://host/Library/api/auth/login`).
    pub fn url(&self, path: &str) -> String {
        join_url(&self.base_url, path)
    }

    /// A request builder for `method` on `path` under the API root.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// Sends through the transport (redirect policy, timeouts, retries of transient
    /// failures), mapping failures to [`Error`]; the response may be any status. Its body is
    /// bounded by the login limit ([`crate::auth::BodyLimits::login`]; an error body by the
    /// error prefix).
    ///
    /// The request runs in a [`CALL_SPAN`](crate::auth::telemetry::CALL_SPAN) span named by
    /// the session step that sends it (`login`, `logout`, `keep_alive`, else `session`), and
    /// through the client's [interceptors](crate::auth::intercept).
    pub async fn send(&self, request: RequestBuilder) -> Result<reqwest::Response, Error> {
        let mut request = request.build().map_err(Error::from_reqwest)?;
        let site = CallSite {
            vendor: self.vendor,
            operation_id: SESSION_STEP.try_with(|step| *step).unwrap_or("session"),
            url_template: None,
        };
        let span = telemetry::call_span(&site, &request);
        let interceptors = &self.transport.interceptors;
        interceptors.modify(&site, true, &mut request);
        let watch = interceptors.watch(&site, request.method(), true);
        let result = self
            .transport
            .execute(request, Purpose::Session)
            .instrument(span.clone())
            .await;
        crate::auth::intercept::observe(&result, &span, watch);
        result.map_err(Error::from_reqwest)
    }

    /// Reads a non-success response fully and maps it with the authenticator's error mapper,
    /// keeping the whole response so the core can hand it to a generated client.
    pub async fn failure(
        &self,
        authenticator: &dyn Authenticator,
        response: reqwest::Response,
    ) -> Error {
        let status = response.status();
        let headers = response.headers().clone();
        match response.bytes().await {
            Ok(body) => authenticator
                .map_error(status, &headers, &body)
                .with_captured(CapturedResponse {
                    status,
                    headers,
                    body,
                }),
            Err(e) => authenticator
                .map_error(status, &headers, &[])
                .with_source(e.without_url()),
        }
    }
}

tokio::task_local! {
    /// The session step whose requests [`LoginContext::send`] is sending.
    static SESSION_STEP: &'static str;
}

/// Runs `step` (a vendor's login, logout or keep-alive) with its requests named `name` in
/// spans and interceptors.
pub(crate) async fn session_step<T>(name: &'static str, step: impl Future<Output = T>) -> T {
    SESSION_STEP.scope(name, step).await
}

/// `path` appended to `base` without losing the base's path (`Url::join` would).
pub fn join_url(base: &Url, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path.to_string();
    }
    // Per call: plain pushes into one right-sized buffer (format! costs ~1,000 instructions).
    let (base, path) = (
        base.as_str().trim_end_matches('/'),
        path.trim_start_matches('/'),
    );
    let mut url = String::with_capacity(base.len() + 1 + path.len());
    url.push_str(base);
    url.push('/');
    url.push_str(path);
    url
}

/// A vendor's session machinery. Object-safe: the core holds an `Arc<dyn Authenticator>`.
pub trait Authenticator: Send + Sync + fmt::Debug + 'static {
    /// The vendor's short name (`mstr`, `looker`, `agileapps`), checked when a saved session is
    /// restored.
    fn vendor(&self) -> &'static str;

    /// Whether this authenticator has what it needs to log in (credentials configured). When it
    /// has not, an expired session fails with [`ErrorKind::SessionExpired`] without a login.
    fn can_login(&self) -> bool {
        true
    }

    /// Logs in. Credentials are resolved here, at every call (rotation is picked up). A
    /// rejected login should be built with [`LoginContext::failure`] so its response is kept.
    fn login<'a>(&'a self, ctx: &'a LoginContext) -> BoxFuture<'a, Result<Session, Error>>;

    /// Logs the session out (best effort is fine; the core logs failures).
    fn logout<'a>(
        &'a self,
        ctx: &'a LoginContext,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<(), Error>>;

    /// Whether a request needs no session (the vendor's own login calls, e.g. a generated
    /// client's `postLogin`): the hooks then send it as is, without logging in first.
    fn bypasses_session(&self, request: &reqwest::Request) -> bool {
        let _ = request;
        false
    }

    /// Adds the session's headers (token) to a request. Cookies are added by the jar.
    /// Must not overwrite headers the caller set.
    fn decorate(&self, request: &mut reqwest::Request, session: &Session);

    /// Whether a response with this status may mean "session expired" (the core then reads the
    /// body and calls [`Authenticator::is_session_expired`]). Default: 401.
    fn may_signal_expiry(&self, status: StatusCode) -> bool {
        status == StatusCode::UNAUTHORIZED
    }

    /// Whether a response says the session is gone (so the request was not executed).
    fn is_session_expired(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool;

    /// Extends the session on the server (keep-alive). `None` when the vendor has no such call.
    fn keep_alive<'a>(
        &'a self,
        ctx: &'a LoginContext,
        session: &'a Session,
    ) -> Option<BoxFuture<'a, Result<(), Error>>> {
        let _ = (ctx, session);
        None
    }

    /// Maps a non-success response to an [`Error`]. Default: the built-in sniffer.
    fn map_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
        crate::error::map_response(status, headers, body)
    }
}

/// An error for "no session and no way to log in".
pub(crate) fn cannot_login() -> Error {
    Error::new(
        ErrorKind::SessionExpired,
        "the session expired and this client cannot log in again by itself",
    )
}
