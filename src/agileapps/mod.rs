//! AgileApps Cloud: typed bodies and the authenticated session layer.

pub mod xml;
