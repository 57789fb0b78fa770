//! Saving an [`AgileAppsClient`]'s session stack to a file (mode 0600) and restoring it in a
//! later process without a login: base URL, body format, cookies, and for each frame its
//! session id, generation and identity.
//!
//! The file holds secrets (session ids, cookies): it is written only through a new 0600 file
//! renamed over the old one, and nothing here prints it (no `Debug` on the file's shape).

use std::io::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::*;
use crate::auth::SavedCookie;

/// The vendor tag of an AgileApps session file.
const VENDOR: &str = "agileapps";

/// The file's shape. No `Debug`: it holds session ids.
#[derive(Serialize, Deserialize)]
struct SavedStack {
    vendor: String,
    base_url: String,
    format: String,
    cookies: Vec<SavedCookie>,
    frames: Vec<SavedFrame>,
}

/// One frame of the stack. No `Debug`: it holds the session id.
#[derive(Serialize, Deserialize)]
struct SavedFrame {
    session_id: String,
    generation: u64,
    kind: SavedKind,
    depth: usize,
    login: LoginInfo,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SavedKind {
    Password,
    Saml,
    CustomerSupport { tenant_id: String },
    Proxy { user_id: String },
}

impl From<&SessionKind> for SavedKind {
    fn from(k: &SessionKind) -> Self {
        match k {
            SessionKind::Password => SavedKind::Password,
            SessionKind::Saml => SavedKind::Saml,
            SessionKind::CustomerSupport { tenant_id } => SavedKind::CustomerSupport {
                tenant_id: tenant_id.clone(),
            },
            SessionKind::Proxy { user_id } => SavedKind::Proxy {
                user_id: user_id.clone(),
            },
        }
    }
}

impl From<SavedKind> for SessionKind {
    fn from(k: SavedKind) -> Self {
        match k {
            SavedKind::Password => SessionKind::Password,
            SavedKind::Saml => SessionKind::Saml,
            SavedKind::CustomerSupport { tenant_id } => SessionKind::CustomerSupport { tenant_id },
            SavedKind::Proxy { user_id } => SessionKind::Proxy { user_id },
        }
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Json => "json",
        Format::Xml => "xml",
    }
}

fn file_error(path: &Path, what: &str, detail: impl fmt::Display) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("session file {}: {what}: {detail}", path.display()),
    )
}

impl AgileAppsClient {
    /// Saves the session stack to `path` (mode 0600, replacing the file). From then on the
    /// sessions belong to the file: call [`AgileAppsClient::detach`] before dropping this client
    /// so they are not logged out, and [`AgileAppsClient::close`] a restored client to end them.
    pub fn save_session(&self, path: &Path) -> Result<(), Error> {
        let saved = {
            let stack = lock(&self.inner.stack);
            if stack.is_empty() {
                return Err(Error::new(
                    ErrorKind::Other,
                    "no session to save: the client is closed",
                ));
            }
            SavedStack {
                vendor: VENDOR.to_string(),
                base_url: self.inner.config.base_url.as_str().to_string(),
                format: format_name(self.inner.config.format).to_string(),
                cookies: self.inner.jar.save(&self.inner.config.base_url),
                frames: stack
                    .iter()
                    .map(|f| SavedFrame {
                        session_id: f.session_id.expose_secret().to_string(),
                        generation: f.generation,
                        kind: SavedKind::from(&f.identity.kind),
                        depth: f.identity.depth,
                        login: f.identity.login.clone(),
                    })
                    .collect(),
            }
        };
        let json = serde_json::to_vec_pretty(&saved)
            .map_err(|e| file_error(path, "cannot serialise the session", e))?;
        drop(saved);
        write_private(path, &json)
    }

    /// Forgets the sessions without logging them out (they live on in a session file).
    pub fn detach(&self) {
        lock(&self.inner.stack).clear();
    }

    /// A client on the sessions saved in `path`, without a login. `config` must be for the same
    /// base URL (its body format is used; the saved one is informational); `method` renews the
    /// base session when the server reports it ended.
    pub fn restore_session(
        config: AgileAppsConfig,
        method: LoginMethod,
        path: &Path,
    ) -> Result<Self, Error> {
        let text = std::fs::read(path).map_err(|e| file_error(path, "cannot read", e))?;
        let saved: SavedStack =
            serde_json::from_slice(&text).map_err(|e| file_error(path, "not a session file", e))?;
        if saved.vendor != VENDOR {
            return Err(file_error(
                path,
                "wrong vendor",
                format!("{:?}, not {VENDOR:?}", saved.vendor),
            ));
        }
        if saved.base_url.trim_end_matches('/') != config.base_url.as_str().trim_end_matches('/') {
            return Err(file_error(
                path,
                "wrong server",
                format!("{}, not {}", saved.base_url, config.base_url),
            ));
        }
        if saved.frames.is_empty() {
            return Err(file_error(path, "no session", "the stack is empty"));
        }
        let jar = Arc::new(CookieJar::default());
        jar.restore(&saved.cookies);
        let http = config.http.build_client(jar.clone())?;
        let max_generation = saved.frames.iter().map(|f| f.generation).max().unwrap_or(0);
        let frames: Vec<Frame> = saved
            .frames
            .into_iter()
            .map(|f| Frame {
                identity: Identity {
                    user_id: f.login.user_id.clone(),
                    user_name: f.login.user_name.clone(),
                    organization_id: f.login.organization_id.clone(),
                    kind: f.kind.into(),
                    depth: f.depth,
                    login: f.login,
                },
                session_id: SecretString::from(f.session_id),
                generation: f.generation,
            })
            .collect();
        let inner = Arc::new(Inner {
            http,
            jar,
            config,
            method,
            stack: Mutex::new(frames),
            relogin: tokio::sync::Mutex::new(()),
            generation: AtomicU64::new(max_generation),
        });
        Ok(AgileAppsClient { inner })
    }
}

/// Writes `bytes` to `path` through a new mode-0600 file renamed over it.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "session".to_string());
    let tmp_name = format!(".{name}.{}.tmp", std::process::id());
    let tmp = match dir {
        Some(d) => d.join(tmp_name),
        None => std::path::PathBuf::from(tmp_name),
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let _ = std::fs::remove_file(&tmp);
    let mut file = options
        .open(&tmp)
        .map_err(|e| file_error(path, "cannot create", e))?;
    let written = file.write_all(bytes).and_then(|_| file.sync_all());
    drop(file);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(file_error(path, "cannot write", e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        file_error(path, "cannot replace", e)
    })
}
