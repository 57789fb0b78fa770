//! Set-Cookie handling: the auth core's `CookieJar` (reqwest's `CookieStore::set_cookies`,
//! `header_for` with and without a session cookie, `save` / `restore`) and AgileApps'
//! `session_from_set_cookie`.
//!
//! Input: `[url selector, Set-Cookie lines separated by '\n'...]`.
//! Invariants: never panics; the `Cookie` header is `name=value` pairs joined by `; `, carries a
//! session's own cookie exactly once in place of the jar's; saved cookies never show their
//! value in `Debug`, and restoring them into a new jar sends the same cookies; AgileApps picks
//! the first non-empty `JSESSIONID`.
#![no_main]

use bi_rest::__fuzz::cookie_pairs;
use bi_rest::auth::{CookieJar, SessionCookie};
use bi_rest_fuzz::split;
use libfuzzer_sys::fuzz_target;
use reqwest::cookie::CookieStore;
use reqwest::header::{HeaderMap, HeaderValue, SET_COOKIE};
use url::Url;

const URLS: [&str; 6] = [
    "http://127.0.0.1:8080/MicroStrategyLibrary/api",
    "https://example.agileappscloud.com/networking/rest/login",
    "https://looker.example.com:19999/api/4.0/login",
    "http://[::1]:9/a/b/c",
    "https://sub.example.co.uk/",
    "http://localhost/x;y/z",
];

fuzz_target!(|data: &[u8]| {
    let (head, rest) = split(data, 1);
    let url = Url::parse(URLS[usize::from(head[0]) % URLS.len()]).expect("a valid URL");
    let values: Vec<HeaderValue> = rest
        .split(|b| *b == b'\n')
        .filter_map(|line| HeaderValue::from_bytes(line).ok())
        .collect();

    let jar = CookieJar::default();
    jar.set_cookies(&mut values.iter(), &url);
    let before = cookie_pairs(&jar, &url);
    let names = jar.names_for(&url);
    assert_eq!(names.len(), before.len(), "names_for and header_for agree");

    let session = SessionCookie {
        name: "JSESSIONID".to_string(),
        value: "own-session".to_string().into(),
    };
    if let Some(h) = jar.header_for(&url, Some(&session)) {
        assert!(h.is_sensitive(), "a Cookie header is marked sensitive");
        let h = h.to_str().expect("text");
        let own = h
            .split("; ")
            .filter(|p| p.starts_with("JSESSIONID="))
            .count();
        assert_eq!(own, 1, "the session's cookie exactly once in {h:?}");
        assert!(h.ends_with("JSESSIONID=own-session"));
    }

    let saved = jar.save(&url);
    assert_eq!(saved.len(), jar.len(), "every unexpired cookie saved");
    for s in &saved {
        let debug = format!("{s:?}");
        assert!(debug.contains("[REDACTED]"), "{debug}");
        use secrecy::ExposeSecret;
        let text = s.set_cookie.expose_secret();
        assert!(text.len() < 4 || !debug.contains(text), "{debug}");
    }
    let restored = CookieJar::default();
    restored.restore(&saved);
    assert_eq!(
        cookie_pairs(&restored, &url),
        before,
        "save -> restore round trip"
    );

    let mut headers = HeaderMap::new();
    for v in &values {
        headers.append(SET_COOKIE, v.clone());
    }
    let found = bi_rest::__fuzz::agileapps_session_from_set_cookie(&headers);
    let offered = values
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|p| p.split_once('='))
        .any(|(k, v)| k.trim() == "JSESSIONID" && !v.trim().is_empty());
    assert_eq!(
        found.is_some(),
        offered,
        "a JSESSIONID is found iff one is set"
    );
    if let Some(v) = found {
        assert!(!v.is_empty() && v.trim() == v, "{v:?}");
        assert!(
            values
                .iter()
                .any(|h| h.to_str().is_ok_and(|t| t.contains(v.as_str()))),
            "{v:?} comes from a Set-Cookie"
        );
    }
});
