//! A blocking facade for scripts that do not want async (feature `blocking`), in the manner of
//! `reqwest::blocking`: each client owns an internal current-thread Tokio runtime and blocks
//! on it for every call.
//!
//! - [`MstrClient`]: login, project selection, typed calls through the generated client
//!   ([`MstrClient::api`]), raw calls ([`MstrClient::send_json`]), logout.
//! - [`LookerClient`]: the same for Looker (typed calls through the generated 4.0 client),
//!   plus sudo.
//! - [`AgileAppsClient`]: login, typed XML record calls, raw calls, proxy login, logout.
//!
//! Do not use these from inside an async runtime (blocking there panics, as with
//! `reqwest::blocking`). Background work of the async layer (MicroStrategy keep-alive) only
//! runs while a call is in progress; an expired session is still renewed once and the call
//! replayed. Dropping a client logs its session out.
//!
//! ```no_run
//! use bi_rest::blocking::MstrClient;
//! use bi_rest::credentials::Credential;
//!
//! # fn main() -> Result<(), bi_rest::Error> {
//! let client = MstrClient::new(
//!     bi_rest::mstr::MstrClient::builder("https://host/MicroStrategyLibrary/api")
//!         .standard("administrator", Credential::parse("env:MSTR_PASSWORD")?),
//! )?;
//! client.login()?;
//! let projects = client.api(|api| async move {
//!     api.get_projects_1().send().await
//! })?;
//! println!("{} projects", projects.len());
//! client.close()?;
//! # Ok(()) }
//! ```

#[cfg(feature = "agileapps")]
mod agileapps;
#[cfg(feature = "looker-4_0")]
mod looker;
#[cfg(feature = "mstr")]
mod mstr;

#[cfg(feature = "agileapps")]
pub use self::agileapps::AgileAppsClient;
#[cfg(feature = "looker-4_0")]
pub use self::looker::LookerClient;
#[cfg(feature = "mstr")]
pub use self::mstr::MstrClient;

use std::future::Future;
use std::sync::Arc;

use crate::error::{Error, ErrorKind};

/// The internal runtime shared by a client and the clients derived from it (e.g. sudo).
#[derive(Debug, Clone)]
pub(crate) struct Rt(Arc<tokio::runtime::Runtime>);

impl Rt {
    pub(crate) fn new() -> Result<Rt, Error> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|rt| Rt(Arc::new(rt)))
            .map_err(|e| Error::new(ErrorKind::Config, format!("cannot start a runtime: {e}")))
    }

    /// Runs a future to completion on the internal runtime.
    pub(crate) fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.0.block_on(fut)
    }

    /// Runs `fut` unless the caller is inside another runtime (drop paths must not panic).
    pub(crate) fn block_on_if_outside<F: Future>(&self, fut: F) -> Option<F::Output> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return None;
        }
        Some(self.0.block_on(fut))
    }

    /// Enters the runtime (for constructors that may need a runtime context).
    pub(crate) fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.0.enter()
    }
}

/// Converts a generated client's result into the typed value or the crate's error (reading
/// the body of an unexpected answer so the vendor detail is kept).
pub(crate) async fn typed<T, E: serde::Serialize>(
    result: Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
) -> Result<T, Error> {
    match result {
        Ok(value) => Ok(value.into_inner()),
        Err(e) => Err(Error::from_progenitor(e).await),
    }
}
