//! Loading: any spec file (OpenAPI 3.0.x, OpenAPI 3.1.x or Swagger 2.0; JSON or YAML) becomes
//! one OpenAPI 3.0 document as a `serde_json::Value`, plus notes on what the conversion changed.
//!
//! The normalisation passes take the document from here. Loading never panics: anything that
//! is not a spec is a [`LoadError`] naming the file and JSON pointer.

pub mod bundle;
pub mod error;
pub mod json_yaml;
pub mod oas30;
pub mod oas31;
pub mod pointer;
pub mod swagger2;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use error::{LoadError, LoadErrorKind};
pub use json_yaml::Syntax;

/// The OpenAPI version written in `openapi` after loading.
pub const TARGET_OPENAPI_VERSION: &str = "3.0.3";

/// The version a spec was written in before loading converted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecVersion {
    /// Swagger 2.0 (converted to OpenAPI 3.0).
    Swagger2,
    /// OpenAPI 3.0.x (passed through).
    OpenApi30,
    /// OpenAPI 3.1.x (lowered to OpenAPI 3.0).
    OpenApi31,
}

/// One change the conversion made, at a JSON pointer into the ORIGINAL document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadNote {
    /// JSON pointer (RFC 6901) into the original document.
    pub pointer: String,
    /// A stable short name of the rule that made the change (e.g. `type-array-null`).
    pub rule: &'static str,
    /// What was changed, for humans.
    pub message: String,
}

impl LoadNote {
    /// A note for `rule` at `pointer`.
    pub fn new(pointer: impl Into<String>, rule: &'static str, message: impl Into<String>) -> Self {
        LoadNote {
            pointer: pointer.into(),
            rule,
            message: message.into(),
        }
    }
}

/// A loaded spec: an OpenAPI 3.0 document and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedSpec {
    /// The document, OpenAPI 3.0.x (`openapi` is 3.0.x).
    pub document: Value,
    /// The file it was read from (or the origin name given to [`load_str`]).
    pub source: PathBuf,
    /// The version the file was written in.
    pub original_version: SpecVersion,
    /// The syntax the file was written in.
    pub syntax: Syntax,
    /// What the conversion changed, in document order per rule.
    pub notes: Vec<LoadNote>,
    /// The files read: the spec itself, then every file an external `$ref` reached (empty
    /// for [`load_str`] and [`load_value`]).
    pub files: Vec<PathBuf>,
}

/// Read and load the spec file at `path`.
pub fn load_path(path: &Path) -> Result<LoadedSpec, LoadError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| LoadError::io(&origin, &e))?;
    let mut bundle_notes = Vec::new();
    let (mut value, syntax) = json_yaml::parse_noted(&text, &origin, &mut bundle_notes)?;
    let mut files = vec![path.to_path_buf()];
    if bundle::has_external_refs(&value) {
        files.extend(bundle::bundle(&mut value, path, &mut bundle_notes)?);
    }
    let mut spec = load_value(value, &origin, syntax)?;
    bundle_notes.append(&mut spec.notes);
    spec.notes = bundle_notes;
    spec.source = path.to_path_buf();
    spec.files = files;
    Ok(spec)
}

/// Load a spec from `text`; `origin` names it in errors (usually the file path).
pub fn load_str(text: &str, origin: &str) -> Result<LoadedSpec, LoadError> {
    let mut parse_notes = Vec::new();
    let (value, syntax) = json_yaml::parse_noted(text, origin, &mut parse_notes)?;
    let mut spec = load_value(value, origin, syntax)?;
    parse_notes.append(&mut spec.notes);
    spec.notes = parse_notes;
    Ok(spec)
}

/// Load an already parsed document (`syntax` is only recorded).
pub fn load_value(value: Value, origin: &str, syntax: Syntax) -> Result<LoadedSpec, LoadError> {
    let version = detect_version(&value, origin)?;
    let mut notes = Vec::new();
    let document = match version {
        SpecVersion::Swagger2 => swagger2::convert(value, origin, &mut notes)?,
        SpecVersion::OpenApi31 => oas31::lower(value, origin, &mut notes)?,
        SpecVersion::OpenApi30 => {
            let mut v = value;
            if let Some(obj) = v.as_object_mut() {
                if let Some(n @ Value::Number(_)) = obj.get("openapi").cloned() {
                    notes.push(LoadNote::new(
                        "/openapi",
                        "version-number",
                        format!("`openapi` was the number {n}; written as the string \"3.0.3\""),
                    ));
                    obj.insert("openapi".into(), Value::from(TARGET_OPENAPI_VERSION));
                }
            }
            oas30::repair(&mut v, &mut notes);
            v
        }
    };
    Ok(LoadedSpec {
        document,
        source: PathBuf::from(origin),
        original_version: version,
        syntax,
        notes,
        files: Vec::new(),
    })
}

/// Which version a parsed document declares; an error if it is not a spec this loader reads.
pub fn detect_version(value: &Value, origin: &str) -> Result<SpecVersion, LoadError> {
    let Some(obj) = value.as_object() else {
        return Err(LoadError::new(
            LoadErrorKind::NotASpec,
            origin,
            "",
            format!("the document is {}, not an object", kind_name(value)),
        ));
    };
    if let Some(v) = obj.get("openapi") {
        let text = version_text(v).ok_or_else(|| {
            LoadError::new(
                LoadErrorKind::UnsupportedVersion,
                origin,
                "/openapi",
                format!("`openapi` must be a version string, found {}", kind_name(v)),
            )
        })?;
        return if text == "3.0" || text.starts_with("3.0.") {
            Ok(SpecVersion::OpenApi30)
        } else if text == "3.1" || text.starts_with("3.1.") {
            Ok(SpecVersion::OpenApi31)
        } else {
            Err(LoadError::new(
                LoadErrorKind::UnsupportedVersion,
                origin,
                "/openapi",
                format!("OpenAPI version {text:?} is not supported (supported: 3.0.x, 3.1.x, Swagger 2.0)"),
            ))
        };
    }
    if let Some(v) = obj.get("swagger") {
        return match version_text(v).as_deref() {
            Some("2.0") | Some("2") => Ok(SpecVersion::Swagger2),
            Some(other) => Err(LoadError::new(
                LoadErrorKind::UnsupportedVersion,
                origin,
                "/swagger",
                format!("Swagger version {other:?} is not supported (only \"2.0\")"),
            )),
            None => Err(LoadError::new(
                LoadErrorKind::UnsupportedVersion,
                origin,
                "/swagger",
                format!("`swagger` must be \"2.0\", found {}", kind_name(v)),
            )),
        };
    }
    Err(LoadError::new(
        LoadErrorKind::NotASpec,
        origin,
        "",
        "no `openapi` or `swagger` version field at the document root",
    ))
}

/// A version field as text; YAML turns an unquoted `2.0` / `3.0` into a number.
fn version_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => {
            let s = n.to_string();
            Some(if s.contains('.') { s } else { format!("{s}.0") })
        }
        _ => None,
    }
}

/// A short name of a JSON value's kind for messages.
pub(crate) fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_are_detected() {
        let o = "t";
        assert_eq!(
            detect_version(&json!({"openapi": "3.0.3"}), o).unwrap(),
            SpecVersion::OpenApi30
        );
        assert_eq!(
            detect_version(&json!({"openapi": "3.1.0"}), o).unwrap(),
            SpecVersion::OpenApi31
        );
        assert_eq!(
            detect_version(&json!({"swagger": "2.0"}), o).unwrap(),
            SpecVersion::Swagger2
        );
        assert_eq!(
            detect_version(&json!({"swagger": 2.0}), o).unwrap(),
            SpecVersion::Swagger2
        );
        assert_eq!(
            detect_version(&json!({"openapi": 3.0}), o).unwrap(),
            SpecVersion::OpenApi30
        );
    }

    #[test]
    fn non_specs_are_refused_with_pointer() {
        let e = detect_version(&json!({"openapi": "2.5"}), "x.json").unwrap_err();
        assert_eq!(e.kind(), LoadErrorKind::UnsupportedVersion);
        assert_eq!(e.pointer(), Some("/openapi"));
        assert!(e.to_string().contains("x.json"));
        let e = detect_version(&json!([1, 2]), "x.json").unwrap_err();
        assert_eq!(e.kind(), LoadErrorKind::NotASpec);
        assert_eq!(e.pointer(), Some(""));
        let e = detect_version(&json!({"info": {}}), "x.json").unwrap_err();
        assert_eq!(e.kind(), LoadErrorKind::NotASpec);
        let e = detect_version(&json!({"swagger": "1.2"}), "x.json").unwrap_err();
        assert_eq!(e.pointer(), Some("/swagger"));
        let e = detect_version(&json!({"openapi": {"v": 3}}), "x.json").unwrap_err();
        assert_eq!(e.kind(), LoadErrorKind::UnsupportedVersion);
    }
}
