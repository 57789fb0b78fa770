//! Error mappers: `map_response` unmarked and marked for each vendor, MicroStrategy
//! `map_error`, Looker `map_looker_error`, AgileApps `map_failure` (call and login) and
//! `AgileAppsErrorMapper`, over any status, content type and body.
//!
//! Input: `[status hi, status lo, selector, kind-header selector, body...]`.
//! Invariants: never panics; every error has an exit code, keeps the status and a bounded raw
//! body, and never shows the cookie/token value the answer's headers carried; a vendor mark
//! only ever picks that vendor's rules; the `x-bi-rest-error-kind` marker always wins.
#![no_main]

use bi_rest::error::{map_response, mark_vendor, ErrorKind, ErrorMapper, ERROR_KIND_HEADER};
use bi_rest_fuzz::{answer_headers, check_error, split, status};
use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderName, HeaderValue};

fuzz_target!(|data: &[u8]| {
    let (head, body) = split(data, 4);
    let status = status(head[0], head[1]);
    let sel = head[2];
    let headers = answer_headers(sel & 0x07, None);
    let during_login = sel & 0x80 != 0;

    let unmarked = map_response(status, &headers, body);
    check_error(&unmarked, status, body, "map_response");
    for vendor in ["mstr", "looker", "agileapps"] {
        let mut marked = headers.clone();
        mark_vendor(&mut marked, vendor);
        let e = map_response(status, &marked, body);
        check_error(&e, status, body, vendor);
        if let Some(name) = e.vendor_name() {
            assert!(
                name == vendor || name == "http",
                "{vendor} mark gave {name}"
            );
        }
    }

    let e = bi_rest::mstr::errors::map_error(status, &headers, body);
    check_error(&e, status, body, "mstr::map_error");
    let e = bi_rest::looker::map_looker_error(status, &headers, body);
    check_error(&e, status, body, "map_looker_error");
    let e = bi_rest::agileapps::error::map_failure("GET /x", status, &headers, body, during_login);
    check_error(&e, status, body, "agileapps::map_failure");
    assert!(e.message().starts_with("GET /x: "), "operation prefix");
    if let Some(e) = bi_rest::agileapps::AgileAppsErrorMapper.map(status, &headers, body) {
        check_error(&e, status, body, "AgileAppsErrorMapper");
        assert_eq!(e.vendor_name(), Some("agileapps"));
    }

    // The kind marker overrides whatever the body says; an unknown marker is ignored.
    let kind_name = ["not_found", "session_expired", "bogus", "timeout"][usize::from(head[3] % 4)];
    let mut forced = headers.clone();
    forced.insert(
        HeaderName::from_static(ERROR_KIND_HEADER),
        HeaderValue::from_static(kind_name),
    );
    let e = map_response(status, &forced, body);
    check_error(&e, status, body, "forced kind");
    match ErrorKind::parse(kind_name) {
        Some(kind) => assert_eq!(e.kind(), kind),
        None => assert_eq!(e.kind(), unmarked.kind()),
    }
});
