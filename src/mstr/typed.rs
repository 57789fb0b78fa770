//! The generated MicroStrategy client ([`crate::generated::mstr::Client`]) wired to a
//! [`MstrClient`]'s session: [`MstrClient::api`].
//!
//! The spec declares `X-MSTR-AuthToken` (and, on project-scoped operations,
//! `X-MSTR-ProjectID`) as required header parameters, so the generated builders insist on a
//! value. Pass [`FROM_SESSION`]: the `pre` hook removes the token header the caller set (the
//! session's current token always wins, so a call replayed after a re-login carries the new
//! token) and removes an empty project header (the selected project is then sent).

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};

use super::client::MstrClient;
use super::login::{AUTH_TOKEN_HEADER, PROJECT_ID_HEADER};
use crate::auth::Auth;
use crate::generated::mstr::Client;

/// The value to give the generated builders' required `x_mstr_auth_token(..)` and
/// `x_mstr_project_id(..)`: the session fills in the real token and the selected project.
pub const FROM_SESSION: &str = "";

impl ClientHooks<Auth> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        let headers = request.headers_mut();
        headers.remove(AUTH_TOKEN_HEADER);
        if headers
            .get(PROJECT_ID_HEADER)
            .is_some_and(|v| v.as_bytes().is_empty())
        {
            headers.remove(PROJECT_ID_HEADER);
        }
        crate::auth::hooks::pre::<E>(self.inner(), request, info).await
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        crate::auth::hooks::exec(self.inner(), request, info).await
    }
}

impl MstrClient {
    /// The generated, typed client on this session: every operation of the spec, with the
    /// session's token, cookies and project, lazy login, and one re-login + replay when the
    /// session expired. Pass [`FROM_SESSION`] where a builder requires the token or project.
    pub fn api(&self) -> Client {
        let auth = self.auth();
        Client::new_with_client(auth.base_url(), auth.http_client(), auth.clone())
    }
}
