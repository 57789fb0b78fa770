//! Request bodies checked against a table's compact schemas: required properties present
//! (and not null), and each present value of the declared JSON type (integers, numbers,
//! strings, booleans, arrays, objects), recursively. `oneOf`/`anyOf` and unknown properties
//! are accepted; `null` is accepted for any property that is not required. Each vendor renders
//! the [`FieldError`]s in its own error shape.

use serde_json::Value;

use super::SpecTable;

/// Most array items checked per array.
const MAX_ITEMS: usize = 100;

/// One problem with a request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the field (`filters.status`, `fields[2]`); empty for the whole body.
    pub field: String,
    /// `missing` (a required field is absent) or `invalid` (wrong type).
    pub code: &'static str,
    /// Human-readable reason.
    pub message: String,
}

/// How the leaves of a body were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaves {
    /// JSON: each value has its own type.
    Typed,
    /// Read from XML: every leaf is text, so a string stands for an integer, a number or a
    /// boolean when it reads as one.
    Text,
}

/// The field errors of `body` against `schema` (empty when it is valid).
pub fn check(table: &SpecTable, schema: &Value, body: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(table, schema, body, "", 0, Leaves::Typed, &mut errors);
    errors
}

/// [`check`] for a body read from XML, whose leaves are all strings: `"12"` is an integer,
/// `"true"` a boolean, where the schema declares one.
pub fn check_text(table: &SpecTable, schema: &Value, body: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(table, schema, body, "", 0, Leaves::Text, &mut errors);
    errors
}

/// Whether the text leaf `s` reads as the scalar type `ty`.
fn text_ok(ty: &str, s: &str) -> bool {
    let s = s.trim();
    match ty {
        "integer" => s.parse::<i64>().is_ok() || s.parse::<u64>().is_ok(),
        "number" => s.parse::<f64>().is_ok_and(f64::is_finite),
        "boolean" => s == "true" || s == "false",
        _ => false,
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Whether `v` has the JSON type `ty` (unknown types accept anything).
pub(crate) fn type_ok(ty: &str, v: &Value) -> bool {
    match ty {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        _ => true,
    }
}

fn walk(
    table: &SpecTable,
    schema: &Value,
    v: &Value,
    at: &str,
    depth: usize,
    leaves: Leaves,
    errors: &mut Vec<FieldError>,
) {
    if depth > 16 {
        return;
    }
    let schema = table.resolve(schema);
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        for p in parts {
            walk(table, p, v, at, depth + 1, leaves, errors);
        }
    }
    if v.is_null() {
        return;
    }
    if let Some(ty) = schema.get("type").and_then(Value::as_str) {
        let text_leaf = leaves == Leaves::Text && v.as_str().is_some_and(|s| text_ok(ty, s));
        if !type_ok(ty, v) && !text_leaf {
            let article = if ty.starts_with(['a', 'i', 'o']) {
                "an"
            } else {
                "a"
            };
            errors.push(FieldError {
                field: at.to_string(),
                code: "invalid",
                message: format!("must be {article} {ty}"),
            });
            return;
        }
    }
    if let Value::Object(m) = v {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if m.get(name).is_none_or(Value::is_null) {
                errors.push(FieldError {
                    field: join(at, name),
                    code: "missing",
                    message: "This field is required.".into(),
                });
            }
        }
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (name, p) in props {
                if let Some(value) = m.get(name) {
                    walk(table, p, value, &join(at, name), depth + 1, leaves, errors);
                }
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (v, schema.get("items")) {
        for (i, item) in items.iter().take(MAX_ITEMS).enumerate() {
            walk(
                table,
                item_schema,
                item,
                &format!("{at}[{i}]"),
                depth + 1,
                leaves,
                errors,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_and_types() {
        let t = SpecTable::parse(
            "t",
            r#"{"ops":[],"schemas":{"Q":{"type":"object","required":["model","view"],
              "properties":{"model":{"type":"string"},"view":{"type":"string"},
              "limit":{"type":"integer"},"fields":{"type":"array","items":{"type":"string"}}}}}}"#,
        )
        .expect("table");
        let s = json!({"$ref": "Q"});
        assert!(check(&t, &s, &json!({"model": "m", "view": "v", "limit": null})).is_empty());
        let errs = check(&t, &s, &json!({"model": 3, "fields": ["a", 2]}));
        let mut got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("fields[1]", "invalid"),
                ("model", "invalid"),
                ("view", "missing")
            ]
        );
        assert_eq!(check(&t, &s, &json!([1]))[0].message, "must be an object");
    }

    #[test]
    fn text_leaves_read_as_their_declared_type() {
        let t = SpecTable::parse(
            "t",
            r#"{"ops":[],"schemas":{"R":{"type":"object","properties":{
              "n":{"type":"integer"},"x":{"type":"number"},"b":{"type":"boolean"},
              "s":{"type":"string"},"o":{"type":"object"}}}}}"#,
        )
        .expect("table");
        let s = json!({"$ref": "R"});
        let ok = json!({"n": "12", "x": "1.5", "b": "true", "s": "12"});
        assert!(check_text(&t, &s, &ok).is_empty());
        // The same text is a type error in a JSON body.
        assert_eq!(check(&t, &s, &ok).len(), 3);
        let bad = json!({"n": "twelve", "x": "NaN", "b": "yes", "o": "text"});
        let mut got: Vec<String> = check_text(&t, &s, &bad)
            .into_iter()
            .map(|e| e.field)
            .collect();
        got.sort();
        assert_eq!(got, vec!["b", "n", "o", "x"]);
    }
}
