//! Shared input decoding for the bi-rest fuzz targets.
//!
//! Every target reads its input as a few control bytes followed by the payload (a body, a
//! file, header lines), so the seed files under `fuzz/seeds/<target>/` are readable: a short
//! prefix and then a real server answer or file.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, RETRY_AFTER, SET_COOKIE};
use reqwest::StatusCode;

/// A cookie value no parser may ever print: fed in `Set-Cookie` and token headers of every
/// answer the error mappers see.
pub const SECRET: &str = "s3cr3t-c00kie-7f41d2";

/// Takes `n` control bytes (zero-filled when the input is shorter) and the rest.
pub fn split(data: &[u8], n: usize) -> (Vec<u8>, &[u8]) {
    let cut = n.min(data.len());
    let mut head = data[..cut].to_vec();
    head.resize(n, 0);
    (head, &data[cut..])
}

/// Any valid HTTP status (100..=999) from two bytes, biased towards the ones servers send.
pub fn status(hi: u8, lo: u8) -> StatusCode {
    const COMMON: [u16; 16] = [
        200, 204, 400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503, 504, 302,
    ];
    let n = u16::from_be_bytes([hi, lo]);
    let code = if hi & 0x80 == 0 {
        COMMON[usize::from(lo) % COMMON.len()]
    } else {
        100 + n % 900
    };
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A `Content-Type` (or none) from a selector.
pub fn content_type(sel: u8) -> Option<&'static str> {
    [
        None,
        Some("application/json"),
        Some("application/xml"),
        Some("text/html; charset=utf-8"),
        Some("text/plain"),
        Some("application/json;charset=UTF-8"),
        Some("application/problem+json"),
        Some("text/xml"),
    ][usize::from(sel) % 8]
}

/// Answer headers: the content type, a `Set-Cookie` and an `X-MSTR-AuthToken` carrying
/// [`SECRET`], and optionally a `Retry-After`.
pub fn answer_headers(sel: u8, retry_after: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type(sel) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    if let Ok(v) = HeaderValue::from_str(&format!("JSESSIONID={SECRET}; Path=/; HttpOnly")) {
        headers.append(SET_COOKIE, v);
    }
    if let Ok(v) = HeaderValue::from_str(SECRET) {
        headers.insert(HeaderName::from_static("x-mstr-authtoken"), v);
    }
    if let Some(v) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(RETRY_AFTER, v);
    }
    headers
}

/// Whether `haystack` contains `needle` (bytes).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Asserts that no rendering of `err` shows [`SECRET`] (unless the body itself carried it, in
/// which case a server message may legitimately quote it).
pub fn assert_no_secret(err: &bi_rest::Error, body: &[u8], what: &str) {
    if contains(body, SECRET.as_bytes()) {
        return;
    }
    for text in [
        err.to_string(),
        format!("{err:?}"),
        err.message().to_string(),
    ] {
        assert!(!text.contains(SECRET), "{what}: the secret leaked: {text}");
    }
}

/// Checks what every mapped error must satisfy: a kind with an exit code, a bounded raw body,
/// and no secret.
pub fn check_error(err: &bi_rest::Error, status: StatusCode, body: &[u8], what: &str) {
    assert!((1..=9).contains(&err.exit_code()), "{what}: exit code");
    if let Some(v) = err.vendor() {
        if let Some(s) = v.status {
            assert_eq!(s, status.as_u16(), "{what}: status kept");
        }
        if let Some(raw) = &v.raw_body {
            assert!(
                raw.chars().count() <= bi_rest::error::RAW_BODY_LIMIT + 3,
                "{what}: raw body bounded"
            );
        }
    }
    assert_no_secret(err, body, what);
}
