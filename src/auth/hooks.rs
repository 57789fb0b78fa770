//! The glue between progenitor-generated clients and the auth core.
//!
//! A generated client built `with_inner_type(crate::auth::Auth)` gets its hooks in one line:
//!
//! ```ignore
//! bi_rest::bi_rest_auth_hooks!(crate::generated::mstr::Client);
//! let client = crate::generated::mstr::Client::new_with_client(
//!     auth.base_url(), auth.http_client(), auth.clone());
//! ```
//!
//! `pre` makes sure a session exists (logging in lazily; a failure becomes
//! `progenitor_client::Error::Custom` with a tagged, secret-free message that
//! `bi_rest::Error::from` turns back into the right kind). `exec` runs [`Auth::execute`]:
//! decorate, send, detect an expired session, single-flight re-login, replay once.

use progenitor_client::OperationInfo;

use crate::auth::core::Auth;

#[doc(hidden)]
pub use progenitor_client as __progenitor_client;
#[doc(hidden)]
pub use reqwest as __reqwest;

/// The `pre` hook: ensures a session exists (except for requests the vendor says need none,
/// such as its login calls).
pub async fn pre<E>(
    auth: &Auth,
    request: &mut reqwest::Request,
    _info: &OperationInfo,
) -> Result<(), progenitor_client::Error<E>> {
    if auth.bypasses_session(request) {
        return Ok(());
    }
    auth.ensure()
        .await
        .map(|_| ())
        .map_err(|e| progenitor_client::Error::Custom(e.to_custom_message()))
}

/// The `exec` hook: executes with the session, renewing and replaying once on expiry. A
/// failed answer is marked with the vendor ([`VENDOR_HEADER`](crate::error::VENDOR_HEADER)) so
/// [`Error::from_progenitor`](crate::Error::from_progenitor) maps it with that vendor's rules.
pub async fn exec(
    auth: &Auth,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    let mut response = auth.execute(request, info.operation_id).await?;
    if !response.status().is_success() {
        crate::error::mark_vendor(response.headers_mut(), auth.vendor());
    }
    Ok(response)
}

/// Implements `progenitor_client::ClientHooks<bi_rest::auth::Auth>` for a generated client
/// type (generated `with_inner_type(crate::auth::Auth)`), wiring `pre` and `exec` to the auth
/// core. Use once per generated client.
///
/// - `bi_rest_auth_hooks!(module = crate::generated::mstr)`: for a bi-rest generated module;
///   `exec` also passes the response through the module's
///   `operations::null_for_empty_body`, so an operation whose success may or may not carry a
///   body (200 + 204) decodes an empty body as `None` instead of failing.
/// - `bi_rest_auth_hooks!(path::to::Client)`: any client shaped like progenitor's output.
#[macro_export]
macro_rules! bi_rest_auth_hooks {
    (module = $($module:ident)::+) => {
        $crate::bi_rest_auth_hooks!(@impl $($module)::+::Client, |info, response| {
            $($module)::+::operations::null_for_empty_body(info.operation_id, response).await
        });
    };
    ($client:ty) => {
        $crate::bi_rest_auth_hooks!(@impl $client, |_info, response| Ok(response));
    };
    (@impl $client:ty, |$info:ident, $response:ident| $finish:expr) => {
        impl $crate::auth::hooks::__progenitor_client::ClientHooks<$crate::auth::Auth> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::auth::hooks::__reqwest::Request,
                info: &$crate::auth::hooks::__progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::auth::hooks::__progenitor_client::Error<E>> {
                let auth = <$client as $crate::auth::hooks::__progenitor_client::ClientInfo<
                    $crate::auth::Auth,
                >>::inner(self);
                $crate::auth::hooks::pre::<E>(auth, request, info).await
            }

            async fn exec(
                &self,
                request: $crate::auth::hooks::__reqwest::Request,
                info: &$crate::auth::hooks::__progenitor_client::OperationInfo,
            ) -> $crate::auth::hooks::__reqwest::Result<$crate::auth::hooks::__reqwest::Response>
            {
                let auth = <$client as $crate::auth::hooks::__progenitor_client::ClientInfo<
                    $crate::auth::Auth,
                >>::inner(self);
                let $response = $crate::auth::hooks::exec(auth, request, info).await;
                let $info = info;
                match $response {
                    Ok($response) => $finish,
                    Err(e) => Err(e),
                }
            }
        }
    };
}
