//! Credentials: a secret value, or a lazy source resolved at every login.
//!
//! A [`Credential`] is either a fixed value or a [`SecretSource`] that is asked again each time a
//! login happens, so a secret rotated in its store is picked up at the next re-login without a
//! restart. Values stay in [`secrecy::SecretString`] end to end.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use secrecy::SecretString;

/// Why a credential could not be resolved. Never contains the secret itself.
#[derive(Debug, thiserror::Error)]
#[error("credential source {source_name}: {kind}")]
pub struct CredentialError {
    /// The source, as the user named it (for example `env:MSTR_PASSWORD`), never its value.
    pub source_name: String,
    /// What went wrong.
    pub kind: CredentialErrorKind,
}

/// The kinds of credential failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialErrorKind {
    /// The secret, variable, file or parameter does not exist.
    #[error("not found{}", detail_suffix(.0))]
    NotFound(String),
    /// The secret is a JSON object without the requested field.
    #[error("no such field {0:?}")]
    NoSuchField(String),
    /// The store refused access.
    #[error("access denied{}", detail_suffix(.0))]
    AccessDenied(String),
    /// The store could not be reached.
    #[error("store unreachable{}", detail_suffix(.0))]
    Unreachable(String),
    /// The source spec is malformed (for example an unknown `scheme:`).
    #[error("invalid source: {0}")]
    Invalid(String),
    /// Any other failure (I/O, a command that exited non-zero, ...).
    #[error("{0}")]
    Other(String),
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

/// A place a secret can be read from, asked again at every login.
pub trait SecretSource: Send + Sync + fmt::Debug {
    /// A name for messages and logs, e.g. `env:MSTR_PASSWORD`. Must never contain the secret.
    fn describe(&self) -> String;
    /// Reads the current secret.
    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>>;
}

/// A credential: a fixed secret value or a lazy [`SecretSource`].
#[derive(Clone)]
pub enum Credential {
    /// A value known up front.
    Value(SecretString),
    /// A source resolved each time the credential is needed.
    Source(Arc<dyn SecretSource>),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Value(_) => f.write_str("Credential::Value([REDACTED])"),
            Credential::Source(s) => write!(f, "Credential::Source({})", s.describe()),
        }
    }
}

impl Credential {
    /// A fixed secret value.
    pub fn value(secret: impl Into<String>) -> Self {
        Credential::Value(SecretString::from(secret.into()))
    }

    /// A lazy source, resolved at every login.
    pub fn source(source: impl SecretSource + 'static) -> Self {
        Credential::Source(Arc::new(source))
    }

    /// Resolves the credential now: the value itself, or a fresh read of the source.
    pub async fn resolve(&self) -> Result<SecretString, CredentialError> {
        match self {
            Credential::Value(v) => Ok(v.clone()),
            Credential::Source(s) => s.resolve().await,
        }
    }

    /// A description safe to log: `value` or the source's name.
    pub fn describe(&self) -> String {
        match self {
            Credential::Value(_) => "value".to_string(),
            Credential::Source(s) => s.describe(),
        }
    }
}

impl From<SecretString> for Credential {
    fn from(value: SecretString) -> Self {
        Credential::Value(value)
    }
}
