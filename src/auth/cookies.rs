//! The cookie jar kept by the auth core: session cookies (`JSESSIONID`) and load-balancer
//! cookies go back on every call, and can be saved with a session and restored.
//!
//! Cookie values are secrets: they are never logged, and [`SavedCookie`] redacts its value in
//! `Debug`.

use std::fmt;
use std::sync::RwLock;

use cookie_store::{CookieStore as Store, RawCookie};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::auth::session::SessionCookie;

/// A thread-safe cookie jar usable as reqwest's cookie provider.
pub struct CookieJar {
    store: RwLock<Store>,
}

impl Default for CookieJar {
    fn default() -> Self {
        CookieJar {
            store: RwLock::new(Store::new()),
        }
    }
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieJar")
            .field("cookies", &self.len())
            .finish()
    }
}

/// One cookie as saved in a session file: the full `Set-Cookie` form (name, value, path,
/// domain, flags) and the URL it was received from.
#[derive(Clone, Serialize, Deserialize)]
pub struct SavedCookie {
    /// The cookie in `Set-Cookie` syntax (contains the value: secret).
    #[serde(serialize_with = "crate::auth::session::serialize_secret")]
    pub set_cookie: SecretString,
    /// The URL the cookie applies to (scheme, host and path).
    pub url: String,
}

impl fmt::Debug for SavedCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedCookie")
            .field("set_cookie", &"[REDACTED]")
            .field("url", &self.url)
            .finish()
    }
}

impl CookieJar {
    /// The `Cookie` header for a request to `url`: the jar's cookies for it and, when given,
    /// a session's own cookie in place of the jar's cookie of that name. `None` when there is
    /// nothing to send. The value is marked sensitive.
    pub fn header_for(&self, url: &Url, session: Option<&SessionCookie>) -> Option<HeaderValue> {
        // Called on every request: one buffer, handed to the header without a copy.
        let mut header = String::new();
        let mut push = |name: &str, value: &str| {
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
        };
        for (name, value) in self.read().get_request_values(url) {
            if session.is_none_or(|c| c.name != name) {
                push(name, value);
            }
        }
        if let Some(c) = session {
            push(&c.name, c.value.expose_secret());
        }
        if header.is_empty() {
            return None;
        }
        let mut value = HeaderValue::from_maybe_shared(bytes::Bytes::from(header)).ok()?;
        value.set_sensitive(true);
        Some(value)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Store> {
        self.store.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Store> {
        self.store.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores one `Set-Cookie` value as if received from `url`. Invalid cookies are ignored.
    pub fn add_set_cookie(&self, set_cookie: &str, url: &Url) {
        if let Ok(raw) = RawCookie::parse(set_cookie.to_string()) {
            let _ = self.write().insert_raw(&raw, url);
        }
    }

    /// How many unexpired cookies the jar holds.
    pub fn len(&self) -> usize {
        self.read().iter_unexpired().count()
    }

    /// Whether the jar holds no unexpired cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names (never the values) of the cookies that would be sent to `url`.
    pub fn names_for(&self, url: &Url) -> Vec<String> {
        self.read()
            .get_request_values(url)
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.write().clear();
    }

    /// Every unexpired cookie, in a form [`CookieJar::restore`] reads back. `base` gives the
    /// scheme for the saved URLs.
    pub fn save(&self, base: &Url) -> Vec<SavedCookie> {
        let store = self.read();
        store
            .iter_unexpired()
            .map(|cookie| {
                let mut raw: RawCookie<'static> = RawCookie::clone(cookie);
                let mut path = String::from(&cookie.path);
                if path.contains(';') {
                    // A default path taken from a URL such as `/app;jsessionid=x/...` cannot be
                    // written as a `Path` attribute (`;` ends it): save the directory URL
                    // instead, from which restoring derives the same default path.
                    raw.unset_path();
                    path.push('/');
                } else {
                    raw.set_path(path.clone());
                }
                let host = match &cookie.domain {
                    cookie_store::CookieDomain::HostOnly(h) => h.clone(),
                    cookie_store::CookieDomain::Suffix(s) => s.clone(),
                    _ => base.host_str().unwrap_or_default().to_string(),
                };
                let port = base.port().map(|p| format!(":{p}")).unwrap_or_default();
                SavedCookie {
                    set_cookie: SecretString::from(raw.to_string()),
                    url: format!("{}://{host}{port}{path}", base.scheme()),
                }
            })
            .collect()
    }

    /// Adds saved cookies (replacing same-named ones).
    pub fn restore(&self, cookies: &[SavedCookie]) {
        for saved in cookies {
            match Url::parse(&saved.url) {
                Ok(url) => self.add_set_cookie(saved.set_cookie.expose_secret(), &url),
                Err(_) => {
                    tracing::warn!(url = %saved.url, "skipping a saved cookie with an invalid URL")
                }
            }
        }
    }
}

impl reqwest::cookie::CookieStore for CookieJar {
    fn set_cookies(&self, cookie_headers: &mut dyn Iterator<Item = &HeaderValue>, url: &Url) {
        let mut store = self.write();
        for value in cookie_headers {
            let Ok(text) = value.to_str() else { continue };
            if let Ok(raw) = RawCookie::parse(text.to_string()) {
                let _ = store.insert_raw(&raw, url);
            }
        }
    }

    fn cookies(&self, url: &Url) -> Option<HeaderValue> {
        self.header_for(url, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::cookie::CookieStore as _;

    /// Regression (found by fuzz/cookies): a cookie whose default path holds a `;` (from a
    /// URL like `/app;jsessionid=x/login`) was saved as `Path=/app;jsessionid=x`, restored
    /// with the path `/app` and never sent again.
    #[test]
    fn a_default_path_with_a_semicolon_survives_save_and_restore() {
        let url = Url::parse("http://localhost/app;jsessionid=x/login").unwrap();
        let jar = CookieJar::default();
        jar.set_cookies(&mut [HeaderValue::from_static("c=3")].iter(), &url);
        assert_eq!(jar.names_for(&url), vec!["c".to_string()]);
        let fresh = CookieJar::default();
        fresh.restore(&jar.save(&url));
        assert_eq!(fresh.names_for(&url), vec!["c".to_string()]);
        let elsewhere = Url::parse("http://localhost/app/login").unwrap();
        assert!(
            fresh.names_for(&elsewhere).is_empty(),
            "the path stays as narrow"
        );
    }

    #[test]
    fn cookies_round_trip_through_save_and_restore() {
        let base = Url::parse("http://127.0.0.1:8080/MicroStrategyLibrary/api").unwrap();
        let jar = CookieJar::default();
        let headers = [
            HeaderValue::from_static("JSESSIONID=abc123; Path=/MicroStrategyLibrary; HttpOnly"),
            HeaderValue::from_static("AWSALB=lb42; Path=/"),
        ];
        jar.set_cookies(&mut headers.iter(), &base);
        let saved = jar.save(&base);
        assert_eq!(saved.len(), 2);
        assert!(!format!("{saved:?}").contains("abc123"));

        let fresh = CookieJar::default();
        fresh.restore(&saved);
        let sent = fresh.cookies(&base).unwrap();
        let sent = sent.to_str().unwrap();
        assert!(sent.contains("JSESSIONID=abc123"));
        assert!(sent.contains("AWSALB=lb42"));
        let other = Url::parse("http://127.0.0.1:8080/other").unwrap();
        assert_eq!(fresh.names_for(&other), vec!["AWSALB".to_string()]);
    }
}
