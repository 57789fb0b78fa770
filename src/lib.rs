//! bi-rest: typed, authenticated clients for the REST APIs of enterprise analytics platforms
//! (MicroStrategy / Strategy One, Looker, AgileApps).
//!
//! Data flows one way: spec -> [`generated`] typed clients -> [`auth`] core -> vendor layers
//! ([`mstr`], [`looker`], [`agileapps`]) -> the `bi-rest` CLI. [`credentials`] are resolved at
//! every login; [`sim`] holds loopback simulators of the three vendors for tests and demos.
#![deny(missing_docs)]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzzing.rs"]
pub mod __fuzz;
pub mod agileapps;
pub mod auth;
#[cfg(feature = "blocking")]
pub mod blocking;
pub mod credentials;
pub mod error;
pub mod generated;
pub mod lenient;
pub mod looker;
#[cfg(feature = "mstr")]
pub mod mstr;
#[cfg(feature = "sim")]
pub mod sim;

pub use error::Error;
