//! A local Looker API server for tests and demos (loopback only).
//!
//! Faithful to what the auth layer relies on:
//! - `POST /api/{3.0|3.1|4.0}/login` takes `client_id` / `client_secret` as a form-urlencoded
//!   body and answers an `AccessToken`; credentials in the query string are refused with 400.
//! - every other call needs `Authorization: token <t>` (or `Bearer <t>`), else 401 `Error`.
//! - `POST /login/{user_id}` (sudo, admin only; string id in 4.0, integer in 3.x),
//!   `DELETE /logout` (204, empty body).
//! - a few endpoints with Looker-shaped bodies, `run_look` / `run_query` in json, txt, csv and
//!   png, `POST /queries` validation (422 `ValidationError`), 404 `Error`, and 429 with
//!   `Retry-After` through fault injection.
//! - a per-user token cap ([`LookerSimConfig::max_sessions`]): a login (`POST /login` or sudo
//!   `POST /login/{user_id}`) that would give a user one live token too many is refused with
//!   `429 Too Many Requests` and a Looker `Error` body (`{message, documentation_url}`), the
//!   status and shape the 4.0 spec declares for both login operations; the message names the
//!   limit. Logging a token out (or its expiry) frees the slot. Looker documents no such cap;
//!   this is the simulator's choice.
//!
//! It runs on the shared plumbing ([`super::serve`]): 127.0.0.1 only, port
//! [`LookerSimConfig::port`] (0 = a free one), and rate-based faults from
//! [`LookerSimConfig::faults`] ([`LookerSim::faults`] changes them at run time): 5xx (500 with
//! a Looker `Error` body), dropped connection, slow reply, HTML 502 page, expired session (the
//! caller's token is dropped, so the call gets 401 `Requires authentication.`) and 429 (Looker
//! `Error` body, `Retry-After`). Exact, queued faults on API calls: [`LookerSim::inject`].
//!
//! Counters ([`LookerSimStats`]) let tests assert exact numbers of logins, logouts and live tokens.
//!
//! ```
//! use bi_rest::sim::looker::{start, LookerSimConfig, ADMIN_CLIENT_ID, ADMIN_CLIENT_SECRET};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = start(LookerSimConfig { max_sessions: Some(1), ..LookerSimConfig::default() }).await?;
//! let http = reqwest::Client::new();
//! let login = || {
//!     http.post(format!("{}/api/4.0/login", sim.base_url()))
//!         .form(&[("client_id", ADMIN_CLIENT_ID), ("client_secret", ADMIN_CLIENT_SECRET)])
//!         .send()
//! };
//! assert_eq!(login().await?.status(), 200);
//! assert_eq!(login().await?.status(), 429); // one token per user
//! assert_eq!(sim.stats().live_tokens, 1);
//! # Ok(()) }
//! ```

#![allow(clippy::result_large_err)] // axum handlers return `Response` as their error

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::faults::{ExpireSessionFault, FaultInjector, Faults};
use super::record::Recorder;
use super::{serve, RunningSim, ServeOptions, SimError};

mod api;
mod content;

/// Whether the simulator answers the Looker operation `operation_id` with a stateful
/// handler (the rest of the spec gets the spec-driven default).
pub fn is_stateful(operation_id: &str) -> bool {
    api::is_stateful(operation_id) || matches!(operation_id, "login" | "login_user" | "logout")
}

/// The Looker release the simulator reports by default (`GET /versions`).
pub const DEFAULT_SERVER_VERSION: &str = "26.22.0";

/// The documentation URL Looker puts in its error bodies.
pub const DOC_URL: &str = "https://cloud.google.com/looker/docs/r/api/support";

/// A user known to the simulator.
#[derive(Clone, Debug)]
pub struct SimUser {
    /// Numeric id (rendered as a string in 4.0 bodies, as a number in 3.x bodies).
    pub id: u64,
    /// Display name.
    pub display_name: String,
    /// Email address.
    pub email: String,
    /// Whether this user may sudo as others.
    pub is_admin: bool,
    /// API3 client id of this user, if it has API credentials.
    pub client_id: Option<String>,
    /// API3 client secret (test data, not a real secret).
    pub client_secret: Option<String>,
}

/// Simulator configuration.
#[derive(Clone, Debug)]
pub struct LookerSimConfig {
    /// `expires_in` of issued tokens; tokens stop working after it.
    pub token_ttl: Duration,
    /// Users and their API credentials.
    pub users: Vec<SimUser>,
    /// Time spent inside each login before answering (to widen races in tests).
    pub login_delay: Duration,
    /// Port on 127.0.0.1 to bind; 0 (the default) picks a free port.
    pub port: u16,
    /// Most live tokens a user may hold at once, own logins and sudo tokens acting as that
    /// user together (`None`, the default: unlimited). One more login gets 429.
    pub max_sessions: Option<usize>,
    /// Random faults by rate, applied by the shared plumbing; none by default.
    pub faults: Faults,
    /// Seed of the fault draws and ticket ids (same seed, same faults).
    pub seed: u64,
    /// The release `GET /versions` reports (`looker_release_version`).
    pub server_version: String,
    /// Records every exchange served (see [`super::record`]).
    pub recorder: Option<Arc<Recorder>>,
    /// The shape of login answers: with [`AnswerShape::Variant`](super::AnswerShape::Variant)
    /// `expires_in` comes as text, `token_type` is missing and an undocumented `scope` object
    /// is added.
    pub answer_shape: super::AnswerShape,
}

impl Default for LookerSimConfig {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(3600),
            users: vec![
                SimUser {
                    id: 1,
                    display_name: "Ada Admin".into(),
                    email: "ada@example.com".into(),
                    is_admin: true,
                    client_id: Some(ADMIN_CLIENT_ID.into()),
                    client_secret: Some(ADMIN_CLIENT_SECRET.into()),
                },
                SimUser {
                    id: 2,
                    display_name: "Bob Builder".into(),
                    email: "bob@example.com".into(),
                    is_admin: false,
                    client_id: Some(USER_CLIENT_ID.into()),
                    client_secret: Some(USER_CLIENT_SECRET.into()),
                },
                SimUser {
                    id: 3,
                    display_name: "Cleo Viewer".into(),
                    email: "cleo@example.com".into(),
                    is_admin: false,
                    client_id: None,
                    client_secret: None,
                },
            ],
            login_delay: Duration::ZERO,
            port: 0,
            max_sessions: None,
            faults: Faults::none(),
            seed: 1,
            server_version: DEFAULT_SERVER_VERSION.into(),
            recorder: None,
            answer_shape: super::AnswerShape::Documented,
        }
    }
}

/// Client id of the default admin user (id 1).
pub const ADMIN_CLIENT_ID: &str = "sim-admin-client";
/// Client secret of the default admin user (test data).
pub const ADMIN_CLIENT_SECRET: &str = "sim-admin-secret";
/// Client id of the default non-admin user (id 2).
pub const USER_CLIENT_ID: &str = "sim-user-client";
/// Client secret of the default non-admin user (test data).
pub const USER_CLIENT_SECRET: &str = "sim-user-secret";

/// A canned failure returned instead of the next API call's answer.
#[derive(Clone, Debug)]
pub struct Fault {
    /// HTTP status to return.
    pub status: u16,
    /// `Retry-After` header value (seconds), if any.
    pub retry_after: Option<u64>,
    /// JSON body; defaults to a Looker `Error` body.
    pub body: Option<Value>,
}

impl Fault {
    /// A 429 with `Retry-After: secs` and a Looker `Error` body.
    pub fn too_many_requests(secs: u64) -> Self {
        Self {
            status: 429,
            retry_after: Some(secs),
            body: None,
        }
    }

    /// Any status with a Looker `Error` body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            retry_after: None,
            body: None,
        }
    }
}

/// A snapshot of the simulator's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookerSimStats {
    /// Successful `POST /login` (client credentials) answers.
    pub logins: u64,
    /// Refused logins (bad credentials or credentials in the query string).
    pub failed_logins: u64,
    /// Successful sudo logins (`POST /login/{user_id}`).
    pub sudo_logins: u64,
    /// Successful `DELETE /logout` answers.
    pub logouts: u64,
    /// Tokens issued and neither logged out nor expired.
    pub live_tokens: u64,
    /// Requests to endpoints other than login/logout (authenticated or not).
    pub calls: u64,
    /// 401 answers.
    pub unauthorized: u64,
    /// Logins refused with 429 because the user already held `max_sessions` live tokens.
    pub session_limit_refusals: u64,
    /// Calls answered by the spec-driven default (operations without a stateful handler).
    pub spec_defaults: u64,
    /// Requests for routes no spec declares (answered 404).
    pub unrouted: u64,
}

#[derive(Clone, Debug)]
struct TokenInfo {
    user_id: u64,
    sudo: bool,
    expires_at: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    tokens: HashMap<String, TokenInfo>,
    faults: VecDeque<Fault>,
    secrets: HashMap<String, (u64, String)>,
    content: content::Store,
    last_login: Option<LoginSeen>,
}

/// What the last login request looked like (for header/body assertions in tests).
#[derive(Clone, Debug, Default)]
pub struct LoginSeen {
    /// The request's content type.
    pub content_type: Option<String>,
    /// The raw query string of the login URL (must carry no credentials).
    pub query: Option<String>,
    /// The client id sent in the body.
    pub client_id: Option<String>,
}

struct Shared {
    config: LookerSimConfig,
    inner: Mutex<Inner>,
    logins: AtomicU64,
    failed_logins: AtomicU64,
    sudo_logins: AtomicU64,
    logouts: AtomicU64,
    calls: AtomicU64,
    unauthorized: AtomicU64,
    session_limit_refusals: AtomicU64,
    spec_defaults: AtomicU64,
    unrouted: AtomicU64,
    next_id: AtomicU64,
    last_auth_header: Mutex<Option<String>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A poisoned lock only means a handler panicked; the data is still usable for a sim.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues a token for `user_id` unless the user already holds `max_sessions` live tokens
    /// (`Err` is then the 429 reply). The check and the insert happen under one lock.
    fn issue_token(&self, user_id: u64, sudo: bool) -> Result<String, Response> {
        let token = self.token_text();
        let now = Instant::now();
        let mut inner = self.lock();
        if let Some(cap) = self.config.max_sessions {
            inner.tokens.retain(|_, t| t.expires_at > now);
            let held = inner
                .tokens
                .values()
                .filter(|t| t.user_id == user_id)
                .count();
            if held >= cap {
                drop(inner);
                self.session_limit_refusals.fetch_add(1, Ordering::SeqCst);
                return Err(error_response(
                    StatusCode::TOO_MANY_REQUESTS,
                    &format!(
                        "Too many active API sessions for this user: {held} of {cap} allowed. \
                         Log out an existing session first."
                    ),
                ));
            }
        }
        inner.tokens.insert(
            token.clone(),
            TokenInfo {
                user_id,
                sudo,
                expires_at: now + self.config.token_ttl,
            },
        );
        Ok(token)
    }

    fn token_text(&self) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!(
            "lk{:016x}{:016x}{n:04x}",
            nanos as u64,
            mix(nanos as u64 ^ n)
        )
    }
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

/// A running simulator; shuts down when dropped.
pub struct LookerSim {
    running: RunningSim,
    shared: Arc<Shared>,
    injector: Arc<FaultInjector>,
}

impl std::fmt::Debug for LookerSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookerSim")
            .field("addr", &self.running.addr())
            .finish()
    }
}

/// Starts a simulator on 127.0.0.1 (port `config.port`, 0 = a free port), through the shared
/// plumbing ([`super::serve`]: loopback bind, rate-based faults from `config.faults`).
pub async fn start(config: LookerSimConfig) -> Result<LookerSim, SimError> {
    if config.max_sessions == Some(0) {
        return Err(SimError::Config {
            setting: "max_sessions".into(),
            reason: "must be at least 1".into(),
        });
    }
    let injector = Arc::new(FaultInjector::new(config.faults.clone(), config.seed));
    let port = config.port;
    let secrets = config
        .users
        .iter()
        .filter_map(|u| match (&u.client_id, &u.client_secret) {
            (Some(id), Some(secret)) => Some((id.clone(), (u.id, secret.clone()))),
            _ => None,
        })
        .collect();
    let seeded = content::Store::seeded(&config.users);
    let shared = Arc::new(Shared {
        config,
        inner: Mutex::new(Inner {
            secrets,
            content: seeded,
            ..Inner::default()
        }),
        logins: AtomicU64::new(0),
        failed_logins: AtomicU64::new(0),
        sudo_logins: AtomicU64::new(0),
        logouts: AtomicU64::new(0),
        calls: AtomicU64::new(0),
        unauthorized: AtomicU64::new(0),
        session_limit_refusals: AtomicU64::new(0),
        spec_defaults: AtomicU64::new(0),
        unrouted: AtomicU64::new(0),
        next_id: AtomicU64::new(1),
        last_auth_header: Mutex::new(None),
    });
    let mut options = ServeOptions::new(injector.clone());
    options.port = port;
    options.recorder = shared.config.recorder.clone();
    options.vendor = "looker";
    options.server_error = Arc::new(|_ticket| {
        error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
    });
    options.rate_limited =
        Arc::new(|_ticket| error_response(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests"));
    let running = serve(router(shared.clone()), options).await?;
    Ok(LookerSim {
        running,
        shared,
        injector,
    })
}

impl LookerSim {
    /// The server root, `http://127.0.0.1:PORT` (like looker.ini's `base_url`, without `/api/x.y`).
    pub fn base_url(&self) -> String {
        self.running.origin()
    }

    /// The socket address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.running.addr()
    }

    /// The shared fault injector: change rates at run time, read how many faults were
    /// injected.
    pub fn faults(&self) -> &FaultInjector {
        &self.injector
    }

    /// Current counters.
    pub fn stats(&self) -> LookerSimStats {
        let now = Instant::now();
        let live = self
            .shared
            .lock()
            .tokens
            .values()
            .filter(|t| t.expires_at > now)
            .count() as u64;
        LookerSimStats {
            logins: self.shared.logins.load(Ordering::SeqCst),
            failed_logins: self.shared.failed_logins.load(Ordering::SeqCst),
            sudo_logins: self.shared.sudo_logins.load(Ordering::SeqCst),
            logouts: self.shared.logouts.load(Ordering::SeqCst),
            live_tokens: live,
            calls: self.shared.calls.load(Ordering::SeqCst),
            unauthorized: self.shared.unauthorized.load(Ordering::SeqCst),
            session_limit_refusals: self.shared.session_limit_refusals.load(Ordering::SeqCst),
            spec_defaults: self.shared.spec_defaults.load(Ordering::SeqCst),
            unrouted: self.shared.unrouted.load(Ordering::SeqCst),
        }
    }

    /// Expires every issued token now (the next call with any of them gets 401).
    pub fn expire_all(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Queues faults returned, in order, instead of the next API calls (not login/logout).
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.lock().faults.extend(faults);
    }

    /// Changes the secret of an API client (to test rotation).
    pub fn rotate_secret(&self, client_id: &str, new_secret: &str) {
        let mut inner = self.shared.lock();
        if let Some(entry) = inner.secrets.get_mut(client_id) {
            entry.1 = new_secret.to_string();
        }
    }

    /// What the last login request looked like.
    pub fn last_login(&self) -> Option<LoginSeen> {
        self.shared.lock().last_login.clone()
    }

    /// The `Authorization` header of the last authenticated API call.
    pub fn last_authorization(&self) -> Option<String> {
        self.shared
            .last_auth_header
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Stops the server (without waiting; dropping the handle does the same).
    pub fn shutdown(self) {
        drop(self);
    }

    /// Stops the server, closes open connections and waits for the accept loop to end.
    pub async fn shutdown_and_wait(self) {
        self.running.shutdown().await;
    }
}

type St = State<Arc<Shared>>;

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/{ver}/login", post(login))
        .route("/api/{ver}/login/{user_id}", post(login_user))
        .route("/api/{ver}/logout", delete(logout))
        // The official SDKs log out with `DELETE /api/logout` (no version in the path).
        .route("/api/logout", delete(logout_unversioned))
        .fallback(api::api)
        .method_not_allowed_fallback(api::api)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            expire_session_fault,
        ))
        .with_state(shared)
}

/// The shared plumbing's "expired session" fault: the caller's token is dropped just before
/// the request is handled, so it meets the 401 of a timed-out token.
async fn expire_session_fault(State(s): St, req: Request, next: Next) -> Response {
    if req.extensions().get::<ExpireSessionFault>().is_some() {
        let token = bearer_token(req.headers()).to_string();
        if !token.is_empty() {
            s.lock().tokens.remove(&token);
        }
    }
    next.run(req).await
}

/// The token of an `Authorization: token <t>` (or `Bearer <t>`) header; empty if none.
fn bearer_token(headers: &HeaderMap) -> &str {
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    raw.strip_prefix("token ")
        .or_else(|| raw.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("")
}

fn error_response(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({"message": message, "documentation_url": DOC_URL})),
    )
        .into_response()
}

fn version_ok(ver: &str) -> bool {
    matches!(ver, "3.0" | "3.1" | "4.0")
}

async fn login(
    State(s): St,
    Path(ver): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !version_ok(&ver) {
        return error_response(StatusCode::NOT_FOUND, "Not found");
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    s.lock().last_login = Some(LoginSeen {
        content_type: content_type.clone(),
        query: query.clone(),
        client_id: form.get("client_id").cloned(),
    });
    let query_has_creds = query.as_deref().is_some_and(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .any(|(k, _)| k == "client_id" || k == "client_secret")
    });
    if query_has_creds {
        s.failed_logins.fetch_add(1, Ordering::SeqCst);
        return error_response(
            StatusCode::BAD_REQUEST,
            "client_id and client_secret must be sent in the request body, not the URL",
        );
    }
    if !s.config.login_delay.is_zero() {
        tokio::time::sleep(s.config.login_delay).await;
    }
    let (Some(id), Some(secret)) = (form.get("client_id"), form.get("client_secret")) else {
        s.failed_logins.fetch_add(1, Ordering::SeqCst);
        return error_response(StatusCode::NOT_FOUND, "Not found");
    };
    let user_id = {
        let inner = s.lock();
        match inner.secrets.get(id) {
            Some((uid, expected)) if expected == secret => Some(*uid),
            _ => None,
        }
    };
    let Some(user_id) = user_id else {
        s.failed_logins.fetch_add(1, Ordering::SeqCst);
        return error_response(StatusCode::NOT_FOUND, "Not found");
    };
    let token = match s.issue_token(user_id, false) {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    s.logins.fetch_add(1, Ordering::SeqCst);
    Json(access_token(&s, &ver, token)).into_response()
}

fn access_token(s: &Shared, ver: &str, token: String) -> Value {
    let mut v = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": s.config.token_ttl.as_secs(),
    });
    if ver == "4.0" {
        v["refresh_token"] = Value::Null;
    }
    if s.config.answer_shape == super::AnswerShape::Variant {
        v["expires_in"] = json!(s.config.token_ttl.as_secs().to_string());
        v["scope"] = json!({"api": ["read", "write"]});
        if let Some(fields) = v.as_object_mut() {
            fields.remove("token_type");
        }
    }
    v
}

/// Authenticates a request; `Err` is the response to send.
fn authenticate(
    s: &Shared,
    ver: &str,
    headers: &HeaderMap,
) -> Result<(String, TokenInfo), Response> {
    if !version_ok(ver) {
        return Err(error_response(StatusCode::NOT_FOUND, "Not found"));
    }
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = bearer_token(headers);
    let found = {
        let mut inner = s.lock();
        match inner.tokens.get(token) {
            Some(t) if t.expires_at > Instant::now() => Some(t.clone()),
            Some(_) => {
                inner.tokens.remove(token);
                None
            }
            None => None,
        }
    };
    match found {
        Some(t) => {
            *s.last_auth_header.lock().unwrap_or_else(|e| e.into_inner()) = Some(raw.to_string());
            Ok((token.to_string(), t))
        }
        None => {
            s.unauthorized.fetch_add(1, Ordering::SeqCst);
            Err(error_response(
                StatusCode::UNAUTHORIZED,
                "Requires authentication.",
            ))
        }
    }
}

/// Authentication plus the call counter and fault injection for ordinary API calls.
fn api_call(s: &Shared, ver: &str, headers: &HeaderMap) -> Result<TokenInfo, Response> {
    s.calls.fetch_add(1, Ordering::SeqCst);
    let (_, info) = authenticate(s, ver, headers)?;
    let fault = s.lock().faults.pop_front();
    if let Some(f) = fault {
        let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = f.body.unwrap_or_else(|| {
            json!({"message": status.canonical_reason().unwrap_or("Error"), "documentation_url": DOC_URL})
        });
        let mut resp = (status, Json(body)).into_response();
        if let Some(secs) = f.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        return Err(resp);
    }
    Ok(info)
}

async fn login_user(
    State(s): St,
    Path((ver, user_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let (_, caller) = match authenticate(&s, &ver, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let target: u64 = match user_id.parse() {
        Ok(v) => v,
        Err(_) if ver == "4.0" => return error_response(StatusCode::NOT_FOUND, "Not found"),
        Err(_) => {
            return error_response(StatusCode::BAD_REQUEST, "user_id must be an integer");
        }
    };
    let is_admin = s
        .config
        .users
        .iter()
        .any(|u| u.id == caller.user_id && u.is_admin);
    if !is_admin || caller.sudo {
        return error_response(StatusCode::FORBIDDEN, "Forbidden");
    }
    if !s.config.users.iter().any(|u| u.id == target) {
        return error_response(StatusCode::NOT_FOUND, "Not found");
    }
    let token = match s.issue_token(target, true) {
        Ok(t) => t,
        Err(refused) => return refused,
    };
    s.sudo_logins.fetch_add(1, Ordering::SeqCst);
    Json(access_token(&s, &ver, token)).into_response()
}

async fn logout_unversioned(state: St, headers: HeaderMap) -> Response {
    logout(state, Path("4.0".to_string()), headers).await
}

async fn logout(State(s): St, Path(ver): Path<String>, headers: HeaderMap) -> Response {
    let (token, _) = match authenticate(&s, &ver, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    s.lock().tokens.remove(&token);
    s.logouts.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT.into_response()
}

/// A valid 1x1 PNG image.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];
