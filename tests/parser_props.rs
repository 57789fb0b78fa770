//! Property tests for every parser of server or file input (the stable-toolchain companion of
//! the cargo-fuzz targets in `fuzz/`): error mappers, the three vendors' login and session
//! answers, AgileApps XML/JSON bodies, `decode_json`, the lenient readers, Set-Cookie handling,
//! session files, `looker.ini` and `Retry-After`. Case counts are bounded so the file runs in a
//! few seconds; private parsers are reached through the hidden `bi_rest::__fuzz` module.

use std::time::{Duration, SystemTime};

use bi_rest::__fuzz::{self, AgileAppsLoginAnswer};
use bi_rest::agileapps::xml::{self, Message, MessageResponse, Record, RecordListResponse};
use bi_rest::agileapps::Format;
use bi_rest::auth::{CookieJar, SessionCookie, SessionSnapshot};
use bi_rest::error::{map_response, mark_vendor, ErrorKind, RAW_BODY_LIMIT};
use proptest::prelude::*;
use reqwest::cookie::CookieStore;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use url::Url;

/// A cookie value no error may ever show.
const SECRET: &str = "s3cr3t-c00kie-7f41d2";

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn answer_headers(content_type: Option<&'static str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(ct) = content_type {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    h.insert(
        SET_COOKIE,
        HeaderValue::from_str(&format!("JSESSIONID={SECRET}; Path=/")).expect("header"),
    );
    h.insert("x-mstr-authtoken", HeaderValue::from_static(SECRET));
    h
}

fn content_type() -> impl Strategy<Value = Option<&'static str>> {
    prop::sample::select(vec![
        None,
        Some("application/json"),
        Some("application/xml"),
        Some("text/html"),
        Some("text/plain; charset=utf-8"),
    ])
}

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z$@]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A body in one of the error shapes the vendors send, or anything at all.
fn error_body() -> impl Strategy<Value = Vec<u8>> {
    let text = "[ -~]{0,24}";
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..200),
        (text, json_value(), json_value()).prop_map(|(m, code, ticket)| {
            json!({"code": code, "message": m, "ticketId": ticket, "iServerCode": -1,
                   "subErrors": [{"code": "x", "message": m}]})
            .to_string()
            .into_bytes()
        }),
        (text, prop::collection::vec(json_value(), 0..3)).prop_map(|(m, errors)| {
            json!({"message": m, "errors": errors, "documentation_url": "https://d"})
                .to_string()
                .into_bytes()
        }),
        (any::<i64>(), "[a-zA-Z0-9 ]{0,24}").prop_map(|(code, d)| {
            format!(
                "<platform><message><code>{code}</code><description>{d}</description></message></platform>"
            )
            .into_bytes()
        }),
        (json_value(), text).prop_map(|(code, d)| {
            json!({"platform": {"message": {"code": code, "description": d}}})
                .to_string()
                .into_bytes()
        }),
    ]
}

fn check_error(e: &bi_rest::Error, status: StatusCode) {
    assert!((1..=9).contains(&e.exit_code()));
    for text in [e.to_string(), format!("{e:?}")] {
        assert!(!text.contains(SECRET), "secret shown: {text}");
    }
    if let Some(v) = e.vendor() {
        assert_eq!(v.status, Some(status.as_u16()));
        if let Some(raw) = &v.raw_body {
            assert!(raw.chars().count() <= RAW_BODY_LIMIT + 3);
        }
    }
}

proptest! {
    #![proptest_config(config(192))]

    /// Every mapper takes any status, content type and body, and no error shows the cookie or
    /// token of the answer.
    #[test]
    fn error_mappers_take_any_answer(
        status in 100u16..1000,
        ct in content_type(),
        body in error_body(),
        during_login: bool,
    ) {
        let status = StatusCode::from_u16(status).expect("valid status");
        let headers = answer_headers(ct);
        prop_assume!(!String::from_utf8_lossy(&body).contains(SECRET));
        check_error(&map_response(status, &headers, &body), status);
        for vendor in ["mstr", "looker", "agileapps"] {
            let mut marked = headers.clone();
            mark_vendor(&mut marked, vendor);
            let e = map_response(status, &marked, &body);
            check_error(&e, status);
            prop_assert!(matches!(e.vendor_name(), Some(n) if n == vendor || n == "http"));
        }
        check_error(&bi_rest::mstr::errors::map_error(status, &headers, &body), status);
        check_error(&bi_rest::looker::map_looker_error(status, &headers, &body), status);
        let e = bi_rest::agileapps::error::map_failure("GET /x", status, &headers, &body, during_login);
        check_error(&e, status);
        prop_assert!(e.message().starts_with("GET /x: "));
    }

    /// A MicroStrategy-marked `ERR009` on a 401 is always an invalid session, whatever else the
    /// body holds; the same body unmarked is never read as MicroStrategy's.
    #[test]
    fn mstr_session_code_is_found_only_when_marked(extra in json_value(), zeros in 1usize..4) {
        let code = format!("ERR{}9", "0".repeat(zeros));
        let body = json!({"code": code, "message": "Session invalid", "extra": extra}).to_string();
        let mut headers = answer_headers(Some("application/json"));
        let unmarked = map_response(StatusCode::UNAUTHORIZED, &headers, body.as_bytes());
        prop_assert_ne!(unmarked.vendor_name(), Some("mstr"));
        mark_vendor(&mut headers, "mstr");
        let e = map_response(StatusCode::UNAUTHORIZED, &headers, body.as_bytes());
        prop_assert_eq!(e.kind(), ErrorKind::SessionInvalid);
        prop_assert_eq!(e.code(), Some(code.as_str()));
    }

    /// AgileApps login answers: informational fields of any shape never fail a login that
    /// names its session, in either format; a `Set-Cookie` session wins over the body's, and is
    /// handed back for ending when the answer is refused.
    #[test]
    fn agileapps_login_answers_are_tolerant(
        user_id in json_value(),
        starting in json_value(),
        time_zone in json_value(),
        session in "[A-Za-z0-9]{1,16}",
        with_cookie: bool,
        status in prop::sample::select(vec![200u16, 401, 500]),
    ) {
        let body = json!({"platform": {"login": {
            "userId": user_id, "startingAppId": starting, "timeZone": time_zone,
            "sessionId": session, "extra": [1, {"x": 2}],
        }}})
        .to_string();
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if with_cookie {
            headers.insert(SET_COOKIE, HeaderValue::from_str(&format!("JSESSIONID={SECRET}; Path=/")).expect("header"));
        }
        let status = StatusCode::from_u16(status).expect("status");
        let expected = if with_cookie { SECRET.to_string() } else { session.clone() };
        match __fuzz::agileapps_login_answer(status, &headers, body.as_bytes(), Format::Xml, true) {
            AgileAppsLoginAnswer::Usable { session_id, login } => {
                prop_assert!(status.is_success());
                prop_assert_eq!(session_id, expected);
                prop_assert!(login.session_id.is_none() && login.cookie_string.is_none());
            }
            AgileAppsLoginAnswer::Unusable { error, orphan } => {
                prop_assert!(!status.is_success(), "refused: {}", error);
                prop_assert_eq!(orphan.is_some(), with_cookie);
                prop_assert!(!error.to_string().contains(SECRET));
            }
        }
        // The XML rendering of the same answer.
        let xml = format!(
            "<platform><login><userId>{}</userId><startingAppId type=\"A\">app</startingAppId><sessionId>{session}</sessionId></login></platform>",
            user_id.to_string().replace(['<', '&', '>'], "")
        );
        match __fuzz::agileapps_login_answer(StatusCode::OK, &HeaderMap::new(), xml.as_bytes(), Format::Json, true) {
            AgileAppsLoginAnswer::Usable { session_id, .. } => prop_assert_eq!(session_id, session),
            AgileAppsLoginAnswer::Unusable { error, .. } => prop_assert!(false, "{}: {}", xml, error),
        }
    }

    /// Looker's `AccessToken`: any lifetime (number, text, huge, negative, absent, of another
    /// shape) is accepted; the expiry is `now + expires_in` when representable.
    #[test]
    fn looker_access_token_takes_any_lifetime(
        token in "[A-Za-z0-9]{1,24}",
        expires_in in prop_oneof![any::<i64>().prop_map(Value::from), json_value(), any::<i64>().prop_map(|n| Value::from(n.to_string()))],
        extra in json_value(),
    ) {
        let body = json!({"access_token": token, "token_type": "Bearer", "expires_in": expires_in, "extra": extra});
        let now = SystemTime::now();
        let t = __fuzz::looker_access_token(body.to_string().as_bytes(), now).expect("a token");
        prop_assert_eq!(t.access_token, token);
        match t.expires_in {
            Some(secs) => {
                prop_assert!(secs > 0);
                prop_assert_eq!(t.expires_at, now.checked_add(Duration::from_secs(secs)));
            }
            None => prop_assert!(t.expires_at.is_none()),
        }
    }

    /// MicroStrategy's `GET /sessions` facts: every field of any shape is read or dropped,
    /// never fatal, and an idle timeout is positive.
    #[test]
    fn mstr_session_facts_take_any_shape(
        timeout_ms in json_value(),
        timeout in json_value(),
        id in json_value(),
        username in json_value(),
    ) {
        let body = json!({"timeoutMs": timeout_ms, "timeout": timeout, "id": id, "username": username, "fullName": {"x": 1}});
        let (idle, user) = __fuzz::mstr_session_facts(body.to_string().as_bytes()).expect("facts read");
        prop_assert!(idle.is_none_or(|d| !d.is_zero()));
        prop_assert_eq!(user.full_name, None);
    }

    /// Every reading of arbitrary bytes as a login or session answer returns (never panics).
    #[test]
    fn login_answers_take_any_bytes(body in prop::collection::vec(any::<u8>(), 0..256), json: bool) {
        let fallback = if json { Format::Json } else { Format::Xml };
        let _ = __fuzz::agileapps_login_answer(StatusCode::OK, &HeaderMap::new(), &body, fallback, false);
        let _ = __fuzz::looker_access_token(&body, SystemTime::now());
        let _ = __fuzz::mstr_session_facts(&body);
    }

    /// AgileApps record lists encode and decode to the same value in both formats.
    #[test]
    fn agileapps_bodies_round_trip(
        records in prop::collection::vec(
            prop::collection::btree_map("[a-z][a-z0-9_]{0,8}", "[A-Za-z0-9][A-Za-z0-9 .,-]{0,12}[A-Za-z0-9]", 1..4),
            0..4,
        ),
        count in prop::option::of(any::<u32>()),
        code in -5000i64..5,
        description in "[A-Za-z0-9][A-Za-z0-9 ]{0,20}[A-Za-z0-9]",
    ) {
        let value = RecordListResponse {
            record: records.into_iter().map(|fields| Record { fields }).collect(),
            message: None,
            record_count: count.map(u64::from),
        };
        let message = MessageResponse {
            message: Message { code: xml::Code(code), description: Some(description), ..Message::default() },
        };
        for format in [Format::Xml, Format::Json] {
            let text = xml::encode(&value, format).expect("encodes");
            let back: RecordListResponse = xml::decode(text.as_bytes(), format).expect("decodes");
            prop_assert_eq!(&back, &value, "{:?}: {}", format, text);
            let text = xml::encode(&message, format).expect("encodes");
            let back: MessageResponse = xml::decode(text.as_bytes(), format).expect("decodes");
            prop_assert_eq!(&back, &message, "{:?}: {}", format, text);
        }
    }

    /// `decode_json` succeeds exactly on JSON, and fails with a bounded `Decode` error.
    #[test]
    fn decode_json_matches_serde_json(body in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        json_value().prop_map(|v| v.to_string().into_bytes()),
    ]) {
        let response = http::Response::builder().status(200).body(body.clone()).expect("response");
        let decoded = __fuzz::ready(bi_rest::auth::decode_json::<Value>(reqwest::Response::from(response)));
        let direct = serde_json::from_slice::<Value>(&body);
        match decoded {
            Ok(v) => prop_assert_eq!(Some(v), direct.ok()),
            Err(e) => {
                prop_assert!(direct.is_err());
                prop_assert_eq!(e.kind(), ErrorKind::Decode);
            }
        }
    }

    /// The lenient readers read every JSON rendering of a field (and every XML one) without
    /// failing.
    #[test]
    fn lenient_readers_never_fail(
        s in json_value(), n in json_value(), b in json_value(), e in json_value(),
        text in "[A-Za-z0-9 ]{0,12}", attr in "[A-Za-z0-9]{0,8}",
    ) {
        let body = json!({"s": s, "n": n, "b": b, "e": e}).to_string();
        serde_json::from_str::<Probe>(&body).expect("lenient JSON");
        let xml = format!(
            "<p><s a=\"{attr}\">{text}</s><n><x>{text}</x><y/></n><b>{text}</b><e k=\"{attr}\">{text}<z/></e></p>"
        );
        quick_xml::de::from_str::<Probe>(&xml).expect("lenient XML");
    }

    /// Cookies set by any answer are sent back as they were after a save and a restore, and a
    /// session's own cookie is sent exactly once in place of the jar's.
    #[test]
    fn cookies_round_trip(
        cookies in prop::collection::vec((
            "[A-Za-z][A-Za-z0-9_]{0,8}",
            "[A-Za-z0-9._-]{0,16}",
            prop::sample::select(vec!["", "; Path=/", "; Path=/MicroStrategyLibrary", "; Path=/other", "; Path=/MicroStrategyLibrary/api/x"]),
            prop::sample::select(vec!["", "; HttpOnly", "; Secure", "; Max-Age=3600", "; Max-Age=0", "; SameSite=Lax"]),
        ), 0..6),
        https: bool,
    ) {
        let base = Url::parse(if https {
            "https://lib.example.com/MicroStrategyLibrary/api"
        } else {
            "http://127.0.0.1:8080/MicroStrategyLibrary/api"
        }).expect("url");
        let values: Vec<HeaderValue> = cookies
            .iter()
            .map(|(n, v, path, flag)| HeaderValue::from_str(&format!("{n}={v}{path}{flag}")).expect("header"))
            .collect();
        let jar = CookieJar::default();
        jar.set_cookies(&mut values.iter(), &base);
        let restored = CookieJar::default();
        restored.restore(&jar.save(&base));
        prop_assert_eq!(__fuzz::cookie_pairs(&restored, &base), __fuzz::cookie_pairs(&jar, &base));
        let own = SessionCookie { name: "JSESSIONID".into(), value: "mine".to_string().into() };
        let header = jar.header_for(&base, Some(&own)).expect("a session cookie is always sent");
        let header = header.to_str().expect("text");
        prop_assert_eq!(header.split("; ").filter(|p| p.starts_with("JSESSIONID=")).count(), 1);
        prop_assert!(header.ends_with("JSESSIONID=mine"));
    }

    /// AgileApps takes the first non-empty `JSESSIONID` of the answer's `Set-Cookie` headers.
    #[test]
    fn agileapps_session_cookie(
        before in prop::collection::vec("[A-Z]{1,6}=[a-z]{0,6}(; Path=/)?", 0..3),
        value in "[A-Za-z0-9]{1,12}",
        space: bool,
    ) {
        let mut headers = HeaderMap::new();
        for b in &before {
            headers.append(SET_COOKIE, HeaderValue::from_str(b).expect("header"));
        }
        let pad = if space { " " } else { "" };
        headers.append(SET_COOKIE, HeaderValue::from_str(&format!("JSESSIONID{pad}={pad}{value}; Path=/")).expect("header"));
        let expected = before
            .iter()
            .filter_map(|b| b.split(';').next()?.strip_prefix("JSESSIONID="))
            .find(|v| !v.is_empty())
            .map(str::to_string)
            .unwrap_or(value);
        prop_assert_eq!(__fuzz::agileapps_session_from_set_cookie(&headers), Some(expected));
    }

    /// Session files: anything reads or fails cleanly; a snapshot with any lifetime values
    /// restores to a session, and reads back as it was written.
    #[test]
    fn session_files_read_and_restore(
        expires in prop::option::of(any::<u64>()),
        idle in prop::option::of(any::<u64>()),
        saved_at in any::<u64>(),
        data in json_value(),
        garbage in prop::collection::vec(any::<u8>(), 0..128),
    ) {
        let _ = SessionSnapshot::from_slice(&garbage);
        let file = json!({
            "format": 1, "vendor": "mstr", "base_url": "http://h/api", "login_mode": "standard",
            "token": "tok-123456789", "renewable": true, "saved_at_unix": saved_at,
            "expires_at_unix": expires, "idle_timeout_secs": idle,
            "data": {"d": data},
            "cookies": [{"set_cookie": "A=b; Path=/", "url": "http://h/"}, {"set_cookie": "x", "url": "not a url"}],
        });
        let snapshot = SessionSnapshot::from_slice(file.to_string().as_bytes()).expect("a snapshot");
        let session = __fuzz::snapshot_to_session(&snapshot);
        prop_assert_eq!(session.idle_timeout(), idle.map(Duration::from_secs));
        CookieJar::default().restore(&snapshot.cookies);
        let debug = format!("{snapshot:?}");
        prop_assert!(!debug.contains("tok-123456789"));
        let written = serde_json::to_vec(&snapshot).expect("serialises");
        let back = SessionSnapshot::from_slice(&written).expect("reads back");
        prop_assert_eq!(serde_json::to_vec(&back).expect("serialises"), written);
    }

    /// `looker.ini` read from text gives the settings `LookerSettings::load` gives for the same
    /// file.
    #[test]
    fn looker_ini_matches_the_file_loader(
        lines in prop::collection::vec(prop_oneof![
            "\\[[A-Za-z]{1,6}\\]",
            Just("[DEFAULT]".to_string()),
            "(base_url|client_id|client_secret|verify_ssl|timeout|other) ?[=:] ?[ -~]{0,16}",
            "[#;][ -~]{0,10}",
            "[ -~]{0,16}",
        ], 0..10),
        section in prop::option::of(prop::sample::select(vec!["Looker", "DEFAULT", "x"])),
    ) {
        let text = lines.join("\n");
        let from_text = __fuzz::looker_ini(&text, section);
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("looker.ini");
        std::fs::write(&path, &text).expect("write");
        let env = std::sync::Arc::new(std::collections::BTreeMap::<String, String>::new());
        let from_file = bi_rest::looker::LookerSettings::load_with_env(Some(&path), section, env)
            .map(|s| (s.base_url, s.verify_ssl, s.timeout));
        match (from_text, from_file) {
            (Ok(a), Ok(b)) => prop_assert_eq!(a, b),
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
        }
    }

    /// `Retry-After` (the transport's parser): delay-seconds are read exactly, an HTTP date
    /// is a delay from now (zero when past), anything else is no delay; never a panic.
    #[test]
    fn retry_after_reads_seconds_and_dates(
        value in prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            "[ -~]{0,32}",
            (0u64..100).prop_map(|n| format!(" {n} ")),
            (0u64..4_000_000_000).prop_map(httpdate_of),
        ],
    ) {
        let now = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(2_000_000_000);
        let wait = bi_rest::auth::retry::parse_retry_after(&value, now);
        if let Ok(secs) = value.trim().parse::<u64>() {
            prop_assert_eq!(wait, Some(std::time::Duration::from_secs(secs)));
        } else if let Some(w) = wait {
            let at = now + w;
            prop_assert!(w == std::time::Duration::ZERO || at > now);
        }
    }
}

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Probe {
    #[serde(default, deserialize_with = "bi_rest::lenient::opt_string")]
    s: Option<String>,
    #[serde(default, deserialize_with = "bi_rest::lenient::opt_i64")]
    n: Option<i64>,
    #[serde(default, deserialize_with = "bi_rest::lenient::opt_bool")]
    b: Option<bool>,
    #[serde(default, deserialize_with = "bi_rest::lenient::opt_element")]
    e: Option<bi_rest::lenient::Element>,
}

/// Regression (found while writing the fuzz targets): a Looker login answer whose
/// `expires_in` is past what `SystemTime` can hold panicked in the login ("overflow when adding
/// duration to instant"); it is now a token without an expiry.
#[test]
fn looker_token_with_an_unrepresentable_lifetime_does_not_panic() {
    for expires_in in [
        json!(i64::MAX),
        json!(i64::MAX.to_string()),
        json!(u64::MAX),
    ] {
        let body = json!({"access_token": "t", "expires_in": expires_in}).to_string();
        let token = __fuzz::looker_access_token(body.as_bytes(), SystemTime::now())
            .expect("the token is usable");
        assert_eq!(token.access_token, "t");
        assert_eq!(token.expires_at, None, "{expires_in}");
    }
    let body = br#"{"access_token":"t","expires_in":3600}"#;
    let now = SystemTime::now();
    let token = __fuzz::looker_access_token(body, now).expect("a token");
    assert_eq!(token.expires_at, Some(now + Duration::from_secs(3600)));
}

/// Regression: a session file whose `expires_at_unix` is past what `SystemTime` can hold
/// panicked on restore; it now restores as a session without an absolute expiry.
#[test]
fn session_file_with_an_unrepresentable_expiry_restores() {
    let file = json!({
        "format": 1, "vendor": "looker", "base_url": "http://h/api/4.0", "login_mode": "api3",
        "token": "t", "renewable": true, "saved_at_unix": 0, "expires_at_unix": u64::MAX,
    });
    let snapshot = SessionSnapshot::from_slice(file.to_string().as_bytes()).expect("reads");
    let session = __fuzz::snapshot_to_session(&snapshot);
    assert_eq!(session.expires_at(), None);
    let err = SessionSnapshot::from_slice(br#"{"format": 2}"#).expect_err("not a session");
    assert_eq!(err.kind(), ErrorKind::Config);
}

/// An HTTP date `secs` after the epoch, as a server would send it.
fn httpdate_of(secs: u64) -> String {
    let at = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs);
    httpdate::fmt_http_date(at)
}
