//! bi-rest generator (work in progress).
