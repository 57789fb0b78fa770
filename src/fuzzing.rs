//! Entry points into the crate-private parsers of server and file input, for the fuzz targets
//! (`fuzz/`) and the property tests (`tests/parser_props.rs`). Not a public API: compiled only
//! with the `fuzzing` feature, hidden from the docs, and every function is a thin wrapper that
//! calls the parser the library itself uses, unchanged.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use secrecy::ExposeSecret;

use crate::agileapps::xml::{Format, LoginInfo};
use crate::auth::{Session, SessionSnapshot, SessionUser};
use crate::error::Error;

/// What the AgileApps login-answer reader made of an answer.
#[derive(Debug)]
pub enum AgileAppsLoginAnswer {
    /// A usable answer: the session id and who it belongs to.
    Usable {
        /// The session id (`JSESSIONID`, else the body's `sessionId`).
        session_id: String,
        /// The user, with the session id and cookie string removed.
        login: Box<LoginInfo>,
    },
    /// An unusable answer: the error and a session the caller would have to end.
    Unusable {
        /// What went wrong.
        error: Error,
        /// The session the server opened all the same.
        orphan: Option<String>,
    },
}

/// `agileapps::login_answer::read`: the answer to a login (`during_login`) or to a proxy login
/// or switch back, in `fallback` format when neither the content type nor the body says.
pub fn agileapps_login_answer(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    fallback: Format,
    during_login: bool,
) -> AgileAppsLoginAnswer {
    match crate::agileapps::login_answer::read(
        "POST /networking/rest/login",
        status,
        headers,
        body,
        fallback,
        during_login,
    ) {
        Ok(answer) => AgileAppsLoginAnswer::Usable {
            session_id: answer.session_id.expose_secret().to_string(),
            login: Box::new(answer.login),
        },
        Err(e) => AgileAppsLoginAnswer::Unusable {
            error: e.error,
            orphan: e.orphan.map(|s| s.expose_secret().to_string()),
        },
    }
}

/// `agileapps::login_answer::session_from_set_cookie`: the `JSESSIONID` the answer's
/// `Set-Cookie` headers set.
pub fn agileapps_session_from_set_cookie(headers: &HeaderMap) -> Option<String> {
    crate::agileapps::login_answer::session_from_set_cookie(headers)
        .map(|s| s.expose_secret().to_string())
}

/// A Looker login answer as the authenticator reads it.
#[derive(Debug)]
pub struct LookerToken {
    /// The access token (non-empty).
    pub access_token: String,
    /// Its lifetime in seconds, when positive.
    pub expires_in: Option<u64>,
    /// When it expires, when representable.
    pub expires_at: Option<SystemTime>,
}

/// Looker's `AccessToken` login answer, received at `now`.
pub fn looker_access_token(body: &[u8], now: SystemTime) -> Result<LookerToken, Error> {
    crate::looker::auth::read_access_token(body, now).map(|t| LookerToken {
        access_token: t.access_token.expose_secret().to_string(),
        expires_in: t.expires_in,
        expires_at: t.expires_at,
    })
}

/// MicroStrategy's `GET /sessions` answer after a login: the idle timeout and the user, or
/// `None` when the body is not read (then the login goes on without them).
pub fn mstr_session_facts(body: &[u8]) -> Option<(Option<Duration>, SessionUser)> {
    let facts = crate::mstr::login::SessionFacts::parse(body)?;
    Some((
        facts.idle_timeout(),
        SessionUser {
            id: facts.id,
            username: facts.username,
            full_name: facts.full_name,
        },
    ))
}

/// The session a restored [`SessionSnapshot`] stands for (what a client restoring it uses).
pub fn snapshot_to_session(snapshot: &SessionSnapshot) -> Session {
    snapshot.to_session()
}

/// Looker settings from the text of a `looker.ini` (no environment): base URL, TLS
/// verification and timeout, or why they cannot be used.
pub fn looker_ini(
    text: &str,
    section: Option<&str>,
) -> Result<(String, bool, Duration), crate::looker::SettingsError> {
    crate::looker::LookerSettings::from_ini_text(text, section)
        .map(|s| (s.base_url, s.verify_ssl, s.timeout))
}

/// Polls a future that needs no I/O (e.g. [`crate::auth::decode_json`] of an in-memory
/// response) to completion, without a runtime. Panics if it is not ready after a few polls.
pub fn ready<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    for _ in 0..64 {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("an in-memory future was not ready");
}

/// The cookies `jar` sends to `url`, as sorted `name=value` pairs.
pub fn cookie_pairs(jar: &crate::auth::CookieJar, url: &url::Url) -> Vec<String> {
    let mut pairs: Vec<String> = jar
        .header_for(url, None)
        .and_then(|h| h.to_str().ok().map(str::to_string))
        .map(|h| h.split("; ").map(str::to_string).collect())
        .unwrap_or_default();
    pairs.sort();
    pairs
}
