//! Auth for the generated MicroStrategy client (`bi_rest::generated::mstr`, feature `mstr`):
//! `ClientHooks<crate::auth::Auth>` through the auth core, `MstrClient::typed`, and
//! [`MstrClient::generated`] for any generated client (always available).
//!
//! The spec declares `X-MSTR-AuthToken` and `X-MSTR-ProjectID` as header parameters (as
//! springdoc does); the generator leaves them out of the signatures (they are the vendor's
//! session headers) and the auth core sends the session's token and selected project on every
//! call. `POST /auth/login` and `/auth/delegate` bypass the session.

use crate::auth::GeneratedClient;
use crate::mstr::MstrClient;

#[cfg(feature = "mstr")]
crate::bi_rest_auth_hooks!(module = crate::generated::mstr);

impl MstrClient {
    /// A generated client on this session: your own module from
    /// [`generated_client!`](crate::generated_client) (e.g. `generated::<my_mstr::Client>()`)
    /// or a shipped one. It shares the session, cookies, project header and re-login.
    pub fn generated<C: GeneratedClient>(&self) -> C {
        C::from_auth(self.auth())
    }

    #[cfg(feature = "mstr")]
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
