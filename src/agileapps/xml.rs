//! Typed AgileApps bodies in both wire forms: XML inside a `<platform>` root element, and JSON
//! inside a `{"platform": {...}}` envelope.
//!
//! Each model is the *content* of the envelope and carries `#[serde(rename = "platform")]`, so the
//! XML form comes straight from quick-xml. The JSON form wraps the same value in [`Envelope`]. The
//! naming rules follow quick-xml's serde conventions so a generator can emit the same shape:
//! XML attributes are fields renamed `@name` (JSON: `name`), element text is `$text` (JSON:
//! `value`); [`to_json`] and the `alias`es on those fields translate between the two.
//!
//! Scalars in the JSON form are strings (the platform sends `"code": "0"`); [`from_json`] accepts
//! numbers and booleans too by reading them as their text. Decode with [`decode`] / [`from_json`] /
//! [`from_xml`] rather than calling serde_json or quick-xml directly.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The two wire formats of the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `application/xml` (the platform default).
    #[default]
    Xml,
    /// `application/json` (`alt=json`).
    Json,
}

impl Format {
    /// The media type of this format.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Xml => "application/xml",
            Format::Json => "application/json",
        }
    }

    /// The format a `Content-Type` value names, if any.
    pub fn from_content_type(content_type: &str) -> Option<Format> {
        let ct = content_type.to_ascii_lowercase();
        if ct.contains("json") {
            Some(Format::Json)
        } else if ct.contains("xml") {
            Some(Format::Xml)
        } else {
            None
        }
    }
}

/// Why a body could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// XML that does not match the model.
    #[error("XML body: {0}")]
    Xml(String),
    /// JSON that does not match the model.
    #[error("JSON body: {0}")]
    Json(String),
}

/// The JSON envelope `{"platform": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// The content of the `platform` element.
    pub platform: T,
}

/// A platform message code: 0 is success, negative values are failures. Written as text in both
/// forms (`<code>-101</code>`, `"code": "-101"`), read from text or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Code(pub i64);

impl Code {
    /// The success code.
    pub const SUCCESS: Code = Code(0);

    /// Whether the code reports success.
    pub fn is_success(self) -> bool {
        self.0 >= 0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Code;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer code, as a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Code, E> {
                Ok(Code(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Code, E> {
                i64::try_from(v).map(Code).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Code, E> {
                v.trim()
                    .parse::<i64>()
                    .map(Code)
                    .map_err(|_| E::custom(format!("code {v:?} is not an integer")))
            }
        }
        d.deserialize_str(V)
    }
}

/// Booleans written as `true`/`false` text (read back leniently, see [`crate::lenient`]).
mod flex_bool {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(if *b { "true" } else { "false" }),
            None => s.serialize_none(),
        }
    }
}

/// Counts written as text, read from text or a number.
mod flex_count {
    use super::*;

    pub fn serialize<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_str(&n.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Option<u64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative count")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v).map(Some).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let t = v.trim();
                if t.is_empty() {
                    return Ok(None);
                }
                t.parse::<u64>()
                    .map(Some)
                    .map_err(|_| E::custom(format!("count {v:?} is not a number")))
            }
        }
        d.deserialize_str(V)
    }
}

/// The `<message>` every response carries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Message {
    /// 0 on success, negative on failure. Also read from bare text directly inside `<message>`,
    /// as an older revision of the vendor's samples shows it.
    #[serde(alias = "$text")]
    pub code: Code,
    /// Explanation of the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The id of a record that was just added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `<platform><login><userName/><password/></login></platform>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct PasswordLoginRequest {
    /// The credentials.
    pub login: PasswordLogin,
}

/// User name and password. Debug never shows the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLogin {
    /// Login name.
    #[serde(rename = "userName")]
    pub user_name: String,
    /// Password (plain here only for the duration of the request encoding).
    pub password: String,
}

/// `<platform><login><samlAssertion><![CDATA[...]]></samlAssertion></login></platform>`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct SamlLoginRequest {
    /// The assertion.
    pub login: SamlLogin,
}

/// A SAML assertion. Debug never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlLogin {
    /// The SAML token.
    #[serde(rename = "samlAssertion")]
    pub saml_assertion: String,
}

/// Customer support login into a tenant: the support user's credentials and `client_tenant_id`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct CustomerSupportLoginRequest {
    /// Credentials and tenant.
    pub login: CustomerSupportLogin,
}

/// The body of a customer support login. Debug never shows the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerSupportLogin {
    /// The support user's login name.
    #[serde(rename = "userName")]
    pub user_name: String,
    /// The support user's password.
    pub password: String,
    /// The tenant to enter as its admin.
    pub client_tenant_id: String,
}

/// Proxy login as another user: `<platform><login><proxy_user_id/></login></platform>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct ProxyLoginRequest {
    /// The user to become.
    pub login: ProxyLogin,
}

/// The body of a proxy login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyLogin {
    /// Id of the user to become.
    pub proxy_user_id: String,
}

macro_rules! redacted_debug {
    ($t:ty, $name:literal, $($field:ident),*) => {
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct($name)$(.field(stringify!($field), &self.$field))*
                    .finish_non_exhaustive()
            }
        }
    };
}
redacted_debug!(PasswordLogin, "PasswordLogin", user_name);
redacted_debug!(
    CustomerSupportLogin,
    "CustomerSupportLogin",
    user_name,
    client_tenant_id
);
redacted_debug!(PasswordLoginRequest, "PasswordLoginRequest", login);
redacted_debug!(
    CustomerSupportLoginRequest,
    "CustomerSupportLoginRequest",
    login
);
redacted_debug!(SamlLoginRequest, "SamlLoginRequest", login);

impl fmt::Debug for SamlLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SamlLogin { saml_assertion: [REDACTED] }")
    }
}

/// `startingAppId`: the id as element text, with `type`, `uri` and `displayValue` attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StartingAppId {
    /// `type` attribute.
    #[serde(
        rename = "@type",
        alias = "type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub kind: Option<String>,
    /// `uri` attribute.
    #[serde(
        rename = "@uri",
        alias = "uri",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub uri: Option<String>,
    /// `displayValue` attribute.
    #[serde(
        rename = "@displayValue",
        alias = "displayValue",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub display_value: Option<String>,
    /// The application id (element text).
    #[serde(rename = "$text", alias = "value", default)]
    pub value: String,
}

/// `startingAppId` in any rendering: the element with its attributes, or its bare text (an
/// informational field: nothing else is ever an error).
fn starting_app_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<StartingAppId>, D::Error> {
    Ok(crate::lenient::opt_element(d)?.map(|mut e| StartingAppId {
        kind: e.attributes.remove("type"),
        uri: e.attributes.remove("uri"),
        display_value: e.attributes.remove("displayValue"),
        value: e.text.unwrap_or_default(),
    }))
}

/// The `<login>` element of a login response: who the session belongs to, and the session.
///
/// `session_id` and `cookie_string` are secrets: Debug redacts them, and the auth layer moves them
/// into `SecretString`s and clears them here.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LoginInfo {
    /// User record id.
    #[serde(
        rename = "userId",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_id: Option<String>,
    /// Email address.
    #[serde(
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<String>,
    /// Login name.
    #[serde(
        rename = "userName",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_name: Option<String>,
    /// First name.
    #[serde(
        rename = "firstName",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<String>,
    /// Whether the password expired and must be changed now.
    #[serde(
        rename = "isForceChangePassword",
        default,
        serialize_with = "flex_bool::serialize",
        deserialize_with = "crate::lenient::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub is_force_change_password: Option<bool>,
    /// Last name.
    #[serde(
        rename = "lastName",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<String>,
    /// Tenant (organization) name.
    #[serde(
        rename = "organizationName",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_name: Option<String>,
    /// Tenant (organization) id.
    #[serde(
        rename = "organizationId",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub organization_id: Option<String>,
    /// Time zone.
    #[serde(
        rename = "timeZone",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_zone: Option<String>,
    /// Primary team id.
    #[serde(
        rename = "primaryTeamId",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub primary_team_id: Option<String>,
    /// Employee number (often empty).
    #[serde(
        rename = "employeeNumber",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub employee_number: Option<String>,
    /// Session id (secret).
    #[serde(
        rename = "sessionId",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub session_id: Option<String>,
    /// Cookie string to send back (secret).
    #[serde(
        rename = "cookieString",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub cookie_string: Option<String>,
    /// Application shown first.
    #[serde(
        rename = "startingAppId",
        default,
        deserialize_with = "starting_app_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub starting_app_id: Option<StartingAppId>,
    /// Locale.
    #[serde(
        rename = "userLocale",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_locale: Option<String>,
    /// Date format.
    #[serde(
        rename = "userDateFormat",
        default,
        deserialize_with = "crate::lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub user_date_format: Option<String>,
}

impl fmt::Debug for LoginInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| v.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("LoginInfo")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("user_name", &self.user_name)
            .field("first_name", &self.first_name)
            .field("is_force_change_password", &self.is_force_change_password)
            .field("last_name", &self.last_name)
            .field("organization_name", &self.organization_name)
            .field("organization_id", &self.organization_id)
            .field("time_zone", &self.time_zone)
            .field("primary_team_id", &self.primary_team_id)
            .field("employee_number", &self.employee_number)
            .field("session_id", &redact(&self.session_id))
            .field("cookie_string", &redact(&self.cookie_string))
            .field("starting_app_id", &self.starting_app_id)
            .field("user_locale", &self.user_locale)
            .field("user_date_format", &self.user_date_format)
            .finish()
    }
}

/// The response of every login kind and of switch back.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct LoginResponse {
    /// The session's user and session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<LoginInfo>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// A response that carries only a message (logout, update, delete, add, every error).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct MessageResponse {
    /// Status.
    pub message: Message,
}

/// A record: its fields by name (`id` among them). Elements in XML, members in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Record {
    /// Field values by field name.
    pub fields: BTreeMap<String, String>,
}

impl Record {
    /// A record from `(name, value)` pairs.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Record {
            fields: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The record id, if present.
    pub fn id(&self) -> Option<&str> {
        self.fields.get("id").map(String::as_str)
    }

    /// A field value.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }
}

/// `<platform><record>...</record></platform>`: the body of add and update.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct RecordRequest {
    /// The record's fields.
    pub record: Record,
}

/// The response of a single-record read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct RecordResponse {
    /// The record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<Record>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// The response of a record search.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct RecordListResponse {
    /// The matching records.
    #[serde(default)]
    pub record: Vec<Record>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// Number of matching records.
    #[serde(
        rename = "recordCount",
        default,
        with = "flex_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub record_count: Option<u64>,
}

/// The response of a single-user read.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct UserResponse {
    /// The user's fields (`id`, `username`, `first_name`, `last_name`, `email`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Record>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

/// The response of a user list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "platform")]
pub struct UserListResponse {
    /// The users.
    #[serde(default)]
    pub user: Vec<Record>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
    /// Number of users.
    #[serde(
        rename = "recordCount",
        default,
        with = "flex_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub record_count: Option<u64>,
}

/// Encodes a model in the given format (XML with its `<platform>` root, or the JSON envelope).
pub fn encode<T: Serialize>(value: &T, format: Format) -> Result<String, BodyError> {
    match format {
        Format::Xml => to_xml(value),
        Format::Json => to_json(value),
    }
}

/// Decodes a model from the given format.
pub fn decode<T: DeserializeOwned>(body: &[u8], format: Format) -> Result<T, BodyError> {
    match format {
        Format::Xml => from_xml(body),
        Format::Json => from_json(body),
    }
}

/// XML form: `<platform>...</platform>`.
pub fn to_xml<T: Serialize>(value: &T) -> Result<String, BodyError> {
    quick_xml::se::to_string(value).map_err(|e| BodyError::Xml(e.to_string()))
}

/// Reads the XML form.
pub fn from_xml<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    let text = std::str::from_utf8(body).map_err(|e| BodyError::Xml(e.to_string()))?;
    quick_xml::de::from_str(text).map_err(|e| BodyError::Xml(e.to_string()))
}

/// JSON form: `{"platform": ...}`, with XML attribute and text names translated
/// (`@name` -> `name`, `$text` -> `value`).
pub fn to_json<T: Serialize>(value: &T) -> Result<String, BodyError> {
    let inner = serde_json::to_value(value).map_err(|e| BodyError::Json(e.to_string()))?;
    let env = Envelope {
        platform: strip_xml_names(inner),
    };
    serde_json::to_string(&env).map_err(|e| BodyError::Json(e.to_string()))
}

/// Reads the JSON form. A list member holding a single object (as the platform sends when one
/// record matches) is read as a one-element list.
pub fn from_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    let env: Envelope<serde_json::Value> =
        serde_json::from_slice(body).map_err(|e| BodyError::Json(e.to_string()))?;
    let value = scalars_to_strings(env.platform);
    match serde_json::from_value::<T>(value.clone()) {
        Ok(v) => Ok(v),
        Err(first) => {
            // Retry with single objects under list-typed members wrapped as arrays.
            let wrapped = wrap_singletons(value);
            serde_json::from_value::<T>(wrapped).map_err(|_| BodyError::Json(first.to_string()))
        }
    }
}

fn strip_xml_names(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = if k == "$text" {
                        "value".to_string()
                    } else {
                        k.strip_prefix('@').map(str::to_string).unwrap_or(k)
                    };
                    (key, strip_xml_names(v))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_xml_names).collect()),
        other => other,
    }
}

/// The platform's JSON form carries every scalar as a string; numbers and booleans sent by other
/// producers are turned into their text so one set of decoders serves both forms.
fn scalars_to_strings(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Array(items) => Value::Array(items.into_iter().map(scalars_to_strings).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, scalars_to_strings(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Wraps objects found under the list members `record` and `user` into one-element arrays.
fn wrap_singletons(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(mut map) => {
            for key in ["record", "user"] {
                if let Some(Value::Object(obj)) = map.remove(key) {
                    map.insert(key.to_string(), Value::Array(vec![Value::Object(obj)]));
                }
            }
            Value::Object(map)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_both_forms() {
        let xml = b"<platform><message><code>-101</code><description>User not logged in</description></message></platform>";
        let m: MessageResponse = from_xml(xml).unwrap();
        assert_eq!(m.message.code, Code(-101));
        let json =
            br#"{"platform":{"message":{"code":"-101","description":"User not logged in"}}}"#;
        let j: MessageResponse = from_json(json).unwrap();
        assert_eq!(m, j);
        assert_eq!(to_json(&j).unwrap().as_bytes(), &json[..]);
    }
}
