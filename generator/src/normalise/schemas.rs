//! Schema-level fixes over the whole document: `description: null` / `title: null` (removed:
//! null carries nothing), `type: "any"` (becomes an untyped schema = any JSON value), and
//! `format: "any"` on an untyped schema (removed), and `enum` on a `type: array` schema
//! (moved into `items`, where it belongs).

use super::Ctx;
use crate::error::Result;
use serde_json::{Map, Value};

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let mut counts = Counts::default();
    walk(doc, &mut counts, 0);
    if counts.null_text > 0 {
        ctx.report.note(format!(
            "{} `description`/`title`: null removed (null is not a string)",
            counts.null_text
        ));
    }
    if counts.any > 0 {
        ctx.report.note(format!(
            "{} `type: \"any\"` / `format: \"any\"` schemas made untyped (any JSON value)",
            counts.any
        ));
    }
    if counts.array_enum > 0 {
        ctx.report.note(format!(
            "{} `enum` on `type: array` moved into `items`",
            counts.array_enum
        ));
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    null_text: usize,
    any: usize,
    array_enum: usize,
}

fn walk(v: &mut Value, c: &mut Counts, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(map) => {
            fix_object(map, c);
            for (_, child) in map.iter_mut() {
                walk(child, c, depth + 1);
            }
        }
        Value::Array(items) => {
            for child in items {
                walk(child, c, depth + 1);
            }
        }
        _ => {}
    }
}

fn fix_object(map: &mut Map<String, Value>, c: &mut Counts) {
    for key in ["description", "title", "summary"] {
        if map.get(key).is_some_and(Value::is_null) {
            map.remove(key);
            c.null_text += 1;
        }
    }
    if map.get("type").and_then(Value::as_str) == Some("any") {
        map.remove("type");
        c.any += 1;
    }
    if map.get("format").and_then(Value::as_str) == Some("any") && !map.contains_key("type") {
        map.remove("format");
        c.any += 1;
    }
    if map.get("type").and_then(Value::as_str) == Some("array") {
        if let Some(Value::Array(values)) = map.remove("enum") {
            let flat: Vec<Value> = values
                .into_iter()
                .flat_map(|v| match v {
                    Value::Array(inner) => inner,
                    other => vec![other],
                })
                .collect();
            let items = map
                .entry("items")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(items) = items {
                if !items.contains_key("enum") && !items.contains_key("$ref") {
                    if !items.contains_key("type") {
                        if let Some(t) = flat.first().and_then(json_type) {
                            items.insert("type".into(), Value::String(t.into()));
                        }
                    }
                    items.insert("enum".into(), Value::Array(flat));
                }
            }
            c.array_enum += 1;
        }
    }
}

fn json_type(v: &Value) -> Option<&'static str> {
    match v {
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_i64() || n.is_u64() => Some("integer"),
        Value::Number(_) => Some("number"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;
    use serde_json::json;

    #[test]
    fn fixes_null_description_any_and_array_enum() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "description": null, "properties": {
                "x": {"type": "any"}, "y": {"format": "any"}, "content": {"type": "string"},
                "fmt": {"type": "array", "enum": ["csv", "txt"], "items": {"type": "string"}}
            }}
        }}});
        let mut report = Report::new("t");
        let mut ctx = Ctx {
            report: &mut report,
            flags: Default::default(),
            session_headers: Vec::new(),
        };
        run(&mut doc, &mut ctx).unwrap();
        let a = &doc["components"]["schemas"]["A"];
        assert!(a.get("description").is_none());
        assert_eq!(a["properties"]["x"], json!({}));
        assert_eq!(a["properties"]["y"], json!({}));
        assert_eq!(a["properties"]["content"], json!({"type": "string"}));
        assert_eq!(
            a["properties"]["fmt"],
            json!({"type": "array", "items": {"type": "string", "enum": ["csv", "txt"]}})
        );
        assert_eq!(report.notes.len(), 3);
    }
}
