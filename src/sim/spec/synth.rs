//! Schema-valid values synthesised from a table's compact schemas: the schema's `example` or
//! `default` when it has one, the first `enum` value, a fixed date-time for `format:
//! date-time`, one item per array, every property of an object. Depth is bounded (past
//! [`MAX_DEPTH`] objects get only their required properties and arrays no items), so recursive
//! schemas end.

use serde_json::{json, Map, Value};

use super::SpecTable;

/// Object nesting past which objects get only their required properties and arrays no items.
pub const MAX_DEPTH: usize = 4;
/// Object nesting past which objects are left empty (recursive required properties).
const HARD_DEPTH: usize = 12;

/// A value valid for `schema`.
pub fn value(table: &SpecTable, schema: &Value) -> Value {
    at(table, schema, 0, None)
}

fn at(table: &SpecTable, schema: &Value, depth: usize, name: Option<&str>) -> Value {
    let schema = table.resolve(schema);
    let ty = schema.get("type").and_then(Value::as_str);
    // Examples, defaults and enums are used only when they have the declared type (some
    // specs put an item enum on an array).
    let fits = |v: &Value| ty.is_none_or(|t| super::validate::type_ok(t, v));
    if let Some(v) = schema.get("example").or_else(|| schema.get("default")) {
        if fits(v) {
            return v.clone();
        }
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        if fits(first) {
            return first.clone();
        }
        if ty == Some("array") {
            return json!([first]);
        }
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for p in parts {
            if let Value::Object(m) = at(table, p, depth, name) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(|xs| xs.get(0)) {
            return at(table, first, depth, name);
        }
    }
    match ty {
        Some("array") => {
            if depth >= MAX_DEPTH {
                return json!([]);
            }
            match schema.get("items") {
                Some(items) => json!([at(table, items, depth + 1, name)]),
                None => json!([]),
            }
        }
        Some("string") => string(schema.get("format").and_then(Value::as_str), name),
        Some("integer") => json!(1),
        Some("number") => json!(1.0),
        Some("boolean") => json!(false),
        Some("object") | None if schema.get("properties").is_some() || ty.is_some() => {
            let mut out = Map::new();
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    // Past MAX_DEPTH only required properties, so the value stays valid.
                    let wanted =
                        depth < MAX_DEPTH || (depth < HARD_DEPTH && required.contains(&k.as_str()));
                    if wanted {
                        out.insert(k.clone(), at(table, p, depth + 1, Some(k)));
                    }
                }
            }
            Value::Object(out)
        }
        Some("null") => Value::Null,
        // Untyped or `any`: an empty object is valid, and unlike null it counts as present.
        _ => Value::Object(Map::new()),
    }
}

fn string(format: Option<&str>, name: Option<&str>) -> Value {
    let s = match format {
        Some("date-time") => "2026-01-01T00:00:00.000Z",
        Some("date") => "2026-01-01",
        Some("uuid") => "00000000-0000-4000-8000-000000000001",
        Some("email") => "user@example.com",
        Some("uri") | Some("url") => "https://example.com/",
        Some("byte") => "",
        _ => match name {
            Some(n) if n == "id" || n.ends_with("_id") || n.ends_with("Id") => "1",
            Some(n) if n.contains("url") => "https://example.com/",
            _ => "sim",
        },
    };
    Value::String(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> SpecTable {
        SpecTable::parse(
            "t",
            r#"{"ops":[],"schemas":{
              "Node":{"type":"object","properties":{"id":{"type":"string"},"child":{"$ref":"Node"}}},
              "Q":{"type":"object","required":["model"],"properties":{"model":{"type":"string"},
                "limit":{"type":"integer"},"at":{"type":"string","format":"date-time"},
                "kind":{"type":"string","enum":["a","b"]},"tags":{"type":"array","items":{"type":"string"}}}}}}"#,
        )
        .expect("table")
    }

    #[test]
    fn synthesises_every_property_and_ends_on_recursion() {
        let t = table();
        let q = value(&t, &json!({"$ref": "Q"}));
        assert_eq!(
            q,
            json!({"model": "sim", "limit": 1, "at": "2026-01-01T00:00:00.000Z", "kind": "a", "tags": ["sim"]})
        );
        let n = value(&t, &json!({"$ref": "Node"}));
        assert_eq!(n["id"], "1");
        assert_eq!(n["child"]["child"]["child"]["child"], json!({}));
    }
}
