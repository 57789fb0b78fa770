//! JSON and XML bodies: `agileapps::xml::decode` of every typed response in both formats,
//! `auth::decode_json`, and the lenient readers of `bi_rest::lenient` through JSON and XML.
//!
//! Input: `[selector, body...]`.
//! Invariants: never panics; a decoded AgileApps response re-encodes to a body that decodes to
//! the same value; `decode_json` succeeds exactly when the body is JSON and otherwise fails with
//! a bounded `Decode` error; a struct of lenient fields is read from every JSON and XML document
//! the same struct of plain `serde_json::Value` fields is read from.
#![no_main]

use std::fmt::Debug;

use bi_rest::agileapps::xml::{
    self, LoginResponse, MessageResponse, RecordListResponse, RecordResponse, UserListResponse,
    UserResponse,
};
use bi_rest::agileapps::Format;
use bi_rest::error::ErrorKind;
use bi_rest::lenient::{self, Element};
use bi_rest_fuzz::split;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Decodes `body` as `T` and, when it decodes and re-encodes, checks the round trip.
fn round_trip<T>(body: &[u8], format: Format)
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let Ok(first) = xml::decode::<T>(body, format) else {
        return;
    };
    // Keys in quick-xml's naming scheme (`@attr`, `$text`, `$value`) are translated on encoding
    // by design; a record field of such a name (which AgileApps never sends) does not round-trip.
    if serde_json::to_value(&first).is_ok_and(|v| has_xml_names(&v)) {
        return;
    }
    let Ok(text) = xml::encode(&first, format) else {
        return;
    };
    let again = xml::decode::<T>(text.as_bytes(), format)
        .unwrap_or_else(|e| panic!("{format:?}: re-encoded {first:?} as {text:?}: {e}"));
    assert_eq!(first, again, "{format:?} round trip through {text:?}");
}

fn has_xml_names(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| k.starts_with(['@', '$']) || has_xml_names(v)),
        serde_json::Value::Array(items) => items.iter().any(has_xml_names),
        _ => false,
    }
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Probe {
    #[serde(default, deserialize_with = "lenient::opt_string")]
    s: Option<String>,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    n: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_bool")]
    b: Option<bool>,
    #[serde(default, deserialize_with = "lenient::opt_element")]
    e: Option<Element>,
}

/// The same fields read as plain values: whatever this reads, the lenient fields must read.
#[derive(Deserialize)]
#[allow(dead_code)]
struct Plain {
    #[serde(default)]
    s: Option<serde_json::Value>,
    #[serde(default)]
    n: Option<serde_json::Value>,
    #[serde(default)]
    b: Option<serde_json::Value>,
    #[serde(default)]
    e: Option<serde_json::Value>,
}

fn lenient_never_fails<E: std::fmt::Display>(probe: Result<Probe, E>, what: &str) {
    if let Err(e) = probe {
        panic!("{what}: lenient fields failed where plain values were read: {e}");
    }
}

fuzz_target!(|data: &[u8]| {
    let (head, body) = split(data, 1);
    let format = if head[0] & 1 == 0 {
        Format::Xml
    } else {
        Format::Json
    };
    round_trip::<LoginResponse>(body, format);
    round_trip::<MessageResponse>(body, format);
    round_trip::<RecordResponse>(body, format);
    round_trip::<RecordListResponse>(body, format);
    round_trip::<UserResponse>(body, format);
    round_trip::<UserListResponse>(body, format);

    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .expect("a response");
    let decoded = bi_rest::__fuzz::ready(bi_rest::auth::decode_json::<serde_json::Value>(
        reqwest::Response::from(response),
    ));
    let direct = serde_json::from_slice::<serde_json::Value>(body);
    match decoded {
        Ok(v) => assert_eq!(Some(v), direct.ok()),
        Err(e) => {
            assert!(direct.is_err(), "decode_json refused JSON");
            assert_eq!(e.kind(), ErrorKind::Decode);
            let raw = e.vendor().and_then(|v| v.raw_body.as_ref());
            assert!(raw.is_none_or(|r| r.chars().count() <= bi_rest::error::RAW_BODY_LIMIT + 3));
        }
    }

    if serde_json::from_slice::<Plain>(body).is_ok() {
        lenient_never_fails(serde_json::from_slice::<Probe>(body), "JSON");
    }
    if let Ok(text) = std::str::from_utf8(body) {
        if quick_xml::de::from_str::<Plain>(text).is_ok() {
            lenient_never_fails(quick_xml::de::from_str::<Probe>(text), "XML");
        }
    }
});
