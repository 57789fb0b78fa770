//! One fetch of a JSON secret shared by several fields.
//!
//! A store secret often holds a JSON object such as
//! `{"base_url": "...", "username": "...", "password": "..."}` used by three credentials of one
//! login. [`SharedSecret`] wraps the store source so that those three resolves cause exactly one
//! fetch, while the next login fetches again (so rotation is picked up):
//!
//! - inside [`resolution_round`], the secret is fetched at most once per round, and a new round
//!   always fetches again;
//! - outside a round, a fetched value is reused only within a short window
//!   ([`DEFAULT_SHARE_WINDOW`]), long enough for the fields of one login and much shorter than
//!   any session, so every re-login reads the store again.
//!
//! Concurrent resolves wait for the one fetch in flight instead of starting their own.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::{ExposeSecret, SecretString};

use super::{CredentialError, CredentialErrorKind, SecretSource};

/// How long a fetched value is shared outside a [`resolution_round`].
pub const DEFAULT_SHARE_WINDOW: Duration = Duration::from_secs(2);

tokio::task_local! {
    static ROUND: u64;
}

static NEXT_ROUND: AtomicU64 = AtomicU64::new(1);

/// Runs `fut` as one resolution round (typically one login): every [`SharedSecret`] resolved
/// inside it is fetched at most once, and the next round fetches again.
pub async fn resolution_round<F: Future>(fut: F) -> F::Output {
    let id = NEXT_ROUND.fetch_add(1, Ordering::Relaxed);
    ROUND.scope(id, fut).await
}

struct Cached {
    result: Result<SecretString, CredentialError>,
    at: Instant,
    round: Option<u64>,
}

/// A store source whose fetched value is shared by the fields resolved for one login.
pub struct SharedSecret {
    source: Arc<dyn SecretSource>,
    window: Duration,
    state: tokio::sync::Mutex<Option<Cached>>,
    fetches: AtomicU64,
}

impl SharedSecret {
    /// Shares `source` with the default window.
    pub fn new(source: Arc<dyn SecretSource>) -> Arc<Self> {
        Self::with_window(source, DEFAULT_SHARE_WINDOW)
    }

    /// Shares `source`, reusing a value outside a round for at most `window`.
    pub fn with_window(source: Arc<dyn SecretSource>, window: Duration) -> Arc<Self> {
        Arc::new(SharedSecret {
            source,
            window,
            state: tokio::sync::Mutex::new(None),
            fetches: AtomicU64::new(0),
        })
    }

    /// How many times the underlying source was actually fetched.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Forgets the shared value so that the next resolve fetches again.
    pub async fn invalidate(&self) {
        *self.state.lock().await = None;
    }

    /// The underlying source's name (e.g. `aws-sm:prod/bi`).
    pub fn describe(&self) -> String {
        self.source.describe()
    }

    /// The current raw value: shared if fetched in this round / window, else fetched now.
    pub async fn get(&self) -> Result<SecretString, CredentialError> {
        let round = ROUND.try_with(|r| *r).ok();
        let mut state = self.state.lock().await;
        if let Some(cached) = state.as_ref() {
            let fresh = match round {
                Some(r) => cached.round == Some(r),
                None => cached.at.elapsed() < self.window,
            };
            if fresh {
                return cached.result.clone();
            }
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = self.source.resolve().await;
        *state = Some(Cached {
            result: result.clone(),
            at: Instant::now(),
            round,
        });
        result
    }
}

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedSecret({})", self.source.describe())
    }
}

/// A credential read from a [`SharedSecret`]: the whole value, or one field of its JSON object.
#[derive(Debug, Clone)]
pub struct JsonField {
    shared: Arc<SharedSecret>,
    field: Option<String>,
}

impl JsonField {
    /// One field of the JSON object held by `shared`.
    pub fn field(shared: Arc<SharedSecret>, field: impl Into<String>) -> Self {
        JsonField {
            shared,
            field: Some(field.into()),
        }
    }

    /// The whole value held by `shared`.
    pub fn whole(shared: Arc<SharedSecret>) -> Self {
        JsonField {
            shared,
            field: None,
        }
    }

    /// The shared secret this field reads.
    pub fn shared(&self) -> &Arc<SharedSecret> {
        &self.shared
    }
}

/// Extracts `field` from the JSON object in `raw`. Errors never quote the secret's content.
pub fn extract_field(raw: &SecretString, field: &str) -> Result<SecretString, CredentialErrorKind> {
    let value: serde_json::Value = serde_json::from_str(raw.expose_secret()).map_err(|e| {
        CredentialErrorKind::Invalid(format!(
            "secret is not JSON (line {}, column {}), so it has no field {field:?}",
            e.line(),
            e.column()
        ))
    })?;
    let serde_json::Value::Object(mut map) = value else {
        return Err(CredentialErrorKind::Invalid(format!(
            "secret is not a JSON object, so it has no field {field:?}"
        )));
    };
    match map.remove(field) {
        None => Err(CredentialErrorKind::NoSuchField(field.to_string())),
        Some(serde_json::Value::String(s)) => Ok(SecretString::from(s)),
        Some(v @ (serde_json::Value::Number(_) | serde_json::Value::Bool(_))) => {
            Ok(SecretString::from(v.to_string()))
        }
        Some(_) => Err(CredentialErrorKind::Invalid(format!(
            "field {field:?} is not a string, number or boolean"
        ))),
    }
}

impl SecretSource for JsonField {
    fn describe(&self) -> String {
        match &self.field {
            Some(f) => format!("{}#{f}", self.shared.describe()),
            None => self.shared.describe(),
        }
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        async move {
            let raw = self.shared.get().await.map_err(|e| CredentialError {
                source_name: self.describe(),
                kind: e.kind,
            })?;
            match &self.field {
                None => Ok(raw),
                Some(field) => extract_field(&raw, field)
                    .map_err(|kind| CredentialError::new(self.describe(), kind)),
            }
        }
        .boxed()
    }
}
