//! HTTP settings shared by every vendor client: TLS (verification on by default, custom CA
//! bundle, explicit opt-out), proxy, timeouts, redirects, body limits and user agent.
//!
//! Defaults: 10 s connect timeout, 120 s request timeout (a deadline for the whole call,
//! redirects, retries and body included; the official Looker SDK's value), same-origin
//! redirects only ([`RedirectPolicy::SameOrigin`]), success bodies up to 64 MiB, error bodies
//! read up to 64 KiB, login answers up to 1 MiB ([`BodyLimits`]).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::cookies::CookieJar;
use crate::auth::intercept::{Intercept, Interceptors};
use crate::auth::retry::{RetryBudget, RetryPolicy, Sleeper};
use crate::auth::transport::{BodyLimits, RedirectPolicy, Transport, TransportStats};
use crate::error::{Error, ErrorKind};

/// The default user agent.
pub const DEFAULT_USER_AGENT: &str = concat!("bi-rest/", env!("CARGO_PKG_VERSION"));

/// HTTP settings. Setters are infallible; problems (an unreadable CA file, a bad proxy URL)
/// are reported by [`HttpConfig::build_client`].
#[derive(Clone)]
pub struct HttpConfig {
    accept_invalid_certs: bool,
    ca_bundle: Option<PathBuf>,
    proxy: Option<String>,
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    user_agent: String,
    redirects: RedirectPolicy,
    limits: BodyLimits,
    sleeper: Sleeper,
    retry: RetryPolicy,
    interceptors: Interceptors,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            accept_invalid_certs: false,
            ca_bundle: None,
            proxy: None,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Some(Duration::from_secs(120)),
            user_agent: DEFAULT_USER_AGENT.to_string(),
            redirects: RedirectPolicy::default(),
            limits: BodyLimits::default(),
            sleeper: Sleeper::default(),
            retry: RetryPolicy::default(),
            interceptors: Interceptors::default(),
        }
    }
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("ca_bundle", &self.ca_bundle)
            .field("proxy", &self.proxy.as_deref().map(redact_url_userinfo))
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("user_agent", &self.user_agent)
            .field("redirects", &self.redirects)
            .field("limits", &self.limits)
            .field("retry", &self.retry)
            .field("interceptors", &self.interceptors)
            .finish()
    }
}

/// `scheme://user:pass@host` -> `scheme://[REDACTED]@host`.
fn redact_url_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}[REDACTED]{}", &url[..scheme_end + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

impl HttpConfig {
    /// Default settings: TLS verified with the built-in roots, no proxy, 10 s connect and
    /// 120 s request timeouts, same-origin redirects, [`BodyLimits::default`].
    pub fn new() -> HttpConfig {
        HttpConfig::default()
    }

    /// DANGER: accept any server certificate. Logged with a warning when the client is built.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> HttpConfig {
        self.accept_invalid_certs = accept;
        self
    }

    /// Trusts the certificates of a PEM bundle in addition to the built-in roots.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> HttpConfig {
        self.ca_bundle = Some(path.into());
        self
    }

    /// Sends every request through this proxy (`http://`, `https://` or `socks5://` URL).
    pub fn proxy(mut self, url: impl Into<String>) -> HttpConfig {
        self.proxy = Some(url.into());
        self
    }

    /// The connect timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> HttpConfig {
        self.connect_timeout = timeout;
        self
    }

    /// The whole-request timeout (`None`: no limit): a deadline for each call, its
    /// redirects, retries and body included. Per call: [`crate::auth::CallOptions`] or
    /// `RequestBuilder::timeout`.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> HttpConfig {
        self.request_timeout = timeout;
        self
    }

    /// What is done with redirects (default [`RedirectPolicy::SameOrigin`]).
    pub fn redirect_policy(mut self, policy: RedirectPolicy) -> HttpConfig {
        self.redirects = policy;
        self
    }

    /// How much of a response body may be read (default [`BodyLimits::default`]).
    pub fn body_limits(mut self, limits: BodyLimits) -> HttpConfig {
        self.limits = limits;
        self
    }

    /// The largest success body, bytes (default 64 MiB; `u64::MAX`: none).
    pub fn max_response_bytes(mut self, limit: u64) -> HttpConfig {
        self.limits.response = limit;
        self
    }

    /// Retries of transient failures (default [`RetryPolicy::default`]: 2 retries of
    /// idempotent calls; see [`crate::auth::retry`]). A vendor builder's own `retry_policy`,
    /// when called, takes precedence.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> HttpConfig {
        self.retry = retry;
        self
    }

    /// The retry policy these settings carry.
    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }

    /// How the transport waits between retries (default `tokio::time::sleep`); for tests that
    /// must not sleep in real time.
    pub fn retry_sleeper(mut self, sleeper: Sleeper) -> HttpConfig {
        self.sleeper = sleeper;
        self
    }

    /// The request timeout (`None`: no limit).
    pub fn timeout(&self) -> Option<Duration> {
        self.request_timeout
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, agent: impl Into<String>) -> HttpConfig {
        self.user_agent = agent.into();
        self
    }

    /// Adds a layer around every call (headers, audit, metrics): see
    /// [`crate::auth::intercept`]. Interceptors run in the order they are added.
    pub fn intercept(mut self, interceptor: impl Intercept) -> Self {
        self.interceptors = self.interceptors.with(Arc::new(interceptor));
        self
    }

    /// Whether certificate verification is disabled.
    pub fn accepts_invalid_certs(&self) -> bool {
        self.accept_invalid_certs
    }

    /// Builds a reqwest client with these settings and `jar` as its cookie store.
    pub fn build_client(&self, jar: Arc<CookieJar>) -> Result<reqwest::Client, Error> {
        // Redirects are followed by the transport (crate::auth::transport), which knows
        // which headers are credentials; reqwest's own following would send vendor token
        // headers to another origin.
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent.clone());
        if let Some(timeout) = self.request_timeout {
            builder = builder.timeout(timeout);
        }
        if self.accept_invalid_certs {
            tracing::warn!("TLS certificate verification is DISABLED for this client (danger_accept_invalid_certs)");
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        if let Some(path) = &self.ca_bundle {
            let pem = std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("cannot read CA bundle {}: {e}", path.display()),
                )
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::new(
                    ErrorKind::Config,
                    format!("invalid PEM CA bundle {}: {e}", path.display()),
                )
            })?;
            if certs.is_empty() {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("CA bundle {} holds no certificate", path.display()),
                ));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(proxy) = &self.proxy {
            let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|_| {
                Error::new(
                    ErrorKind::Config,
                    format!("invalid proxy URL {}", redact_url_userinfo(proxy)),
                )
            })?;
            builder = builder.proxy(proxy);
        }
        builder.build().map_err(|e| {
            Error::new(ErrorKind::Config, "cannot build the HTTP client").with_source(e)
        })
    }
}

impl HttpConfig {
    /// The transport for these settings, with `jar` as its cookie store and `retry` for
    /// transient failures.
    pub(crate) fn build_transport(
        &self,
        jar: Arc<CookieJar>,
        retry: RetryPolicy,
    ) -> Result<Transport, Error> {
        Ok(Transport {
            client: self.build_client(jar)?,
            redirects: self.redirects,
            limits: self.limits,
            timeout: self.request_timeout,
            budget: RetryBudget::new(&retry),
            retry,
            sleeper: self.sleeper.clone(),
            interceptors: self.interceptors.clone(),
            stats: TransportStats::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_credentials_are_redacted() {
        let c = HttpConfig::new().proxy("http://bob:hunter2@proxy:3128");
        let text = format!("{c:?}");
        assert!(!text.contains("hunter2"));
        assert!(text.contains("proxy:3128"));
    }

    #[test]
    fn missing_ca_bundle_is_a_config_error() {
        let err = HttpConfig::new()
            .ca_bundle("/nonexistent/ca.pem")
            .build_client(Arc::new(CookieJar::default()))
            .unwrap_err();
        assert!(err.is_config());
    }
}
