//! bi-rest generator: loads OpenAPI 3.0/3.1 and Swagger 2.0 specs, normalises what progenitor
//! cannot take, subsets, and generates typed Rust clients.

pub mod error;
pub mod load;

pub use error::{ErrorKind, GenError, Result};
