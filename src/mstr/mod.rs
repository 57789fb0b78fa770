//! The MicroStrategy / Strategy One layer on the auth core: every documented login mode
//! (standard, LDAP, anonymous, API token, identity-token delegation), the token + cookie
//! rule, project selection, session calls, keep-alive, save/restore and typed errors.
//!
//! ```no_run
//! # async fn demo() -> Result<(), bi_rest::Error> {
//! use bi_rest::credentials::Credential;
//! use bi_rest::mstr::MstrClient;
//! let client = MstrClient::builder("https://host/MicroStrategyLibrary/api")
//!     .standard("administrator", Credential::value("secret"))
//!     .project_name("MicroStrategy Tutorial")
//!     .build()?;
//! client.login().await?;
//! let me = client.user_info().await?;
//! client.close().await?;
//! # let _ = me; Ok(()) }
//! ```

pub mod client;
pub mod errors;
pub mod login;
pub mod types;
mod typed;

pub use self::client::{MstrClient, MstrClientBuilder};
pub use self::errors::{map_error, MstrErrorMapper};
pub use self::login::{
    LoginMode, MstrAuthenticator, AUTH_TOKEN_HEADER, IDENTITY_TOKEN_HEADER, PROJECT_ID_HEADER,
};
pub use self::typed::FROM_SESSION;
pub use self::types::{
    IdentityTokenInfo, MstrPrivilege, MstrProject, MstrSessionDetails, MstrUserInfo, ProjectRef,
};
