//! Schema-level fixes over the whole document: `description: null` / `title: null` (removed:
//! null carries nothing), `type: "any"` (becomes an untyped schema = any JSON value), and
//! `format: "any"` on an untyped schema (removed), and `enum` on a `type: array` schema
//! (moved into `items`, where it belongs), and a string `enum` whose values differ only in case
//! or punctuation (`ROW`, `row`: no two Rust variants can be named apart; typed as a string, the
//! allowed values kept in the description).

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
    if counts.colliding_enum > 0 {
        ctx.report.note(format!(
            "{} string `enum`s whose values differ only in case or punctuation typed as strings (values kept in the description)",
            counts.colliding_enum
        ));
    }
    Ok(())
}

#[derive(Default)]
struct Counts {
    null_text: usize,
    any: usize,
    array_enum: usize,
    colliding_enum: usize,
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
    fix_colliding_enum(map, c);
}

/// A string enum whose values collide once case and punctuation are ignored cannot become a
/// Rust enum: drop the `enum` (any string is accepted) and keep the values in the description.
fn fix_colliding_enum(map: &mut Map<String, Value>, c: &mut Counts) {
    let Some(Value::Array(values)) = map.get("enum") else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let mut collides = false;
    for v in values {
        let Some(s) = v.as_str() else {
            return;
        };
        let key: String = s
            .chars()
            .filter(|ch| ch.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        collides |= !seen.insert(key);
    }
    if !collides {
        return;
    }
    let listed: Vec<String> = values
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    map.remove("enum");
    let note = format!("One of: {}.", listed.join(", "));
    let description = match map.get("description").and_then(Value::as_str) {
        Some(d) if !d.is_empty() => format!("{d} {note}"),
        _ => note,
    };
    map.insert("description".into(), Value::String(description));
    c.colliding_enum += 1;
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

    use serde_json::json;

    #[test]
    fn fixes_null_description_any_and_array_enum() {
        let mut doc = json!({"components": {"schemas": {
            "A": {"type": "object", "description": null, "properties": {
                "x": {"type": "any"}, "y": {"format": "any"}, "content": {"type": "string"},
                "fmt": {"type": "array", "enum": ["csv", "txt"], "items": {"type": "string"}}
            }}
        }}});
        let report = crate::normalise::run_pass(&mut doc, run);
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

    #[test]
    fn string_enums_colliding_by_case_become_strings_with_values_described() {
        let mut doc = json!({"components": {"schemas": {
            "Orientation": {"type": "string", "enum": ["ROW", "COLUMN", "row", "column"]},
            "Fine": {"type": "string", "enum": ["a", "b"]}
        }}});
        let report = crate::normalise::run_pass(&mut doc, run);
        let o = &doc["components"]["schemas"]["Orientation"];
        assert!(o.get("enum").is_none());
        assert_eq!(o["description"], "One of: ROW, COLUMN, row, column.");
        assert_eq!(
            doc["components"]["schemas"]["Fine"]["enum"],
            json!(["a", "b"])
        );
        assert!(report
            .notes
            .iter()
            .any(|n| n.contains("differ only in case")));
    }
}
