//! The fixed part of the `pub mod xml` emitted into generated modules: shape types, the XML
//! writer (serde -> `serde_json::Value` -> quick-xml events) and reader (quick-xml events -> a
//! small element tree -> `serde_json::Value` guided by the schema -> serde), and the response
//! helpers the per-operation `<op>_xml` functions use. The source is runtime/xml.rs, a real Rust
//! file compiled and tested by tests/runtime.rs; it is emitted inside the generated module
//! (bi-rest and standalone crates alike).

/// Rust source of the runtime items (placed inside `pub mod xml { ... }`).
pub const RUNTIME: &str = include_str!("../runtime/xml.rs");
