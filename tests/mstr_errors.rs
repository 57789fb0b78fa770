//! MicroStrategy error bodies map to exact error kinds, keeping the vendor detail, against
//! the simulator (every family it produces) and through the mapper (the documented codes
//! and shapes the simulator does not produce: other codes, both spellings, empty 500, HTML,
//! wrong content type).
#![cfg(all(feature = "mstr", feature = "sim"))]

mod common_mstr;

use std::time::Duration;

use bi_rest::auth::HttpConfig;
use bi_rest::credentials::Credential;
use bi_rest::error::{map_response, ErrorKind, ERROR_KIND_HEADER};
use bi_rest::mstr::map_error;
use bi_rest::sim::faults::{FaultKind, Faults};
use bi_rest::sim::mstr::data::{
    BROKEN_REPORT_ID, REVENUE_METRIC_ID, REVENUE_REPORT_ID, TUTORIAL_PROJECT_ID,
};
use bi_rest::sim::mstr::{privileges, MstrSimConfig, SimUser};
use common_mstr::*;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, StatusCode};

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    h
}

#[tokio::test]
async fn simulator_error_families_map_to_exact_kinds() {
    let s = sim(MstrSimConfig::default()
        .user(SimUser::standard("viewer", "pw").privileges([privileges::USE_OBJECT_SEARCH])))
    .await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .project_id(TUTORIAL_PROJECT_ID)
        .build()
        .unwrap();

    // 404 ERR004: unknown endpoint.
    let e = c
        .send(c.request(Method::GET, "/no/such/endpoint"))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.exit_code()),
        (ErrorKind::NotFound, Some("ERR004"), 5)
    );
    assert!(e.ticket_id().is_some());

    // 400 ERR006: invalid JSON.
    let e = c
        .send(
            c.request(Method::POST, "/auth/apiTokens")
                .header(CONTENT_TYPE, "application/json")
                .body("{not json"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.exit_code()),
        (ErrorKind::InvalidRequest, Some("ERR006"), 7)
    );
    assert_eq!(e.message(), "Invalid JSON");

    // 400 ERR005: missing project header.
    let e = c
        .send(
            c.request(Method::GET, "/searches/results?name=revenue&type=3")
                .header("X-MSTR-ProjectID", ""),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InvalidRequest, Some("ERR005"))
    );

    // 500 ERR002 with subErrors: I-Server error.
    let e = c
        .send(c.request(
            Method::POST,
            &format!("/v2/reports/{BROKEN_REPORT_ID}/instances"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.exit_code()),
        (ErrorKind::Server, Some("ERR002"), 8)
    );
    let v = e.vendor().unwrap();
    assert!(v.i_server_code.is_some());
    assert_eq!(v.sub_errors.len(), 1);
    assert_eq!(
        v.sub_errors[0].additional.as_ref().unwrap()["objectId"],
        BROKEN_REPORT_ID
    );

    // Modeling-service shape {"errors":[...]}.
    let e = c
        .send(
            c.request(Method::GET, &format!("/model/metrics/{REVENUE_METRIC_ID}"))
                .header("X-MSTR-MS-Changeset", "bogus"),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InvalidRequest, Some("8004cc4c"))
    );
    assert_eq!(e.vendor().unwrap().sub_errors.len(), 1);

    // 403 ERR014: missing privilege, with the iServerCode.
    let viewer = builder(&s)
        .standard("viewer", Credential::value("pw"))
        .project_id(TUTORIAL_PROJECT_ID)
        .build()
        .unwrap();
    let e = viewer
        .send(viewer.request(
            Method::POST,
            &format!("/v2/reports/{REVENUE_REPORT_ID}/instances"),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.exit_code()),
        (ErrorKind::InsufficientPrivileges, Some("ERR014"), 6)
    );
    assert_eq!(e.vendor().unwrap().i_server_code, Some(-2147213784));

    // 401 ERR003 at login.
    let bad = builder(&s)
        .standard("viewer", Credential::value("nope"))
        .build()
        .unwrap();
    let e = bad.user_info().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.code(), e.exit_code()),
        (ErrorKind::LoginFailed, Some("ERR003"), 3)
    );

    c.close().await.unwrap();
    viewer.close().await.unwrap();
}

#[tokio::test]
async fn faults_html_5xx_drop_and_timeout_without_panic_or_replay() {
    let s = default_sim().await;
    let c = builder(&s)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        // No retries: the 502 and the dropped connection are the answers under test, and a
        // retried 502 could otherwise run past the 1 s deadline on a loaded machine.
        .retry_policy(bi_rest::auth::RetryPolicy::none())
        .http(HttpConfig::new().request_timeout(Some(Duration::from_millis(1000))))
        .build()
        .unwrap();
    c.login().await.unwrap();

    // A proxy's HTML page (502).
    s.faults().set_rate(FaultKind::HtmlErrorPage, 1.0);
    let e = c.user_info().await.unwrap_err();
    s.faults().set_rate(FaultKind::HtmlErrorPage, 0.0);
    assert_eq!(e.kind(), ErrorKind::ServerUnreachable);
    assert_eq!(e.status(), Some(StatusCode::BAD_GATEWAY));
    let v = e.vendor().unwrap();
    assert_eq!(v.content_type.as_deref(), Some("text/html"));
    assert!(v.raw_body.as_deref().unwrap().contains("502 Bad Gateway"));

    // An injected 500 on a POST: reported once, never replayed.
    let created_before = s.counters().api_tokens_created;
    s.faults().set_rate(FaultKind::ServerError, 1.0);
    let e = c.create_api_token(None).await.unwrap_err();
    s.faults().set_rate(FaultKind::ServerError, 0.0);
    assert_eq!((e.kind(), e.code()), (ErrorKind::Server, Some("ERR001")));
    assert_eq!(s.faults().injected(FaultKind::ServerError), 1);
    assert_eq!(s.counters().api_tokens_created, created_before);

    // A dropped connection is a network error (exit code 9).
    s.faults().set_rate(FaultKind::DroppedConnection, 1.0);
    let e = c.user_info().await.unwrap_err();
    s.faults().set_rate(FaultKind::DroppedConnection, 0.0);
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Network, 9));

    // A slow reply beyond the request timeout.
    s.faults().set_faults(
        Faults::none()
            .rate(FaultKind::SlowReply, 1.0)
            .slow_delay(Duration::from_millis(3000)),
    );
    let e = c.user_info().await.unwrap_err();
    s.faults().set_faults(Faults::none());
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Timeout, 9));

    // Still usable, same session.
    c.user_info().await.unwrap();
    assert_eq!(s.counters().logins(), 1);
    c.close().await.unwrap();
}

#[test]
fn documented_codes_and_both_spellings() {
    let cases = [
        ("ERR001", 500, ErrorKind::Server),
        ("ERR001", 400, ErrorKind::InvalidRequest),
        ("ERR002", 500, ErrorKind::Server),
        ("ERR003", 401, ErrorKind::LoginFailed),
        ("ERR004", 404, ErrorKind::NotFound),
        ("ERR005", 400, ErrorKind::InvalidRequest),
        ("ERR006", 400, ErrorKind::InvalidRequest),
        ("ERR007", 400, ErrorKind::InvalidRequest),
        ("ERR008", 400, ErrorKind::Conflict),
        ("ERR009", 401, ErrorKind::SessionInvalid),
        ("ERR0010", 400, ErrorKind::InvalidRequest),
        ("ERR010", 400, ErrorKind::InvalidRequest),
        ("ERR0013", 500, ErrorKind::ServerUnreachable),
        ("ERR013", 500, ErrorKind::ServerUnreachable),
        ("ERR0014", 403, ErrorKind::InsufficientPrivileges),
        ("ERR0015", 409, ErrorKind::AlreadyExists),
        ("ERR015", 400, ErrorKind::AlreadyExists),
        ("ERR0016", 503, ErrorKind::ServerUnreachable),
        ("ERR0017", 403, ErrorKind::InsufficientPrivileges),
        ("ERR017", 403, ErrorKind::InsufficientPrivileges),
        ("ERR0020", 400, ErrorKind::InvalidRequest),
        ("ERR0021", 500, ErrorKind::Server),
        ("ERR0R22", 500, ErrorKind::Server),
        ("ERR0023", 500, ErrorKind::Server),
        ("ERR0024", 500, ErrorKind::Server),
        // Unknown codes fall back to the status.
        ("ERR0099", 404, ErrorKind::NotFound),
        ("ERR0012", 403, ErrorKind::InsufficientPrivileges),
    ];
    for (code, status, kind) in cases {
        let body = format!(r#"{{"code":"{code}","message":"m","ticketId":"t1"}}"#);
        let e = map_error(
            StatusCode::from_u16(status).unwrap(),
            &json_headers(),
            body.as_bytes(),
        );
        assert_eq!(e.kind(), kind, "{code} / {status}");
        assert_eq!(e.code(), Some(code), "code kept as sent");
        assert_eq!(e.ticket_id(), Some("t1"));
        assert_eq!(e.vendor_name(), Some("mstr"));
    }
}

#[test]
fn official_samples_keep_every_field() {
    // The vendor's samples (rest-api-playground sample-responses/__Errors__, Apache-2.0).
    let forbidden = br#"{"code":"ERR017","iServerCode":-2147214568,"message":"(User 'Guest' does not have Read and Write access to the User object 'Public / Guest' in Project 'Configuration' with ID '38A062302D4411D28E71006008960167'.)","ticketId":"6c37df9f617d4cb9a7c50ce9138331c8"}"#;
    let e = map_error(StatusCode::FORBIDDEN, &json_headers(), forbidden);
    assert_eq!(e.kind(), ErrorKind::InsufficientPrivileges);
    let v = e.vendor().unwrap();
    assert_eq!(v.i_server_code, Some(-2147214568));
    assert_eq!(
        v.ticket_id.as_deref(),
        Some("6c37df9f617d4cb9a7c50ce9138331c8")
    );
    assert!(e.to_string().starts_with("ERR017 (User 'Guest'"));
    assert!(e
        .to_string()
        .ends_with("[ticket 6c37df9f617d4cb9a7c50ce9138331c8]"));

    let server = br#"{"code":"string","iServerCode":0,"message":"string","ticketId":"string","subErrors":[{"iServerCode":0,"message":"string","additionalProperties":{"objectId":"string","objectName":"string"}}],"additionalProperties":{}}"#;
    let e = map_error(StatusCode::INTERNAL_SERVER_ERROR, &json_headers(), server);
    assert_eq!(e.kind(), ErrorKind::Server);
    assert_eq!(e.vendor().unwrap().sub_errors[0].i_server_code, Some(0));

    let modeling = br#"{"errors":[{"code":"8004cc4c","message":"The X-MSTR-MS-Changeset '{{rd_changesetId}}' is invalid.","additionalProperties":{"arguments":["X-MSTR-MS-Changeset","{{rd_changesetId}}"]}}]}"#;
    let e = map_error(StatusCode::BAD_REQUEST, &json_headers(), modeling);
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InvalidRequest, Some("8004cc4c"))
    );
    assert!(e.message().contains("is invalid"));
}

#[test]
fn empty_html_and_wrong_content_type_never_panic() {
    let e = map_error(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), b"");
    assert_eq!((e.kind(), e.exit_code()), (ErrorKind::Server, 8));
    assert_eq!(e.vendor().unwrap().raw_body, None);

    let mut html = HeaderMap::new();
    html.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
    let e = map_error(StatusCode::SERVICE_UNAVAILABLE, &html, b"<html>down</html>");
    assert_eq!(e.kind(), ErrorKind::ServerUnreachable);
    assert_eq!(
        e.vendor().unwrap().raw_body.as_deref(),
        Some("<html>down</html>")
    );

    // JSON content type with a non-JSON body, and plain text with JSON-looking garbage.
    let e = map_error(StatusCode::BAD_REQUEST, &json_headers(), b"oops, not json");
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(
        e.vendor().unwrap().raw_body.as_deref(),
        Some("oops, not json")
    );
    let e = map_error(StatusCode::NOT_FOUND, &HeaderMap::new(), b"[1,2,{\"code\":");
    assert_eq!(e.kind(), ErrorKind::NotFound);

    // Huge bodies are truncated, binary bodies are kept lossy.
    let big = vec![b'x'; 100_000];
    let e = map_error(StatusCode::BAD_GATEWAY, &HeaderMap::new(), &big);
    assert!(e.vendor().unwrap().raw_body.as_ref().unwrap().len() <= 2051);
    let e = map_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &HeaderMap::new(),
        &[0xff, 0xfe, 0x00],
    );
    assert_eq!(e.kind(), ErrorKind::Server);

    // The core's marker header overrides the body's kind.
    let mut marked = json_headers();
    marked.insert(
        ERROR_KIND_HEADER,
        HeaderValue::from_static("session_expired"),
    );
    let e = map_response(
        StatusCode::UNAUTHORIZED,
        &marked,
        br#"{"code":"ERR009","message":"Session expired"}"#,
    );
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::SessionExpired, Some("ERR009"))
    );
}

#[tokio::test]
async fn wrong_content_type_on_success_is_a_decode_error() {
    let http = http::Response::builder()
        .status(200)
        .header(CONTENT_TYPE, "text/html")
        .body("<html>login page</html>")
        .unwrap();
    let e = bi_rest::auth::decode_json::<serde_json::Value>(reqwest::Response::from(http))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(
        e.vendor().unwrap().raw_body.as_deref(),
        Some("<html>login page</html>")
    );
}

/// Headers of a failed answer as the generated MicroStrategy client hands them over: the auth
/// hooks mark them with the vendor, whose rules then map the body.
fn mstr_marked_headers() -> HeaderMap {
    let mut h = json_headers();
    bi_rest::error::mark_vendor(&mut h, "mstr");
    h
}

#[tokio::test]
async fn progenitor_errors_convert_with_vendor_detail() {
    use progenitor_client::{Error as P, ResponseValue};
    let body =
        serde_json::json!({"code": "ERR004", "message": "Object not found", "ticketId": "abc"});
    let e: bi_rest::Error = P::ErrorResponse(ResponseValue::new(
        body,
        StatusCode::NOT_FOUND,
        mstr_marked_headers(),
    ))
    .into();
    assert_eq!(
        (e.kind(), e.code(), e.ticket_id()),
        (ErrorKind::NotFound, Some("ERR004"), Some("abc"))
    );

    let raw = http::Response::builder()
        .status(403)
        .header(CONTENT_TYPE, "application/json")
        .header(bi_rest::error::VENDOR_HEADER, "mstr")
        .body(r#"{"code":"ERR0017","message":"no access","iServerCode":-2147214568}"#)
        .unwrap();
    let e =
        bi_rest::Error::from_progenitor(P::<()>::UnexpectedResponse(reqwest::Response::from(raw)))
            .await;
    assert_eq!(
        (e.kind(), e.code()),
        (ErrorKind::InsufficientPrivileges, Some("ERR0017"))
    );

    let e: bi_rest::Error = P::<()>::InvalidRequest("missing body".into()).into();
    assert_eq!(e.exit_code(), 7);
    let payload = P::<()>::InvalidResponsePayload(
        bytes::Bytes::from_static(b"<html>"),
        serde_json::from_slice::<serde_json::Value>(b"<html>").unwrap_err(),
    );
    let e: bi_rest::Error = payload.into();
    assert_eq!(e.kind(), ErrorKind::Decode);
}

#[test]
fn exit_codes_follow_the_cli_contract() {
    let expect = [
        (ErrorKind::LoginFailed, 3),
        (ErrorKind::Credential, 3),
        (ErrorKind::SessionExpired, 4),
        (ErrorKind::NotFound, 5),
        (ErrorKind::InsufficientPrivileges, 6),
        (ErrorKind::InvalidRequest, 7),
        (ErrorKind::Server, 8),
        (ErrorKind::ServerUnreachable, 8),
        (ErrorKind::Network, 9),
        (ErrorKind::Tls, 9),
        (ErrorKind::Timeout, 9),
        (ErrorKind::Config, 2),
        (ErrorKind::Other, 1),
    ];
    for (kind, code) in expect {
        assert_eq!(bi_rest::Error::new(kind, "x").exit_code(), code, "{kind}");
    }
}
