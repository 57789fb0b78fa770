//! `-`: the secret is read from standard input.
//!
//! Standard input can be read only once per process, so it is read on first resolve, cached,
//! and the cached value is returned at every later resolve (by every `-` source in the process).
//! Rotation is therefore not picked up from stdin.

use std::fmt;
use std::io::Read;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::SecretString;
use tokio::sync::OnceCell;

use super::file::trim_one_newline;
use super::{CredentialError, CredentialErrorKind, SecretSource};

type Reader = Box<dyn Read + Send>;

struct Inner {
    reader: Mutex<Option<Reader>>,
    value: OnceCell<SecretString>,
}

/// Reads all of a reader (standard input by default) once, trims one trailing newline, caches.
#[derive(Clone)]
pub struct StdinSource {
    inner: Arc<Inner>,
}

static PROCESS_STDIN: std::sync::OnceLock<StdinSource> = std::sync::OnceLock::new();

impl StdinSource {
    /// The process's standard input (one shared cache for every `-` source).
    pub fn new() -> Self {
        PROCESS_STDIN
            .get_or_init(|| Self::from_reader(std::io::stdin()))
            .clone()
    }

    /// A source reading `reader` once instead of standard input (for tests and embedding).
    pub fn from_reader(reader: impl Read + Send + 'static) -> Self {
        StdinSource {
            inner: Arc::new(Inner {
                reader: Mutex::new(Some(Box::new(reader))),
                value: OnceCell::new(),
            }),
        }
    }
}

impl Default for StdinSource {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for StdinSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StdinSource(read: {})", self.inner.value.initialized())
    }
}

fn read_once(inner: &Inner) -> Result<SecretString, CredentialErrorKind> {
    let reader = inner
        .reader
        .lock()
        .map_err(|_| CredentialErrorKind::Other("stdin lock poisoned".into()))?
        .take();
    let Some(mut reader) = reader else {
        return Err(CredentialErrorKind::NotFound(
            "stdin was already consumed by an earlier failed read".into(),
        ));
    };
    let mut buf = String::new();
    reader
        .read_to_string(&mut buf)
        .map_err(|e| CredentialErrorKind::Other(format!("cannot read stdin: {e}")))?;
    let secret = trim_one_newline(buf);
    if secret.is_empty() {
        return Err(CredentialErrorKind::NotFound("stdin was empty".into()));
    }
    Ok(SecretString::from(secret))
}

impl SecretSource for StdinSource {
    fn describe(&self) -> String {
        "-".to_string()
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        async move {
            self.inner
                .value
                .get_or_try_init(|| async {
                    let inner = self.inner.clone();
                    tokio::task::spawn_blocking(move || read_once(&inner))
                        .await
                        .map_err(|e| {
                            CredentialErrorKind::Other(format!("stdin task failed: {e}"))
                        })?
                })
                .await
                .cloned()
                .map_err(|kind| CredentialError::new("-", kind))
        }
        .boxed()
    }
}
