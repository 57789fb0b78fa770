//! Normalisation passes over an OpenAPI 3.0 document (as `serde_json::Value`), run in order
//! before the document is parsed into `openapiv3::OpenAPI` and handed to progenitor. Each pass
//! fixes one kind of defect, never drops data silently, and records per operation what it
//! changed and why in the [`Report`].

pub mod dangling_refs;
pub mod docs;
pub mod misplaced_refs;
pub mod nullable_unions;
pub mod nullable_wrappers;
pub mod operation_ids;
pub mod param_names;
pub mod parameters;
pub mod path_params;
pub mod path_refs;
pub mod request_bodies;
pub mod responses;
pub mod schemas;
pub mod security;
pub mod type_names;

use crate::error::{pointer, GenError, Result};
use crate::report::Report;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The HTTP methods of a path item, in OpenAPI order.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Per-operation facts the passes find that the emitted operations table needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpFlags {
    /// A 2xx may come with an empty body: the runtime maps it to JSON `null`.
    pub empty_success_is_null: bool,
    /// An error status may come with an empty body: the runtime maps it to JSON `null`.
    pub empty_error_is_null: bool,
    /// The request body is sent raw (bytes the caller builds), with this original media type.
    pub raw_body_media_type: Option<String>,
    /// The success answer is returned as raw bytes (ByteStream).
    pub raw_success: bool,
    /// XML request/answer bodies (typed by the emitted `xml` module).
    pub xml: Option<crate::xml::XmlOp>,
}

/// Flags per (METHOD, path).
pub type FlagMap = BTreeMap<(String, String), OpFlags>;

/// Context shared by the passes.
pub struct Ctx<'a> {
    /// The report being filled.
    pub report: &'a mut Report,
    /// Flags per operation.
    pub flags: FlagMap,
    /// Header parameters the session supplies, lower case (left out of signatures).
    pub session_headers: Vec<String>,
}

impl Ctx<'_> {
    /// Flags of one operation (created on demand).
    pub fn flags(&mut self, method: &str, path: &str) -> &mut OpFlags {
        self.flags
            .entry((method.to_ascii_uppercase(), path.to_string()))
            .or_default()
    }
}

/// Runs all passes in order.
pub fn run(doc: &mut Value, report: &mut Report, session_headers: &[String]) -> Result<FlagMap> {
    if !doc.is_object() {
        return Err(GenError::invalid("", "the document is not a JSON object"));
    }
    let mut ctx = Ctx {
        report,
        flags: FlagMap::new(),
        session_headers: session_headers
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
    };
    path_refs::run(doc, &mut ctx)?;
    dangling_refs::run(doc, &mut ctx)?;
    misplaced_refs::run(doc, &mut ctx)?;
    security::run(doc, &mut ctx)?;
    type_names::run(doc, &mut ctx)?;
    schemas::run(doc, &mut ctx)?;
    nullable_unions::run(doc, &mut ctx)?;
    operation_ids::run(doc, &mut ctx)?;
    parameters::run(doc, &mut ctx)?;
    path_params::run(doc, &mut ctx)?;
    param_names::run(doc, &mut ctx)?;
    crate::xml::capture(doc, &mut ctx)?;
    request_bodies::run(doc, &mut ctx)?;
    responses::run(doc, &mut ctx)?;
    nullable_wrappers::run(doc, &mut ctx)?;
    docs::run(doc, &mut ctx)?;
    Ok(ctx.flags)
}

/// Runs one pass over `doc` with an empty report and no session headers (for tests).
#[cfg(test)]
pub(crate) fn run_pass(
    doc: &mut Value,
    pass: fn(&mut Value, &mut Ctx<'_>) -> Result<()>,
) -> Report {
    let mut report = Report::new("t");
    let mut ctx = Ctx {
        report: &mut report,
        flags: FlagMap::new(),
        session_headers: Vec::new(),
    };
    pass(doc, &mut ctx).expect("the pass succeeds");
    report
}

/// (path, method) of every operation, in document order.
pub fn operation_keys(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            if let Some(item) = item.as_object() {
                for m in METHODS {
                    if item.get(m).is_some_and(Value::is_object) {
                        out.push((path.clone(), m.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// Mutable access to one operation object.
pub fn operation_mut<'a>(
    doc: &'a mut Value,
    path: &str,
    method: &str,
) -> Option<&'a mut Map<String, Value>> {
    doc.get_mut("paths")?
        .get_mut(path)?
        .get_mut(method)?
        .as_object_mut()
}

/// True for a key whose value is data or an extension, not a schema or a `$ref` to follow.
pub fn is_data_key(key: &str) -> bool {
    matches!(key, "example" | "examples" | "default" | "enum") || key.starts_with("x-")
}

/// JSON pointer of an operation.
pub fn op_pointer(path: &str, method: &str) -> String {
    pointer(["paths", path, method])
}

/// Resolves a local `$ref` (`#/...`) against the document.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let p = reference.strip_prefix('#')?;
    crate::load::pointer::lookup(doc, p)
}

/// Follows `$ref`s (bounded) until a non-reference value.
pub fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> Option<&'a Value> {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => v = resolve(doc, r)?,
            None => return Some(v),
        }
    }
    None
}

/// Deletes operations from the document (used for skipped operations).
pub fn remove_operation(doc: &mut Value, path: &str, method: &str) {
    if let Some(item) = doc
        .get_mut("paths")
        .and_then(|p| p.get_mut(path))
        .and_then(Value::as_object_mut)
    {
        item.remove(method);
        if !METHODS.iter().any(|m| item.contains_key(*m)) {
            if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
                paths.remove(path);
            }
        }
    }
}

/// Canonical media-type name: lower case, parameters dropped; the invalid bare `text`
/// becomes `text/plain`, `*+json` becomes `application/json`.
pub fn canonical_media_type(mt: &str) -> String {
    let base = mt
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match base.as_str() {
        "text" => "text/plain".into(),
        "json" => "application/json".into(),
        b if b != "application/json" && (b.ends_with("+json") || b.ends_with("/json")) => {
            "application/json".into()
        }
        _ => base,
    }
}

/// Renames media types of a `content` map to their canonical names (first one wins on
/// clashes); returns the renames done.
pub fn canonicalise_content(content: &mut Map<String, Value>) -> Vec<String> {
    let mut changes = Vec::new();
    let old = std::mem::take(content);
    for (mt, v) in old {
        let c = canonical_media_type(&mt);
        if c != mt.split(';').next().unwrap_or("").trim() {
            changes.push(format!("media type `{mt}` read as `{c}`"));
        }
        if content.contains_key(&c) {
            if c != mt {
                changes.push(format!("media type `{mt}` merged into `{c}`"));
            }
            continue;
        }
        content.insert(c, v);
    }
    changes
}

/// A name as the type generator sees it before changing its case: quotes dropped, every
/// character that cannot continue an identifier a word break (`-`).
pub fn ident_words(name: &str) -> String {
    name.replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Rust-style PascalCase of an arbitrary string (for component names).
pub fn pascal(s: &str) -> String {
    use heck::ToPascalCase;
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let p = cleaned.to_pascal_case();
    match p.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => p,
        _ => format!("X{p}"),
    }
}
