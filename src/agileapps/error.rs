//! AgileApps failures as [`crate::Error`]: the platform message code and description are kept
//! in [`VendorError`] (`code` as sent, e.g. `-101`; `message` = description; HTTP status), and
//! the code picks the [`ErrorKind`].
//!
//! | platform code (HTTP) | kind |
//! |---|---|
//! | -101 (401) "User not logged in" | `SessionExpired` on a call (renewed once when possible), `LoginFailed` on a login |
//! | -200 (404), -300 (400) | `NotFound` |
//! | -850, -4003, -4600 (403) | `InsufficientPrivileges` (-4600 at login: `LoginFailed`, session cap) |
//! | -4006, -4601, other <= -4000 | `InvalidRequest` |
//! | -1 (500) | `Server` |
//! | no platform body | by HTTP status |

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::agileapps::xml::{self, Format, MessageResponse};
use crate::error::{status_only, truncate_body, ErrorMapper, VendorError};
pub use crate::error::{Error, ErrorKind};

/// The vendor name in [`Error::vendor_name`].
pub const VENDOR: &str = "agileapps";

/// The platform code for "user not logged in".
pub const CODE_NOT_LOGGED_IN: i64 = -101;

/// The kind a platform code (and HTTP status, when the code says nothing) stands for.
pub fn kind_for(code: Option<i64>, status: u16, during_login: bool) -> ErrorKind {
    let by_code = match code {
        Some(CODE_NOT_LOGGED_IN) => Some(if during_login {
            ErrorKind::LoginFailed
        } else {
            ErrorKind::SessionExpired
        }),
        Some(-200) | Some(-300) => Some(ErrorKind::NotFound),
        // A session cap reached at login is a refused login.
        Some(-4600) if during_login => Some(ErrorKind::LoginFailed),
        Some(-850) | Some(-4003) | Some(-4600) => Some(ErrorKind::InsufficientPrivileges),
        Some(-1) => Some(ErrorKind::Server),
        Some(c) if c <= -4000 => Some(ErrorKind::InvalidRequest),
        _ => None,
    };
    by_code.unwrap_or(match status {
        401 if during_login => ErrorKind::LoginFailed,
        401 => ErrorKind::SessionExpired,
        _ => ErrorKind::from_status(StatusCode::from_u16(status).unwrap_or(StatusCode::OK)),
    })
}

/// The platform message of a body in either form, if it has one.
pub fn platform_message(headers: &HeaderMap, body: &[u8]) -> Option<xml::Message> {
    let format = body_format(headers, body)?;
    xml::decode::<MessageResponse>(body, format)
        .ok()
        .map(|m| m.message)
}

/// The format of an answer's body: its `Content-Type`, else its first non-blank byte (`<`
/// XML, `{` JSON); `None` when neither says.
pub(crate) fn body_format(headers: &HeaderMap, body: &[u8]) -> Option<Format> {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(Format::from_content_type)
        .or_else(|| match body.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => Some(Format::Xml),
            Some(b'{') => Some(Format::Json),
            _ => None,
        })
}

/// Maps a failed answer. `operation` (`METHOD /path`) prefixes the message.
pub fn map_failure(
    operation: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    during_login: bool,
) -> Error {
    let message = platform_message(headers, body);
    let err = match message {
        Some(m) => {
            let kind = kind_for(Some(m.code.0), status.as_u16(), during_login);
            let mut vendor = VendorError::from_raw(status, headers, body);
            vendor.code = Some(m.code.0.to_string());
            vendor.message = Some(
                m.description
                    .unwrap_or_else(|| format!("platform code {}", m.code.0)),
            );
            vendor.raw_body = truncate_body(body);
            Error::from_vendor(kind, VENDOR, vendor)
        }
        None => {
            let e = status_only(status, headers, body);
            e.with_kind(kind_for(None, status.as_u16(), during_login))
        }
    };
    err.context(operation)
}

/// [`ErrorMapper`] for AgileApps `<platform><message>` bodies (XML or JSON).
#[derive(Debug, Clone, Copy, Default)]
pub struct AgileAppsErrorMapper;

impl ErrorMapper for AgileAppsErrorMapper {
    fn map(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error> {
        let m = platform_message(headers, body)?;
        let kind = kind_for(Some(m.code.0), status.as_u16(), false);
        let mut vendor = VendorError::from_raw(status, headers, body);
        vendor.code = Some(m.code.0.to_string());
        vendor.message = m.description;
        Some(Error::from_vendor(kind, VENDOR, vendor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderValue, CONTENT_TYPE};

    fn xml_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        h
    }

    fn body(code: i64) -> Vec<u8> {
        format!(
            "<platform><message><code>{code}</code><description>why</description></message></platform>"
        )
        .into_bytes()
    }

    #[test]
    fn documented_codes_map_to_kinds() {
        let cases: &[(u16, i64, bool, ErrorKind)] = &[
            (401, -101, false, ErrorKind::SessionExpired),
            (401, -101, true, ErrorKind::LoginFailed),
            (404, -200, false, ErrorKind::NotFound),
            (400, -300, false, ErrorKind::NotFound),
            (400, -850, false, ErrorKind::InsufficientPrivileges),
            (400, -850, true, ErrorKind::InsufficientPrivileges),
            (403, -4600, false, ErrorKind::InsufficientPrivileges),
            (403, -4600, true, ErrorKind::LoginFailed),
            (400, -4006, true, ErrorKind::InvalidRequest),
            (400, -4601, false, ErrorKind::InvalidRequest),
            (500, -1, false, ErrorKind::Server),
        ];
        for (status, code, login, kind) in cases {
            let st = StatusCode::from_u16(*status).unwrap();
            let e = map_failure(
                "GET /networking/rest/x",
                st,
                &xml_headers(),
                &body(*code),
                *login,
            );
            assert_eq!(e.kind(), *kind, "{status} {code} login={login}");
            assert_eq!(e.code(), Some(code.to_string().as_str()));
            assert_eq!(e.vendor_name(), Some(VENDOR));
            assert_eq!(e.status(), Some(st));
            assert_eq!(e.message(), "GET /networking/rest/x: why");
        }
    }

    #[test]
    fn json_form_and_bodies_without_a_message() {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let e = map_failure(
            "GET /x",
            StatusCode::NOT_FOUND,
            &h,
            br#"{"platform":{"message":{"code":"-200","description":"Invalid object name"}}}"#,
            false,
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.code(), Some("-200"));
        assert_eq!(e.to_string(), "-200 GET /x: Invalid object name");
        let cases: &[(u16, bool, ErrorKind)] = &[
            (502, false, ErrorKind::ServerUnreachable),
            (500, false, ErrorKind::Server),
            (404, false, ErrorKind::NotFound),
            (415, false, ErrorKind::InvalidRequest),
            (401, true, ErrorKind::LoginFailed),
            (401, false, ErrorKind::SessionExpired),
        ];
        for (status, login, kind) in cases {
            let e = map_failure(
                "GET /x",
                StatusCode::from_u16(*status).unwrap(),
                &HeaderMap::new(),
                b"<html>proxy</html>",
                *login,
            );
            assert_eq!(e.kind(), *kind, "{status}");
            assert_eq!(e.code(), None);
        }
    }
}
