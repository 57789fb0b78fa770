//! `env:NAME`: a secret read from an environment variable at every resolve.

use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::SecretString;

use super::{CredentialError, CredentialErrorKind, SecretSource};

/// Reads the environment variable `name` each time it is resolved.
#[derive(Debug, Clone)]
pub struct EnvSource {
    name: String,
}

impl EnvSource {
    /// A source reading the variable `name`.
    pub fn new(name: impl Into<String>) -> Self {
        EnvSource { name: name.into() }
    }

    fn read(&self) -> Result<SecretString, CredentialError> {
        let err = |kind| CredentialError::new(self.describe(), kind);
        match std::env::var(&self.name) {
            Ok(v) if v.is_empty() => Err(err(CredentialErrorKind::NotFound(
                "variable is set but empty".into(),
            ))),
            Ok(v) => Ok(SecretString::from(v)),
            Err(std::env::VarError::NotPresent) => Err(err(CredentialErrorKind::NotFound(
                "variable is not set".into(),
            ))),
            Err(std::env::VarError::NotUnicode(_)) => Err(err(CredentialErrorKind::Invalid(
                "variable is not valid UTF-8".into(),
            ))),
        }
    }
}

impl SecretSource for EnvSource {
    fn describe(&self) -> String {
        format!("env:{}", self.name)
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        let r = self.read();
        async move { r }.boxed()
    }
}
