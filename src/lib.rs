//! bi-rest: typed, authenticated clients for the REST APIs of enterprise analytics platforms
//! (MicroStrategy / Strategy One, Looker, AgileApps).

pub mod agileapps;
pub mod credentials;
pub mod generated;
#[cfg(feature = "sim")]
pub mod sim;
