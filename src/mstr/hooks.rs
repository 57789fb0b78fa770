//! Auth for the generated MicroStrategy client (`bi_rest::generated::mstr`, feature `mstr`):
//! `ClientHooks<crate::auth::Auth>` through the auth core, and [`MstrClient::typed`].
//!
//! The spec declares `X-MSTR-AuthToken` and `X-MSTR-ProjectID` as header parameters (as
//! springdoc does); the generator leaves them out of the signatures (they are the vendor's
//! session headers) and the auth core sends the session's token and selected project on every
//! call. `POST /auth/login` and `/auth/delegate` bypass the session.

use crate::mstr::MstrClient;

crate::bi_rest_auth_hooks!(module = crate::generated::mstr);

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
