//! Reading the answer of every AgileApps login kind, of proxy login and of switch back: who
//! the session belongs to and the session id (the `JSESSIONID` cookie, else the body's
//! `sessionId`). One reader for all of them.
//!
//! Tolerant: only the session id is required. Informational fields of another shape are
//! read leniently ([`crate::lenient`]); a missing `<login>` element is an empty identity. When
//! the server opened a session but its answer cannot be used, the error carries the session
//! id ([`LoginAnswerError::orphan`]) so the caller can end it: no failure leaks a session.

use reqwest::header::{HeaderMap, SET_COOKIE};
use reqwest::StatusCode;
use secrecy::SecretString;

use crate::agileapps::error::{body_format, map_failure};
use crate::agileapps::xml::{self, Format, LoginInfo, LoginResponse};
use crate::error::{Error, ErrorKind};

/// The cookie that carries the session.
pub const SESSION_COOKIE: &str = "JSESSIONID";

/// A usable login answer.
pub(crate) struct LoginAnswer {
    /// The session's user (session id and cookie string removed).
    pub login: LoginInfo,
    /// The session id.
    pub session_id: SecretString,
}

/// A login answer that could not be used.
pub(crate) struct LoginAnswerError {
    /// What went wrong (the platform's error, or a decode error).
    pub error: Error,
    /// A session the server opened all the same, which the caller must end.
    pub orphan: Option<SecretString>,
}

/// The `JSESSIONID` a `Set-Cookie` header of the answer sets, if any.
pub(crate) fn session_from_set_cookie(headers: &HeaderMap) -> Option<SecretString> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, v)| k.trim() == SESSION_COOKIE && !v.trim().is_empty())
        .map(|(_, v)| SecretString::from(v.trim().to_string()))
}

/// The body format of an answer: its `Content-Type`, else its first byte, else `fallback`.
pub(crate) fn answer_format(headers: &HeaderMap, body: &[u8], fallback: Format) -> Format {
    body_format(headers, body).unwrap_or(fallback)
}

/// Reads the answer of `op` (`METHOD /path`). `during_login` picks the error kinds of a
/// refused login (`LoginFailed`) over those of a call.
pub(crate) fn read(
    op: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    fallback: Format,
    during_login: bool,
) -> Result<LoginAnswer, LoginAnswerError> {
    let cookie_session = session_from_set_cookie(headers);
    if !status.is_success() {
        return Err(LoginAnswerError {
            error: map_failure(op, status, headers, body, during_login),
            orphan: cookie_session,
        });
    }
    let parsed = xml::decode::<LoginResponse>(body, answer_format(headers, body, fallback));
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            return Err(LoginAnswerError {
                error: Error::new(
                    ErrorKind::Decode,
                    format!(
                        "{op}: HTTP {}: unreadable login answer: {e}",
                        status.as_u16()
                    ),
                )
                .with_source(e),
                orphan: cookie_session,
            })
        }
    };
    if parsed
        .message
        .as_ref()
        .is_some_and(|m| !m.code.is_success())
    {
        return Err(LoginAnswerError {
            error: map_failure(op, status, headers, body, during_login),
            orphan: cookie_session,
        });
    }
    let mut login = parsed.login.unwrap_or_default();
    let body_session = login.session_id.take().map(SecretString::from);
    login.cookie_string = None;
    match cookie_session.or(body_session) {
        Some(session_id) => Ok(LoginAnswer { login, session_id }),
        None => Err(LoginAnswerError {
            error: Error::new(
                ErrorKind::Decode,
                format!(
                    "{op}: HTTP {}: the answer names no session (no {SESSION_COOKIE} cookie, no sessionId)",
                    status.as_u16()
                ),
            ),
            orphan: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, CONTENT_TYPE};
    use secrecy::ExposeSecret;

    fn json_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h
    }

    #[test]
    fn informational_fields_of_any_shape_are_accepted() {
        for starting in [
            r#""startingAppId": "app-1""#,
            r#""startingAppId": {"type":"A","uri":"u","displayValue":"D","value":"app-1"}"#,
            r#""startingAppId": 17"#,
            r#""startingAppId": null"#,
            r#""startingAppId": [1, 2]"#,
        ] {
            let body = format!(
                r#"{{"platform":{{"login":{{"userId":42,"userName":"jim","sessionId":"s-1",
                "isForceChangePassword":"no","timeZone":{{"x":1}},{starting},"extra":[1]}}}}}}"#
            );
            let answer = read(
                "POST /login",
                StatusCode::OK,
                &json_headers(),
                body.as_bytes(),
                Format::Json,
                true,
            )
            .unwrap_or_else(|e| panic!("{starting}: {}", e.error));
            assert_eq!(answer.session_id.expose_secret(), "s-1");
            assert_eq!(answer.login.user_id.as_deref(), Some("42"));
            assert_eq!(answer.login.time_zone, None);
        }
    }

    #[test]
    fn a_session_in_an_unreadable_answer_is_reported_for_ending() {
        let mut headers = json_headers();
        headers.insert(
            SET_COOKIE,
            HeaderValue::from_static("JSESSIONID=s-9; Path=/"),
        );
        let err = read(
            "POST /login",
            StatusCode::OK,
            &headers,
            b"{\"platform\": ",
            Format::Json,
            true,
        )
        .err()
        .expect("truncated JSON is refused");
        assert_eq!(err.error.kind(), ErrorKind::Decode);
        assert_eq!(
            err.orphan.as_ref().map(|s| s.expose_secret().to_string()),
            Some("s-9".to_string())
        );
    }

    #[test]
    fn an_answer_without_a_session_is_a_decode_error() {
        let err = read(
            "POST /login",
            StatusCode::OK,
            &json_headers(),
            br#"{"platform":{"login":{"userId":"u"}}}"#,
            Format::Json,
            true,
        )
        .err()
        .expect("no session id");
        assert_eq!(err.error.kind(), ErrorKind::Decode);
        assert!(err.orphan.is_none());
    }
}
