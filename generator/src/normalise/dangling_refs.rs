//! Dangling local references: a `$ref: '#/...'` that points nowhere in the document is the
//! spec's own mistake. Where the intent is clear it is repaired instead of failing: a schema
//! becomes an untyped schema (any JSON value), a response a bare description, a request body an
//! untyped JSON body. Parameters are left to the parameters pass (which leaves them out).
//! Each repair is reported on its operation (or as a spec-wide note for components).

use super::{resolve, Ctx};
use crate::error::{escape_pointer_segment, Result};
use serde_json::{json, Value};

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let mut found = Vec::new();
    find(doc, doc, String::new(), &mut found, 0);
    for (ptr, reference) in found {
        let Some(slot) = doc.pointer_mut(&ptr) else {
            continue;
        };
        let what = if reference.starts_with("#/components/parameters/") {
            continue;
        } else if reference.starts_with("#/components/responses/") {
            *slot = json!({"description": "(the spec refers to a response it does not define)"});
            "a response without a body"
        } else if reference.starts_with("#/components/requestBodies/") {
            *slot = json!({"content": {"application/json": {"schema": {}}}});
            "an untyped JSON body"
        } else {
            *slot = json!({});
            "an untyped JSON value"
        };
        let change =
            format!("`$ref: {reference}` at {ptr} points nowhere in the spec: read as {what}");
        match operation_of(&ptr) {
            Some((path, method)) => ctx.report.adjust(&method, &path, change),
            None => ctx.report.note(change),
        }
    }
    Ok(())
}

/// Collects (pointer, reference) of every local `$ref` that does not resolve.
fn find(doc: &Value, v: &Value, ptr: String, out: &mut Vec<(String, String)>, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                if r.starts_with('#') && resolve(doc, r).is_none() {
                    out.push((ptr, r.to_string()));
                }
                return;
            }
            for (k, child) in map {
                if super::is_data_key(k) {
                    continue;
                }
                find(
                    doc,
                    child,
                    format!("{ptr}/{}", escape_pointer_segment(k)),
                    out,
                    depth + 1,
                );
            }
        }
        Value::Array(list) => {
            for (i, child) in list.iter().enumerate() {
                find(doc, child, format!("{ptr}/{i}"), out, depth + 1);
            }
        }
        _ => {}
    }
}

/// (path, method) of a pointer inside an operation (`/paths/<path>/<method>/...`).
pub fn operation_of(ptr: &str) -> Option<(String, String)> {
    let mut parts = ptr.strip_prefix("/paths/")?.splitn(3, '/');
    let path = parts.next()?.replace("~1", "/").replace("~0", "~");
    let method = parts.next()?;
    super::METHODS
        .contains(&method)
        .then(|| (path, method.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;

    #[test]
    fn dangling_schema_refs_become_untyped_values() {
        let mut doc = json!({
            "paths": {"/a/{id}": {"get": {"responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Gone"}}}},
                "404": {"$ref": "#/components/responses/NoSuch"}
            }}}},
            "components": {"schemas": {"Kept": {"properties": {"x": {"$ref": "#/components/schemas/Missing"}}}}}
        });
        let report = crate::normalise::run_pass(&mut doc, run);
        let r = &doc["paths"]["/a/{id}"]["get"]["responses"];
        assert_eq!(r["200"]["content"]["application/json"]["schema"], json!({}));
        assert!(r["404"]["description"].is_string());
        assert_eq!(
            doc["components"]["schemas"]["Kept"]["properties"]["x"],
            json!({})
        );
        let line = report.get("get", "/a/{id}").unwrap();
        assert_eq!(line.status, Status::Adjusted);
        assert_eq!(
            line.changes[0],
            "`$ref: #/components/schemas/Gone` at /paths/~1a~1{id}/get/responses/200/content/application~1json/schema points nowhere in the spec: read as an untyped JSON value"
        );
        assert_eq!(report.notes.len(), 1);
        assert!(report.notes[0].starts_with(
            "`$ref: #/components/schemas/Missing` at /components/schemas/Kept/properties/x"
        ));
    }
}
