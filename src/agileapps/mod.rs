//! AgileApps Cloud: typed XML/JSON bodies and the authenticated session layer.
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
pub mod xml;

pub use auth::{auth, AgileAppsAuthenticator};
pub use client::{
    AgileAppsClient, AgileAppsConfig, Identity, LoginMethod, RawResponse, RequestBody, Search,
    SessionKind, SESSION_COOKIE,
};
pub use error::{AgileAppsErrorMapper, Error, ErrorKind};
pub use xml::{Format, Record};
