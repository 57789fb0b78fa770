//! The cookie jar kept by the auth core: session cookies (`JSESSIONID`) and load-balancer
//! cookies go back on every call, and can be saved with a session and restored.
//!
//! Cookie values are secrets: they are never logged, and [`SavedCookie`] redacts its value in
//! `Debug`.
//!
//! A cookie only goes back to the origin (scheme, host, port) that set it: the jar keeps one
//! store per origin. (Cookie domain rules ignore the port and, for `Domain=` cookies, the
//! host, so a plain cookie store would send the session cookie to any port of the host, or
//! to a sibling host a redirect points at.)

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use cookie_store::{CookieStore as Store, RawCookie};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::auth::session::SessionCookie;

/// A thread-safe cookie jar usable as reqwest's cookie provider; cookies are kept per origin.
#[derive(Default)]
pub struct CookieJar {
    stores: RwLock<HashMap<Origin, Store>>,
}

/// Scheme, host and port of a URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_string(),
            host: url.host_str()?.to_string(),
            port: url.port_or_known_default(),
        })
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

/// The most cookies kept per origin; further ones are ignored (a server answering with
/// thousands of `Set-Cookie` lines must not grow the jar, nor every later request).
pub const MAX_COOKIES_PER_ORIGIN: usize = 200;

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
        let origin = Origin::of(url)?;
        let stores = self.read();
        if let Some(store) = stores.get(&origin) {
            for (name, value) in store.get_request_values(url) {
                if session.is_none_or(|c| c.name != name) {
                    push(name, value);
                }
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

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Origin, Store>> {
        self.stores.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Origin, Store>> {
        self.stores.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores cookies as received from `url`, within [`MAX_COOKIES_PER_ORIGIN`].
    fn insert<'c>(&self, cookies: impl Iterator<Item = RawCookie<'c>>, url: &Url) {
        let Some(origin) = Origin::of(url) else {
            return;
        };
        let mut stores = self.write();
        let store = stores.entry(origin).or_default();
        for raw in cookies {
            let known = store.contains_any(
                raw.domain()
                    .unwrap_or_else(|| url.host_str().unwrap_or_default()),
                raw.path().unwrap_or("/"),
                raw.name(),
            );
            if !known && store.iter_any().count() >= MAX_COOKIES_PER_ORIGIN {
                tracing::debug!("cookie jar full for this origin; ignoring a Set-Cookie");
                continue;
            }
            let _ = store.insert_raw(&raw, url);
        }
    }

    /// Stores one `Set-Cookie` value as if received from `url`. Invalid cookies are ignored.
    pub fn add_set_cookie(&self, set_cookie: &str, url: &Url) {
        if let Ok(raw) = RawCookie::parse(set_cookie.to_string()) {
            self.insert(std::iter::once(raw), url);
        }
    }

    /// How many unexpired cookies the jar holds.
    pub fn len(&self) -> usize {
        self.read()
            .values()
            .map(|store| store.iter_unexpired().count())
            .sum()
    }

    /// Whether the jar holds no unexpired cookie.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names (never the values) of the cookies that would be sent to `url`.
    pub fn names_for(&self, url: &Url) -> Vec<String> {
        let Some(origin) = Origin::of(url) else {
            return Vec::new();
        };
        self.read()
            .get(&origin)
            .map(|store| {
                store
                    .get_request_values(url)
                    .map(|(name, _)| name.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Removes every cookie.
    pub fn clear(&self) {
        self.write().clear();
    }

    /// Every unexpired cookie of `base`'s origin, in a form [`CookieJar::restore`] reads
    /// back.
    pub fn save(&self, base: &Url) -> Vec<SavedCookie> {
        let Some(origin) = Origin::of(base) else {
            return Vec::new();
        };
        let stores = self.read();
        let Some(store) = stores.get(&origin) else {
            return Vec::new();
        };
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
                // The origin's own host: a `Domain=` cookie is restored into the same store.
                let host = base.host_str().unwrap_or_default();
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
        let cookies = cookie_headers
            .filter_map(|value| value.to_str().ok())
            .filter_map(|text| RawCookie::parse(text.to_string()).ok());
        self.insert(cookies, url);
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

    #[test]
    fn cookies_go_only_to_the_origin_that_set_them() {
        let base = Url::parse("http://127.0.0.1:8080/api").unwrap();
        let jar = CookieJar::default();
        let headers = [HeaderValue::from_static("JSESSIONID=abc; Path=/")];
        jar.set_cookies(&mut headers.iter(), &base);
        for other in [
            "http://127.0.0.1:9090/api",
            "https://127.0.0.1:8080/api",
            "http://localhost:8080/api",
        ] {
            assert!(
                jar.cookies(&Url::parse(other).unwrap()).is_none(),
                "{other}"
            );
        }
        assert!(jar.cookies(&base).is_some());
    }

    #[test]
    fn a_flood_of_set_cookie_lines_is_capped() {
        let base = Url::parse("http://127.0.0.1:8080/api").unwrap();
        let jar = CookieJar::default();
        let values: Vec<HeaderValue> = (0..10_000)
            .map(|i| HeaderValue::from_str(&format!("c{i}=v; Path=/")).unwrap())
            .collect();
        jar.set_cookies(&mut values.iter(), &base);
        assert_eq!(jar.len(), MAX_COOKIES_PER_ORIGIN);
        // A known cookie is still updated when the jar is full.
        jar.add_set_cookie("c0=new; Path=/", &base);
        let sent = jar.cookies(&base).unwrap();
        assert!(sent.to_str().unwrap().contains("c0=new"));
    }
}
