//! Errors of the AgileApps layer: platform message codes mapped to kinds, keeping the HTTP
//! status, the code and the description.
//!
//! The kinds carry the same names as the shared auth core's `ErrorKind`, so the layer can hand its
//! errors to `crate::Error` one to one.

use std::fmt;

use crate::agileapps::xml::BodyError;
use crate::credentials::CredentialError;

/// What the server said about a failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorDetail {
    /// The request, as `METHOD /path` (never with a query holding secrets: the layer puts none).
    pub operation: String,
    /// HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// Platform message code (negative on failure), when the body had one.
    pub code: Option<i64>,
    /// Platform description, when the body had one.
    pub description: Option<String>,
}

impl fmt::Display for VendorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.operation)?;
        if let Some(s) = self.status {
            write!(f, ": HTTP {s}")?;
        }
        if let Some(c) = self.code {
            write!(f, " code {c}")?;
        }
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

/// Coarse kinds to act on (same names as the auth core's `ErrorKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The login was refused.
    LoginFailed,
    /// The session is gone and the client cannot renew it (proxy or SAML session, or renewal
    /// failed).
    SessionExpired,
    /// Object, record, user or resource does not exist (-200, -300, 404).
    NotFound,
    /// Permission missing (-850, -4600, 403).
    InsufficientPrivileges,
    /// Invalid argument or payload (-4601, -4006, other 4xx).
    InvalidRequest,
    /// The platform failed (-1, 5xx).
    Server,
    /// Connection failure.
    Network,
    /// Timeout.
    Timeout,
    /// A credential could not be resolved.
    Credential,
    /// A body could not be decoded.
    Decode,
    /// Invalid client configuration.
    Config,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// CLI exit code: 3 authentication failed, 4 session expired, 5 not found, 6 insufficient
    /// privileges, 7 invalid request, 8 server error, 9 network, 2 configuration, 1 other.
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::LoginFailed | ErrorKind::Credential => 3,
            ErrorKind::SessionExpired => 4,
            ErrorKind::NotFound => 5,
            ErrorKind::InsufficientPrivileges => 6,
            ErrorKind::InvalidRequest => 7,
            ErrorKind::Server => 8,
            ErrorKind::Network | ErrorKind::Timeout => 9,
            ErrorKind::Config => 2,
            ErrorKind::Decode | ErrorKind::Other => 1,
        }
    }
}

/// An AgileApps error. Never contains a password, assertion, session id or cookie.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The login was refused (bad credentials, unknown assertion, missing permission, bad tenant).
    #[error("login failed: {0}")]
    LoginFailed(VendorDetail),
    /// The session expired and cannot be renewed by the client.
    #[error("session expired, not renewable ({reason}): {detail}")]
    SessionExpired {
        /// Why it cannot be renewed (`proxy session`, `SAML session`, `renewal failed`, ...).
        reason: String,
        /// The answer that reported it.
        detail: VendorDetail,
    },
    /// Not found.
    #[error("not found: {0}")]
    NotFound(VendorDetail),
    /// Permission missing.
    #[error("insufficient permission: {0}")]
    InsufficientPrivileges(VendorDetail),
    /// Invalid request.
    #[error("invalid request: {0}")]
    InvalidRequest(VendorDetail),
    /// Server failure.
    #[error("server error: {0}")]
    Server(VendorDetail),
    /// An unexpected answer.
    #[error("unexpected response: {0}")]
    Other(VendorDetail),
    /// Connection failure.
    #[error("network error on {operation}: {message}")]
    Network {
        /// The request.
        operation: String,
        /// What failed.
        message: String,
    },
    /// Timeout.
    #[error("timeout on {operation}")]
    Timeout {
        /// The request.
        operation: String,
    },
    /// A credential could not be resolved.
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// A body could not be decoded.
    #[error("{operation}: HTTP {status}: {source}")]
    Decode {
        /// The request.
        operation: String,
        /// HTTP status.
        status: u16,
        /// The decoding failure.
        source: BodyError,
    },
    /// Invalid configuration.
    #[error("configuration: {0}")]
    Config(String),
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::LoginFailed(_) => ErrorKind::LoginFailed,
            Error::SessionExpired { .. } => ErrorKind::SessionExpired,
            Error::NotFound(_) => ErrorKind::NotFound,
            Error::InsufficientPrivileges(_) => ErrorKind::InsufficientPrivileges,
            Error::InvalidRequest(_) => ErrorKind::InvalidRequest,
            Error::Server(_) => ErrorKind::Server,
            Error::Other(_) => ErrorKind::Other,
            Error::Network { .. } => ErrorKind::Network,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Credential(_) => ErrorKind::Credential,
            Error::Decode { .. } => ErrorKind::Decode,
            Error::Config(_) => ErrorKind::Config,
        }
    }

    /// The server's detail, when the error came from an answer.
    pub fn vendor(&self) -> Option<&VendorDetail> {
        match self {
            Error::LoginFailed(d)
            | Error::NotFound(d)
            | Error::InsufficientPrivileges(d)
            | Error::InvalidRequest(d)
            | Error::Server(d)
            | Error::Other(d) => Some(d),
            Error::SessionExpired { detail, .. } => Some(detail),
            _ => None,
        }
    }

    /// The platform code, when there is one.
    pub fn code(&self) -> Option<i64> {
        self.vendor().and_then(|d| d.code)
    }

    pub(crate) fn from_reqwest(operation: &str, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout {
                operation: operation.to_string(),
            }
        } else {
            // reqwest's message names the URL; URLs built by this layer carry no secret.
            Error::Network {
                operation: operation.to_string(),
                message: e.to_string(),
            }
        }
    }
}

/// The platform code for "user not logged in".
pub const CODE_NOT_LOGGED_IN: i64 = -101;

/// Maps a failed answer to an error. `during_login` turns authentication failures into
/// [`Error::LoginFailed`].
pub fn classify(detail: VendorDetail, during_login: bool) -> Error {
    let code = detail.code;
    let status = detail.status.unwrap_or(0);
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
    let kind = by_code.unwrap_or(match status {
        401 if during_login => ErrorKind::LoginFailed,
        401 => ErrorKind::SessionExpired,
        403 => ErrorKind::InsufficientPrivileges,
        404 | 410 => ErrorKind::NotFound,
        400..=499 => ErrorKind::InvalidRequest,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Other,
    });
    match kind {
        ErrorKind::LoginFailed => Error::LoginFailed(detail),
        ErrorKind::SessionExpired => Error::SessionExpired {
            reason: "not logged in".into(),
            detail,
        },
        ErrorKind::NotFound => Error::NotFound(detail),
        ErrorKind::InsufficientPrivileges => Error::InsufficientPrivileges(detail),
        ErrorKind::InvalidRequest => Error::InvalidRequest(detail),
        ErrorKind::Server => Error::Server(detail),
        _ => Error::Other(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(status: u16, code: Option<i64>) -> VendorDetail {
        VendorDetail {
            operation: "GET /networking/rest/x".into(),
            status: Some(status),
            code,
            description: Some("why".into()),
        }
    }

    #[test]
    fn documented_codes_map_to_kinds() {
        let cases: &[(u16, Option<i64>, bool, ErrorKind)] = &[
            (401, Some(-101), false, ErrorKind::SessionExpired),
            (401, Some(-101), true, ErrorKind::LoginFailed),
            (404, Some(-200), false, ErrorKind::NotFound),
            (400, Some(-300), false, ErrorKind::NotFound),
            (400, Some(-850), false, ErrorKind::InsufficientPrivileges),
            (400, Some(-850), true, ErrorKind::InsufficientPrivileges),
            (403, Some(-4600), false, ErrorKind::InsufficientPrivileges),
            (403, Some(-4600), true, ErrorKind::LoginFailed),
            (400, Some(-4006), true, ErrorKind::InvalidRequest),
            (400, Some(-4601), false, ErrorKind::InvalidRequest),
            (500, Some(-1), false, ErrorKind::Server),
            (502, None, false, ErrorKind::Server),
            (404, None, false, ErrorKind::NotFound),
            (415, None, false, ErrorKind::InvalidRequest),
            (401, None, true, ErrorKind::LoginFailed),
            (302, None, false, ErrorKind::Other),
        ];
        for (status, code, login, kind) in cases {
            let e = classify(d(*status, *code), *login);
            assert_eq!(e.kind(), *kind, "{status} {code:?} login={login}");
            assert_eq!(e.code(), *code);
            assert_eq!(e.vendor().unwrap().description.as_deref(), Some("why"));
        }
    }

    #[test]
    fn display_names_operation_status_code_and_description() {
        let e = classify(d(404, Some(-200)), false);
        assert_eq!(
            e.to_string(),
            "not found: GET /networking/rest/x: HTTP 404 code -200: why"
        );
    }
}
