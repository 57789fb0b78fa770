//! Auth for the generated MicroStrategy client (`bi_rest::generated::mstr`, feature `mstr`):
//! `ClientHooks<crate::auth::Auth>` through the auth core, and [`MstrClient::typed`].
//!
//! The spec declares `X-MSTR-AuthToken` as a required header parameter (as springdoc does), so
//! the generated builders ask for it: pass `""` and the auth core fills in the session's token
//! (a non-empty value is kept). `POST /auth/login` and `/auth/delegate` bypass the session.

use crate::mstr::MstrClient;

crate::bi_rest_auth_hooks!(crate::generated::mstr::Client);

impl MstrClient {
    /// The generated typed client (every operation of specs/mstr), sharing this client's
    /// session, cookies, project header and re-login.
    pub fn typed(&self) -> crate::generated::mstr::Client {
        let auth = self.auth();
        crate::generated::mstr::Client::new_with_client(
            auth.base_url(),
            auth.http_client(),
            auth.clone(),
        )
    }
}
