//! Small serde models of the MicroStrategy session endpoints (unknown fields are kept in
//! `extra`; the session answers' fields are read leniently: numbers as text, text as an
//! object, any other shape dropped).

use serde::{Deserialize, Serialize};

/// `GET /sessions`: the session's settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MstrSessionDetails {
    /// The user id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// The login name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub username: Option<String>,
    /// The display name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub full_name: Option<String>,
    /// The idle timeout in seconds.
    #[serde(default, deserialize_with = "crate::lenient::opt_u64")]
    pub timeout: Option<u64>,
    /// The login mode number.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub login_mode: Option<i64>,
    /// The application type.
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub application_type: Option<i64>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `GET /sessions/userInfo`: the authenticated user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MstrUserInfo {
    /// The user id.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub id: Option<String>,
    /// The name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub name: Option<String>,
    /// The login name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub username: Option<String>,
    /// The display name.
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub full_name: Option<String>,
    /// Whether the user is a metadata user (false for guests).
    #[serde(default, deserialize_with = "crate::lenient::opt_bool")]
    pub metadata_user: Option<bool>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One entry of `GET /projects`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MstrProject {
    /// The project id (32 hex digits).
    pub id: String,
    /// The project name.
    pub name: String,
    /// The description.
    #[serde(default)]
    pub description: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One entry of `GET /sessions/privileges`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MstrPrivilege {
    /// The privilege id.
    #[serde(default)]
    pub id: Option<String>,
    /// The privilege name.
    #[serde(default)]
    pub name: Option<String>,
    /// The projects it applies to.
    #[serde(default)]
    pub project_ids: Vec<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// `GET /auth/identityToken`: who an identity token belongs to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityTokenInfo {
    /// The user id.
    #[serde(default)]
    pub id: Option<String>,
    /// The login name.
    #[serde(default)]
    pub username: Option<String>,
    /// Every other field.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A project chosen by name or by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRef {
    /// By exact name (case-insensitive), resolved with `GET /projects`.
    Name(String),
    /// By id.
    Id(String),
}

impl ProjectRef {
    /// By name.
    pub fn name(name: impl Into<String>) -> ProjectRef {
        ProjectRef::Name(name.into())
    }
    /// By id.
    pub fn id(id: impl Into<String>) -> ProjectRef {
        ProjectRef::Id(id.into())
    }
}
