//! A credential that was not given: a restored session needs none until it must be renewed,
//! and then the renewal login fails saying what to pass.

use bi_rest::credentials::{CredentialError, CredentialErrorKind, SecretSource};
use futures::future::BoxFuture;
use secrecy::SecretString;

/// A secret source that always fails with a hint (`what` names the flag or variable).
#[derive(Debug)]
pub struct NotGiven {
    /// The setting, e.g. `client_secret`.
    pub name: &'static str,
    /// How to give it, e.g. `pass --password SOURCE`.
    pub hint: String,
}

impl SecretSource for NotGiven {
    fn describe(&self) -> String {
        format!("{} (not given)", self.name)
    }
    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        Box::pin(async move {
            Err(CredentialError::new(
                self.describe(),
                CredentialErrorKind::NotGiven(format!(
                    "the saved session cannot be renewed without {}: {}",
                    self.name, self.hint
                )),
            ))
        })
    }
}
