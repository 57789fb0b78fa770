//! AgileApps Cloud: typed XML/JSON bodies and the authenticated session layer.
//!
//! Two ways in:
//! - [`AgileAppsClient`]: every login kind (password, SAML, customer support into a tenant) and
//!   proxy login as another user with switch back, as a stack of sessions; [`AgileAppsClient::whoami`],
//!   [`AgileAppsClient::stack`] and [`RawResponse::ran_as`] say whose session a call runs in.
//!   The session travels as the `JSESSIONID` cookie; "user not logged in" (-101) on a password or
//!   customer support session logs in again once (single-flight) and replays the call; proxy and
//!   SAML sessions fail with `SessionExpired`. [`AgileAppsClient::close`] switches back and logs
//!   out.
//! - [`auth()`] / [`AgileAppsAuthenticator`]: the shared auth core ([`crate::auth::Auth`]) for
//!   one session, which is also what the generated client (`bi_rest::generated::agileapps`,
//!   feature `agileapps`, `Client::with_auth`) runs on.
//!
//! Failures are [`crate::Error`]s keeping the platform code and description ([`error`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), bi_rest::Error> {
//! use bi_rest::agileapps::{AgileAppsClient, AgileAppsConfig, LoginMethod, Search};
//! use bi_rest::credentials::Credential;
//! let config = AgileAppsConfig::new("https://example.agileappscloud.com")?;
//! let client = AgileAppsClient::login(
//!     config,
//!     LoginMethod::Password {
//!         user_name: "jim@acme.com".into(),
//!         password: Credential::Value("secret".to_string().into()),
//!     },
//! )
//! .await?;
//! let cases = client.search_records("case", &Search::default()).await?;
//! println!("{} cases as {:?}", cases.record.len(), client.whoami().and_then(|i| i.user_name));
//! client.close().await?;
//! # Ok(()) }
//! ```

pub mod auth;
mod client;
pub mod error;
pub(crate) mod login_answer;
mod login_request;
pub mod xml;

pub use auth::{auth, AgileAppsAuthenticator};
pub use client::{
    AgileAppsClient, AgileAppsConfig, Identity, LoginMethod, RawResponse, RequestBody, Search,
    SessionKind, SESSION_COOKIE,
};
pub use error::{AgileAppsErrorMapper, Error, ErrorKind};
pub use xml::{Format, Record};
