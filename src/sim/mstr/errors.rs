//! Error replies in the shapes the real server uses (see specs/mstr/error-samples).

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use serde_json::{json, Value};

/// `iServerCode` of an insufficient-privilege error (vendor docs, project administration).
pub(crate) const ISERVER_NO_PRIVILEGE: i64 = -2147213784;
/// `iServerCode` of an ACL denial (vendor 403 sample).
pub(crate) const ISERVER_NO_ACCESS: i64 = -2147214568;
/// `iServerCode` the simulator uses for "too many sessions for this user".
pub(crate) const ISERVER_SESSION_LIMIT: i64 = -2147216959;
/// `iServerCode` of a report execution failure (500 template).
pub(crate) const ISERVER_EXECUTION_FAILED: i64 = -2147072488;

/// A JSON reply with the given status.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    resp
}

/// An error reply `{code, message, ticketId}` (plus `iServerCode` when given).
#[derive(Debug, Clone)]
pub(crate) struct MstrError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub iserver_code: Option<i64>,
}

impl MstrError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        MstrError {
            status,
            code,
            message: message.into(),
            iserver_code: None,
        }
    }

    pub fn iserver(mut self, code: i64) -> Self {
        self.iserver_code = Some(code);
        self
    }

    pub fn into_response(self, ticket: String) -> Response<Body> {
        let status = self.status;
        json_response(status, &self.into_response_json(ticket))
    }

    /// The error body `{code, message, ticketId, iServerCode?}` (also an item of a 207 list).
    pub fn into_response_json(self, ticket: String) -> Value {
        let mut body = json!({
            "code": self.code,
            "message": self.message,
            "ticketId": ticket,
        });
        if let Some(c) = self.iserver_code {
            body["iServerCode"] = json!(c);
        }
        body
    }

    /// 401 ERR003 "Login failed".
    pub fn login_failed(message: impl Into<String>) -> Self {
        MstrError::new(StatusCode::UNAUTHORIZED, "ERR003", message)
    }

    /// 401 ERR009, session invalid or timed out.
    pub fn session_invalid() -> Self {
        MstrError::new(
            StatusCode::UNAUTHORIZED,
            "ERR009",
            "The user's session has expired, please reauthenticate",
        )
    }

    /// 400 ERR006 "Invalid JSON".
    pub fn invalid_json() -> Self {
        MstrError::new(StatusCode::BAD_REQUEST, "ERR006", "Invalid JSON")
    }

    /// 400 ERR006 with a detail message.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        MstrError::new(StatusCode::BAD_REQUEST, "ERR006", message)
    }

    /// 400 ERR005, missing required information (header or query parameter).
    pub fn missing_info(message: impl Into<String>) -> Self {
        MstrError::new(StatusCode::BAD_REQUEST, "ERR005", message)
    }

    /// 400 ERR005, a required field missing in the body (as the spec-driven body check
    /// reports it).
    pub fn missing_field(field: &str) -> Self {
        MstrError::new(
            StatusCode::BAD_REQUEST,
            "ERR005",
            format!("Missing required field: {field}"),
        )
    }

    /// 404 ERR004.
    pub fn not_found(message: impl Into<String>) -> Self {
        MstrError::new(StatusCode::NOT_FOUND, "ERR004", message)
    }

    /// 403 ERR014 with the privilege named.
    pub fn no_privilege(privilege: &str) -> Self {
        MstrError::new(
            StatusCode::FORBIDDEN,
            "ERR014",
            format!("You do not have {privilege} privilege(s) to perform the task."),
        )
        .iserver(ISERVER_NO_PRIVILEGE)
    }

    /// 403 ERR017, ACL denial.
    pub fn no_access(message: impl Into<String>) -> Self {
        MstrError::new(StatusCode::FORBIDDEN, "ERR017", message).iserver(ISERVER_NO_ACCESS)
    }
}

/// The 500 template: `{code, iServerCode, message, ticketId, subErrors[], additionalProperties}`.
pub(crate) fn server_error_with_suberrors(
    ticket: &str,
    message: &str,
    object_id: &str,
    object_name: &str,
) -> Response<Body> {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({
            "code": "ERR002",
            "iServerCode": ISERVER_EXECUTION_FAILED,
            "message": message,
            "ticketId": ticket,
            "subErrors": [{
                "iServerCode": ISERVER_EXECUTION_FAILED,
                "message": format!("(SQL Generation failed for '{object_name}')"),
                "additionalProperties": {"objectId": object_id, "objectName": object_name},
            }],
            "additionalProperties": {},
        }),
    )
}

/// The reply of an injected 5xx fault: the 500 template, without sub-errors.
pub(crate) fn injected_server_error(ticket: &str) -> Response<Body> {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({
            "code": "ERR001",
            "iServerCode": -2147467259,
            "message": "Internal server error (injected by the simulator)",
            "ticketId": ticket,
            "subErrors": [],
            "additionalProperties": {},
        }),
    )
}

/// The body of an injected 429 fault (the plumbing sets the status and `Retry-After`): the
/// standard `{code, message, ticketId}` shape with the generic `ERR001`, so clients decide by
/// the status, as for any code the documentation does not list.
pub(crate) fn injected_rate_limited(ticket: &str) -> Response<Body> {
    json_response(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({
            "code": "ERR001",
            "message": "Too many requests (injected by the simulator); retry after the Retry-After delay",
            "ticketId": ticket,
        }),
    )
}

/// A modeling-service error: `{"errors":[{code, message, additionalProperties{arguments}}]}`.
pub(crate) fn modeling_error(
    status: StatusCode,
    code: &str,
    message: &str,
    arguments: &[&str],
) -> Response<Body> {
    json_response(
        status,
        &json!({
            "errors": [{
                "code": code,
                "message": message,
                "additionalProperties": {"arguments": arguments},
            }]
        }),
    )
}
