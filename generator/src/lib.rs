//! bi-rest generator (work in progress).
pub mod load;
