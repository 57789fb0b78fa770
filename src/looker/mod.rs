//! Looker: settings compatible with the official SDKs, the auth layer on the shared core, typed
//! errors, and the glue for the generated 3.0 / 3.1 / 4.0 clients.

pub mod errors;
pub mod settings;

pub use errors::{ErrorBody, LookerErrorBody, ValidationErrorBody, ValidationErrorDetail};
pub use settings::{ApiVersion, LookerSettings, SettingsError};
pub mod error;
pub mod session;

pub use error::{LookerError, LookerErrorKind};
pub use session::{LookerClient, LookerClientBuilder, RetryPolicy};
