//! `Retry-After`: the value the auth core waits on before retrying a 429
//! (`RetryPolicy::rate_limit_wait`) and the one kept in `VendorError::retry_after`.
//!
//! To fuzz another parser (e.g. one that also reads HTTP dates), point [`parse_retry_after`] at
//! it: the invariants below are stated on what it returns.
//!
//! Input: `[attempt, policy selector, value...]`.
//! Invariants: never panics; a wait is only granted while attempts remain and never exceeds
//! the policy's maximum; the vendor error's `retry_after` and the retry wait agree.
#![no_main]

use std::time::Duration;

use bi_rest::auth::RetryPolicy;
use bi_rest::error::VendorError;
use bi_rest_fuzz::split;
use libfuzzer_sys::fuzz_target;
use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::StatusCode;

/// The `Retry-After` parser under test: what a header value means as a wait, if anything.
fn parse_retry_after(value: &HeaderValue) -> Option<Duration> {
    let mut headers = HeaderMap::new();
    headers.insert(RETRY_AFTER, value.clone());
    VendorError::from_raw(StatusCode::TOO_MANY_REQUESTS, &headers, b"").retry_after
}

fuzz_target!(|data: &[u8]| {
    let (head, value) = split(data, 2);
    let attempt = u32::from(head[0] % 4);
    let policy = match head[1] % 3 {
        0 => RetryPolicy::default(),
        1 => RetryPolicy::none(),
        _ => RetryPolicy {
            rate_limit_retries: 3,
            max_retry_after: Duration::from_secs(u64::from(head[1])),
            default_retry_after: Duration::from_millis(10),
        },
    };
    // Any text: the wait is bounded.
    if let Ok(text) = std::str::from_utf8(value) {
        if let Some(w) = policy.rate_limit_wait(attempt, Some(text)) {
            assert!(attempt < policy.rate_limit_retries, "no attempts left");
            assert!(w <= policy.max_retry_after, "{w:?} over the maximum");
        }
    }
    assert_eq!(
        policy.rate_limit_wait(attempt, None).is_some(),
        attempt < policy.rate_limit_retries && policy.default_retry_after <= policy.max_retry_after
    );
    // A header as the auth core reads it (`to_str`, so visible ASCII only): the retry wait
    // and the vendor error's `retry_after` agree.
    let Ok(header) = HeaderValue::from_bytes(value) else {
        return;
    };
    if let Ok(text) = header.to_str() {
        let wait = policy.rate_limit_wait(attempt, Some(text));
        let expected = parse_retry_after(&header)
            .filter(|d| *d <= policy.max_retry_after)
            .filter(|_| attempt < policy.rate_limit_retries);
        assert_eq!(
            wait, expected,
            "rate_limit_wait vs VendorError for {text:?}"
        );
    }
});
