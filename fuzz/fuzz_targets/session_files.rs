//! Session files and Looker settings: `SessionSnapshot::from_slice` (what
//! `SessionSnapshot::read` parses), the session and cookies a restored snapshot yields, and
//! `looker.ini` as `LookerSettings::load` reads it.
//!
//! Input: `[selector, file...]`.
//! Invariants: never panics; a snapshot that reads has this crate's format, its session and
//! cookies restore, it serialises to a file that reads back to the same snapshot, and its
//! `Debug` never shows the token.
#![no_main]

use bi_rest::auth::{CookieJar, SessionSnapshot};
use bi_rest_fuzz::{contains, split};
use libfuzzer_sys::fuzz_target;
use secrecy::ExposeSecret;

fn check_snapshot(file: &[u8]) {
    let Ok(snapshot) = SessionSnapshot::from_slice(file) else {
        return;
    };
    assert_eq!(snapshot.format, bi_rest::auth::snapshot::FORMAT_VERSION);
    let session = bi_rest::__fuzz::snapshot_to_session(&snapshot);
    assert_eq!(session.renewable(), snapshot.renewable);
    for below in &snapshot.below {
        let _ = bi_rest::__fuzz::snapshot_to_session(below);
    }
    CookieJar::default().restore(&snapshot.cookies);

    let written = serde_json::to_vec(&snapshot).expect("a snapshot serialises");
    let back = SessionSnapshot::from_slice(&written).expect("a written snapshot reads back");
    let rewritten = serde_json::to_vec(&back).expect("a snapshot serialises");
    assert_eq!(written, rewritten, "write -> read -> write is stable");

    if let Some(token) = snapshot
        .token
        .as_ref()
        .map(|t| t.expose_secret().to_string())
    {
        let once = file
            .windows(token.len().max(1))
            .filter(|w| *w == token.as_bytes())
            .count()
            == 1;
        if token.len() >= 8 && once && !contains(file, b"\\") {
            assert!(
                !format!("{snapshot:?}").contains(&token),
                "Debug shows the token"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (head, file) = split(data, 1);
    check_snapshot(file);
    if let Ok(text) = std::str::from_utf8(file) {
        let section = [None, Some("Looker"), Some("DEFAULT"), Some("")][usize::from(head[0] % 4)];
        let _ = bi_rest::__fuzz::looker_ini(text, section);
    }
});
