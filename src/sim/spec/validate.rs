//! Request bodies checked against a table's compact schemas: required properties present
//! (and not null), and each present value of the declared JSON type (integers, numbers,
//! strings, booleans, arrays, objects) and, where the schema lists them, one of its `enum`
//! members (strings without regard to ASCII case), recursively. `oneOf`/`anyOf` and unknown properties
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

/// Most members of an `enum` an error message lists.
const MAX_LISTED: usize = 12;

/// Whether `v` is the `enum` member `member`: strings compare without regard to ASCII case
/// (servers accept `REPLACE` for `replace`), numbers by value, a text leaf by its text.
fn same_member(member: &Value, v: &Value) -> bool {
    match (member, v) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Number(a), Value::String(b)) => b
            .trim()
            .parse::<f64>()
            .ok()
            .is_some_and(|b| a.as_f64() == Some(b)),
        (Value::Bool(a), Value::String(b)) => b.trim() == if *a { "true" } else { "false" },
        (a, b) => a == b,
    }
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
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        // Some specs (Looker's) put the item enum on the array: it then applies to each item.
        let members: Vec<&Value> = match v {
            Value::Array(items) if !allowed.iter().any(Value::is_array) => {
                items.iter().take(MAX_ITEMS).collect()
            }
            other => vec![other],
        };
        if members
            .into_iter()
            .any(|v| !allowed.iter().any(|a| same_member(a, v)))
        {
            let names: Vec<String> = allowed
                .iter()
                .take(MAX_LISTED)
                .map(|a| match a {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            let more = if allowed.len() > MAX_LISTED {
                ", ..."
            } else {
                ""
            };
            errors.push(FieldError {
                field: at.to_string(),
                code: "invalid",
                message: format!("must be one of: {}{more}", names.join(", ")),
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
    fn enum_members() {
        let t = SpecTable::parse(
            "t",
            r#"{"ops":[],"schemas":{"P":{"type":"object","properties":{
              "policy":{"type":"string","enum":["add","replace"]},
              "level":{"type":"integer","enum":[1,2]}}}}}"#,
        )
        .expect("table");
        let s = json!({"$ref": "P"});
        assert!(check(&t, &s, &json!({"policy": "REPLACE", "level": 2, "x": "y"})).is_empty());
        assert!(check(&t, &s, &json!({"policy": null})).is_empty());
        let errs = check(&t, &s, &json!({"policy": "merge", "level": 3}));
        let mut got: Vec<(&str, &str)> = errs
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("level", "must be one of: 1, 2"),
                ("policy", "must be one of: add, replace")
            ]
        );
        // A text leaf (XML) is compared by its text.
        assert!(check_text(&t, &s, &json!({"level": "2"})).is_empty());
        // An enum on an array applies to its items.
        let t = SpecTable::parse(
            "t",
            r#"{"ops":[],"schemas":{"I":{"type":"object","properties":{
              "formats":{"type":"array","items":{"type":"string"},"enum":["csv","json"]}}}}}"#,
        )
        .expect("table");
        let s = json!({"$ref": "I"});
        assert!(check(&t, &s, &json!({"formats": ["json", "CSV"]})).is_empty());
        let errs = check(&t, &s, &json!({"formats": ["json", "xml"]}));
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].message, "must be one of: csv, json");
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
