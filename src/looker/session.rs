//! The Looker session: login, token on every call, refresh before expiry, single-flight
//! re-login with one replay after a 401, bounded 429 retries, sudo, logout on close.
//!
//! Facts taken from the official Python SDK (looker-open-source/sdk-codegen,
//! `python/looker_sdk/rtl/auth_session.py`, `auth_token.py`):
//! - login is `POST {base_url}/api/{version}/login` with an `application/x-www-form-urlencoded`
//!   body of `client_id` and `client_secret` (never the URL), and the credentials are read again
//!   at every login (`_login` calls `read_config()`);
//! - a token is treated as expired `lag_time = 10` seconds before `expires_in` runs out;
//! - sudo is `POST /login/{user_id}` authenticated with the admin token; the sudo token is
//!   separate, and logging the sudo session out logs out only that token;
//! - logout is `DELETE /logout` with the token to end.
//!
//! Differences, on purpose: the header is `Authorization: token <t>` (Looker's documented form;
//! the SDK sends `Bearer`, which Looker also accepts); the lag is capped at half the token
//! lifetime so a short TTL does not cause a login per call; concurrent callers share one login;
//! a token replaced before its expiry is logged out so none is left alive.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, AUTHORIZATION, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::{LookerError, LookerErrorKind};
use super::settings::{ApiVersion, LookerSettings};
use crate::credentials::Credential;

/// Bounds for retrying idempotent calls answered 429.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts for one call, the first included (1 = never retry).
    pub max_tries: u32,
    /// Longest single wait honoured; a larger `Retry-After` returns the 429 at once.
    pub max_wait: Duration,
    /// Wait used when a 429 has no usable `Retry-After`.
    pub default_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_tries: 3,
            max_wait: Duration::from_secs(30),
            default_wait: Duration::from_secs(1),
        }
    }
}

/// The SDKs' refresh lag (`lag_time = 10` in auth_token.py).
pub const DEFAULT_REFRESH_LAG: Duration = Duration::from_secs(10);

#[derive(Deserialize)]
struct AccessToken {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

struct Token {
    access: SecretString,
    expires_at: Option<Instant>,
}

impl Token {
    fn is_fresh(&self, now: Instant) -> bool {
        self.expires_at.is_none_or(|t| t > now)
    }
}

#[derive(Default)]
struct TokenState {
    token: Option<Token>,
    generation: u64,
}

enum LoginKind {
    Credentials {
        client_id: Credential,
        client_secret: Credential,
    },
    Sudo {
        admin: LookerClient,
        user_id: String,
    },
}

struct Inner {
    http: reqwest::Client,
    api_root: String,
    version: ApiVersion,
    login: LoginKind,
    state: Mutex<TokenState>,
    login_lock: tokio::sync::Mutex<()>,
    refresh_lag: Duration,
    retry: RetryPolicy,
    closed: AtomicBool,
    logins: AtomicU64,
}

impl Inner {
    fn state(&self) -> MutexGuard<'_, TokenState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// An authenticated Looker API client (cheap to clone; clones share one session).
#[derive(Clone)]
pub struct LookerClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LookerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("LookerClient");
        d.field("api_root", &self.inner.api_root);
        match &self.inner.login {
            LoginKind::Credentials { client_id, .. } => {
                d.field("client_id", &client_id.describe());
                d.field("client_secret", &"[REDACTED]");
            }
            LoginKind::Sudo { user_id, .. } => {
                d.field("sudo_user_id", user_id);
            }
        }
        d.field("logged_in", &self.inner.state().token.is_some());
        d.finish()
    }
}

/// Builds a [`LookerClient`].
pub struct LookerClientBuilder {
    settings: LookerSettings,
    http: Option<reqwest::Client>,
    refresh_lag: Duration,
    retry: RetryPolicy,
    api_root: Option<String>,
}

impl LookerClientBuilder {
    /// Overrides the API root (default `{base_url}/api/{version}`), e.g. for a mock server
    /// that serves the spec's paths at its root, or a proxy with another prefix.
    pub fn api_root(mut self, root: &str) -> Self {
        self.api_root = Some(root.trim_end_matches('/').to_string());
        self
    }

    /// Uses this reqwest client (its TLS/timeout settings then replace the settings' ones).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// How long before `expires_in` runs out the token is renewed (default 10 s, capped at half
    /// the token lifetime).
    pub fn refresh_lag(mut self, lag: Duration) -> Self {
        self.refresh_lag = lag;
        self
    }

    /// Bounds for 429 retries of idempotent calls.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Builds the client (no request is sent until the first call or [`LookerClient::login`]).
    pub fn build(self) -> Result<LookerClient, LookerError> {
        let http = match self.http {
            Some(h) => h,
            None => {
                let mut b = reqwest::Client::builder().timeout(self.settings.timeout);
                if !self.settings.verify_ssl {
                    tracing::warn!(
                        "Looker TLS certificate verification is disabled (verify_ssl=false)"
                    );
                    b = b.danger_accept_invalid_certs(true);
                }
                b.build()
                    .map_err(|e| LookerError::network("building HTTP client", e))?
            }
        };
        let api_root = self.api_root.unwrap_or_else(|| self.settings.api_root());
        url::Url::parse(&api_root).map_err(|e| {
            LookerError::new(LookerErrorKind::Usage, format!("base_url {api_root:?}"))
                .with_source(e)
        })?;
        Ok(LookerClient {
            inner: Arc::new(Inner {
                http,
                api_root,
                version: self.settings.api_version,
                login: LoginKind::Credentials {
                    client_id: self.settings.client_id,
                    client_secret: self.settings.client_secret,
                },
                state: Mutex::new(TokenState::default()),
                login_lock: tokio::sync::Mutex::new(()),
                refresh_lag: self.refresh_lag,
                retry: self.retry,
                closed: AtomicBool::new(false),
                logins: AtomicU64::new(0),
            }),
        })
    }
}

fn is_idempotent(m: &Method) -> bool {
    matches!(
        *m,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
    )
}

fn retry_after(resp: &reqwest::Response) -> Option<Duration> {
    resp.headers()
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn auth_header(token: &SecretString) -> Result<HeaderValue, LookerError> {
    let mut v =
        HeaderValue::from_str(&format!("token {}", token.expose_secret())).map_err(|_| {
            LookerError::new(
                LookerErrorKind::LoginFailed,
                "login answered an access token that is not a valid header value",
            )
        })?;
    v.set_sensitive(true);
    Ok(v)
}

impl LookerClient {
    /// Starts building a client from settings.
    pub fn builder(settings: LookerSettings) -> LookerClientBuilder {
        LookerClientBuilder {
            settings,
            http: None,
            refresh_lag: DEFAULT_REFRESH_LAG,
            retry: RetryPolicy::default(),
            api_root: None,
        }
    }

    /// A client with default policies.
    pub fn new(settings: LookerSettings) -> Result<Self, LookerError> {
        Self::builder(settings).build()
    }

    /// The API root, e.g. `https://host:19999/api/4.0`.
    pub fn api_root(&self) -> &str {
        &self.inner.api_root
    }

    /// The API version of this client.
    pub fn api_version(&self) -> ApiVersion {
        self.inner.version
    }

    /// The underlying HTTP client (no auth attached).
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// Logins this client performed so far (sudo logins count on the sudo client).
    pub fn login_count(&self) -> u64 {
        self.inner.logins.load(Ordering::SeqCst)
    }

    /// Whether [`LookerClient::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    /// Logs in now if there is no fresh token (calls do this on their own).
    pub async fn login(&self) -> Result<(), LookerError> {
        self.token().await.map(|_| ())
    }

    /// A fresh token and its generation, logging in (once for all callers) when needed.
    async fn token(&self) -> Result<(SecretString, u64), LookerError> {
        if self.is_closed() {
            return Err(LookerError::new(LookerErrorKind::Closed, "session closed"));
        }
        let seen = {
            let st = self.inner.state();
            if let Some(t) = st.token.as_ref().filter(|t| t.is_fresh(Instant::now())) {
                return Ok((t.access.clone(), st.generation));
            }
            st.generation
        };
        self.relogin(seen, false).await
    }

    /// Single-flight login. `seen` is the generation the caller saw fail or expire; when another
    /// caller already replaced it, its token is used. `dead` says the server refused that token
    /// (so it needs no logout).
    async fn relogin(&self, seen: u64, dead: bool) -> Result<(SecretString, u64), LookerError> {
        let _guard = self.inner.login_lock.lock().await;
        if self.is_closed() {
            return Err(LookerError::new(LookerErrorKind::Closed, "session closed"));
        }
        let old = {
            let mut st = self.inner.state();
            if st.generation != seen {
                if let Some(t) = st.token.as_ref().filter(|t| t.is_fresh(Instant::now())) {
                    return Ok((t.access.clone(), st.generation));
                }
            }
            st.token.take()
        };
        if let (Some(old), false) = (old, dead) {
            // Renewed ahead of expiry: end the old token so no token is left alive.
            let _ = self.logout_token(&old.access).await;
        }
        let token = self.do_login().await?;
        self.inner.logins.fetch_add(1, Ordering::SeqCst);
        let mut st = self.inner.state();
        st.generation += 1;
        let access = token.access.clone();
        st.token = Some(token);
        Ok((access, st.generation))
    }

    async fn do_login(&self) -> Result<Token, LookerError> {
        let (resp, ctx) = match &self.inner.login {
            LoginKind::Credentials {
                client_id,
                client_secret,
            } => {
                let id = client_id.resolve().await.map_err(LookerError::credential)?;
                let secret = client_secret
                    .resolve()
                    .await
                    .map_err(LookerError::credential)?;
                let ctx = "POST /login";
                let form = [
                    ("client_id", id.expose_secret()),
                    ("client_secret", secret.expose_secret()),
                ];
                let resp = self
                    .inner
                    .http
                    .post(format!("{}/login", self.inner.api_root))
                    .header(reqwest::header::ACCEPT, "application/json")
                    .form(&form)
                    .send()
                    .await
                    .map_err(|e| LookerError::network(ctx, e))?;
                if !resp.status().is_success() {
                    let status = resp.status();
                    let body = resp.bytes().await.unwrap_or_default();
                    return Err(LookerError::login_failed(status, &body, ctx));
                }
                (resp, ctx)
            }
            LoginKind::Sudo { admin, user_id } => {
                let ctx = "POST /login/{user_id}";
                let req = admin
                    .inner
                    .http
                    .post(format!("{}/login/{}", admin.inner.api_root, user_id))
                    .header(reqwest::header::ACCEPT, "application/json")
                    .build()
                    .map_err(|e| LookerError::network(ctx, e))?;
                let resp = Box::pin(admin.execute(req)).await?;
                if !resp.status().is_success() {
                    let status = resp.status();
                    let body = resp.bytes().await.unwrap_or_default();
                    return Err(LookerError::from_response(status, None, &body, ctx));
                }
                (resp, ctx)
            }
        };
        let body = resp
            .bytes()
            .await
            .map_err(|e| LookerError::network(ctx, e))?;
        let at: AccessToken = serde_json::from_slice(&body).map_err(|e| {
            LookerError::new(LookerErrorKind::Decode, format!("{ctx}: AccessToken")).with_source(e)
        })?;
        let access = at.access_token.filter(|t| !t.is_empty()).ok_or_else(|| {
            LookerError::new(LookerErrorKind::Decode, format!("{ctx}: no access_token"))
        })?;
        let now = Instant::now();
        let expires_at = at.expires_in.filter(|s| *s > 0).map(|secs| {
            let life = Duration::from_secs(secs as u64);
            let lag = self.inner.refresh_lag.min(life / 2);
            now + (life - lag)
        });
        Ok(Token {
            access: SecretString::from(access),
            expires_at,
        })
    }

    /// Sends a request with the session token, handling renewal and retries, and returns the
    /// response whatever its status (use [`LookerClient::check`] to turn errors into
    /// [`LookerError`]).
    ///
    /// - a 401 causes one single-flight re-login and one replay (the refused request was never
    ///   executed, so this is safe for every method);
    /// - a 429 on an idempotent method waits `Retry-After` (bounded by the [`RetryPolicy`]) and
    ///   tries again; non-idempotent calls get the 429 back at once.
    pub async fn execute(
        &self,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, LookerError> {
        let idempotent = is_idempotent(request.method());
        let ctx = format!("{} {}", request.method(), request.url().path());
        let mut pending = Some(request);
        let mut replayed = false;
        let mut tries = 1u32;
        while let Some(mut req) = pending.take() {
            let spare = req.try_clone();
            let (token, generation) = self.token().await?;
            req.headers_mut()
                .insert(AUTHORIZATION, auth_header(&token)?);
            let resp = self
                .inner
                .http
                .execute(req)
                .await
                .map_err(|e| LookerError::network(&ctx, e))?;
            match resp.status() {
                StatusCode::UNAUTHORIZED if !replayed => {
                    let Some(spare) = spare else {
                        return Ok(resp);
                    };
                    replayed = true;
                    self.relogin(generation, true).await?;
                    pending = Some(spare);
                }
                StatusCode::TOO_MANY_REQUESTS
                    if idempotent && tries < self.inner.retry.max_tries =>
                {
                    let wait = retry_after(&resp).unwrap_or(self.inner.retry.default_wait);
                    let Some(spare) = spare.filter(|_| wait <= self.inner.retry.max_wait) else {
                        return Ok(resp);
                    };
                    tracing::debug!(?wait, %ctx, "Looker 429, waiting Retry-After");
                    tokio::time::sleep(wait).await;
                    tries += 1;
                    pending = Some(spare);
                }
                _ => return Ok(resp),
            }
        }
        Err(LookerError::new(LookerErrorKind::Usage, ctx))
    }

    /// Turns a non-success response into a typed [`LookerError`] (`context` names the call).
    pub async fn check(
        resp: reqwest::Response,
        context: &str,
    ) -> Result<reqwest::Response, LookerError> {
        if resp.status().is_success() {
            return Ok(resp);
        }
        let status = resp.status();
        let ra = retry_after(&resp);
        let body = resp.bytes().await.unwrap_or_default();
        Err(LookerError::from_response(status, ra, &body, context))
    }

    /// Builds a request for `path` (relative to the API root, e.g. `/looks/1`).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.inner
            .http
            .request(method, format!("{}{}", self.inner.api_root, path))
    }

    /// Sends an authenticated call and returns the body bytes and content type of a success.
    pub async fn call(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<(Option<String>, bytes::Bytes), LookerError> {
        let req = builder.build().map_err(|e| {
            LookerError::new(LookerErrorKind::Usage, "building request")
                .with_source(e.without_url())
        })?;
        let ctx = format!("{} {}", req.method(), req.url().path());
        let resp = Self::check(self.execute(req).await?, &ctx).await?;
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = resp
            .bytes()
            .await
            .map_err(|e| LookerError::network(&ctx, e))?;
        Ok((ct, body))
    }

    /// Sends an authenticated call and decodes a JSON success body.
    pub async fn call_json<T: DeserializeOwned>(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<T, LookerError> {
        let (_, body) = self.call(builder).await?;
        serde_json::from_slice(&body).map_err(|e| {
            LookerError::new(LookerErrorKind::Decode, "decoding JSON response").with_source(e)
        })
    }

    /// `GET /user`: the user this session acts as.
    pub async fn me(&self) -> Result<serde_json::Value, LookerError> {
        self.call_json(self.request(Method::GET, "/user")).await
    }

    /// Sudo: a client acting as `user_id` (`POST /login/{user_id}` with this session's token).
    ///
    /// 4.0 types the id as a string; 3.0/3.1 as an integer (a non-integer id is refused here).
    /// This session stays usable; closing the returned client logs out only the sudo token.
    pub async fn login_user(&self, user_id: &str) -> Result<LookerClient, LookerError> {
        let user_id = user_id.trim();
        if self.inner.version != ApiVersion::V4_0 && user_id.parse::<i64>().is_err() {
            return Err(LookerError::new(
                LookerErrorKind::Usage,
                format!(
                    "login_user: API {} needs an integer user id",
                    self.inner.version
                ),
            ));
        }
        if user_id.is_empty() || user_id.contains(['/', '?', '#']) {
            return Err(LookerError::new(
                LookerErrorKind::Usage,
                "login_user: invalid user id",
            ));
        }
        let sudo = LookerClient {
            inner: Arc::new(Inner {
                http: self.inner.http.clone(),
                api_root: self.inner.api_root.clone(),
                version: self.inner.version,
                login: LoginKind::Sudo {
                    admin: self.clone(),
                    user_id: user_id.to_string(),
                },
                state: Mutex::new(TokenState::default()),
                login_lock: tokio::sync::Mutex::new(()),
                refresh_lag: self.inner.refresh_lag,
                retry: self.inner.retry,
                closed: AtomicBool::new(false),
                logins: AtomicU64::new(0),
            }),
        };
        sudo.login().await?;
        Ok(sudo)
    }

    /// The sudo user id, when this client is a sudo session.
    pub fn sudo_user_id(&self) -> Option<&str> {
        match &self.inner.login {
            LoginKind::Sudo { user_id, .. } => Some(user_id),
            LoginKind::Credentials { .. } => None,
        }
    }

    async fn logout_token(&self, token: &SecretString) -> Result<(), LookerError> {
        let ctx = "DELETE /logout";
        let resp = self
            .inner
            .http
            .delete(format!("{}/logout", self.inner.api_root))
            .header(AUTHORIZATION, auth_header(token)?)
            .send()
            .await
            .map_err(|e| LookerError::network(ctx, e))?;
        match resp.status() {
            // 401/404: the token is already gone, which is what logout wants.
            s if s.is_success() || s == StatusCode::UNAUTHORIZED || s == StatusCode::NOT_FOUND => {
                Ok(())
            }
            _ => Self::check(resp, ctx).await.map(|_| ()),
        }
    }

    /// Logs this session's token out (`DELETE /logout`) and closes the client (all clones).
    /// For a sudo client this ends only the sudo token; the admin session stays usable.
    pub async fn close(&self) -> Result<(), LookerError> {
        let _guard = self.inner.login_lock.lock().await;
        self.inner.closed.store(true, Ordering::SeqCst);
        let token = self.inner.state().token.take();
        match token {
            Some(t) => self.logout_token(&t.access).await,
            None => Ok(()),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let token = self
            .state
            .get_mut()
            .map(|s| s.token.take())
            .unwrap_or_else(|e| e.into_inner().token.take());
        let Some(token) = token else { return };
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(
                "Looker client dropped outside a runtime without close(): token left to expire"
            );
            return;
        };
        let http = self.http.clone();
        let url = format!("{}/logout", self.api_root);
        handle.spawn(async move {
            if let Ok(h) = auth_header(&token.access) {
                let _ = http.delete(url).header(AUTHORIZATION, h).send().await;
            }
        });
    }
}
