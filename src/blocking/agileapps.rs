//! The blocking AgileApps client.

use reqwest::Method;

use super::Rt;
use crate::agileapps::xml::RecordListResponse;
use crate::agileapps::{AgileAppsConfig, Identity, LoginMethod, RawResponse, Record, Search};
use crate::error::Error;

/// A blocking AgileApps client (see [`crate::blocking`]).
#[derive(Debug)]
pub struct AgileAppsClient {
    inner: Option<crate::agileapps::AgileAppsClient>,
    rt: Rt,
}

impl AgileAppsClient {
    /// Logs in with `method` (password, SAML, customer support).
    pub fn login(config: AgileAppsConfig, method: LoginMethod) -> Result<AgileAppsClient, Error> {
        let rt = Rt::new()?;
        let inner = rt.block_on(crate::agileapps::AgileAppsClient::login(config, method))?;
        Ok(AgileAppsClient {
            inner: Some(inner),
            rt,
        })
    }

    fn client(&self) -> Result<&crate::agileapps::AgileAppsClient, Error> {
        self.inner
            .as_ref()
            .ok_or_else(|| Error::new(crate::error::ErrorKind::Other, "the client is closed"))
    }

    /// Whose session calls run in now.
    pub fn whoami(&self) -> Option<Identity> {
        self.inner.as_ref().and_then(|c| c.whoami())
    }

    /// Searches the records of `object` (typed XML or JSON per the config).
    pub fn search_records(
        &self,
        object: &str,
        search: &Search,
    ) -> Result<RecordListResponse, Error> {
        let client = self.client()?;
        self.rt.block_on(client.search_records(object, search))
    }

    /// Reads one record (`field_list` empty: all fields).
    pub fn get_record(&self, object: &str, id: &str, field_list: &[&str]) -> Result<Record, Error> {
        let client = self.client()?;
        self.rt.block_on(client.get_record(object, id, field_list))
    }

    /// Adds a record; returns its id.
    pub fn add_record(&self, object: &str, record: &Record) -> Result<String, Error> {
        let client = self.client()?;
        self.rt.block_on(client.add_record(object, record))
    }

    /// Deletes a record.
    pub fn delete_record(&self, object: &str, id: &str) -> Result<(), Error> {
        let client = self.client()?;
        self.rt.block_on(client.delete_record(object, id))
    }

    /// A raw authenticated call to `path` (e.g. `/networking/rest/user`).
    pub fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
    ) -> Result<RawResponse, Error> {
        let client = self.client()?;
        self.rt.block_on(client.request(method, path, query, None))
    }

    /// Proxy login as `user_id`; calls run as that user until [`AgileAppsClient::switch_back`].
    pub fn proxy_login(&self, user_id: &str) -> Result<Identity, Error> {
        let client = self.client()?;
        self.rt.block_on(client.proxy_login(user_id))
    }

    /// Leaves the current proxy login.
    pub fn switch_back(&self) -> Result<Identity, Error> {
        let client = self.client()?;
        self.rt.block_on(client.switch_back())
    }

    /// Switches back from proxy logins and logs out. Idempotent; dropping does it too.
    pub fn close(&mut self) -> Result<(), Error> {
        match self.inner.take() {
            Some(client) => self.rt.block_on(client.close()),
            None => Ok(()),
        }
    }
}

impl Drop for AgileAppsClient {
    fn drop(&mut self) {
        if let Some(client) = self.inner.take() {
            let _ = self.rt.block_on_if_outside(client.close());
        }
    }
}
