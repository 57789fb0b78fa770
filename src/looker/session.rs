//! [`LookerClient`]: a Looker session on the shared auth core ([`crate::auth::Auth`]).
//!
//! - login with API3 credentials (form body), `Authorization: token <t>` on every call;
//! - renewal 10 s before `expires_in` runs out (the SDKs' lag), configurable;
//! - a 401 causes one single-flight re-login and one replay (the core);
//! - 429 on idempotent calls waits `Retry-After`, bounded by [`RetryPolicy`] (the core);
//! - sudo with [`LookerClient::login_user`], logout with [`LookerClient::close`] (and on drop);
//! - the generated 3.0 / 3.1 / 4.0 clients get the same session (`generated_4_0()`, ...).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::auth::LookerAuthenticator;
use super::settings::{ApiVersion, LookerSettings};
use crate::auth::{Auth, Clock, HttpConfig, RetryPolicy, SystemClock};
use crate::error::{Error, ErrorKind};

/// The SDKs' refresh lag (`lag_time = 10` in auth_token.py).
pub const DEFAULT_REFRESH_LAG: Duration = Duration::from_secs(10);

/// An authenticated Looker API client (cheap to clone; clones share one session).
#[derive(Clone)]
pub struct LookerClient {
    auth: Auth,
    version: ApiVersion,
    authenticator: Arc<LookerAuthenticator>,
    options: Options,
}

#[derive(Clone)]
struct Options {
    http: HttpConfig,
    refresh_lag: Duration,
    retry: Option<RetryPolicy>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LookerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LookerClient")
            .field("api_version", &self.version)
            .field("authenticator", &self.authenticator)
            .field("auth", &self.auth)
            .finish()
    }
}

/// Builds a [`LookerClient`].
pub struct LookerClientBuilder {
    settings: LookerSettings,
    http: Option<HttpConfig>,
    refresh_lag: Duration,
    retry: Option<RetryPolicy>,
    api_root: Option<String>,
    clock: Arc<dyn Clock>,
}

impl LookerClientBuilder {
    /// The clock that decides when a token is about to expire (default: the system clock; a
    /// [`ManualClock`](crate::auth::ManualClock) moves time in tests without sleeping). Sudo
    /// clients made from this one share it.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// HTTP settings (TLS, CA bundle, proxy, timeouts). Default: from the settings'
    /// `verify_ssl` and `timeout`.
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = Some(http);
        self
    }

    /// How long before `expires_in` runs out the token is renewed (default 10 s, as the SDKs).
    pub fn refresh_lag(mut self, lag: Duration) -> Self {
        self.refresh_lag = lag;
        self
    }

    /// Retries of transient failures (default: the [`HttpConfig`]'s).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Overrides the API root (default `{base_url}/api/{version}`), e.g. for a mock server
    /// serving the spec's paths at its root, or a proxy with another prefix.
    pub fn api_root(mut self, root: &str) -> Self {
        self.api_root = Some(root.trim_end_matches('/').to_string());
        self
    }

    /// Builds the client (no request is sent until the first call or [`LookerClient::login`]).
    pub fn build(self) -> Result<LookerClient, Error> {
        let http = self.http.unwrap_or_else(|| {
            if !self.settings.verify_ssl {
                tracing::warn!("Looker TLS certificate verification is disabled (verify_ssl)");
            }
            HttpConfig::new()
                .danger_accept_invalid_certs(!self.settings.verify_ssl)
                .request_timeout(Some(self.settings.timeout))
        });
        let api_root = self.api_root.unwrap_or_else(|| self.settings.api_root());
        let authenticator = Arc::new(LookerAuthenticator::credentials(
            self.settings.client_id,
            self.settings.client_secret,
        ));
        let options = Options {
            http,
            refresh_lag: self.refresh_lag,
            retry: self.retry,
            clock: self.clock,
        };
        let auth = build_auth(&api_root, authenticator.clone(), &options)?;
        Ok(LookerClient {
            auth,
            version: self.settings.api_version,
            authenticator,
            options,
        })
    }
}

fn build_auth(
    api_root: &str,
    authenticator: Arc<LookerAuthenticator>,
    options: &Options,
) -> Result<Auth, Error> {
    let builder = Auth::builder_arc(api_root, authenticator)
        .http(options.http.clone())
        .keep_alive(false)
        .refresh_lag(options.refresh_lag)
        .logout_on_drop(true)
        .clock(options.clock.clone());
    // AuthBuilder decides between this override and the HttpConfig's policy.
    match options.retry {
        Some(retry) => builder.retry_policy(retry),
        None => builder,
    }
    .build()
}

impl LookerClient {
    /// Starts building a client from settings.
    pub fn builder(settings: LookerSettings) -> LookerClientBuilder {
        LookerClientBuilder {
            settings,
            http: None,
            refresh_lag: DEFAULT_REFRESH_LAG,
            retry: None,
            api_root: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// A client with default policies.
    pub fn new(settings: LookerSettings) -> Result<Self, Error> {
        Self::builder(settings).build()
    }

    /// The auth core handle (pass it to a generated client, or use its `send*` methods).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// The API root, e.g. `https://host:19999/api/4.0`.
    pub fn api_root(&self) -> &str {
        self.auth.base_url()
    }

    /// The API version of this client.
    pub fn api_version(&self) -> ApiVersion {
        self.version
    }

    /// Logins this client performed so far.
    pub fn login_count(&self) -> u64 {
        self.auth.stats().logins
    }

    /// Whether [`LookerClient::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.auth.is_closed()
    }

    /// Logs in now if there is no fresh token (calls do this on their own).
    pub async fn login(&self) -> Result<(), Error> {
        self.auth.login().await.map(|_| ())
    }

    /// Builds a request for `path` relative to the API root (e.g. `/looks/1`).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.auth.request(method, path)
    }

    /// Sends with the session (renewal, replay, 429 bounds); the response may have any status.
    pub async fn execute(&self, request: reqwest::Request) -> Result<reqwest::Response, Error> {
        let operation = format!("{} {}", request.method(), request.url().path());
        self.auth
            .execute(request, &operation)
            .await
            .map_err(Error::from_reqwest)
    }

    /// Sends an authenticated call; a success gives its content type and body bytes, a failure
    /// the typed [`Error`].
    pub async fn call(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(Option<String>, bytes::Bytes), Error> {
        let response = self.auth.send_checked(request).await?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(Error::from_reqwest)?;
        Ok((content_type, body))
    }

    /// Sends an authenticated call and decodes a JSON success body.
    pub async fn call_json<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Error> {
        self.auth.send_json(request).await
    }

    /// `GET /user`: the user this session acts as.
    pub async fn me(&self) -> Result<serde_json::Value, Error> {
        self.call_json(self.request(Method::GET, "user")).await
    }

    /// Sudo: a client acting as `user_id` (`POST /login/{user_id}` with this session's token).
    ///
    /// 4.0 types the id as a string, 3.0/3.1 as an integer (a non-integer id is refused here).
    /// This session stays usable; closing the returned client logs out only the sudo token.
    /// An expired sudo token is renewed through this (admin) session.
    pub async fn login_user(&self, user_id: &str) -> Result<LookerClient, Error> {
        let user_id = user_id.trim();
        if self.version != ApiVersion::V4_0 && user_id.parse::<i64>().is_err() {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!("login_user: API {} needs an integer user id", self.version),
            ));
        }
        if user_id.is_empty() || user_id.contains(['/', '?', '#', '%']) {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                "login_user: invalid user id",
            ));
        }
        let authenticator = Arc::new(LookerAuthenticator::sudo(self.auth.clone(), user_id));
        let auth = build_auth(self.auth.base_url(), authenticator.clone(), &self.options)?;
        let sudo = LookerClient {
            auth,
            version: self.version,
            authenticator,
            options: self.options.clone(),
        };
        sudo.login().await?;
        Ok(sudo)
    }

    /// The sudo user id, when this client is a sudo session.
    pub fn sudo_user_id(&self) -> Option<&str> {
        self.authenticator.sudo_user_id()
    }

    /// The API root for `version`: this client's root with its `/api/x.y` swapped (tokens are
    /// valid for every API version), or the overridden root as is.
    pub fn api_root_for(&self, version: ApiVersion) -> String {
        let root = self.api_root();
        match root.strip_suffix(&format!("/api/{}", self.version)) {
            Some(base) => format!("{base}/api/{version}"),
            None => root.to_string(),
        }
    }

    /// A generated client on this session, rooted at [`LookerClient::api_root`]: your own
    /// module from [`generated_client!`](crate::generated_client) (e.g. a 20-operation subset
    /// of the 4.0 spec) or a shipped one.
    pub fn generated<C: crate::auth::GeneratedClient>(&self) -> C {
        C::from_auth(&self.auth)
    }

    /// The generated 4.0 client, sharing this session.
    #[cfg(feature = "looker-4_0")]
    pub fn generated_4_0(&self) -> crate::generated::looker_4_0::Client {
        crate::generated::looker_4_0::Client::new_with_client(
            &self.api_root_for(ApiVersion::V4_0),
            self.auth.http_client(),
            self.auth.clone(),
        )
    }

    /// The generated 3.1 client, sharing this session.
    #[cfg(feature = "looker-3_1")]
    pub fn generated_3_1(&self) -> crate::generated::looker_3_1::Client {
        crate::generated::looker_3_1::Client::new_with_client(
            &self.api_root_for(ApiVersion::V3_1),
            self.auth.http_client(),
            self.auth.clone(),
        )
    }

    /// The generated 3.0 client, sharing this session.
    #[cfg(feature = "looker-3_0")]
    pub fn generated_3_0(&self) -> crate::generated::looker_3_0::Client {
        crate::generated::looker_3_0::Client::new_with_client(
            &self.api_root_for(ApiVersion::V3_0),
            self.auth.http_client(),
            self.auth.clone(),
        )
    }

    /// Logs this session's token out (`DELETE /logout`) and closes the client (all clones).
    /// For a sudo client this ends only the sudo token; the admin session stays usable.
    pub async fn close(&self) -> Result<(), Error> {
        self.auth.close().await
    }
}
