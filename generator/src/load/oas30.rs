//! OpenAPI 3.1 keyword forms written inside a 3.0 document (`exclusiveMinimum: 5`,
//! `type: [string, "null"]`, `const`, a schema `examples` array): tools that emit "3.0" from
//! JSON Schema often leave them. They are written in their 3.0 forms with a note each, using
//! the 3.1 lowering rules. Only keys that cannot mean anything else are looked at: a numeric
//! `exclusiveMinimum`/`exclusiveMaximum`, an array `type`, `const`, and an array `examples` next
//! to a schema keyword (a media type's `examples` is a map).

use serde_json::Value;

use super::oas31::{lower_const, lower_examples, lower_exclusive, lower_type};
use super::pointer::{join, join_index};
use super::LoadNote;

/// Keys whose values are data, not spec structure: never walked.
const DATA_KEYS: [&str; 4] = ["example", "default", "enum", "const"];

/// Repairs 3.1 keyword forms anywhere in a 3.0 document.
pub fn repair(doc: &mut Value, notes: &mut Vec<LoadNote>) {
    walk(doc, "", notes, 0);
}

fn walk(v: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if DATA_KEYS.contains(&k.as_str()) || k.starts_with("x-") {
                    continue;
                }
                if k == "examples" && child.is_array() {
                    continue;
                }
                walk(child, &join(ptr, k), notes, depth + 1);
            }
            let schema_like = map.contains_key("type")
                || map.contains_key("properties")
                || map.contains_key("items")
                || map.contains_key("$ref");
            if matches!(map.get("type"), Some(Value::Array(_)))
                || matches!(map.get("type"), Some(Value::String(t)) if t == "null")
            {
                lower_type(map, ptr, notes);
            }
            if map.contains_key("const") {
                lower_const(map, ptr, notes);
            }
            if schema_like && map.get("examples").is_some_and(Value::is_array) {
                lower_examples(map, ptr, notes);
            }
            lower_exclusive(map, ptr, notes, "exclusiveMinimum", "minimum", true);
            lower_exclusive(map, ptr, notes, "exclusiveMaximum", "maximum", false);
        }
        Value::Array(list) => {
            for (i, child) in list.iter_mut().enumerate() {
                walk(child, &join_index(ptr, i), notes, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keyword_forms_of_3_1_are_lowered_in_a_3_0_document() {
        let mut doc = json!({"openapi": "3.0.3", "components": {"schemas": {"N": {
            "type": "object",
            "properties": {
                "n": {"type": "integer", "exclusiveMinimum": 5},
                "s": {"type": ["string", "null"], "examples": ["a", "b"]},
                "k": {"const": "fixed"},
                "e": {"type": "string", "enum": ["x"], "example": {"type": ["kept"]}}
            }
        }}}});
        let mut notes = Vec::new();
        repair(&mut doc, &mut notes);
        let p = &doc["components"]["schemas"]["N"]["properties"];
        assert_eq!(
            p["n"],
            json!({"type": "integer", "exclusiveMinimum": true, "minimum": 5})
        );
        assert_eq!(
            p["s"],
            json!({"type": "string", "nullable": true, "example": "a"})
        );
        assert_eq!(p["k"], json!({"enum": ["fixed"]}));
        assert_eq!(p["e"]["example"], json!({"type": ["kept"]}));
        let rules: Vec<&str> = notes.iter().map(|n| n.rule).collect();
        assert_eq!(
            rules,
            [
                "exclusive-bound",
                "type-array-null",
                "examples-example",
                "const-enum"
            ]
        );
        assert_eq!(
            notes[0].pointer,
            "/components/schemas/N/properties/n/exclusiveMinimum"
        );
    }
}
