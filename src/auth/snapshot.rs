//! Saved sessions: a JSON file (mode 0600, created so, never chmod-ed after) holding what a
//! fresh client needs to continue a session without logging in: vendor, API root, token,
//! cookies, sticky headers (e.g. the MicroStrategy project) and session facts.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::auth::cookies::SavedCookie;
use crate::auth::session::{serialize_opt_secret, serialize_secret, Session, SessionUser};
use crate::error::{Error, ErrorKind};

/// The session file format version written by this crate.
pub const FORMAT_VERSION: u32 = 1;

/// A saved session. Contains secrets: `Debug` redacts them; only [`SessionSnapshot::write`]
/// serialises them, to a file only its owner can read.
#[derive(Clone, Serialize, Deserialize)]
pub struct SessionSnapshot {
    /// Format version ([`FORMAT_VERSION`]).
    pub format: u32,
    /// The vendor (`mstr`, `looker`, `agileapps`).
    pub vendor: String,
    /// The API root.
    pub base_url: String,
    /// The login mode's vendor-specific name.
    pub login_mode: String,
    /// The session token (secret).
    #[serde(serialize_with = "serialize_opt_secret", default)]
    pub token: Option<SecretString>,
    /// The cookie that identifies this session, when the vendor keeps one per session
    /// (AgileApps' `JSESSIONID`; secret value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_cookie: Option<SavedSessionCookie>,
    /// The cookies (secret values).
    #[serde(default)]
    pub cookies: Vec<SavedCookie>,
    /// Sticky headers (non-secret, e.g. `X-MSTR-ProjectID`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The user.
    #[serde(default)]
    pub user: Option<SessionUser>,
    /// The server's idle timeout, seconds.
    #[serde(default)]
    pub idle_timeout_secs: Option<u64>,
    /// The absolute expiry, Unix seconds.
    #[serde(default)]
    pub expires_at_unix: Option<u64>,
    /// Whether the session may be renewed by logging in again.
    pub renewable: bool,
    /// Non-secret vendor data.
    #[serde(default)]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// When it was saved, Unix seconds.
    pub saved_at_unix: u64,
    /// The sessions below this one in a stack (AgileApps proxy logins), base first; their own
    /// `cookies`, `headers` and `below` are empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub below: Vec<SessionSnapshot>,
}

/// A saved [`SessionCookie`](crate::auth::SessionCookie). `Debug` redacts the value.
#[derive(Clone, Serialize, Deserialize)]
pub struct SavedSessionCookie {
    /// The cookie's name.
    pub name: String,
    /// The cookie's value (secret).
    #[serde(serialize_with = "serialize_secret")]
    pub value: SecretString,
}

impl fmt::Debug for SavedSessionCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SavedSessionCookie")
            .field("name", &self.name)
            .field("value", &"[REDACTED]")
            .finish()
    }
}

impl fmt::Debug for SessionSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionSnapshot")
            .field("format", &self.format)
            .field("vendor", &self.vendor)
            .field("base_url", &self.base_url)
            .field("login_mode", &self.login_mode)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("session_cookie", &self.session_cookie)
            .field("cookies", &self.cookies)
            .field("headers", &self.headers)
            .field("user", &self.user)
            .field("renewable", &self.renewable)
            .field("below", &self.below)
            .finish()
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl SessionSnapshot {
    pub(crate) fn from_session(
        vendor: &str,
        base_url: &str,
        session: &Session,
        cookies: Vec<SavedCookie>,
        headers: BTreeMap<String, String>,
    ) -> SessionSnapshot {
        SessionSnapshot {
            format: FORMAT_VERSION,
            vendor: vendor.to_string(),
            base_url: base_url.to_string(),
            login_mode: session.login_mode().to_string(),
            token: session.token().cloned(),
            session_cookie: session.cookie().map(|c| SavedSessionCookie {
                name: c.name.clone(),
                value: c.value.clone(),
            }),
            cookies,
            headers,
            user: session.user().cloned(),
            idle_timeout_secs: session.idle_timeout().map(|d| d.as_secs()),
            expires_at_unix: session.expires_at().map(unix),
            renewable: session.renewable(),
            data: session.data().clone(),
            saved_at_unix: unix(SystemTime::now()),
            below: Vec::new(),
        }
    }

    pub(crate) fn to_session(&self) -> Session {
        let mut session = Session::new(self.token.clone(), self.login_mode.clone())
            .with_renewable(self.renewable);
        if let Some(user) = &self.user {
            session = session.with_user(user.clone());
        }
        if let Some(idle) = self.idle_timeout_secs {
            session = session.with_idle_timeout(Duration::from_secs(idle));
        }
        if let Some(at) = self.expires_at_unix {
            // An expiry past what `SystemTime` can hold (a hand-edited or hostile file) is
            // no expiry, not a panic.
            if let Some(at) = UNIX_EPOCH.checked_add(Duration::from_secs(at)) {
                session = session.with_expires_at(at);
            }
        }
        for (k, v) in &self.data {
            session = session.with_data(k.clone(), v.clone());
        }
        if let Some(c) = &self.session_cookie {
            session = session.with_cookie(c.name.clone(), c.value.clone());
        }
        session
    }

    /// Writes the snapshot as JSON to `path`, replacing it. On Unix the file is created with
    /// mode 0600 (an existing file is replaced through a new 0600 file, never widened).
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| {
            Error::new(
                ErrorKind::Other,
                format!("cannot serialise the session: {e}"),
            )
        })?;
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "session".to_string());
        let tmp = match dir {
            Some(d) => d.join(format!(".{file_name}.{}.tmp", std::process::id())),
            None => Path::new(&format!(".{file_name}.{}.tmp", std::process::id())).to_path_buf(),
        };
        let io_err = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Config,
                format!("cannot {what} session file {}: {e}", path.display()),
            )
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let _ = std::fs::remove_file(&tmp);
        let mut file = options.open(&tmp).map_err(|e| io_err("create", e))?;
        let written = file
            .write_all(&json)
            .and_then(|_| file.sync_all())
            .map_err(|e| io_err("write", e));
        drop(file);
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io_err("replace", e)
        })
    }

    /// Reads a snapshot written by [`SessionSnapshot::write`].
    pub fn read(path: &Path) -> Result<SessionSnapshot, Error> {
        let bytes = std::fs::read(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot read session file {}: {e}", path.display()),
            )
        })?;
        Self::decode(&bytes, &format!("session file {}", path.display()))
    }

    /// Reads a snapshot from the contents of a session file (what [`SessionSnapshot::read`]
    /// does once the file is read): a `Config` error for anything that is not a session of
    /// this [`FORMAT_VERSION`]. Never panics, whatever the bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<SessionSnapshot, Error> {
        Self::decode(bytes, "session data")
    }

    /// [`SessionSnapshot::from_slice`], naming the input `what` in errors.
    fn decode(bytes: &[u8], what: &str) -> Result<SessionSnapshot, Error> {
        let snapshot: SessionSnapshot = serde_json::from_slice(bytes).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!(
                    "{what} is not a bi-rest session (line {}, column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        if snapshot.format != FORMAT_VERSION {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "{what} has format {}, expected {FORMAT_VERSION}",
                    snapshot.format
                ),
            ));
        }
        Ok(snapshot)
    }

    /// Removes a session file (no error if it does not exist).
    pub fn remove(path: &Path) -> Result<(), Error> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::new(
                ErrorKind::Config,
                format!("cannot remove session file {}: {e}", path.display()),
            )),
        }
    }
}
