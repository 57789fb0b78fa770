//! MicroStrategy error bodies to [`Error`]s.
//!
//! Two shapes exist (see the vendor's `handle-rest-api-exceptions.md` and the official samples
//! in rest-api-playground `sample-responses/__Errors__/`):
//! - REST server errors: `{code: "ERRnnn", message, ticketId, iServerCode?, subErrors?}`;
//! - modeling-service errors: `{errors: [{code: "8004cc4c", message, additionalProperties}]}`.
//!
//! Codes are treated as opaque strings and normalised for lookup: `ERR017` and `ERR0017` are
//! the same code (17), and the documentation's typo `ERR0R22` is code 22.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::error::{json_scalar_string, Error, ErrorKind, ErrorMapper, SubError, VendorError};

/// The vendor name used in errors.
pub const VENDOR: &str = "mstr";

/// The number in a MicroStrategy REST code (`ERR009` -> 9, `ERR0017` -> 17, `ERR0R22` -> 22),
/// or `None` when the code is not of the `ERR...` form.
pub fn normalize_code(code: &str) -> Option<u32> {
    let code = code.trim();
    let rest = code
        .get(..3)
        .filter(|p| p.eq_ignore_ascii_case("ERR"))
        .map(|_| &code[3..])?;
    if rest.is_empty() {
        return None;
    }
    let digits: String = rest
        .chars()
        .map(|c| match c {
            'O' | 'o' | 'R' | 'r' => '0',
            other => other,
        })
        .collect();
    digits.parse::<u32>().ok()
}

/// The kind a MicroStrategy REST code maps to (`None` for codes the documentation does not
/// list; the HTTP status decides then).
pub fn kind_for_code(code: u32) -> Option<ErrorKind> {
    Some(match code {
        1 => return None, // general application issue: decided by the status
        2 => ErrorKind::Server,
        3 => ErrorKind::LoginFailed,
        4 => ErrorKind::NotFound,
        5..=7 => ErrorKind::InvalidRequest,
        8 => ErrorKind::Conflict,
        9 => ErrorKind::SessionInvalid,
        10 => ErrorKind::InvalidRequest,
        13 => ErrorKind::ServerUnreachable,
        14 => ErrorKind::InsufficientPrivileges,
        15 => ErrorKind::AlreadyExists,
        16 => ErrorKind::ServerUnreachable,
        17 => ErrorKind::InsufficientPrivileges,
        20 => ErrorKind::InvalidRequest,
        21..=24 => ErrorKind::Server,
        _ => return None,
    })
}

/// Whether a code means "session invalid or timed out" (`ERR009`).
pub fn is_session_code(code: &str) -> bool {
    normalize_code(code) == Some(9)
}

/// The MicroStrategy error mapper (both shapes). Returns `None` for other bodies (empty, HTML,
/// other JSON), which then map by status.
#[derive(Debug, Clone, Copy, Default)]
pub struct MstrErrorMapper;

impl ErrorMapper for MstrErrorMapper {
    fn map(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<Error> {
        let value: serde_json::Value = serde_json::from_slice(body).ok()?;
        let obj = value.as_object()?;
        let mut vendor = VendorError::from_raw(status, headers, body);
        vendor.raw_body = None;
        if let Some(code) = obj.get("code").and_then(json_scalar_string) {
            vendor.code = Some(code.clone());
            vendor.message = obj.get("message").and_then(json_scalar_string);
            vendor.ticket_id = obj.get("ticketId").and_then(json_scalar_string);
            vendor.i_server_code = obj.get("iServerCode").and_then(|v| v.as_i64());
            vendor.sub_errors = obj
                .get("subErrors")
                .and_then(|s| s.as_array())
                .map(|a| a.iter().filter_map(sub_error).collect())
                .unwrap_or_default();
            let kind = normalize_code(&code)
                .and_then(kind_for_code)
                .unwrap_or_else(|| ErrorKind::from_status(status));
            // A 401 that is not a session or login code still means "not authenticated".
            return Some(Error::from_vendor(kind, VENDOR, vendor));
        }
        // The modeling-service shape has no top-level message; `{message, errors:[{field..}]}`
        // is the generic validation shape (Looker and others), left to the generic mapper.
        let modeling = obj
            .get("errors")
            .and_then(|e| e.as_array())
            .filter(|_| !obj.contains_key("message"));
        if let Some(errors) = modeling {
            let subs: Vec<SubError> = errors.iter().filter_map(sub_error).collect();
            let first = subs.first()?;
            vendor.code = first.code.clone();
            vendor.message = first.message.clone();
            vendor.sub_errors = subs;
            return Some(Error::from_vendor(
                ErrorKind::from_status(status),
                VENDOR,
                vendor,
            ));
        }
        None
    }
}

fn sub_error(v: &serde_json::Value) -> Option<SubError> {
    let o = v.as_object()?;
    Some(SubError {
        code: o.get("code").and_then(json_scalar_string),
        message: o.get("message").and_then(json_scalar_string),
        i_server_code: o.get("iServerCode").and_then(|v| v.as_i64()),
        additional: o.get("additionalProperties").cloned(),
    })
}

/// Maps any MicroStrategy response to an [`Error`]: the mapper above, else the status alone.
pub fn map_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    crate::error::map_response_with(&[&MstrErrorMapper], status, headers, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_normalise() {
        assert_eq!(normalize_code("ERR017"), Some(17));
        assert_eq!(normalize_code("ERR0017"), Some(17));
        assert_eq!(normalize_code("ERR0R22"), Some(22));
        assert_eq!(normalize_code("ERR009"), Some(9));
        assert_eq!(normalize_code("ERR0010"), Some(10));
        assert_eq!(normalize_code("8004cc4c"), None);
        assert_eq!(normalize_code("ERR"), None);
    }

    #[test]
    fn modeling_shape_is_not_confused_with_a_validation_error() {
        let h = HeaderMap::new();
        let modeling = br#"{"errors":[{"code":"8004cc4c","message":"bad changeset"}]}"#;
        let e = MstrErrorMapper
            .map(StatusCode::BAD_REQUEST, &h, modeling)
            .expect("modeling shape");
        assert_eq!(e.code(), Some("8004cc4c"));
        let looker = br#"{"message":"Validation Failed","errors":[{"field":"view","code":"missing","message":"required"}],"documentation_url":"x"}"#;
        assert!(MstrErrorMapper
            .map(StatusCode::UNPROCESSABLE_ENTITY, &h, looker)
            .is_none());
        let e = crate::error::map_response(StatusCode::UNPROCESSABLE_ENTITY, &h, looker);
        let fields: Vec<_> = e
            .vendor()
            .unwrap()
            .field_errors
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(fields, vec![Some("view".to_string())]);
    }
}
