//! The types of the static operations table of every generated client: the vendor modules of
//! [`generated`](crate::generated) and the modules your build script generates with
//! `bi_rest_generator::Build` (`my_mod::operations::{ALL, find}`) all name these, so one
//! function handles the table of any of them:
//!
//! ```
//! use bi_rest::operations::{Location, Operation};
//!
//! /// The path parameters an operation needs.
//! fn path_params(op: &Operation) -> Vec<&'static str> {
//!     op.parameters
//!         .iter()
//!         .filter(|p| p.location == Location::Path)
//!         .map(|p| p.name)
//!         .collect()
//! }
//! ```
//!
//! Defined once, in the bi-rest-operations crate (whose source bi-rest-generator also emits
//! inline into standalone modules, which depend on neither crate).

pub use bi_rest_operations::{Location, Operation, Parameter};
