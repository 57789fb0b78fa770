//! Login and session answers of the three vendors: AgileApps' login-answer reader (every login
//! kind, proxy login, switch back), Looker's `AccessToken`, MicroStrategy's `GET /sessions`
//! facts.
//!
//! Input: `[status hi, status lo, selector, body...]`.
//! Invariants: never panics; an AgileApps answer is usable only on success and with a
//! non-empty session id, never keeps the session id or cookie string in the user info, always
//! hands back the session a `Set-Cookie` opened when it refuses the answer, and its errors never
//! show that session; a Looker token is non-empty and its expiry is `now + expires_in` (or none
//! when unrepresentable); a MicroStrategy idle timeout is positive.
#![no_main]

use std::time::{Duration, SystemTime};

use bi_rest::__fuzz::{self, AgileAppsLoginAnswer};
use bi_rest::agileapps::Format;
use bi_rest_fuzz::{assert_no_secret, contains, content_type, split, status, SECRET};
use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, SET_COOKIE};

fuzz_target!(|data: &[u8]| {
    let (head, body) = split(data, 3);
    let status = status(head[0], head[1]);
    let sel = head[2];

    // AgileApps.
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type(sel & 0x07) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    let (cookies, cookie_session): (Vec<String>, Option<&str>) = match (sel >> 3) & 0x03 {
        0 => (vec![], None),
        1 => (
            vec![format!("JSESSIONID={SECRET}; Path=/networking; HttpOnly")],
            Some(SECRET),
        ),
        2 => (
            vec![
                "AWSALB=lb; Path=/".to_string(),
                format!(" JSESSIONID = {SECRET} ;Secure"),
            ],
            Some(SECRET),
        ),
        _ => (vec!["JSESSIONID=; Path=/".to_string()], None),
    };
    for c in &cookies {
        headers.append(
            SET_COOKIE,
            HeaderValue::from_str(c).expect("a valid header"),
        );
    }
    let fallback = if sel & 0x20 != 0 {
        Format::Json
    } else {
        Format::Xml
    };
    let during_login = sel & 0x40 != 0;
    assert_eq!(
        __fuzz::agileapps_session_from_set_cookie(&headers).as_deref(),
        cookie_session
    );
    match __fuzz::agileapps_login_answer(status, &headers, body, fallback, during_login) {
        AgileAppsLoginAnswer::Usable { session_id, login } => {
            assert!(status.is_success(), "usable answer with {status}");
            assert!(!session_id.is_empty(), "empty session id");
            if let Some(s) = cookie_session {
                assert_eq!(session_id, s, "the cookie's session wins");
            }
            assert!(login.session_id.is_none() && login.cookie_string.is_none());
        }
        AgileAppsLoginAnswer::Unusable { error, orphan } => {
            assert_eq!(
                orphan.as_deref(),
                cookie_session,
                "orphan session handed back"
            );
            assert_no_secret(&error, body, "agileapps login answer");
            if !contains(body, b"JSESSIONID") {
                assert!(!error.to_string().contains("JSESSIONID="));
            }
        }
    }

    // Looker.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    if let Ok(token) = __fuzz::looker_access_token(body, now) {
        assert!(!token.access_token.is_empty());
        if let Some(secs) = token.expires_in {
            assert!(secs > 0);
            assert_eq!(token.expires_at, now.checked_add(Duration::from_secs(secs)));
        } else {
            assert!(token.expires_at.is_none());
        }
    }

    // MicroStrategy.
    if let Some((idle, _user)) = __fuzz::mstr_session_facts(body) {
        if let Some(idle) = idle {
            assert!(!idle.is_zero());
        }
    }
});
