//! bi-rest: typed, authenticated clients for the REST APIs of enterprise analytics platforms
//! (MicroStrategy / Strategy One, Looker, AgileApps).

pub mod agileapps;
pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod credentials;
pub mod error;
pub mod generated;
pub mod looker;
#[cfg(feature = "mstr")]
pub mod mstr;

pub use error::Error;
#[cfg(feature = "sim")]
pub mod sim;
