//! The MicroStrategy / Strategy One layer: login modes, session machinery and error mapping
//! on top of the auth core.

pub mod errors;
