//! Settings compatible with the official Looker SDKs: `looker.ini` plus `LOOKERSDK_*` variables.
//!
//! Behaviour follows `python/looker_sdk/rtl/api_settings.py` of looker-open-source/sdk-codegen:
//! - the ini file is read with Python `configparser` rules: `key = value` or `key: value`,
//!   `#`/`;` comment lines, option names case-insensitive (lower-cased), section names
//!   case-sensitive, a `[DEFAULT]` section supplying fallbacks and never chosen as "the first";
//! - the section is the one named, else the **first** section of the file;
//! - the default file name `looker.ini` may be missing; a file named explicitly must exist;
//! - `LOOKERSDK_BASE_URL`, `LOOKERSDK_CLIENT_ID`, `LOOKERSDK_CLIENT_SECRET`,
//!   `LOOKERSDK_VERIFY_SSL`, `LOOKERSDK_TIMEOUT` override the file when set and non-empty;
//! - values are then cleaned: surrounding quotes stripped, empty values (`""`, `''`) dropped;
//! - `verify_ssl` accepts yes/y/true/t/1 and no/n/false/f/0/"" (default true), `timeout` is an
//!   integer number of seconds (default 120);
//! - `base_url` is the server root, without `/api/x.y` (a trailing `/api/x.y` is tolerated and
//!   removed here, where the SDKs would build a broken URL).
//!
//! As in the Python SDK (whose `_login` calls `read_config()` again), credentials that come from
//! the file or the environment are read again at every login, so a rotated secret is picked up.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use secrecy::SecretString;

use crate::credentials::{Credential, CredentialError, CredentialErrorKind, SecretSource};

/// The prefix of the environment variables the official SDKs read.
pub const ENV_PREFIX: &str = "LOOKERSDK";
/// The default ini file name (looked up in the working directory; may be missing).
pub const DEFAULT_INI: &str = "looker.ini";
/// Default request timeout, as in the SDKs (120 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// A Looker API version; each client picks one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ApiVersion {
    /// API 3.0 (user ids are integers).
    V3_0,
    /// API 3.1 (user ids are integers).
    V3_1,
    /// API 4.0 (ids are strings), the default.
    #[default]
    V4_0,
}

impl ApiVersion {
    /// `"3.0"`, `"3.1"` or `"4.0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V3_0 => "3.0",
            ApiVersion::V3_1 => "3.1",
            ApiVersion::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ApiVersion {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "3.0" => Ok(ApiVersion::V3_0),
            "3.1" => Ok(ApiVersion::V3_1),
            "4.0" | "4" => Ok(ApiVersion::V4_0),
            other => Err(SettingsError::Invalid {
                key: "api_version".into(),
                detail: format!("{other:?} is not one of 3.0, 3.1, 4.0"),
            }),
        }
    }
}

/// Why settings could not be loaded. Never contains a secret value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A config file named explicitly does not exist.
    #[error("no config file found: {0}")]
    FileNotFound(PathBuf),
    /// The config file could not be read or parsed.
    #[error("config file {path}: {detail}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The requested section does not exist, or the file has no section at all.
    #[error("config file {path}: no section {section:?}")]
    NoSection {
        /// The file.
        path: PathBuf,
        /// The section asked for (empty when none was named and the file has none).
        section: String,
    },
    /// A required setting is missing.
    #[error("missing setting {0} (set it in looker.ini or {ENV_PREFIX}_{upper})", upper = .0.to_uppercase())]
    Missing(String),
    /// A setting has a value that cannot be used (the value is named only for non-secrets).
    #[error("invalid setting {key}: {detail}")]
    Invalid {
        /// The setting.
        key: String,
        /// Why.
        detail: String,
    },
}

/// Resolved Looker connection settings.
#[derive(Clone, Debug)]
pub struct LookerSettings {
    /// Server root, e.g. `https://example.looker.com:19999` (no `/api/x.y`).
    pub base_url: String,
    /// API version used by the client.
    pub api_version: ApiVersion,
    /// API3 client id.
    pub client_id: Credential,
    /// API3 client secret.
    pub client_secret: Credential,
    /// Verify TLS certificates (default true).
    pub verify_ssl: bool,
    /// Per-request timeout (default 120 s).
    pub timeout: Duration,
}

impl LookerSettings {
    /// Settings from explicit values (TLS verification on, 120 s timeout, API 4.0).
    pub fn new(base_url: &str, client_id: Credential, client_secret: Credential) -> Self {
        Self {
            base_url: normalize_base_url(base_url),
            api_version: ApiVersion::V4_0,
            client_id,
            client_secret,
            verify_ssl: true,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the API version.
    pub fn with_api_version(mut self, version: ApiVersion) -> Self {
        self.api_version = version;
        self
    }

    /// The API root for this version, e.g. `https://host:19999/api/4.0`.
    pub fn api_root(&self) -> String {
        format!("{}/api/{}", self.base_url, self.api_version)
    }

    /// Loads settings the way the official SDKs do, from the process environment.
    ///
    /// `ini`: `None` means `looker.ini` in the working directory, which may be missing;
    /// a path given explicitly must exist. `section`: `None` means the first section.
    pub fn load(ini: Option<&Path>, section: Option<&str>) -> Result<Self, SettingsError> {
        Self::load_with_env(ini, section, Arc::new(ProcessEnv))
    }

    /// Like [`LookerSettings::load`], reading variables through `env` (for tests and embedding).
    pub fn load_with_env(
        ini: Option<&Path>,
        section: Option<&str>,
        env: Arc<dyn EnvLookup>,
    ) -> Result<Self, SettingsError> {
        let (path, must_exist) = match ini {
            Some(p) => (p.to_path_buf(), true),
            None => (PathBuf::from(DEFAULT_INI), false),
        };
        if must_exist && !path.is_file() {
            return Err(SettingsError::FileNotFound(path));
        }
        let reader = ConfigReader {
            path,
            section: section.map(str::to_string),
            env,
        };
        let data = reader.read()?;
        Self::from_data(data, reader)
    }

    /// Settings from the text of a `looker.ini` alone (no environment), read as
    /// [`LookerSettings::load`] reads a file: the entry of the fuzz targets and property tests.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn from_ini_text(text: &str, section: Option<&str>) -> Result<Self, SettingsError> {
        let reader = ConfigReader {
            path: PathBuf::from(DEFAULT_INI),
            section: section.map(str::to_string),
            env: Arc::new(BTreeMap::<String, String>::new()),
        };
        let data = clean(reader.ini_values(text)?);
        Self::from_data(data, reader)
    }

    /// Checks and converts the cleaned values `reader` read.
    fn from_data(
        data: BTreeMap<String, String>,
        reader: ConfigReader,
    ) -> Result<Self, SettingsError> {
        let base_url = data
            .get("base_url")
            .cloned()
            .ok_or_else(|| SettingsError::Missing("base_url".into()))?;
        let verify_ssl = match data.get("verify_ssl") {
            None => true,
            Some(v) => parse_bool(v).ok_or_else(|| SettingsError::Invalid {
                key: "verify_ssl".into(),
                detail: format!("{v:?} is not a boolean (yes/no, true/false, 1/0)"),
            })?,
        };
        let timeout = match data.get("timeout") {
            None => DEFAULT_TIMEOUT,
            Some(v) => Duration::from_secs(v.trim().parse::<u64>().map_err(|_| {
                SettingsError::Invalid {
                    key: "timeout".into(),
                    detail: format!("{v:?} is not a whole number of seconds"),
                }
            })?),
        };
        for key in ["client_id", "client_secret"] {
            if !data.contains_key(key) {
                return Err(SettingsError::Missing(key.into()));
            }
        }
        let reader = Arc::new(reader);
        Ok(Self {
            base_url: normalize_base_url(&base_url),
            api_version: ApiVersion::V4_0,
            client_id: Credential::Source(Arc::new(ConfigSecret {
                reader: reader.clone(),
                key: "client_id",
            })),
            client_secret: Credential::Source(Arc::new(ConfigSecret {
                reader,
                key: "client_secret",
            })),
            verify_ssl,
            timeout,
        })
    }
}

/// Reads environment variables (injectable so tests need not touch the process environment).
pub trait EnvLookup: Send + Sync {
    /// The value of `name`, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy)]
pub struct ProcessEnv;

impl EnvLookup for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl EnvLookup for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// Removes trailing slashes and a trailing `/api` or `/api/x.y`.
pub fn normalize_base_url(url: &str) -> String {
    let mut s = url.trim().trim_end_matches('/').to_string();
    if let Some(idx) = s.rfind("/api/") {
        let tail = &s[idx + 5..];
        if tail.parse::<f32>().is_ok() {
            s.truncate(idx);
        }
    } else if s.ends_with("/api") {
        s.truncate(s.len() - 4);
    }
    s
}

/// The SDK's boolean rule (`_bool` in api_settings.py).
fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "t" | "1" => Some(true),
        "" | "no" | "n" | "false" | "f" | "0" => Some(false),
        _ => None,
    }
}

const KEYS: &[&str] = &[
    "client_id",
    "client_secret",
    "base_url",
    "verify_ssl",
    "timeout",
];

/// Reads the ini section and the environment into cleaned key/value pairs.
struct ConfigReader {
    path: PathBuf,
    section: Option<String>,
    env: Arc<dyn EnvLookup>,
}

impl ConfigReader {
    fn read(&self) -> Result<BTreeMap<String, String>, SettingsError> {
        let mut data = BTreeMap::new();
        match std::fs::read_to_string(&self.path) {
            Ok(text) => data = self.ini_values(&text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(SettingsError::Parse {
                    path: self.path.clone(),
                    detail: e.to_string(),
                })
            }
        }
        for key in KEYS {
            let name = format!("{ENV_PREFIX}_{}", key.to_uppercase());
            if let Some(v) = self.env.var(&name) {
                if !v.is_empty() {
                    data.insert((*key).to_string(), v);
                }
            }
        }
        Ok(clean(data))
    }

    /// The known keys of the chosen section of an ini text (not yet cleaned).
    fn ini_values(&self, text: &str) -> Result<BTreeMap<String, String>, SettingsError> {
        Ok(self
            .read_section(text)?
            .into_iter()
            .filter(|(k, _)| KEYS.contains(&k.as_str()))
            .collect())
    }

    fn read_section(&self, text: &str) -> Result<Vec<(String, String)>, SettingsError> {
        let opt = ini::ParseOption {
            enabled_quote: false,
            enabled_escape: false,
            enabled_indented_mutiline_value: true,
            enabled_preserve_key_leading_whitespace: false,
        };
        let parsed = ini::Ini::load_from_str_opt(text, opt).map_err(|e| SettingsError::Parse {
            path: self.path.clone(),
            detail: e.to_string(),
        })?;
        let named: Vec<&str> = parsed
            .sections()
            .flatten()
            .filter(|s| *s != "DEFAULT")
            .collect();
        let chosen = match &self.section {
            Some(s) => named.iter().find(|n| **n == s.as_str()).copied(),
            None => named.first().copied(),
        };
        let Some(chosen) = chosen else {
            return Err(SettingsError::NoSection {
                path: self.path.clone(),
                section: self.section.clone().unwrap_or_default(),
            });
        };
        let mut out: BTreeMap<String, String> = BTreeMap::new();
        if let Some(defaults) = parsed.section(Some("DEFAULT")) {
            for (k, v) in defaults.iter() {
                out.insert(k.trim().to_lowercase(), v.trim().to_string());
            }
        }
        for props in parsed.section_all(Some(chosen)) {
            for (k, v) in props.iter() {
                out.insert(k.trim().to_lowercase(), v.trim().to_string());
            }
        }
        Ok(out.into_iter().collect())
    }
}

/// `_clean_input`: drop empty values, strip surrounding quotes.
fn clean(data: BTreeMap<String, String>) -> BTreeMap<String, String> {
    data.into_iter()
        .filter_map(|(k, v)| {
            if v.is_empty() || v == "\"\"" || v == "''" {
                None
            } else if v.starts_with(['"', '\'']) || v.ends_with(['"', '\'']) {
                Some((k, v.trim_matches(['"', '\'']).to_string()))
            } else {
                Some((k, v))
            }
        })
        .collect()
}

/// A credential read from looker.ini / `LOOKERSDK_*` again at each login.
struct ConfigSecret {
    reader: Arc<ConfigReader>,
    key: &'static str,
}

impl fmt::Debug for ConfigSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl SecretSource for ConfigSecret {
    fn describe(&self) -> String {
        format!(
            "looker-settings:{}[{}].{} or {ENV_PREFIX}_{}",
            self.reader.path.display(),
            self.reader.section.as_deref().unwrap_or("<first>"),
            self.key,
            self.key.to_uppercase()
        )
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        Box::pin(async move {
            let data = self.reader.read().map_err(|e| CredentialError {
                source_name: self.describe(),
                kind: CredentialErrorKind::Other(e.to_string()),
            })?;
            data.get(self.key)
                .map(|v| SecretString::from(v.clone()))
                .ok_or_else(|| CredentialError {
                    source_name: self.describe(),
                    kind: CredentialErrorKind::NotFound(String::new()),
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_quirks() {
        assert_eq!(normalize_base_url("https://h:19999/"), "https://h:19999");
        assert_eq!(normalize_base_url("https://h/api/4.0"), "https://h");
        assert_eq!(normalize_base_url("https://h/api/3.1/"), "https://h");
        assert_eq!(normalize_base_url("https://h/api"), "https://h");
        assert_eq!(normalize_base_url("https://h/apis/x"), "https://h/apis/x");
    }

    #[test]
    fn bools_like_the_sdk() {
        for t in ["yes", "Y", "TRUE", "t", "1"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["", "no", "N", "False", "f", "0"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn clean_strips_quotes_and_drops_empty() {
        let mut m = BTreeMap::new();
        m.insert("a".to_string(), "\"x\"".to_string());
        m.insert("b".to_string(), "''".to_string());
        m.insert("c".to_string(), "'y".to_string());
        let c = clean(m);
        assert_eq!(c.get("a").map(String::as_str), Some("x"));
        assert!(!c.contains_key("b"));
        assert_eq!(c.get("c").map(String::as_str), Some("y"));
    }
}
