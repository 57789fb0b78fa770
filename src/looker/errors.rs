//! Looker error bodies: `Error {message, documentation_url}` and
//! `ValidationError {message, errors[], documentation_url}` (422), as declared in the specs.

use serde::{Deserialize, Serialize};

/// Looker's generic error body (`#/components/schemas/Error`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Error details.
    #[serde(default)]
    pub message: String,
    /// Documentation link.
    #[serde(default)]
    pub documentation_url: Option<String>,
}

/// One field problem of a 422 (`#/components/schemas/ValidationErrorDetail`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrorDetail {
    /// The field in error.
    #[serde(default)]
    pub field: Option<String>,
    /// Error code.
    #[serde(default)]
    pub code: Option<String>,
    /// Error info message.
    #[serde(default)]
    pub message: Option<String>,
    /// Documentation link.
    #[serde(default)]
    pub documentation_url: Option<String>,
}

/// Looker's 422 body (`#/components/schemas/ValidationError`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationErrorBody {
    /// Error details.
    #[serde(default)]
    pub message: String,
    /// Per-field errors.
    #[serde(default)]
    pub errors: Vec<ValidationErrorDetail>,
    /// Documentation link.
    #[serde(default)]
    pub documentation_url: Option<String>,
}

/// A Looker error body, whichever of the two shapes it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookerErrorBody {
    /// `ValidationError` (has an `errors` array).
    Validation(ValidationErrorBody),
    /// `Error`.
    Error(ErrorBody),
    /// Not JSON or not a Looker shape: a short, sanitised excerpt of the body.
    Other(String),
}

impl LookerErrorBody {
    /// Parses an error response body. Never fails: unknown shapes become `Other`.
    pub fn parse(body: &[u8]) -> Self {
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
            return LookerErrorBody::Other(excerpt(body));
        };
        if value.get("errors").is_some_and(|e| e.is_array()) {
            if let Ok(v) = serde_json::from_value::<ValidationErrorBody>(value.clone()) {
                return LookerErrorBody::Validation(v);
            }
        }
        if value.get("message").is_some_and(|m| m.is_string()) {
            if let Ok(e) = serde_json::from_value::<ErrorBody>(value) {
                return LookerErrorBody::Error(e);
            }
        }
        LookerErrorBody::Other(excerpt(body))
    }

    /// The message, if the body had one.
    pub fn message(&self) -> &str {
        match self {
            LookerErrorBody::Validation(v) => &v.message,
            LookerErrorBody::Error(e) => &e.message,
            LookerErrorBody::Other(s) => s,
        }
    }

    /// The documentation URL, if any.
    pub fn documentation_url(&self) -> Option<&str> {
        match self {
            LookerErrorBody::Validation(v) => v.documentation_url.as_deref(),
            LookerErrorBody::Error(e) => e.documentation_url.as_deref(),
            LookerErrorBody::Other(_) => None,
        }
    }
}

/// At most 200 characters of a body, control characters replaced.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text
        .chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().count() > 200 {
        s.push('…');
    }
    s.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let v = LookerErrorBody::parse(
            br#"{"message":"Validation Failed","errors":[{"field":"model","code":"missing","message":"x","documentation_url":"d"}],"documentation_url":"u"}"#,
        );
        match v {
            LookerErrorBody::Validation(v) => {
                assert_eq!(v.errors.len(), 1);
                assert_eq!(v.errors[0].field.as_deref(), Some("model"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            LookerErrorBody::parse(br#"{"message":"Not found","documentation_url":"u"}"#),
            LookerErrorBody::Error(ErrorBody { ref message, .. }) if message == "Not found"
        ));
        assert!(matches!(
            LookerErrorBody::parse(b"<html>proxy</html>"),
            LookerErrorBody::Other(_)
        ));
    }
}
