//! The `pub mod operations` emitted into every generated module: a static table of every
//! generated operation (ids, method, path template, parameters with location, body media
//! type, tags, flags) used for dynamic calls (`bi-rest call OPERATION_ID`), plus the helper
//! the runtime `exec` hook uses to map an empty body of a flagged operation to JSON `null`.

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

/// The fixed items of `operations` (runtime/operations.rs, a real Rust file compiled and tested by
/// tests/runtime.rs).
const PRELUDE: &str = include_str!("../runtime/operations.rs");

/// Rust source of the `operations` module.
pub fn render(rows: &[OpRow]) -> String {
    let mut s = String::from(
        "\n/// Static table of every generated operation, for dynamic calls.\npub mod operations {\n",
    );
    s.push_str(PRELUDE);
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

/// Progenitor sends a raw body (the normalised form of multipart, XML and other media types it
/// cannot encode) with `Content-Type: application/octet-stream`. For every row with
/// `raw_body`, this rewrites that header in the operation's `send` to the table's
/// `body_media_type` (the type the server expects), in the formatted module source.
pub fn raw_body_content_types(code: &str, rows: &[OpRow]) -> String {
    // prettyplease may break `from_static(` and the literal onto separate lines.
    const OCTET: &str = "\"application/octet-stream\"";
    let mut out = code.to_string();
    for r in rows.iter().filter(|r| r.raw_body) {
        let Some(mt) = r.body_media_type.as_deref() else {
            continue;
        };
        if mt == "application/octet-stream" || reqwest_header_value_invalid(mt) {
            continue;
        }
        let marker = format!("operation_id: {:?}", r.id);
        let Some(at) = out.find(&marker) else {
            continue;
        };
        let start = out[..at].rfind("pub async fn send(").unwrap_or(0);
        let segment = &out[start..at];
        let Some(rel) = segment.rfind(OCTET) else {
            continue;
        };
        if !segment[..rel].contains("CONTENT_TYPE") {
            continue;
        }
        let pos = start + rel;
        out.replace_range(pos..pos + OCTET.len(), &format!("{mt:?}"));
    }
    out
}

/// `HeaderValue::from_static` panics on non-visible-ASCII: such media types are left alone.
fn reqwest_header_value_invalid(mt: &str) -> bool {
    !mt.bytes().all(|b| (0x20..0x7f).contains(&b)) || mt.contains('"') || mt.contains('\\')
}

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
        let code = render(&rows);
        assert!(code.contains(
            r#"static BY_ID: &[(&str, u32)] = &[("B", 4), ("a", 1), ("a", 3), ("b", 0), ("c", 2)];"#
        ));
        assert!(code.contains(
            r#"static BY_ORIGINAL_ID: &[(&str, u32)] = &[("B", 4), ("a", 1), ("a", 3), ("c", 2), ("z", 0)];"#
        ));
        assert!(code.contains("fn find_agrees_with_a_linear_scan()"));
        assert!(!code.contains(".find(|o| o.id == id)\n            .or_else"));
        let empty = render(&[]);
        assert!(empty.contains("static BY_ID: &[(&str, u32)] = &[];"));
    }

    #[test]
    fn raw_bodies_are_sent_with_the_table_media_type() {
        let send = |id: &str| {
            format!(
                "pub async fn send(self) {{ let r = c.post(url).header(::reqwest::header::CONTENT_TYPE, ::reqwest::header::HeaderValue::from_static(\"application/octet-stream\")).body(body); let info = OperationInfo {{ operation_id: {id:?} }}; }}\n"
            )
        };
        let code = [send("upload"), send("put_xml"), send("blob")].concat();
        let rows = [
            row("upload", "multipart/form-data", true),
            row("put_xml", "application/xml", true),
            row("blob", "application/octet-stream", false),
        ];
        let out = raw_body_content_types(&code, &rows);
        let sends: Vec<&str> = out.lines().collect();
        assert!(sends[0].contains("HeaderValue::from_static(\"multipart/form-data\")"));
        assert!(sends[1].contains("HeaderValue::from_static(\"application/xml\")"));
        assert!(sends[2].contains("HeaderValue::from_static(\"application/octet-stream\")"));
        assert!(!sends[0].contains("octet-stream") && !sends[1].contains("octet-stream"));
    }
}
