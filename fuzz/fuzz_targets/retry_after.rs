//! `Retry-After`: the transport's parser (`bi_rest::auth::retry::parse_retry_after`), which
//! reads delay-seconds and HTTP dates.
//!
//! Invariants: never panics; delay-seconds are read exactly; a date is a delay from `now`
//! (zero when past).
#![no_main]

use std::time::{Duration, SystemTime};

use bi_rest::auth::retry::parse_retry_after;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
    let wait = parse_retry_after(text, now);
    if let Ok(secs) = text.trim().parse::<u64>() {
        assert_eq!(wait, Some(Duration::from_secs(secs)));
    }
});
