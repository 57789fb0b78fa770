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
pub mod mstr;
pub mod operations;
#[cfg(feature = "sim")]
pub mod sim;

pub use error::Error;

/// The crates generated code names, re-exported so that a crate generating its own spec with
/// `bi_rest_generator::Build` (which writes `::bi_rest::__private::serde::...` instead of
/// `::serde::...`) needs no dependency besides `bi-rest`. Not a public API: versions follow
/// bi-rest's own dependencies.
#[doc(hidden)]
pub mod __private {
    pub use bytes;
    pub use chrono;
    pub use futures;
    pub use futures_core;
    pub use http;
    pub use progenitor_client;
    pub use quick_xml;
    pub use regress;
    pub use reqwest;
    pub use serde;
    pub use serde_json;
    pub use uuid;
}
