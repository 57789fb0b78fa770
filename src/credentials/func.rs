//! Closure sources: a plain or async function called at every login.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::SecretString;

use super::{CredentialError, CredentialErrorKind, SecretSource};

type AsyncFn =
    dyn Fn() -> BoxFuture<'static, Result<SecretString, CredentialErrorKind>> + Send + Sync;

/// A source backed by a caller-supplied function, called again at every resolve.
pub struct FnSource {
    name: String,
    f: Arc<AsyncFn>,
}

impl FnSource {
    /// Wraps a synchronous function.
    pub fn sync<F>(name: impl Into<String>, f: F) -> Self
    where
        F: Fn() -> Result<SecretString, CredentialErrorKind> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        FnSource {
            name: name.into(),
            f: Arc::new(move || {
                let f = f.clone();
                async move { f() }.boxed()
            }),
        }
    }

    /// Wraps an asynchronous function.
    pub fn asynchronous<F, Fut>(name: impl Into<String>, f: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<SecretString, CredentialErrorKind>> + Send + 'static,
    {
        FnSource {
            name: name.into(),
            f: Arc::new(move || f().boxed()),
        }
    }
}

impl fmt::Debug for FnSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FnSource({})", self.name)
    }
}

impl SecretSource for FnSource {
    fn describe(&self) -> String {
        self.name.clone()
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        let fut = (self.f)();
        async move {
            fut.await
                .map_err(|kind| CredentialError::new(self.name.clone(), kind))
        }
        .boxed()
    }
}
