//! The `pub mod operations` emitted into every generated module: a static table of every
//! generated operation (ids, method, path template, parameters with location, body media
//! type, tags, flags) used for dynamic calls (`bi-rest call OPERATION_ID`), plus the helpers
//! the client hooks run: `raw_body_content_type` in `pre` (a raw body is sent with the spec's
//! media type) and `null_for_empty_body` in `exec` (an empty body of a flagged operation
//! becomes JSON `null`). The table's types come from the bi-rest-operations crate: re-exported
//! from bi-rest, or inline in a standalone module.

use crate::normalise::{operation_ids::ORIGINAL_ID, FlagMap};
use serde_json::Value;
use std::fmt::Write;

/// One row of the table, as the generator sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRow {
    /// Final, Rust-safe id (the generated method name and `OperationInfo::operation_id`).
    pub id: String,
    /// Id as written in the spec ("" when it had none).
    pub original_id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// (name, location, required, type hint).
    pub parameters: Vec<(String, String, bool, String)>,
    /// Media type of the body as the server wants it.
    pub body_media_type: Option<String>,
    /// The body is raw bytes the caller builds.
    pub raw_body: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Flags from normalisation.
    pub empty_success_is_null: bool,
    /// Flags from normalisation.
    pub empty_error_is_null: bool,
    /// The success answer is raw bytes.
    pub raw_success: bool,
}

fn type_hint(schema: Option<&Value>) -> String {
    let Some(s) = schema else {
        return "string".into();
    };
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    match s.get("type").and_then(Value::as_str) {
        Some("array") => format!("array<{}>", type_hint(s.get("items"))),
        Some(t) => match s.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t}:{f}"),
            None => t.to_string(),
        },
        None => "any".into(),
    }
}

/// Builds the rows from the final (normalised, subset) document, in document order.
pub fn rows(doc: &Value, keys: &[(String, String)], flags: &FlagMap) -> Vec<OpRow> {
    let mut out = Vec::new();
    for (path, method) in keys {
        let Some(item) = doc.get("paths").and_then(|p| p.get(path)) else {
            continue;
        };
        let Some(op) = item.get(method) else { continue };
        let mut parameters: Vec<(String, String, bool, String)> = Vec::new();
        let item_params = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let op_params = op
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for p in item_params.iter().chain(op_params.iter()) {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let loc = p
                .get("in")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let req = p.get("required").and_then(Value::as_bool).unwrap_or(false);
            let hint = type_hint(p.get("schema"));
            if let Some(existing) = parameters.iter_mut().find(|e| e.0 == name && e.1 == loc) {
                *existing = (name, loc, req, hint);
            } else {
                parameters.push((name, loc, req, hint));
            }
        }
        let f = flags
            .get(&(method.to_ascii_uppercase(), path.clone()))
            .cloned()
            .unwrap_or_default();
        let body_mt = op
            .get("requestBody")
            .and_then(|b| b.get("content"))
            .and_then(Value::as_object)
            .and_then(|c| c.keys().next().cloned());
        let (body_media_type, raw_body) = match (&f.raw_body_media_type, body_mt) {
            (Some(orig), Some(_)) => (Some(orig.clone()), true),
            (None, mt) => (mt, false),
            (Some(_), None) => (None, false),
        };
        out.push(OpRow {
            id: op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            original_id: op
                .get(ORIGINAL_ID)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            method: method.to_ascii_uppercase(),
            path: path.clone(),
            parameters,
            body_media_type,
            raw_body,
            tags: op
                .get("tags")
                .and_then(Value::as_array)
                .map(|t| {
                    t.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            empty_success_is_null: f.empty_success_is_null,
            empty_error_is_null: f.empty_error_is_null,
            raw_success: f.raw_success,
        });
    }
    out
}

/// The functions of `operations` over its table (runtime/operations.rs, a real Rust file
/// compiled and tested by tests/runtime.rs).
const FUNCTIONS: &str = include_str!("../runtime/operations.rs");

/// The names of the table's types, as one `use` list.
const TYPES: &str = "{Location, Operation, Parameter}";

/// Rust source of the `operations` module. `types`: the module defining the table's types
/// (`Location`, `Parameter`, `Operation`), re-exported instead of defined (bi-rest's
/// `bi_rest::operations`, see [`crate::Config::operation_types`]); `None` emits their source
/// inline ([`bi_rest_operations::SOURCE`]), for a module that must compile alone.
pub fn render(rows: &[OpRow], types: Option<&str>) -> String {
    let mut s = String::from(
        "\n/// Static table of every generated operation, for dynamic calls.\npub mod operations {\n",
    );
    match types {
        Some(path) => {
            let _ = writeln!(
                s,
                "    /// The table's types, shared by every module generated for bi-rest.\n    pub use {path}::{TYPES};"
            );
        }
        None => s.push_str(bi_rest_operations::SOURCE),
    }
    s.push_str(FUNCTIONS);
    s.push_str("\n    /// Every generated operation, in spec order.\n    pub static ALL: &[Operation] = &[\n");
    for r in rows {
        let params: Vec<String> = r
            .parameters
            .iter()
            .map(|(n, l, req, t)| {
                let loc = match l.as_str() {
                    "path" => "Path",
                    "header" => "Header",
                    _ => "Query",
                };
                format!("Parameter {{ name: {n:?}, location: Location::{loc}, required: {req}, type_hint: {t:?} }}")
            })
            .collect();
        let _ = writeln!(
            s,
            "Operation {{ id: {:?}, original_id: {:?}, method: {:?}, path: {:?}, parameters: &[{}], body_media_type: {}, raw_body: {}, tags: &[{}], empty_success_is_null: {}, empty_error_is_null: {}, raw_success: {} }},",
            r.id,
            r.original_id,
            r.method,
            r.path,
            params.join(", "),
            match &r.body_media_type {
                Some(m) => format!("Some({m:?})"),
                None => "None".into(),
            },
            r.raw_body,
            r.tags.iter().map(|t| format!("{t:?}")).collect::<Vec<_>>().join(", "),
            r.empty_success_is_null,
            r.empty_error_is_null,
            r.raw_success,
        );
    }
    s.push_str("    ];\n");
    for (name, what, index) in [
        ("BY_ID", "final id", sorted_index(rows, |r| &r.id)),
        (
            "BY_ORIGINAL_ID",
            "original id",
            sorted_index(rows, |r| &r.original_id),
        ),
    ] {
        let list: Vec<String> = index
            .iter()
            .map(|&i| {
                let r = &rows[i as usize];
                let key = if name == "BY_ID" {
                    &r.id
                } else {
                    &r.original_id
                };
                format!("({key:?}, {i})")
            })
            .collect();
        let _ = write!(
            s,
            "\n    /// (id, index into [`ALL`]) sorted by {what} (ties in table order), for [`find`].\n    static {name}: &[(&str, u32)] = &[{}];\n",
            list.join(", ")
        );
    }
    s.push_str(SELF_TEST);
    s.push_str("}\n");
    s
}

/// Indices of `rows` sorted by `key` (byte order, as `str`'s `Ord`), ties in row order.
pub fn sorted_index(rows: &[OpRow], key: impl Fn(&OpRow) -> &str) -> Vec<u32> {
    let mut index: Vec<u32> = (0..rows.len() as u32).collect();
    index.sort_by(|&a, &b| {
        key(&rows[a as usize])
            .cmp(key(&rows[b as usize]))
            .then(a.cmp(&b))
    });
    index
}

/// Emitted into `operations`: checks the sorted indices against a linear scan of the table.
const SELF_TEST: &str = include_str!("../runtime/operations_index_tests.rs");

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, mt: &str, raw: bool) -> OpRow {
        OpRow {
            id: id.into(),
            original_id: id.into(),
            method: "POST".into(),
            path: "/x".into(),
            parameters: Vec::new(),
            body_media_type: Some(mt.into()),
            raw_body: raw,
            tags: Vec::new(),
            empty_success_is_null: false,
            empty_error_is_null: false,
            raw_success: false,
        }
    }

    #[test]
    fn sorted_indices_are_lower_bound_ready() {
        let mut rows: Vec<OpRow> = ["b", "a", "c", "a", "B"]
            .iter()
            .map(|id| row(id, "application/json", false))
            .collect();
        rows[0].original_id = "z".into();
        assert_eq!(sorted_index(&rows, |r| &r.id), vec![4, 1, 3, 0, 2]);
        assert_eq!(sorted_index(&rows, |r| &r.original_id), vec![4, 1, 3, 2, 0]);
        let code = render(&rows, None);
        assert!(code.contains(
            r#"static BY_ID: &[(&str, u32)] = &[("B", 4), ("a", 1), ("a", 3), ("b", 0), ("c", 2)];"#
        ));
        assert!(code.contains(
            r#"static BY_ORIGINAL_ID: &[(&str, u32)] = &[("B", 4), ("a", 1), ("a", 3), ("c", 2), ("z", 0)];"#
        ));
        assert!(code.contains("fn find_agrees_with_a_linear_scan()"));
        assert!(!code.contains(".find(|o| o.id == id)\n            .or_else"));
        let empty = render(&[], None);
        assert!(empty.contains("static BY_ID: &[(&str, u32)] = &[];"));
        assert!(code.contains("pub struct Operation {"));
    }

    #[test]
    fn shared_types_are_re_exported_not_defined() {
        let rows = [row("a", "application/json", false)];
        let code = render(&rows, Some("::bi_rest::operations"));
        assert!(code.contains("pub use ::bi_rest::operations::{Location, Operation, Parameter};"));
        assert!(!code.contains("pub struct Operation"));
        assert!(!code.contains("pub enum Location"));
        assert!(code.contains("pub fn find(id: &str)"));
        assert!(code.contains("pub fn raw_body_content_type("));
        syn::parse_file(&code).expect("the module parses");
    }
}
