//! Local simulators of the vendor servers, for tests and demos (feature `sim`, loopback only).

pub mod agileapps;
