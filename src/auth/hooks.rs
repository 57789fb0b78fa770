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

use tracing::Instrument;

use crate::auth::core::Auth;
use crate::auth::telemetry;

#[doc(hidden)]
pub use progenitor_client as __progenitor_client;
#[doc(hidden)]
pub use reqwest as __reqwest;

/// The `pre` hook: ensures a session exists (except for requests the vendor says need none,
/// such as its login calls).
pub async fn pre<E>(
    auth: &Auth,
    request: &mut reqwest::Request,
    info: &OperationInfo,
) -> Result<(), progenitor_client::Error<E>> {
    pre_operation(auth, request, info, None).await
}

/// [`pre`] for an operation whose spec path template is known. When tracing is on, the
/// call's span starts here (a login runs inside it) and [`exec_operation`] continues it.
pub async fn pre_operation<E>(
    auth: &Auth,
    request: &mut reqwest::Request,
    info: &OperationInfo,
    url_template: Option<&'static str>,
) -> Result<(), progenitor_client::Error<E>> {
    if auth.bypasses_session(request) {
        return Ok(());
    }
    let span = auth.call_span(request, info.operation_id, url_template);
    let ensured = if span.is_disabled() {
        auth.ensure().await
    } else {
        auth.ensure().instrument(span.clone()).await
    };
    match ensured {
        Ok(_) => {
            auth.park_span(request, span);
            Ok(())
        }
        Err(e) => {
            telemetry::record_error(&span, &e);
            Err(progenitor_client::Error::Custom(e.to_custom_message()))
        }
    }
}

/// The `exec` hook: executes with the session, renewing and replaying once on expiry. A
/// failed answer is marked with the vendor ([`VENDOR_HEADER`](crate::error::VENDOR_HEADER)) so
/// [`Error::from_progenitor`](crate::Error::from_progenitor) maps it with that vendor's rules.
pub async fn exec(
    auth: &Auth,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    exec_operation(auth, request, info, None).await
}

/// [`exec`] for an operation whose spec path template is known (recorded on the call's span
/// as `url.template`).
pub async fn exec_operation(
    auth: &Auth,
    request: reqwest::Request,
    info: &OperationInfo,
    url_template: Option<&'static str>,
) -> reqwest::Result<reqwest::Response> {
    let mut response = auth
        .execute_operation(request, info.operation_id, url_template)
        .await?;
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
///   `pre` first runs the module's `operations::raw_body_content_type`, so a raw body
///   (multipart, XML, CSV... sent as bytes) carries the spec's media type instead of
///   progenitor's `application/octet-stream`, and `exec` passes the response through the
///   module's `operations::null_for_empty_body`, so an operation whose success may or may not
///   carry a body (200 + 204) decodes an empty body as `None` instead of failing.
/// - `bi_rest_auth_hooks!(path::to::Client)`: any client shaped like progenitor's output.
#[macro_export]
macro_rules! bi_rest_auth_hooks {
    (module = $($module:ident)::+) => {
        $crate::bi_rest_auth_hooks!(
            @impl $($module)::+::Client,
            |info| $($module)::+::operations::find(info.operation_id).map(|op| op.path),
            |info, request| {
                $($module)::+::operations::raw_body_content_type(info.operation_id, request)
            },
            |info, response| {
                $($module)::+::operations::null_for_empty_body(info.operation_id, response).await
            }
        );
    };
    ($client:ty) => {
        $crate::bi_rest_auth_hooks!(
            @impl $client,
            |_info| None,
            |_info, _request| (),
            |_info, response| Ok(response)
        );
    };
    (@impl $client:ty,
        |$tinfo:ident| $template:expr,
        |$pinfo:ident, $prequest:ident| $prepare:expr,
        |$info:ident, $response:ident| $finish:expr
    ) => {
        impl $crate::auth::hooks::__progenitor_client::ClientHooks<$crate::auth::Auth> for $client {
            async fn pre<E>(
                &self,
                request: &mut $crate::auth::hooks::__reqwest::Request,
                info: &$crate::auth::hooks::__progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), $crate::auth::hooks::__progenitor_client::Error<E>> {
                let auth = <$client as $crate::auth::hooks::__progenitor_client::ClientInfo<
                    $crate::auth::Auth,
                >>::inner(self);
                {
                    let $pinfo = info;
                    let $prequest: &mut $crate::auth::hooks::__reqwest::Request = &mut *request;
                    $prepare;
                }
                let $tinfo = info;
                let template: ::std::option::Option<&'static str> = $template;
                $crate::auth::hooks::pre_operation::<E>(auth, request, info, template).await
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
                let $tinfo = info;
                let template: ::std::option::Option<&'static str> = $template;
                let $response =
                    $crate::auth::hooks::exec_operation(auth, request, info, template).await;
                let $info = info;
                match $response {
                    Ok($response) => $finish,
                    Err(e) => Err(e),
                }
            }
        }
    };
}

/// A generated client whose calls run in an [`Auth`] session: implemented by
/// [`generated_client!`](crate::generated_client) for your own module and by the clients bi-rest
/// ships. Get one with [`Auth::generated`], `MstrClient::generated`, `LookerClient::generated`
/// or `AgileAppsClient::generated`.
pub trait GeneratedClient: Sized {
    /// The client on `auth`'s session, rooted at `auth`'s base URL.
    fn from_auth(auth: &Auth) -> Self;
}

impl Auth {
    /// A generated client (`C` from [`generated_client!`](crate::generated_client)) whose calls
    /// run in this session: same token, cookies, single-flight re-login and tracing.
    pub fn generated<C: GeneratedClient>(&self) -> C {
        C::from_auth(self)
    }
}

/// Includes a module generated by `bi_rest_generator::Build` in a build script
/// (`$OUT_DIR/<name>.rs`) and attaches bi-rest's auth to its client: the one line of a crate
/// that generates its own spec.
///
/// ```ignore
/// bi_rest::generated_client!(pub mod my_mstr);
/// let api = mstr_client.generated::<my_mstr::Client>();
/// let answer = api.my_operation().send().await?;
/// ```
///
/// Implements the auth hooks (lazy login, session headers, re-login and replay, a tracing
/// span per call with the operation's path template) and [`GeneratedClient`] for
/// `<name>::Client`. The generated code names its crates through `bi_rest::__private`, so the
/// crate needs no dependency besides `bi-rest`.
#[macro_export]
macro_rules! generated_client {
    ($(#[$attr:meta])* $vis:vis mod $name:ident) => {
        $(#[$attr])*
        #[allow(
            clippy::all,
            clippy::pedantic,
            dead_code,
            unused_imports,
            missing_docs,
            unreachable_pub,
            rustdoc::all
        )]
        $vis mod $name {
            include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));
        }
        $crate::bi_rest_auth_hooks!(module = $name);
        $crate::bi_rest_generated_client!($name::Client);
    };
}

/// Implements [`GeneratedClient`] for a progenitor client generated with inner type
/// `bi_rest::auth::Auth` (done by [`generated_client!`](crate::generated_client)).
#[macro_export]
#[doc(hidden)]
macro_rules! bi_rest_generated_client {
    ($client:ty) => {
        impl $crate::auth::hooks::GeneratedClient for $client {
            fn from_auth(auth: &$crate::auth::Auth) -> Self {
                <$client>::new_with_client(auth.base_url(), auth.http_client(), auth.clone())
            }
        }
    };
}
