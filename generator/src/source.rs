//! Reading a spec file into a JSON value (OpenAPI 3.0 JSON only; the full loader with YAML,
//! Swagger 2.0 and 3.1 lives in `load/`).

use crate::error::{ErrorKind, GenError, Result};
use serde_json::Value;
use std::path::Path;

/// Reads an OpenAPI 3.0 JSON document.
pub fn read(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| GenError::io(path, &e))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        GenError::new(
            ErrorKind::Parse,
            format!("line {} column {}: {e}", e.line(), e.column()),
        )
        .with_file(path)
    })?;
    match v.get("openapi").and_then(Value::as_str) {
        Some(s) if s.starts_with("3.0") => Ok(v),
        _ => Err(GenError::new(
            ErrorKind::UnsupportedVersion,
            "expected an OpenAPI 3.0 document",
        )
        .with_file(path)
        .with_pointer("/openapi")),
    }
}
