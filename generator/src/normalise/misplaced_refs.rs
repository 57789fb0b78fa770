//! A schema that refers to a component of another kind (`schema: {oneOf: [{$ref:
//! '#/components/responses/TagList'}]}`, where the spec filed a schema under `responses`) is the
//! spec's own mistake; the type generator only knows `#/components/schemas/`. When the target
//! reads as a schema (it has `type`, `properties`, `items`, `allOf`/`oneOf`/`anyOf`, `enum`...,
//! and no response/parameter keys) it is copied to `#/components/schemas/` (same name, or a
//! numbered one) and the reference follows; else the reference becomes an untyped JSON value.
//! A `components/responses` entry without the required `description` gets an empty one, so
//! the document stays valid. One note per repair.

use super::{resolve, Ctx};
use crate::error::{escape_pointer_segment, Result};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Keys only a schema has.
const SCHEMA_KEYS: [&str; 9] = [
    "type",
    "properties",
    "items",
    "allOf",
    "oneOf",
    "anyOf",
    "enum",
    "additionalProperties",
    "format",
];

/// Keys of a response, parameter or request body (not of a schema).
const OTHER_KEYS: [&str; 4] = ["content", "in", "headers", "schema"];

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    // Reference -> its new local reference (None: untyped).
    let mut moved: BTreeMap<String, Option<String>> = BTreeMap::new();
    // A copied schema may hold such references too: rounds until none is left (bounded).
    for _ in 0..32 {
        let mut found = Vec::new();
        find(doc, String::new(), false, &mut found, 0);
        if found.is_empty() {
            break;
        }
        repair(doc, ctx, found, &mut moved);
    }
    describe_responses(doc, ctx);
    Ok(())
}

fn repair(
    doc: &mut Value,
    ctx: &mut Ctx<'_>,
    found: Vec<(String, String)>,
    moved: &mut BTreeMap<String, Option<String>>,
) {
    for (_, reference) in &found {
        if moved.contains_key(reference) {
            continue;
        }
        let target = resolve(doc, reference).cloned();
        let schema_like = target.as_ref().and_then(Value::as_object).is_some_and(|m| {
            SCHEMA_KEYS.iter().any(|k| m.contains_key(*k))
                && !OTHER_KEYS.iter().any(|k| m.contains_key(*k))
        });
        let new = match (schema_like, target) {
            (true, Some(schema)) => {
                let name = reference.rsplit('/').next().unwrap_or("Schema");
                let name = name.replace("~1", "/").replace("~0", "~");
                let schemas = doc
                    .as_object_mut()
                    .map(|d| {
                        d.entry("components")
                            .or_insert_with(|| json!({}))
                            .as_object_mut()
                            .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
                    })
                    .and_then(|s| s.and_then(Value::as_object_mut));
                let Some(schemas) = schemas else {
                    continue;
                };
                let mut local = name.clone();
                let mut n = 2;
                while schemas.contains_key(&local) {
                    local = format!("{name}_{n}");
                    n += 1;
                }
                schemas.insert(local.clone(), schema);
                Some(format!(
                    "#/components/schemas/{}",
                    escape_pointer_segment(&local)
                ))
            }
            _ => None,
        };
        ctx.report.note(match &new {
            Some(r) => format!("`$ref: {reference}` used as a schema: the schema it holds copied to `{r}`"),
            None => format!("`$ref: {reference}` used as a schema does not hold one: read as an untyped JSON value"),
        });
        moved.insert(reference.clone(), new);
    }
    for (ptr, reference) in found {
        if let Some(slot) = doc.pointer_mut(&ptr) {
            *slot = match moved.get(&reference).cloned().flatten() {
                Some(r) => json!({ "$ref": r }),
                None => json!({}),
            };
        }
    }
}

/// A `components/responses` entry without `description` gets an empty one.
fn describe_responses(doc: &mut Value, ctx: &mut Ctx<'_>) {
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        for (name, r) in responses.iter_mut() {
            if let Some(m) = r.as_object_mut() {
                if !m.contains_key("$ref") && !m.contains_key("description") {
                    m.insert("description".into(), Value::from(""));
                    ctx.report.note(format!(
                        "/components/responses/{}: no `description` (required): an empty one added",
                        escape_pointer_segment(name)
                    ));
                }
            }
        }
    }
}

/// Collects (pointer, reference) of every `$ref` in a schema position (under a `schema` key or
/// `/components/schemas`) that points at a local component other than a schema.
fn find(v: &Value, ptr: String, in_schema: bool, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                if in_schema
                    && r.starts_with("#/components/")
                    && !r.starts_with("#/components/schemas/")
                {
                    out.push((ptr, r.to_string()));
                }
                return;
            }
            for (k, child) in map {
                if super::is_data_key(k) {
                    continue;
                }
                let child_ptr = format!("{ptr}/{}", escape_pointer_segment(k));
                let schema = in_schema || k == "schema" || child_ptr == "/components/schemas";
                find(child, child_ptr, schema, out, depth + 1);
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                find(child, format!("{ptr}/{i}"), in_schema, out, depth + 1);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_refs_to_other_component_kinds_are_repaired() {
        let mut doc = json!({
            "paths": {"/t": {"get": {"responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"oneOf": [
                    {"$ref": "#/components/schemas/Names"},
                    {"$ref": "#/components/responses/TagList"},
                    {"$ref": "#/components/responses/Real"}
                ]}}
            }}}}}},
            "components": {
                "schemas": {"Names": {"type": "array", "items": {"type": "string"}},
                            "TagList": {"type": "string"}},
                "responses": {
                    "TagList": {"type": "object", "properties": {"tags": {"type": "array", "items": {"$ref": "#/components/responses/Tag"}}}},
                    "Tag": {"type": "string"},
                    "Real": {"description": "a real response", "content": {}}
                }
            }
        });
        let report = crate::normalise::run_pass(&mut doc, run);
        let one_of = &doc["paths"]["/t"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["oneOf"];
        assert_eq!(
            one_of,
            &json!([
                {"$ref": "#/components/schemas/Names"},
                {"$ref": "#/components/schemas/TagList_2"},
                {}
            ])
        );
        assert_eq!(
            doc["components"]["schemas"]["TagList_2"]["properties"]["tags"]["items"],
            json!({"$ref": "#/components/schemas/Tag"})
        );
        assert_eq!(doc["components"]["responses"]["TagList"]["description"], "");
        assert_eq!(report.notes.len(), 5, "{:?}", report.notes);
    }
}
