//! The auth core: [`Auth`], the cheap-to-clone handle every client carries.
//!
//! It logs in lazily, decorates requests (token, sticky headers, cookies from its jar),
//! detects an expired session in a response, renews it single-flight (exactly one login for
//! any number of concurrent callers; a generation counter makes sure a fresh session is never
//! discarded), replays the rejected request once, keeps the session alive, and logs out on
//! [`Auth::close`] or drop.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use bytes::Bytes;
use futures::future::{self, Either, FutureExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode, Version};
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;
use tracing::{Instrument, Span};
use url::Url;

use crate::auth::clock::{self, Clock};
use crate::auth::config::HttpConfig;
use crate::auth::cookies::CookieJar;
use crate::auth::fleet::{self, Fleet};
use crate::auth::intercept::observe;
use crate::auth::keepalive;
use crate::auth::retry::RetryPolicy;
use crate::auth::session::{Session, SessionInfo};
use crate::auth::snapshot::SessionSnapshot;
use crate::auth::telemetry::{self, CallSite, LoginReason, LogoutReason, ParkedSpans};
use crate::auth::transport::{CallOptions, Purpose};
use crate::auth::vendor::{cannot_login, join_url, session_step, Authenticator, LoginContext};
use crate::error::{truncate_body, Error, ErrorKind, VendorError, ERROR_KIND_HEADER};

/// Builds an [`Auth`].
pub struct AuthBuilder {
    base_url: String,
    authenticator: Arc<dyn Authenticator>,
    http: HttpConfig,
    keep_alive: bool,
    refresh_lag: Duration,
    retry: Option<RetryPolicy>,
    logout_on_drop: bool,
    clock: Arc<dyn Clock>,
    fleet: Option<Arc<Fleet>>,
}

impl fmt::Debug for AuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthBuilder")
            .field("base_url", &self.base_url)
            .field("authenticator", &self.authenticator)
            .field("http", &self.http)
            .field("keep_alive", &self.keep_alive)
            .finish()
    }
}

impl AuthBuilder {
    /// HTTP settings (TLS, proxy, timeouts, user agent).
    pub fn http(mut self, http: HttpConfig) -> AuthBuilder {
        self.http = http;
        self
    }

    /// Whether a background task extends the session before the server's idle timeout
    /// (default: on, when the vendor and the session support it).
    pub fn keep_alive(mut self, enabled: bool) -> AuthBuilder {
        self.keep_alive = enabled;
        self
    }

    /// How long before a session's absolute expiry it is renewed (default 60 s).
    pub fn refresh_lag(mut self, lag: Duration) -> AuthBuilder {
        self.refresh_lag = lag;
        self
    }

    /// Retries of transient failures (default: the [`HttpConfig`]'s,
    /// [`RetryPolicy::default`] unless set there; see [`crate::auth::retry`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> AuthBuilder {
        self.retry = Some(retry);
        self
    }

    /// Whether dropping the last handle logs the session out (default on; a saved session
    /// turns it off, see [`Auth::save_session`]).
    pub fn logout_on_drop(mut self, enabled: bool) -> AuthBuilder {
        self.logout_on_drop = enabled;
        self
    }

    /// The clock that decides when a session is about to expire (default: the system clock;
    /// tests pass a [`ManualClock`](crate::auth::ManualClock) to move time without sleeping).
    /// Vendor logins read it too, to turn "expires in N s" into an instant.
    pub fn clock(mut self, clock: impl Clock) -> AuthBuilder {
        self.clock = Arc::new(clock);
        self
    }

    /// Shares the session with every process of `fleet` (see [`crate::auth::fleet`]).
    pub fn session_store(mut self, fleet: Fleet) -> AuthBuilder {
        self.fleet = Some(Arc::new(fleet));
        self
    }

    /// Builds the handle; fails on a bad base URL or HTTP settings.
    pub fn build(self) -> Result<Auth, Error> {
        let base_url = Url::parse(self.base_url.trim_end_matches('/')).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("invalid base URL {:?}: {e}", self.base_url),
            )
        })?;
        if !matches!(base_url.scheme(), "http" | "https") {
            return Err(Error::new(
                ErrorKind::Config,
                format!("base URL {:?} must be http or https", self.base_url),
            ));
        }
        let jar = Arc::new(CookieJar::default());
        let transport = Arc::new(
            self.http
                .build_transport(jar.clone(), self.retry.unwrap_or(self.http.retry()))?,
        );
        let fleet_slot = std::sync::OnceLock::new();
        if let Some(fleet) = self.fleet {
            let _ = fleet_slot.set(fleet);
        }
        Ok(Auth {
            inner: Arc::new(AuthInner {
                ctx: LoginContext {
                    client: transport.client.clone(),
                    transport,
                    base_url,
                    jar,
                    clock: self.clock,
                    http: self.http,
                    vendor: self.authenticator.vendor(),
                },
                authenticator: self.authenticator,
                state: Mutex::new(State::default()),
                login_lock: Arc::new(tokio::sync::Mutex::new(())),
                sticky: RwLock::new(HeaderMap::new()),
                keep_alive_enabled: self.keep_alive,
                refresh_lag: self.refresh_lag,
                logout_on_drop: AtomicBool::new(self.logout_on_drop),
                keepalive_task: Mutex::new(None),
                fleet: fleet_slot,
                lease_task: Mutex::new(None),
                logins: AtomicU64::new(0),
                replays: AtomicU64::new(0),
                keepalives: AtomicU64::new(0),
                parked_spans: ParkedSpans::default(),
            }),
        })
    }
}

/// Counters of what the core did (for tests, benchmarks and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AuthStats {
    /// Successful logins performed by this handle.
    pub logins: u64,
    /// Requests replayed after a renewal.
    pub replays: u64,
    /// Successful keep-alive calls.
    pub keepalives: u64,
    /// Retries of transient failures (502/503/504/429 answers to idempotent calls,
    /// connections refused or closed without an answer).
    pub retries: u64,
    /// Transient failures not retried because the retry budget was spent.
    pub retry_budget_exhausted: u64,
    /// Redirects followed.
    pub redirects: u64,
}

#[derive(Default)]
struct State {
    /// The session calls run in (the top of the stack).
    session: Option<Arc<Session>>,
    /// Sessions below the top, base first (an AgileApps proxy login stacks a session on top of
    /// the one it was made from; switching back pops it).
    below: Vec<Arc<Session>>,
    generation: u64,
    attempts: u64,
    last_failure: Option<(u64, Error)>,
    dead: bool,
    closed: bool,
    /// The current session is the fleet's (never logged out by this process's close or drop).
    shared: bool,
    /// The fleet generation of the last fleet session this process used (0: none).
    fleet_generation: u64,
}

/// A session as seen by one caller: which generation it is, and how many login attempts had
/// been made when it was observed.
#[derive(Clone)]
pub(crate) struct Ticket {
    pub(crate) generation: u64,
    attempts: u64,
    pub(crate) session: Arc<Session>,
}

/// The label of requests sent with [`Auth::send`] in debug logs (the URL is on the request).
const RAW_REQUEST: &str = "raw request";

/// What [`Auth::readiness`] found.
enum Readiness {
    /// The session can be used now.
    Ready(Ticket),
    /// The session observed at `generation` (after `attempts` logins) must be renewed first.
    Renew {
        generation: u64,
        attempts: u64,
        reason: LoginReason,
    },
}

pub(crate) struct AuthInner {
    pub(crate) ctx: LoginContext,
    pub(crate) authenticator: Arc<dyn Authenticator>,
    state: Mutex<State>,
    /// Held while a login or logout runs (single flight); a login in progress holds it in
    /// its own task, so `close` waits for it and ends the session it opens.
    login_lock: Arc<tokio::sync::Mutex<()>>,
    sticky: RwLock<HeaderMap>,
    keep_alive_enabled: bool,
    refresh_lag: Duration,
    logout_on_drop: AtomicBool,
    keepalive_task: Mutex<Option<JoinHandle<()>>>,
    /// The fleet this session is shared with, if any.
    pub(crate) fleet: std::sync::OnceLock<Arc<Fleet>>,
    /// Renews this process's fleet lease.
    lease_task: Mutex<Option<JoinHandle<()>>>,
    logins: AtomicU64,
    replays: AtomicU64,
    pub(crate) keepalives: AtomicU64,
    /// Spans started by the `pre` hook, waiting for their call's `exec`.
    parked_spans: ParkedSpans,
}

/// The auth handle: clone it freely (an `Arc` inside). Generated clients carry it as their
/// inner type; the vendor clients (`MstrClient`, ...) wrap it.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<AuthInner>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state();
        f.debug_struct("Auth")
            .field("vendor", &self.inner.authenticator.vendor())
            .field("base_url", &self.inner.ctx.base_url.as_str())
            .field("logged_in", &st.session.is_some())
            .field("generation", &st.generation)
            .field("closed", &st.closed)
            .finish()
    }
}

impl AuthInner {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn closed_error() -> Error {
    Error::new(ErrorKind::Other, "this client was closed")
}

impl Auth {
    /// Starts building a handle for the API root `base_url` with a vendor's authenticator.
    pub fn builder(base_url: impl Into<String>, authenticator: impl Authenticator) -> AuthBuilder {
        Auth::builder_arc(base_url, Arc::new(authenticator))
    }

    /// Like [`Auth::builder`] with a shared authenticator.
    pub fn builder_arc(
        base_url: impl Into<String>,
        authenticator: Arc<dyn Authenticator>,
    ) -> AuthBuilder {
        AuthBuilder {
            base_url: base_url.into(),
            authenticator,
            http: HttpConfig::default(),
            keep_alive: true,
            refresh_lag: Duration::from_secs(60),
            retry: None,
            logout_on_drop: true,
            clock: clock::system(),
            fleet: None,
        }
    }

    /// The API root, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.inner.ctx.base_url.as_str().trim_end_matches('/')
    }

    /// `path` under the API root.
    pub fn url(&self, path: &str) -> String {
        join_url(&self.inner.ctx.base_url, path)
    }

    /// The HTTP client (with this handle's cookie jar and TLS settings). Pass it to a generated
    /// client's `new_with_client` (its calls then run through [`Auth::execute`] and the
    /// transport). Requests sent with it directly bypass the transport: no redirect is
    /// followed and no body limit applies; prefer [`Auth::send`].
    pub fn http_client(&self) -> reqwest::Client {
        self.inner.ctx.client.clone()
    }

    /// The cookie jar.
    pub fn cookies(&self) -> &CookieJar {
        &self.inner.ctx.jar
    }

    /// The vendor's short name.
    pub fn vendor(&self) -> &'static str {
        self.inner.authenticator.vendor()
    }

    /// The login context (client, API root) for vendor calls that bypass session handling.
    pub fn login_context(&self) -> &LoginContext {
        &self.inner.ctx
    }

    /// A request builder for `method` on `path` under the API root (not yet authenticated:
    /// send it with [`Auth::send`]).
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.inner.ctx.client.request(method, self.url(path))
    }

    /// What the core did so far.
    pub fn stats(&self) -> AuthStats {
        let transport = &self.inner.ctx.transport.stats;
        AuthStats {
            logins: self.inner.logins.load(Ordering::Relaxed),
            replays: self.inner.replays.load(Ordering::Relaxed),
            keepalives: self.inner.keepalives.load(Ordering::Relaxed),
            retries: transport.retries.load(Ordering::Relaxed),
            retry_budget_exhausted: transport.retry_budget_exhausted.load(Ordering::Relaxed),
            redirects: transport.redirects.load(Ordering::Relaxed),
        }
    }

    /// The current session's non-secret summary, if logged in.
    pub fn session_info(&self) -> Option<SessionInfo> {
        let st = self.inner.state();
        st.session.as_ref().map(|s| s.info(st.generation))
    }

    /// The current session generation (0 before the first login).
    pub fn generation(&self) -> u64 {
        self.inner.state().generation
    }

    /// Whether [`Auth::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.state().closed
    }

    /// Sets a header added to every request that does not already carry it (e.g. the
    /// MicroStrategy project). Sticky headers are not secret and are saved with the session.
    pub fn set_header(&self, name: &str, value: &str) -> Result<(), Error> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Error::new(ErrorKind::Config, format!("invalid header name {name:?}")))?;
        let value = HeaderValue::from_str(value).map_err(|_| {
            Error::new(
                ErrorKind::Config,
                format!("invalid value for header {name}"),
            )
        })?;
        self.inner
            .sticky
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name, value);
        Ok(())
    }

    /// Removes a sticky header.
    pub fn remove_header(&self, name: &str) {
        self.inner
            .sticky
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
    }

    /// A sticky header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.inner
            .sticky
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Whether dropping the last handle logs the session out.
    pub fn set_logout_on_drop(&self, enabled: bool) {
        self.inner.logout_on_drop.store(enabled, Ordering::Relaxed);
    }

    /// Makes sure a session exists (logging in if needed) and returns its summary.
    pub async fn login(&self) -> Result<SessionInfo, Error> {
        let ticket = self.ensure().await?;
        Ok(ticket.session.info(ticket.generation))
    }

    /// The span of a call of `operation_id` sending `request` (see [`telemetry`]).
    pub(crate) fn call_span(
        &self,
        request: &Request,
        operation_id: &str,
        url_template: Option<&str>,
    ) -> tracing::Span {
        let site = CallSite {
            vendor: self.inner.ctx.vendor,
            operation_id,
            url_template,
        };
        telemetry::call_span(&site, request)
    }

    /// The call site of requests sent with [`Auth::send`] (no operation id known).
    fn raw_site(&self) -> CallSite<'static> {
        CallSite {
            vendor: self.inner.ctx.vendor,
            operation_id: RAW_REQUEST,
            url_template: None,
        }
    }

    /// Keeps the span a `pre` hook started for `request`, for its `exec` hook.
    pub(crate) fn park_span(&self, request: &mut Request, span: tracing::Span) {
        self.inner.parked_spans.park(request, span);
    }

    /// Whether the authenticator says this request needs no session.
    pub(crate) fn bypasses_session(&self, request: &Request) -> bool {
        self.inner.authenticator.bypasses_session(request)
    }

    /// The current session, logging in if there is none (or it is about to expire).
    pub(crate) async fn ensure(&self) -> Result<Ticket, Error> {
        self.ticket(self.readiness()).await
    }

    /// The session `readiness` found, renewing it first when it must be.
    async fn ticket(&self, readiness: Result<Readiness, Error>) -> Result<Ticket, Error> {
        match readiness? {
            Readiness::Ready(ticket) => Ok(ticket),
            Readiness::Renew {
                generation,
                attempts,
                reason,
            } => self.renew(generation, attempts, reason).await,
        }
    }

    /// Whether the current session can be used as is (without waiting), or must be renewed
    /// first; an error when the handle is closed or its session can no longer be renewed.
    fn readiness(&self) -> Result<Readiness, Error> {
        let st = self.inner.state();
        if st.closed {
            return Err(closed_error());
        }
        if st.dead {
            return Err(cannot_login());
        }
        Ok(match &st.session {
            Some(s)
                if !(s.renewable()
                    && s.needs_refresh(self.inner.ctx.clock.now(), self.inner.refresh_lag)) =>
            {
                Readiness::Ready(Ticket {
                    generation: st.generation,
                    attempts: st.attempts,
                    session: s.clone(),
                })
            }
            Some(_) => Readiness::Renew {
                generation: st.generation,
                attempts: st.attempts,
                reason: LoginReason::Expiring,
            },
            None => Readiness::Renew {
                generation: st.generation,
                attempts: st.attempts,
                reason: LoginReason::NoSession,
            },
        })
    }

    /// Renews the session observed at `seen_generation`: exactly one caller logs in; callers
    /// that waited get the session (or the failure) of that login.
    async fn renew(
        &self,
        seen_generation: u64,
        seen_attempts: u64,
        reason: LoginReason,
    ) -> Result<Ticket, Error> {
        let guard = self.inner.login_lock.clone().lock_owned().await;
        let attempt = {
            let mut st = self.inner.state();
            if st.closed {
                return Err(closed_error());
            }
            if st.generation != seen_generation && !st.dead {
                if let Some(s) = &st.session {
                    return Ok(Ticket {
                        generation: st.generation,
                        attempts: st.attempts,
                        session: s.clone(),
                    });
                }
            }
            if let Some((attempt, err)) = &st.last_failure {
                if *attempt > seen_attempts {
                    return Err(err.clone());
                }
            }
            if st.dead {
                return Err(cannot_login());
            }
            let can_login = self.inner.authenticator.can_login();
            match &st.session {
                Some(s) if !s.renewable() || !can_login => {
                    tracing::warn!(
                        vendor = self.inner.authenticator.vendor(),
                        login_mode = s.login_mode(),
                        "session expired and cannot be renewed by this client"
                    );
                    st.dead = true;
                    return Err(cannot_login());
                }
                None if !can_login => {
                    return Err(Error::new(
                        ErrorKind::Credential,
                        "no session and no credentials to log in with",
                    ))
                }
                _ => {}
            }
            st.attempts += 1;
            (
                st.attempts,
                st.session.is_some() || st.generation > 0,
                st.fleet_generation,
            )
        };
        let (attempt, renewal, seen_fleet) = attempt;
        let vendor = self.inner.ctx.vendor;
        let started = move || telemetry::login_started(vendor, reason, renewal, attempt);
        // The login runs in a task of its own, holding the login lock: when the caller is
        // dropped mid-login (its timeout, Ctrl-C, a select), the session the server opens is
        // still recorded, so `close` (which takes the lock) or the last handle's drop ends it.
        let inner = self.inner.clone();
        let task = tokio::spawn(
            async move {
                let _guard = guard;
                let auth = Auth { inner };
                match auth.inner.fleet.get().cloned() {
                    Some(fleet) => fleet::renew(&auth, &fleet, attempt, seen_fleet, started).await,
                    None => {
                        started();
                        let result = auth.login_once().await;
                        auth.record_login(attempt, result)
                    }
                }
            }
            .instrument(tracing::Span::current()),
        );
        match task.await {
            Ok(result) => result,
            Err(e) => Err(Error::new(
                ErrorKind::Other,
                format!("the login task failed: {e}"),
            )),
        }
    }

    /// One login with the authenticator (one credential resolution round: fields of one JSON
    /// secret are fetched once, and the next login fetches again, so a rotated secret is
    /// picked up).
    pub(crate) async fn login_once(&self) -> Result<Session, Error> {
        let login = self.inner.authenticator.login(&self.inner.ctx);
        session_step("login", crate::credentials::resolution_round(login)).await
    }

    /// Records the outcome of login `attempt`: a new session generation, or the failure that
    /// callers who waited for this attempt get.
    pub(crate) fn record_login(
        &self,
        attempt: u64,
        result: Result<Session, Error>,
    ) -> Result<Ticket, Error> {
        let ticket = {
            let mut st = self.inner.state();
            match result {
                Ok(session) => {
                    let session = Arc::new(session);
                    st.generation += 1;
                    st.session = Some(session.clone());
                    st.last_failure = None;
                    st.dead = false;
                    st.shared = false;
                    self.inner.logins.fetch_add(1, Ordering::Relaxed);
                    telemetry::login_finished(self.inner.ctx.vendor, Ok(st.generation));
                    Ticket {
                        generation: st.generation,
                        attempts: st.attempts,
                        session,
                    }
                }
                Err(err) => {
                    telemetry::login_finished(self.inner.ctx.vendor, Err(&err));
                    st.last_failure = Some((attempt, err.clone()));
                    return Err(err);
                }
            }
        };
        self.start_keep_alive(&ticket.session);
        Ok(ticket)
    }

    fn start_keep_alive(&self, session: &Session) {
        if !self.inner.keep_alive_enabled || session.idle_timeout().is_none() {
            return;
        }
        spawn_once(&self.inner.keepalive_task, || {
            keepalive::run(Arc::downgrade(&self.inner))
        });
    }

    pub(crate) fn current_session(inner: &AuthInner) -> Option<(u64, Arc<Session>)> {
        let st = inner.state();
        if st.closed || st.dead {
            return None;
        }
        st.session.clone().map(|s| (st.generation, s))
    }

    fn decorate(&self, request: &mut Request, session: &Session) {
        {
            let sticky = self.inner.sticky.read().unwrap_or_else(|p| p.into_inner());
            for (name, value) in sticky.iter() {
                if !request.headers().contains_key(name) {
                    request.headers_mut().insert(name.clone(), value.clone());
                }
            }
        }
        if let Some(cookie) = session.cookie() {
            // This session's own cookie, with the jar's others (reqwest's cookie layer then
            // leaves the header alone).
            if let Some(header) = self.inner.ctx.jar.header_for(request.url(), Some(cookie)) {
                request
                    .headers_mut()
                    .insert(reqwest::header::COOKIE, header);
            }
        }
        self.inner.authenticator.decorate(request, session);
    }

    /// Executes a request with the session: decorates it, sends it, and when the server says
    /// the session is gone, renews it (single-flight) and replays the request once. This is the
    /// generated clients' `exec` hook.
    ///
    /// When the session cannot be renewed the server's own answer is returned: the failed
    /// login's response (e.g. 401 `ERR003`), or the original rejection, marked with the
    /// [`ERROR_KIND_HEADER`] so error conversions report the right kind.
    pub fn execute<'a>(
        &'a self,
        request: Request,
        operation_id: &'a str,
    ) -> impl Future<Output = reqwest::Result<Response>> + Send + 'a {
        self.execute_operation(request, operation_id, None)
    }

    /// [`Auth::execute`] for an operation whose path template is known (the generated
    /// clients' hooks pass the spec's): the call's span records it as `url.template`.
    pub fn execute_operation<'a>(
        &'a self,
        mut request: Request,
        operation_id: &'a str,
        url_template: Option<&'a str>,
    ) -> impl Future<Output = reqwest::Result<Response>> + Send + 'a {
        let site = CallSite {
            vendor: self.inner.ctx.vendor,
            operation_id,
            url_template,
        };
        let span = self
            .inner
            .parked_spans
            .take(&mut request)
            .unwrap_or_else(|| telemetry::call_span(&site, &request));
        let interceptors = &self.inner.ctx.transport.interceptors;
        interceptors.modify(&site, false, &mut request);
        let watch = interceptors.watch(&site, request.method(), false);
        let call = if self.inner.authenticator.bypasses_session(&request) {
            Either::Right(self.inner.ctx.transport.execute(request, Purpose::Session))
        } else {
            match self.readiness() {
                Ok(Readiness::Ready(ticket)) => {
                    Either::Left(self.execute_with(request, ticket, site))
                }
                waiting => {
                    Either::Right(self.execute_after_renewal(request, waiting, site).boxed())
                }
            }
        };
        call.map(move |result| {
            observe(&result, &Span::current(), watch);
            result
        })
        .instrument(span)
    }

    /// [`Auth::execute`] when the session must be renewed first (or cannot be).
    async fn execute_after_renewal(
        &self,
        request: Request,
        readiness: Result<Readiness, Error>,
        site: CallSite<'_>,
    ) -> reqwest::Result<Response> {
        match self.ticket(readiness).await {
            Ok(ticket) => self.execute_with(request, ticket, site).await,
            Err(err) => self.answer_without_session(request, &err).await,
        }
    }

    /// [`Auth::execute`] once the session is known: decorates and starts the request now, and
    /// returns a small future (this one is moved into each caller's state on every call).
    fn execute_with<'a>(
        &'a self,
        request: Request,
        ticket: Ticket,
        site: CallSite<'a>,
    ) -> impl Future<Output = reqwest::Result<Response>> + Send + 'a {
        let (sent, spare) = self.start(request, &ticket);
        // An `async` block, not an `async fn`: the latter keeps each argument twice in its
        // state.
        async move {
            // The block ends `response`'s storage before the second await: a local that was
            // borrowed keeps its slot in the state up to the end of its scope.
            let settling = {
                let response = sent.await?;
                if !self.needs_settling(response.status()) {
                    return Ok(response);
                }
                Box::pin(self.settle(response, spare, ticket, site))
            };
            settling.await
        }
    }

    /// Decorates `request` with the session and starts sending it through the transport;
    /// returns the transport's future and an undecorated copy to replay (none when the body
    /// is a stream).
    fn start(
        &self,
        mut request: Request,
        ticket: &Ticket,
    ) -> (
        impl Future<Output = reqwest::Result<Response>> + Send + 'static,
        Option<Box<Request>>,
    ) {
        // Boxed: the spare copy is only read on the rare replay, and a `Request` inline would
        // make every call's future larger.
        let spare = request.try_clone().map(Box::new);
        self.decorate(&mut request, &ticket.session);
        (
            self.inner.ctx.transport.execute(request, Purpose::Call),
            spare,
        )
    }

    /// Whether an answer with `status` needs [`Auth::settle`]: a status by which the vendor
    /// may say the session is gone (transient failures were retried by the transport). The
    /// common answer is returned as is; the rest runs in `settle`, boxed so its state does not
    /// weigh on every call.
    fn needs_settling(&self, status: StatusCode) -> bool {
        self.inner.authenticator.may_signal_expiry(status)
    }

    /// The uncommon answers: when the server says the session is gone, renews it
    /// (single-flight) and replays `spare` once; when renewal fails, answers with the failed
    /// login's response or the original rejection, marked with the error kind.
    async fn settle(
        &self,
        response: Response,
        spare: Option<Box<Request>>,
        ticket: Ticket,
        site: CallSite<'_>,
    ) -> reqwest::Result<Response> {
        let operation_id = site.operation_id;
        let (status, version, headers, body) = read_response(response).await?;
        if !self
            .inner
            .authenticator
            .is_session_expired(status, &headers, &body)
        {
            return Ok(rebuild(status, version, headers, body, None));
        }
        let Some(replay) = spare else {
            tracing::debug!(
                operation_id,
                "session expired; the request has a streaming body and is not replayed"
            );
            return Ok(rebuild(status, version, headers, body, None));
        };
        match self
            .renew(ticket.generation, ticket.attempts, LoginReason::Rejected)
            .await
        {
            Ok(renewed) => {
                let mut replay = *replay;
                telemetry::replay(operation_id, renewed.generation);
                telemetry::count_resend(1);
                self.inner
                    .ctx
                    .transport
                    .interceptors
                    .modify(&site, false, &mut replay);
                self.decorate(&mut replay, &renewed.session);
                self.inner.replays.fetch_add(1, Ordering::Relaxed);
                self.inner
                    .ctx
                    .transport
                    .execute(replay, Purpose::Call)
                    .await
            }
            Err(err) => Ok(captured_response(&err)
                .unwrap_or_else(|| rebuild(status, version, headers, body, Some(err.kind())))),
        }
    }

    /// `exec` without a session (only reachable when `pre` was skipped): hand back a failed
    /// login's response, or send the request as is and mark the server's answer.
    async fn answer_without_session(
        &self,
        request: Request,
        err: &Error,
    ) -> reqwest::Result<Response> {
        if let Some(response) = captured_response(err) {
            return Ok(response);
        }
        let response = self
            .inner
            .ctx
            .transport
            .execute(request, Purpose::Call)
            .await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let (status, version, headers, body) = read_response(response).await?;
        Ok(rebuild(status, version, headers, body, Some(err.kind())))
    }

    /// Builds and sends a request with the session (logging in first if needed). The response
    /// may have any status.
    ///
    /// With a usable session the request is decorated and started at once and the returned
    /// future is small (no login state in it); logging in first, or a request that needs no
    /// session, runs in a boxed future.
    pub fn send(
        &self,
        request: RequestBuilder,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        self.send_request(request, false)
    }

    /// Like [`Auth::send`], mapping a non-success status to the vendor's [`Error`].
    pub fn send_checked(
        &self,
        request: RequestBuilder,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        self.send_request(request, true)
    }

    /// [`Auth::send`] (`checked` false) and [`Auth::send_checked`] (true). The common path
    /// is one `async` block around reqwest's future: no combinator layers, each of which
    /// would copy the future once more on every call.
    fn send_request(
        &self,
        request: RequestBuilder,
        checked: bool,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        let mut request = match request.build() {
            Ok(request) => request,
            Err(e) => return Either::Right(future::ready(Err(Error::from_reqwest(e)))),
        };
        let site = self.raw_site();
        let span = telemetry::call_span(&site, &request);
        let interceptors = &self.inner.ctx.transport.interceptors;
        interceptors.modify(&site, false, &mut request);
        let watch = interceptors.watch(&site, request.method(), false);
        Either::Left(
            self.send_prepared(request, checked)
                .map(move |result| {
                    observe(&result, &Span::current(), watch);
                    result
                })
                .instrument(span),
        )
    }

    /// [`Auth::send_request`] once the request is built, in its span.
    fn send_prepared(
        &self,
        request: Request,
        checked: bool,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        if self.inner.authenticator.bypasses_session(&request) {
            return Either::Right(
                async move {
                    let response = self
                        .inner
                        .ctx
                        .transport
                        .execute(request, Purpose::Session)
                        .await
                        .map_err(Error::from_reqwest)?;
                    self.check(response, checked).await
                }
                .boxed(),
            );
        }
        let ticket = match self.readiness() {
            Ok(Readiness::Ready(ticket)) => ticket,
            waiting => {
                return Either::Right(self.send_after_renewal(request, waiting, checked).boxed())
            }
        };
        let (sent, spare) = self.start(request, &ticket);
        Either::Left(async move {
            // Blocks end each `response`'s storage before the next await (see execute_with).
            let failed = {
                let response = {
                    let settled = {
                        let response = sent.await.map_err(Error::from_reqwest)?;
                        if self.needs_settling(response.status()) {
                            Err(Box::pin(self.settle(
                                response,
                                spare,
                                ticket,
                                self.raw_site(),
                            )))
                        } else {
                            Ok(response)
                        }
                    };
                    match settled {
                        Ok(response) => response,
                        Err(settling) => settling.await.map_err(Error::from_reqwest)?,
                    }
                };
                if !checked || response.status().is_success() {
                    return Ok(response);
                }
                // Boxed: reading and mapping an error body is the rare path.
                Box::pin(self.error_from_response(response))
            };
            Err(failed.await)
        })
    }

    /// [`Auth::send_request`] when the session must be renewed first (or cannot be).
    async fn send_after_renewal(
        &self,
        request: Request,
        readiness: Result<Readiness, Error>,
        checked: bool,
    ) -> Result<Response, Error> {
        let ticket = self.ticket(readiness).await?;
        let response = self
            .execute_with(request, ticket, self.raw_site())
            .await
            .map_err(Error::from_reqwest)?;
        self.check(response, checked).await
    }

    /// `response` as is, or (when `checked` and not a success) the vendor's [`Error`].
    async fn check(&self, response: Response, checked: bool) -> Result<Response, Error> {
        if checked && !response.status().is_success() {
            Err(self.error_from_response(response).await)
        } else {
            Ok(response)
        }
    }

    /// Like [`Auth::send_checked`], decoding a JSON body.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, Error> {
        let response = self.send_checked(request).await?;
        decode_json(response).await
    }

    /// Maps a non-success response (reading its body) with the vendor's error mapper.
    pub async fn error_from_response(&self, response: Response) -> Error {
        let status = response.status();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => {
                return self
                    .inner
                    .authenticator
                    .map_error(status, &headers, &[])
                    .with_source(e.without_url())
            }
        };
        let err = self.inner.authenticator.map_error(status, &headers, &body);
        match crate::error::forced_kind(&headers) {
            Some(kind) => err.with_kind(kind),
            None => err,
        }
    }

    /// A snapshot of the session for saving (secrets included: write it only with
    /// [`SessionSnapshot::write`], mode 0600).
    pub fn snapshot(&self) -> Result<SessionSnapshot, Error> {
        let st = self.inner.state();
        let session = st
            .session
            .as_ref()
            .ok_or_else(|| Error::new(ErrorKind::Other, "no session to save: log in first"))?;
        let headers = self
            .inner
            .sticky
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let vendor = self.inner.authenticator.vendor();
        let mut snapshot = SessionSnapshot::from_session(
            vendor,
            self.base_url(),
            session,
            self.inner.ctx.jar.save(&self.inner.ctx.base_url),
            headers,
        );
        snapshot.below = st
            .below
            .iter()
            .map(|s| {
                SessionSnapshot::from_session(
                    vendor,
                    self.base_url(),
                    s,
                    Vec::new(),
                    Default::default(),
                )
            })
            .collect();
        Ok(snapshot)
    }

    /// Saves the session to `path` (mode 0600). From then on the session belongs to the file:
    /// dropping this handle no longer logs it out (call [`Auth::close`] to end it).
    pub async fn save_session(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        self.ensure().await?;
        let snapshot = self.snapshot()?;
        snapshot.write(path.as_ref())?;
        self.set_logout_on_drop(false);
        Ok(())
    }

    /// Installs a saved session (token, cookies, sticky headers) into this handle, which must
    /// be for the same vendor and API root. No login happens. Dropping the handle does not log
    /// the restored session out (it belongs to the file); [`Auth::close`] does.
    pub fn restore(&self, snapshot: SessionSnapshot) -> Result<(), Error> {
        if snapshot.vendor != self.inner.authenticator.vendor() {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "the saved session is for {:?}, not {:?}",
                    snapshot.vendor,
                    self.inner.authenticator.vendor()
                ),
            ));
        }
        if snapshot.base_url.trim_end_matches('/') != self.base_url() {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "the saved session is for {}, not {}",
                    snapshot.base_url,
                    self.base_url()
                ),
            ));
        }
        self.inner.ctx.jar.restore(&snapshot.cookies);
        for (name, value) in &snapshot.headers {
            self.set_header(name, value)?;
        }
        self.set_session(snapshot.to_session())?;
        let mut st = self.inner.state();
        st.below = snapshot
            .below
            .iter()
            .map(|s| Arc::new(s.to_session()))
            .collect();
        drop(st);
        self.set_logout_on_drop(false);
        Ok(())
    }

    /// Installs a session obtained elsewhere (a Looker sudo token, an AgileApps proxy
    /// session) without logging in; it replaces the current one (which is not logged out).
    /// Mark it `with_renewable(false)` when this handle's authenticator cannot recreate it.
    pub fn set_session(&self, session: Session) -> Result<(), Error> {
        let session = {
            let mut st = self.inner.state();
            if st.closed {
                return Err(closed_error());
            }
            st.generation += 1;
            st.dead = false;
            st.last_failure = None;
            st.shared = false;
            st.below.clear();
            let session = Arc::new(session);
            st.session = Some(session.clone());
            session
        };
        self.start_keep_alive(&session);
        Ok(())
    }

    /// Stacks `session` on top of the current one (an AgileApps proxy login): calls run in it
    /// until [`Auth::pop_session`]. The session below is kept, not logged out; [`Auth::close`]
    /// ends the whole stack, top first. Fails when there is no session to stack on.
    pub fn push_session(&self, session: Session) -> Result<SessionInfo, Error> {
        let mut st = self.inner.state();
        if st.closed {
            return Err(closed_error());
        }
        let below = st.session.take().ok_or_else(|| {
            Error::new(
                ErrorKind::Other,
                "no session to stack a new one on: log in first",
            )
        })?;
        st.below.push(below);
        st.generation += 1;
        st.dead = false;
        st.last_failure = None;
        let session = Arc::new(session);
        st.session = Some(session.clone());
        Ok(session.info(st.generation))
    }

    /// Leaves the top session of the stack (after the vendor's switch back) and returns to
    /// the one below it, as `refresh` makes it from its current form (the switch back may
    /// have answered a new form of it; pass `Session::clone` to keep it as is). The popped
    /// session is not logged out (the switch back ended it). Fails when the top is the base
    /// session.
    pub fn pop_session(
        &self,
        refresh: impl FnOnce(&Session) -> Session,
    ) -> Result<SessionInfo, Error> {
        let mut st = self.inner.state();
        if st.closed {
            return Err(closed_error());
        }
        let below = st.below.pop().ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidRequest,
                "not in a stacked session: nothing to switch back from",
            )
        })?;
        let top = Arc::new(refresh(&below));
        st.session = Some(top.clone());
        st.generation += 1;
        st.dead = false;
        st.last_failure = None;
        Ok(top.info(st.generation))
    }

    /// The session stack, base first (empty before the first login and after close).
    pub fn sessions(&self) -> Vec<SessionInfo> {
        let st = self.inner.state();
        st.below
            .iter()
            .chain(st.session.iter())
            .map(|s| s.info(st.generation))
            .collect()
    }

    /// Reads a session file and installs it (see [`Auth::restore`]).
    pub fn restore_session(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        let snapshot = SessionSnapshot::read(path.as_ref())?;
        self.restore(snapshot)
    }

    /// Logs the session out and stops the keep-alive. Idempotent; later calls through this
    /// handle fail. A logout failure is returned (the handle is closed anyway).
    pub async fn close(&self) -> Result<(), Error> {
        let _guard = self.inner.login_lock.lock().await;
        let (stack, dead, shared) = {
            let mut st = self.inner.state();
            if st.closed {
                return Ok(());
            }
            st.closed = true;
            (take_stack(&mut st), st.dead, st.shared)
        };
        self.inner.stop_tasks();
        if shared {
            // The fleet's session outlives this process: `close_fleet` or the last lease
            // ends it.
            return Ok(());
        }
        if dead && stack.len() <= 1 {
            // The server already ended the only session.
            return Ok(());
        }
        logout_stack(
            &*self.inner.authenticator,
            &self.inner.ctx,
            stack,
            LogoutReason::Close,
        )
        .await
    }
}

/// Fleet mode (see [`crate::auth::fleet`]).
impl Auth {
    /// Shares this client's session with every process of `fleet` from its next login on
    /// (attach it before the first call). Fails when a fleet is already attached.
    pub fn use_session_store(&self, fleet: Fleet) -> Result<(), Error> {
        self.inner
            .fleet
            .set(Arc::new(fleet))
            .map_err(|_| Error::new(ErrorKind::Config, "this client already has a session store"))
    }

    /// The fleet attached, if any.
    pub fn fleet(&self) -> Option<&Arc<Fleet>> {
        self.inner.fleet.get()
    }

    /// The fleet generation of the current session when it is the fleet's (`None` without a
    /// fleet, before the first call, or while this process uses a session of its own).
    pub fn fleet_generation(&self) -> Option<u64> {
        let st = self.inner.state();
        (st.shared && st.session.is_some()).then_some(st.fleet_generation)
    }

    /// The fencing token of the process holding the fleet's renewal lock now, if any.
    pub async fn fleet_holder(&self) -> Result<Option<u64>, Error> {
        let fleet = self
            .fleet()
            .ok_or_else(|| Error::new(ErrorKind::Config, "this client has no session store"))?;
        match fleet.run(crate::auth::store::StoreOp::Holder).await? {
            crate::auth::store::StoreReply::Fence(fence) => Ok(fence),
            _ => Ok(None),
        }
    }

    /// Ends the fleet's shared session for every process: removes it from the store (with
    /// the leases and the lock), logs it out, and closes this client. Without a fleet, the
    /// same as [`Auth::close`]. A store failure is returned after the client is closed.
    pub async fn close_fleet(&self) -> Result<(), Error> {
        let Some(fleet) = self.fleet().cloned() else {
            return self.close().await;
        };
        let cleared = fleet.run(crate::auth::store::StoreOp::Clear).await;
        let mut first_err = None;
        match cleared {
            Ok(crate::auth::store::StoreReply::Session(Some(stored))) => {
                let mine = {
                    let mut st = self.inner.state();
                    let mine = st.shared && st.fleet_generation == stored.generation;
                    if mine {
                        // This client holds it: its close below logs it out.
                        st.shared = false;
                    }
                    mine
                };
                if !mine {
                    match fleet.open(&stored).await {
                        Ok(snapshot) => {
                            if let Err(e) = self
                                .logout_snapshot(snapshot, LogoutReason::FleetClosed)
                                .await
                            {
                                first_err = Some(e);
                            }
                        }
                        Err(e) => first_err = Some(e),
                    }
                }
            }
            Ok(_) => {}
            Err(e) => first_err = Some(e),
        }
        let closed = self.close().await;
        first_err.map_or(closed, Err)
    }

    /// Whether a session read from the fleet's store can serve this client: same vendor and
    /// API root (else a `Store` error: the fleet's name is shared by different clients), and
    /// not about to expire.
    pub(crate) fn accepts_fleet_session(&self, snapshot: &SessionSnapshot) -> Result<bool, Error> {
        if snapshot.vendor != self.inner.authenticator.vendor()
            || snapshot.base_url.trim_end_matches('/') != self.base_url()
        {
            return Err(Error::new(
                ErrorKind::Store,
                format!(
                    "the fleet's session is for {} {}, not this client's {} {}: give each \
                     service its own fleet name",
                    snapshot.vendor,
                    snapshot.base_url,
                    self.inner.authenticator.vendor(),
                    self.base_url()
                ),
            ));
        }
        let session = snapshot.to_session();
        Ok(!session.needs_refresh(self.inner.ctx.clock.now(), self.inner.refresh_lag))
    }

    /// Installs the fleet's session (generation `fleet_generation`) without logging in. A
    /// session of this process's own that it replaces is logged out.
    pub(crate) fn adopt_fleet_session(
        &self,
        fleet_generation: u64,
        snapshot: SessionSnapshot,
    ) -> Result<Ticket, Error> {
        self.inner.ctx.jar.restore(&snapshot.cookies);
        for (name, value) in &snapshot.headers {
            self.set_header(name, value)?;
        }
        let session = Arc::new(snapshot.to_session());
        let (ticket, replaced) = {
            let mut st = self.inner.state();
            if st.closed {
                return Err(closed_error());
            }
            let own = !st.shared && !st.dead;
            let replaced = take_stack(&mut st);
            st.generation += 1;
            st.session = Some(session.clone());
            st.shared = true;
            st.fleet_generation = fleet_generation;
            st.dead = false;
            st.last_failure = None;
            let ticket = Ticket {
                generation: st.generation,
                attempts: st.attempts,
                session: session.clone(),
            };
            (ticket, if own { replaced } else { Vec::new() })
        };
        tracing::info!(
            target: "bi_rest::session",
            event = "fleet_session",
            bi_rest.vendor = self.inner.ctx.vendor,
            fleet_generation,
            generation = ticket.generation,
            "using the fleet's session"
        );
        if !replaced.is_empty() {
            let authenticator = self.inner.authenticator.clone();
            let ctx = self.inner.ctx.clone();
            tokio::spawn(async move {
                // A failure is reported by `logout_stack` (event `logout_failed`).
                let _ = logout_stack(&*authenticator, &ctx, replaced, LogoutReason::Replaced).await;
            });
        }
        self.start_keep_alive(&session);
        Ok(ticket)
    }

    /// Marks the session of local generation `generation` as the fleet's (it was published
    /// as fleet generation `fleet_generation`).
    pub(crate) fn mark_shared(&self, generation: u64, fleet_generation: u64) {
        let mut st = self.inner.state();
        if st.generation == generation && !st.closed {
            st.shared = true;
            st.fleet_generation = fleet_generation;
        }
    }

    /// Whether the session of `generation` is the fleet's.
    pub(crate) fn is_shared(inner: &AuthInner, generation: u64) -> bool {
        let st = inner.state();
        st.shared && st.generation == generation
    }

    /// Logs out a session read from the store (not this client's current one).
    pub(crate) async fn logout_snapshot(
        &self,
        snapshot: SessionSnapshot,
        reason: LogoutReason,
    ) -> Result<(), Error> {
        self.inner.ctx.jar.restore(&snapshot.cookies);
        let session = Arc::new(snapshot.to_session());
        logout_stack(
            &*self.inner.authenticator,
            &self.inner.ctx,
            vec![session],
            reason,
        )
        .await
    }

    /// Starts renewing this process's fleet lease (once).
    pub(crate) fn start_lease_task(&self, fleet: &Arc<Fleet>) {
        spawn_once(&self.inner.lease_task, || {
            fleet::lease_loop(Arc::downgrade(&self.inner), fleet.clone())
        });
    }
}

/// Spawns the task `make` builds into `slot`, unless the task there still runs (without a
/// runtime, nothing is spawned).
fn spawn_once<F>(slot: &Mutex<Option<JoinHandle<()>>>, make: impl FnOnce() -> F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let mut task = slot.lock().unwrap_or_else(|p| p.into_inner());
    if task.as_ref().is_some_and(|t| !t.is_finished()) {
        return;
    }
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        *task = Some(handle.spawn(make()));
    }
}

/// The whole stack, top first, leaving none in `st`.
fn take_stack(st: &mut State) -> Vec<Arc<Session>> {
    let mut stack: Vec<Arc<Session>> = st.session.take().into_iter().collect();
    stack.extend(std::mem::take(&mut st.below).into_iter().rev());
    stack
}

/// Logs out every session of a stack, top first; all are tried, the first failure is returned.
async fn logout_stack(
    authenticator: &dyn Authenticator,
    ctx: &LoginContext,
    stack: Vec<Arc<Session>>,
    reason: LogoutReason,
) -> Result<(), Error> {
    telemetry::logout(ctx.vendor, reason, stack.len());
    let mut first_err = None;
    for session in stack {
        let logout = authenticator.logout(ctx, &session);
        if let Err(e) = session_step("logout", logout_options(ctx).scope(logout)).await {
            telemetry::logout_failed(ctx.vendor, reason, &e);
            first_err.get_or_insert(e);
        }
    }
    first_err.map_or(Ok(()), Err)
}

impl AuthInner {
    /// Stops the keep-alive and the fleet lease tasks.
    fn stop_tasks(&self) {
        for slot in [&self.keepalive_task, &self.lease_task] {
            if let Some(task) = slot.lock().unwrap_or_else(|p| p.into_inner()).take() {
                task.abort();
            }
        }
    }
}

impl Drop for AuthInner {
    fn drop(&mut self) {
        self.stop_tasks();
        let st = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        if st.closed || st.shared || !self.logout_on_drop.load(Ordering::Relaxed) {
            return;
        }
        if st.dead && st.below.is_empty() {
            return;
        }
        let stack = take_stack(st);
        if stack.is_empty() {
            return;
        }
        let authenticator = self.authenticator.clone();
        let ctx = self.ctx.clone();
        match tokio::runtime::Handle::try_current() {
            // On a multi-thread runtime (`#[tokio::main]`'s default) the logout completes
            // before the drop returns: a task spawned instead would die with the runtime when
            // the drop is the last thing `main` does. The worker hands its other tasks over
            // while it waits.
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(move || logout_on_own_thread(authenticator, ctx, stack))
            }
            // A current-thread runtime cannot be blocked (the server may be one of its own
            // tasks, as in tests): the logout is spawned on it, and runs if the runtime lives.
            Ok(handle) => {
                handle.spawn(async move {
                    // A failure is reported by `logout_stack` (event `logout_failed`).
                    let _ = logout_stack(&*authenticator, &ctx, stack, LogoutReason::Drop).await;
                });
            }
            // No runtime at all: a thread of its own.
            Err(_) => logout_on_own_thread(authenticator, ctx, stack),
        }
    }
}

/// Logs `stack` out on a new thread with its own runtime and a fresh HTTP client (the
/// client's pooled connections belong to the caller's runtime), and waits for it (at most
/// [`DROP_LOGOUT_LIMIT`]).
fn logout_on_own_thread(
    authenticator: Arc<dyn Authenticator>,
    ctx: LoginContext,
    stack: Vec<Arc<Session>>,
) {
    let logout = std::thread::Builder::new()
        .name("bi-rest-logout".into())
        .spawn(move || {
            let ctx = match ctx.with_fresh_client() {
                Ok(ctx) => ctx,
                Err(e) => {
                    tracing::warn!(error = %e, "no HTTP client for the logout on drop");
                    return;
                }
            };
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => {
                    tracing::warn!(error = %e, "no runtime for the logout on drop");
                    return;
                }
            };
            let ending = logout_stack(&*authenticator, &ctx, stack, LogoutReason::Drop);
            let bounded = async { tokio::time::timeout(DROP_LOGOUT_LIMIT, ending).await };
            // A failure is reported by `logout_stack` (event `logout_failed`).
            if runtime.block_on(bounded).is_err() {
                tracing::warn!(
                    target: "bi_rest::session",
                    event = "logout_failed",
                    reason = "dropped without close",
                    error.type = "timeout",
                    "logout on drop timed out"
                );
            }
        });
    match logout {
        Ok(thread) => {
            let _ = thread.join();
        }
        Err(e) => tracing::warn!(
            error = %e,
            "client dropped without close: the server session was not logged out"
        ),
    }
}

/// How long a drop outside any runtime waits for the logout.
const DROP_LOGOUT_LIMIT: Duration = Duration::from_secs(10);

/// The longest a logout may take (or the request timeout, when shorter): a logout is best
/// effort, and a server that stopped answering must not hold the caller for another full
/// request timeout.
pub const LOGOUT_TIMEOUT: Duration = Duration::from_secs(10);

fn logout_options(ctx: &LoginContext) -> CallOptions {
    let timeout = ctx
        .transport
        .timeout
        .map_or(LOGOUT_TIMEOUT, |t| t.min(LOGOUT_TIMEOUT));
    CallOptions::new().timeout(timeout)
}

async fn read_response(
    response: Response,
) -> reqwest::Result<(StatusCode, Version, HeaderMap, Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?;
    Ok((status, version, headers, body))
}

/// The failed login's own response kept in `err` (e.g. 401 `ERR003`), marked with its kind.
fn captured_response(err: &Error) -> Option<Response> {
    let c = err.captured()?;
    Some(rebuild(
        c.status,
        Version::HTTP_11,
        c.headers.clone(),
        c.body.clone(),
        Some(err.kind()),
    ))
}

/// Rebuilds a response from its parts (after its body was read), optionally marking it with
/// the [`ERROR_KIND_HEADER`].
pub(crate) fn rebuild(
    status: StatusCode,
    version: Version,
    mut headers: HeaderMap,
    body: Bytes,
    kind: Option<ErrorKind>,
) -> Response {
    if let Some(kind) = kind {
        headers.insert(
            HeaderName::from_static(ERROR_KIND_HEADER),
            HeaderValue::from_static(kind.as_str()),
        );
    }
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.version_mut() = version;
    *response.headers_mut() = headers;
    Response::from(response)
}

/// Decodes a JSON response body; a wrong content type or bad JSON is a `Decode` error that
/// keeps the start of the body.
pub async fn decode_json<T: DeserializeOwned>(response: Response) -> Result<T, Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::from_reqwest)?;
    serde_json::from_slice(&body).map_err(|e| {
        let mut vendor = VendorError::from_raw(status, &headers, &body);
        vendor.raw_body = truncate_body(&body);
        vendor.message = Some(format!("cannot decode the response body: {e}"));
        Error::from_vendor(ErrorKind::Decode, "http", vendor).with_source(e)
    })
}

#[cfg(test)]
mod tests {
    /// The futures of the common path are moved into every caller's state on every call;
    /// they stay small because the rare paths (login, retries, replay, error bodies) are
    /// boxed. Before that design they were 3.5 KB and copying them cost measurable time.
    #[test]
    fn common_path_futures_stay_small() {
        let client = crate::mstr::MstrClient::builder("http://127.0.0.1:9/api")
            .standard("user", crate::credentials::Credential::value("pass"))
            .build()
            .expect("a client for a loopback URL builds");
        let auth = client.auth();
        let request = || auth.request(reqwest::Method::GET, "/sessions");
        let sizes = [
            (
                "MstrClient::send",
                std::mem::size_of_val(&client.send(request())),
            ),
            (
                "Auth::send_checked",
                std::mem::size_of_val(&auth.send_checked(request())),
            ),
            ("Auth::send", std::mem::size_of_val(&auth.send(request()))),
            (
                "Auth::execute",
                std::mem::size_of_val(&auth.execute(
                    request().build().expect("a valid request"),
                    "getSessionInfo",
                )),
            ),
        ];
        for (name, size) in sizes {
            eprintln!("{name}: {size} bytes");
            assert!(size <= 384, "{name}'s future is {size} bytes (limit 384)");
        }
    }
}
