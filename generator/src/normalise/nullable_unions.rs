//! `anyOf`/`oneOf` with a null branch (`[X, {type: null}]`, what FastAPI and pydantic write
//! for `Optional[X]`) is written as X with `nullable: true`: the code generator cannot take such
//! a union in a parameter and makes a needless enum of it elsewhere. A single-value `enum` (a
//! lowered `const`) loses a `default` equal to that value, which the type generator would have
//! to check against a type it has already folded away. A nullable `enum` without a `type` gets
//! the type of its values (else the type generator reads it as "null only" and refuses the
//! values). Counts go into notes.

use super::Ctx;
use crate::error::Result;
use serde_json::{json, Map, Value};

/// Keys whose values are data, not schemas.
const DATA_KEYS: [&str; 4] = ["example", "examples", "default", "enum"];

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let mut counts = (0usize, 0usize, 0usize);
    walk(doc, &mut counts, 0);
    if counts.0 > 0 {
        ctx.report.note(format!(
            "{} `anyOf`/`oneOf` unions with a null branch written as the other branch with `nullable: true`",
            counts.0
        ));
    }
    if counts.2 > 0 {
        ctx.report.note(format!(
            "{} nullable `enum`s without a `type` typed from their values",
            counts.2
        ));
    }
    if counts.1 > 0 {
        ctx.report.note(format!(
            "{} `default`s of single-value enums dropped (the value is the only one possible)",
            counts.1
        ));
    }
    Ok(())
}

fn walk(v: &mut Value, counts: &mut (usize, usize, usize), depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if !DATA_KEYS.contains(&k.as_str()) && !k.starts_with("x-") {
                    walk(child, counts, depth + 1);
                }
            }
            for key in ["anyOf", "oneOf"] {
                if fold_null_branch(map, key) {
                    counts.0 += 1;
                }
            }
            if type_from_enum(map) {
                counts.2 += 1;
            }
            if matches!(map.get("enum"), Some(Value::Array(e)) if e.len() == 1 && map.get("default") == e.first())
            {
                map.remove("default");
                counts.1 += 1;
            }
        }
        Value::Array(list) => {
            for child in list {
                walk(child, counts, depth + 1);
            }
        }
        _ => {}
    }
}

/// Gives a nullable, untyped `enum` the JSON type all its non-null values share.
fn type_from_enum(map: &mut Map<String, Value>) -> bool {
    if map.contains_key("type") || map.get("nullable") != Some(&Value::Bool(true)) {
        return false;
    }
    let Some(Value::Array(values)) = map.get("enum") else {
        return false;
    };
    let kind = |v: &Value| match v {
        Value::String(_) => Some("string"),
        Value::Bool(_) => Some("boolean"),
        Value::Number(n) if n.is_f64() => Some("number"),
        Value::Number(_) => Some("integer"),
        _ => None,
    };
    let mut kinds = values.iter().filter(|v| !v.is_null()).map(kind);
    let Some(Some(first)) = kinds.next() else {
        return false;
    };
    if !kinds.all(|k| k == Some(first)) {
        return false;
    }
    map.insert("type".into(), Value::from(first));
    true
}

/// A branch that only admits null.
fn is_null_branch(b: &Value) -> bool {
    let Some(m) = b.as_object() else {
        return false;
    };
    let only = |k: &str| {
        m.keys()
            .all(|x| x == k || x == "title" || x == "description")
    };
    (m.get("type") == Some(&json!("null")) && only("type"))
        || (m.get("nullable") == Some(&json!(true)) && only("nullable"))
        || (m.get("enum") == Some(&json!([null])) && only("enum"))
}

/// Folds `key: [X, null]` of `map` into `map`; true when it did.
fn fold_null_branch(map: &mut Map<String, Value>, key: &str) -> bool {
    let Some(Value::Array(branches)) = map.get(key) else {
        return false;
    };
    if branches.len() < 2 || !branches.iter().any(is_null_branch) {
        return false;
    }
    let rest: Vec<Value> = branches
        .iter()
        .filter(|b| !is_null_branch(b))
        .cloned()
        .collect();
    map.remove(key);
    map.insert("nullable".into(), Value::Bool(true));
    match <[Value; 1]>::try_from(rest) {
        Ok([Value::Object(only)]) if only.contains_key("$ref") => {
            map.insert("allOf".into(), json!([only]));
        }
        Ok([Value::Object(only)]) => {
            for (k, v) in only {
                map.entry(k).or_insert(v);
            }
        }
        Ok([other]) => {
            map.insert("allOf".into(), json!([other]));
        }
        Err(rest) => {
            map.insert(key.into(), Value::Array(rest));
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_unions_become_nullable() {
        let mut doc = json!({"paths": {"/r": {"patch": {"parameters": [{
            "name": "update_mask", "in": "query",
            "schema": {"anyOf": [{"type": "string"}, {"nullable": true}], "title": "Update Mask"}
        }]}}}, "components": {"schemas": {
            "A": {"properties": {
                "r": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]},
                "m": {"oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]},
                "g": {"type": "string", "enum": ["password"], "default": "password"},
                "c": {"enum": ["charts", "dashboards"], "nullable": true}
            }}
        }}});
        let report = crate::normalise::run_pass(&mut doc, run);
        assert_eq!(
            doc["paths"]["/r"]["patch"]["parameters"][0]["schema"],
            json!({"title": "Update Mask", "nullable": true, "type": "string"})
        );
        let p = &doc["components"]["schemas"]["A"]["properties"];
        assert_eq!(
            p["r"],
            json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]})
        );
        assert_eq!(
            p["m"],
            json!({"nullable": true, "oneOf": [{"type": "integer"}, {"type": "string"}]})
        );
        assert_eq!(p["g"], json!({"type": "string", "enum": ["password"]}));
        assert_eq!(p["c"]["type"], "string");
        assert_eq!(report.notes.len(), 3);
    }
}
