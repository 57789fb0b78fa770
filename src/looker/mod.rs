//! Looker: settings compatible with the official SDKs, the auth layer on the shared core
//! ([`crate::auth`]), typed errors, and the glue for the generated 3.0 / 3.1 / 4.0 clients.

pub mod auth;
pub mod errors;
mod hooks;
pub mod session;
pub mod settings;

pub use auth::{map_looker_error, LookerAuthenticator};
pub use errors::{ErrorBody, LookerErrorBody, ValidationErrorBody, ValidationErrorDetail};
pub use session::{LookerClient, LookerClientBuilder, DEFAULT_REFRESH_LAG};
pub use settings::{ApiVersion, LookerSettings, SettingsError};
