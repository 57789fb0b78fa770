//! The blocking MicroStrategy client.

use std::future::Future;
use std::path::Path;

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::{typed, Rt};
use crate::auth::SessionInfo;
use crate::error::Error;
use crate::mstr::{MstrClientBuilder, MstrProject, MstrUserInfo, ProjectRef};

/// A blocking MicroStrategy / Strategy One client (see [`crate::blocking`]).
#[derive(Debug)]
pub struct MstrClient {
    inner: crate::mstr::MstrClient,
    rt: Rt,
}

impl MstrClient {
    /// Builds the client from an async builder (no network call).
    pub fn new(builder: MstrClientBuilder) -> Result<MstrClient, Error> {
        let rt = Rt::new()?;
        let inner = {
            let _guard = rt.enter();
            builder.build()?
        };
        Ok(MstrClient { inner, rt })
    }

    /// The async client underneath (its futures must run on [`MstrClient::run`]).
    pub fn as_async(&self) -> &crate::mstr::MstrClient {
        &self.inner
    }

    /// Logs in now (calls also log in lazily).
    pub fn login(&self) -> Result<SessionInfo, Error> {
        self.rt.block_on(self.inner.login())
    }

    /// Selects the project for project-scoped calls; returns its id.
    pub fn select_project(&self, project: ProjectRef) -> Result<String, Error> {
        self.rt.block_on(self.inner.select_project(project))
    }

    /// The projects the user can see.
    pub fn projects(&self) -> Result<Vec<MstrProject>, Error> {
        self.rt.block_on(self.inner.projects())
    }

    /// The logged-in user.
    pub fn user_info(&self) -> Result<MstrUserInfo, Error> {
        self.rt.block_on(self.inner.user_info())
    }

    /// A typed call through the generated client on this session: `f` gets the client and
    /// returns the builder's `send()` future; the answer comes back decoded (the session sends
    /// the token and the selected project).
    pub fn api<T, E, F, Fut>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(crate::generated::mstr::Client) -> Fut,
        Fut: Future<
            Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
        >,
        E: serde::Serialize,
    {
        let api = self.inner.typed();
        self.rt.block_on(async move { typed(f(api).await).await })
    }

    /// A raw authenticated call: `method` `path` (under the API root) with an optional JSON
    /// body; a success is decoded from JSON, a failure is the typed error.
    pub fn send_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, Error> {
        let mut request = self.inner.request(method, path);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.rt.block_on(self.inner.send_json(request))
    }

    /// Runs any future of the async layer on this client's runtime.
    pub fn run<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    /// Saves the session to `path` (mode 0600).
    pub fn save_session(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        self.rt.block_on(self.inner.save_session(path))
    }

    /// Continues a saved session without logging in.
    pub fn restore_session(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        self.inner.restore_session(path)
    }

    /// Logs out. Idempotent; dropping the client does it too.
    pub fn close(&self) -> Result<(), Error> {
        self.rt.block_on(self.inner.close())
    }
}

impl Drop for MstrClient {
    fn drop(&mut self) {
        if !self.inner.auth().is_closed() {
            let _ = self.rt.block_on_if_outside(self.inner.close());
        }
    }
}
