//! Credentials: a secret value, or a lazy source resolved at every login.
//!
//! A [`Credential`] is either a fixed value or a [`SecretSource`] that is asked again each time a
//! login happens, so a secret rotated in its store is picked up at the next re-login without a
//! restart. Values stay in [`secrecy::SecretString`] end to end.
//!
//! Sources: [`env`](mod@env), [`file`](mod@file), [`command`] (all re-read at every resolve), [`prompt`] and
//! [`stdin`] (asked/read once and cached, since they cannot be asked again at a re-login), closures
//! ([`Credential::from_fn`], [`Credential::from_async_fn`]), and the cloud stores `aws`, `azure`,
//! `gcp` behind the cargo features of the same names. [`Credential::parse`] reads the CLI SOURCE
//! syntax ([`parse`]). A JSON secret used by several fields is fetched once per login and shared
//! ([`json_field`]; wrap a login's resolves in [`resolution_round`] to make that exact).

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use secrecy::SecretString;

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "azure")]
pub mod azure;
pub mod command;
pub mod env;
pub mod file;
pub mod func;
#[cfg(feature = "gcp")]
pub mod gcp;
pub mod json_field;
pub mod parse;
pub mod prompt;
pub mod stdin;

pub use command::CommandSource;
pub use env::EnvSource;
pub use file::FileSource;
pub use func::FnSource;
pub use json_field::{resolution_round, JsonField, SharedSecret};
pub use prompt::{PromptSource, Prompter, TerminalPrompter};
pub use stdin::StdinSource;

/// Why a credential could not be resolved. Never contains the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("credential source {source_name}: {kind}")]
pub struct CredentialError {
    /// The source, as the user named it (for example `env:MSTR_PASSWORD`), never its value.
    pub source_name: String,
    /// What went wrong.
    pub kind: CredentialErrorKind,
}

/// The kinds of credential failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    /// Deliberately not given: a restored session may be used without credentials, but it
    /// cannot be renewed once it expires. Converts to an [`crate::error::Error`] of kind
    /// `SessionExpired` (not `Credential`), since that is what the caller must act on.
    #[error("not given: {0}")]
    NotGiven(String),
    /// Any other failure (I/O, a command that exited non-zero, ...).
    #[error("{0}")]
    Other(String),
}

impl CredentialError {
    /// An error for the source named `source_name`.
    pub fn new(source_name: impl Into<String>, kind: CredentialErrorKind) -> Self {
        CredentialError {
            source_name: source_name.into(),
            kind,
        }
    }
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

/// The `resolve` of the cloud sources: boxes `fetch`, naming the source (`name`, from
/// [`SecretSource::describe`]) in its error.
#[cfg(any(feature = "aws", feature = "azure", feature = "gcp"))]
pub(crate) fn resolve_named<'a>(
    name: String,
    fetch: impl std::future::Future<Output = Result<SecretString, CredentialErrorKind>> + Send + 'a,
) -> BoxFuture<'a, Result<SecretString, CredentialError>> {
    use futures::{FutureExt, TryFutureExt};
    fetch
        .map_err(move |kind| CredentialError::new(name, kind))
        .boxed()
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

    /// A lazy source from a synchronous closure, resolved at every login. `name` is used in
    /// messages and must not contain the secret.
    pub fn from_fn<F>(name: impl Into<String>, f: F) -> Self
    where
        F: Fn() -> Result<SecretString, CredentialErrorKind> + Send + Sync + 'static,
    {
        Credential::source(FnSource::sync(name, f))
    }

    /// A lazy source from an asynchronous closure, resolved at every login.
    pub fn from_async_fn<F, Fut>(name: impl Into<String>, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<SecretString, CredentialErrorKind>>
            + Send
            + 'static,
    {
        Credential::source(FnSource::asynchronous(name, f))
    }

    /// Parses a CLI SOURCE spec (`env:NAME`, `file:PATH`, `cmd:COMMAND`, `prompt`, `-`,
    /// `aws-sm:ID[#FIELD]`, `aws-ssm:NAME`, `azure-kv:URL[#FIELD]`, `gcp-sm:NAME[#FIELD]`); see
    /// [`parse`] for the grammar and the sharing of JSON secrets between fields.
    pub fn parse(spec: &str) -> Result<Self, CredentialError> {
        parse::parse(spec)
    }

    /// Resolves the credential now: the value itself, or a fresh read of the source.
    pub async fn resolve(&self) -> Result<SecretString, CredentialError> {
        match self {
            Credential::Value(v) => Ok(v.clone()),
            Credential::Source(s) => {
                tracing::debug!(source = %s.describe(), "resolving credential");
                let result = s.resolve().await;
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "credential resolution failed");
                }
                result
            }
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
