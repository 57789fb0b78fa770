//! The blocking Looker client.

use std::future::Future;

use reqwest::Method;
use serde::de::DeserializeOwned;

use super::{typed, Rt};
use crate::error::Error;
use crate::looker::LookerSettings;

/// A blocking Looker client (see [`crate::blocking`]).
#[derive(Debug)]
pub struct LookerClient {
    inner: crate::looker::LookerClient,
    rt: Rt,
}

impl LookerClient {
    /// A client for `settings` (no network call).
    pub fn new(settings: LookerSettings) -> Result<LookerClient, Error> {
        let rt = Rt::new()?;
        let inner = {
            let _guard = rt.enter();
            crate::looker::LookerClient::new(settings)?
        };
        Ok(LookerClient { inner, rt })
    }

    /// The async client underneath (its futures must run on [`LookerClient::run`]).
    pub fn as_async(&self) -> &crate::looker::LookerClient {
        &self.inner
    }

    /// Logs in now (calls also log in lazily).
    pub fn login(&self) -> Result<(), Error> {
        self.rt.block_on(self.inner.login())
    }

    /// `GET /user`: the user this session acts as.
    pub fn me(&self) -> Result<serde_json::Value, Error> {
        self.rt.block_on(self.inner.me())
    }

    /// A typed call through the generated 4.0 client on this session.
    pub fn api<T, E, F, Fut>(&self, f: F) -> Result<T, Error>
    where
        F: FnOnce(crate::generated::looker_4_0::Client) -> Fut,
        Fut: Future<
            Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
        >,
        E: serde::Serialize,
    {
        let api = self.inner.generated_4_0();
        self.rt.block_on(async move { typed(f(api).await).await })
    }

    /// A raw authenticated call under the API root, decoded from JSON.
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
        self.rt.block_on(self.inner.call_json(request))
    }

    /// Sudo: a client acting as `user_id` on the same runtime; closing it ends only that token.
    pub fn login_user(&self, user_id: &str) -> Result<LookerClient, Error> {
        let inner = self.rt.block_on(self.inner.login_user(user_id))?;
        Ok(LookerClient {
            inner,
            rt: self.rt.clone(),
        })
    }

    /// Runs any future of the async layer on this client's runtime.
    pub fn run<F: Future>(&self, fut: F) -> F::Output {
        self.rt.block_on(fut)
    }

    /// Logs the token out (`DELETE /logout`). Idempotent; dropping the client does it too.
    pub fn close(&self) -> Result<(), Error> {
        self.rt.block_on(self.inner.close())
    }
}

impl Drop for LookerClient {
    fn drop(&mut self) {
        if !self.inner.is_closed() {
            let _ = self.rt.block_on_if_outside(self.inner.close());
        }
    }
}
