//! A logged-in session as the auth core holds it: the token (secret), who it belongs to,
//! when it expires, and whether the client may log in again by itself when it does.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// The user a session runs as (never secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// The vendor's user id.
    pub id: Option<String>,
    /// The login name.
    pub username: Option<String>,
    /// The display name.
    pub full_name: Option<String>,
}

/// A session returned by a vendor's login.
#[derive(Clone)]
pub struct Session {
    token: Option<SecretString>,
    login_mode: String,
    user: Option<SessionUser>,
    idle_timeout: Option<Duration>,
    expires_at: Option<SystemTime>,
    renewable: bool,
    data: serde_json::Map<String, serde_json::Value>,
    /// A cookie that identifies this session (e.g. AgileApps' `JSESSIONID`), sent with this
    /// session's calls in place of the jar's cookie of that name.
    cookie: Option<SessionCookie>,
    /// The token as the vendor's (sensitive) header value, built once per session rather than
    /// on every call.
    token_header: OnceLock<Option<HeaderValue>>,
}

/// A cookie that belongs to one session rather than to the jar: when several sessions of one
/// server are open at once (a stack of proxy logins), each call carries its own session's.
#[derive(Clone)]
pub struct SessionCookie {
    /// The cookie's name (e.g. `JSESSIONID`).
    pub name: String,
    /// The cookie's value (secret).
    pub value: SecretString,
}

impl fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookie")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

impl Session {
    /// A renewable session with `token` (if the vendor uses one; cookie-only vendors pass
    /// `None`), logged in with `login_mode` (a vendor-specific name such as `standard`).
    pub fn new(token: Option<SecretString>, login_mode: impl Into<String>) -> Session {
        Session {
            token,
            login_mode: login_mode.into(),
            user: None,
            idle_timeout: None,
            expires_at: None,
            renewable: true,
            data: serde_json::Map::new(),
            cookie: None,
            token_header: OnceLock::new(),
        }
    }

    /// Sets the cookie that identifies this session (sent with this session's calls instead of
    /// the jar's cookie of the same name).
    pub fn with_cookie(mut self, name: impl Into<String>, value: SecretString) -> Session {
        self.cookie = Some(SessionCookie {
            name: name.into(),
            value,
        });
        self
    }

    /// The cookie that identifies this session, if the vendor uses one.
    pub fn cookie(&self) -> Option<&SessionCookie> {
        self.cookie.as_ref()
    }

    /// Sets the user.
    pub fn with_user(mut self, user: SessionUser) -> Session {
        self.user = Some(user);
        self
    }

    /// Sets the server's idle timeout (the keep-alive extends before it runs out).
    pub fn with_idle_timeout(mut self, idle: Duration) -> Session {
        self.idle_timeout = Some(idle);
        self
    }

    /// Sets an absolute expiry (the core renews shortly before it).
    pub fn with_expires_at(mut self, at: SystemTime) -> Session {
        self.expires_at = Some(at);
        self
    }

    /// Whether the client may log in again by itself when the session expires (`false` for
    /// delegated, proxy, SAML and sudo sessions).
    pub fn with_renewable(mut self, renewable: bool) -> Session {
        self.renewable = renewable;
        self
    }

    /// Attaches non-secret vendor data (kept in saved sessions).
    pub fn with_data(mut self, key: impl Into<String>, value: serde_json::Value) -> Session {
        self.data.insert(key.into(), value);
        self
    }

    /// The token, if any.
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }
    /// The token as a header value, built by `make` from the exposed token the first time it
    /// is asked for and cached for the session's life (the value is marked sensitive, so
    /// `Debug` of a request does not show it). `None` without a token or when `make` refuses.
    /// One session has one header form: `make` is not consulted again after the first call.
    pub fn token_header(
        &self,
        make: impl FnOnce(&str) -> Option<HeaderValue>,
    ) -> Option<HeaderValue> {
        self.token_header
            .get_or_init(|| {
                let mut value = make(self.token.as_ref()?.expose_secret())?;
                value.set_sensitive(true);
                Some(value)
            })
            .clone()
    }
    /// The login mode's vendor-specific name.
    pub fn login_mode(&self) -> &str {
        &self.login_mode
    }
    /// The user, if known.
    pub fn user(&self) -> Option<&SessionUser> {
        self.user.as_ref()
    }
    /// The server's idle timeout, if known.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }
    /// The absolute expiry, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }
    /// Whether the client may log in again by itself.
    pub fn renewable(&self) -> bool {
        self.renewable
    }
    /// Non-secret vendor data.
    pub fn data(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.data
    }

    /// Whether the session is within `lag` of its absolute expiry at `now` (the core passes
    /// its [`Clock`](crate::auth::Clock)'s time).
    pub fn needs_refresh(&self, now: SystemTime, lag: Duration) -> bool {
        match self.expires_at {
            Some(at) => now + lag >= at,
            None => false,
        }
    }

    /// A non-secret summary.
    pub fn info(&self, generation: u64) -> SessionInfo {
        SessionInfo {
            login_mode: self.login_mode.clone(),
            user: self.user.clone(),
            idle_timeout: self.idle_timeout,
            expires_at: self.expires_at,
            renewable: self.renewable,
            generation,
            data: self.data.clone(),
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("login_mode", &self.login_mode)
            .field("user", &self.user)
            .field("idle_timeout", &self.idle_timeout)
            .field("expires_at", &self.expires_at)
            .field("renewable", &self.renewable)
            .field("data", &self.data)
            .field("cookie", &self.cookie)
            .finish()
    }
}

/// What can be said about the current session without revealing secrets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionInfo {
    /// The login mode's vendor-specific name.
    pub login_mode: String,
    /// The user, if known.
    pub user: Option<SessionUser>,
    /// The server's idle timeout, if known.
    pub idle_timeout: Option<Duration>,
    /// The absolute expiry, if known.
    pub expires_at: Option<SystemTime>,
    /// Whether the client may log in again by itself.
    pub renewable: bool,
    /// How many sessions this client has had (1 after the first login, +1 per re-login).
    pub generation: u64,
    /// Non-secret vendor data.
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// Serialises a secret in the clear: used ONLY for the session file (mode 0600).
pub(crate) fn serialize_secret<S: serde::Serializer>(
    secret: &SecretString,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(secret.expose_secret())
}

/// Serialises an optional secret in the clear: used ONLY for the session file.
pub(crate) fn serialize_opt_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(s) => serializer.serialize_some(s.expose_secret()),
        None => serializer.serialize_none(),
    }
}
