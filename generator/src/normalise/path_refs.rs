//! Inlines `$ref` path items (progenitor refuses them). A path item that refers to an
//! unresolvable place is removed and noted; its sibling keys (summary, parameters...) win
//! over the referenced ones.

use super::{resolve, Ctx};
use crate::error::{pointer, GenError, Result};
use serde_json::Value;

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(());
    };
    let refs: Vec<(String, String)> = paths
        .iter()
        .filter_map(|(p, item)| {
            item.get("$ref")
                .and_then(Value::as_str)
                .map(|r| (p.clone(), r.to_string()))
        })
        .collect();
    for (path, reference) in refs {
        let mut target = None;
        let mut current = reference.clone();
        for _ in 0..16 {
            match resolve(doc, &current) {
                Some(v) => match v.get("$ref").and_then(Value::as_str) {
                    Some(next) => current = next.to_string(),
                    None => {
                        target = Some(v.clone());
                        break;
                    }
                },
                None => break,
            }
        }
        let paths = doc
            .get_mut("paths")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| GenError::invalid("/paths", "paths is not an object"))?;
        match target.and_then(|t| t.as_object().cloned()) {
            Some(mut resolved) => {
                if let Some(Value::Object(own)) = paths.get(&path) {
                    for (k, v) in own {
                        if k != "$ref" {
                            resolved.insert(k.clone(), v.clone());
                        }
                    }
                }
                let n = super::METHODS
                    .iter()
                    .filter(|m| resolved.contains_key(**m))
                    .count();
                paths.insert(path.clone(), Value::Object(resolved));
                for m in super::METHODS {
                    if n > 0 && doc.pointer(&pointer(["paths", &path, m])).is_some() {
                        ctx.report.adjust(
                            m,
                            &path,
                            format!("path item `$ref: {reference}` inlined (progenitor refuses path-item references)"),
                        );
                    }
                }
            }
            None => {
                paths.remove(&path);
                ctx.report.note(format!(
                    "{}: path item `$ref: {reference}` cannot be resolved inside the document; the path is left out",
                    pointer(["paths", &path])
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use serde_json::json;

    #[test]
    fn inlines_component_path_item_and_notes_unresolvable() {
        let mut doc = json!({
            "paths": {
                "/a": {"$ref": "#/components/pathItems/A", "summary": "own"},
                "/b": {"$ref": "other.yaml#/x"}
            },
            "components": {"pathItems": {"A": {"get": {"operationId": "a", "responses": {}}}}}
        });
        let report = crate::normalise::run_pass(&mut doc, run);
        assert_eq!(doc["paths"]["/a"]["get"]["operationId"], "a");
        assert_eq!(doc["paths"]["/a"]["summary"], "own");
        assert!(doc["paths"].get("/b").is_none());
        assert_eq!(report.get("get", "/a").unwrap().status, Status::Adjusted);
        assert_eq!(report.notes.len(), 1);
    }
}
