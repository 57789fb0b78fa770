//! Subsetting: keep chosen tags / operation ids, honour vendor visibility
//! (`x-microstrategy: {visibility: internal}` is left out unless asked for), and prune the
//! component schemas no kept operation reaches (transitively through `$ref`s).

use crate::error::{ErrorKind, GenError, Result};
use crate::normalise::{operation_ids::ORIGINAL_ID, operation_keys, remove_operation};
use crate::report::Report;
use serde_json::Value;
use std::collections::BTreeSet;

/// What to keep.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep operations having at least one of these tags (all when empty).
    pub tags: Vec<String>,
    /// Keep these operation ids (original or final form; all when empty).
    pub operations: Vec<String>,
    /// Keep operations marked internal by a vendor visibility extension.
    pub include_internal: bool,
}

fn visibility(op: &Value) -> Option<&str> {
    op.get("x-microstrategy")
        .and_then(|x| x.get("visibility"))
        .and_then(Value::as_str)
}

/// Removes the operations not selected, recording each as excluded. Errors when a requested
/// operation id or tag matches nothing.
pub fn select(doc: &mut Value, sel: &Selection, report: &mut Report) -> Result<()> {
    let mut seen_ids = BTreeSet::new();
    let mut seen_tags = BTreeSet::new();
    for (path, method) in operation_keys(doc) {
        let Some(op) = doc.pointer(&crate::normalise::op_pointer(&path, &method)) else {
            continue;
        };
        let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
        let orig = op.get(ORIGINAL_ID).and_then(Value::as_str).unwrap_or("");
        let tags: Vec<&str> = op
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| t.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut reason = None;
        if visibility(op) == Some("internal") && !sel.include_internal {
            reason = Some(
                "internal operation (x-microstrategy visibility); use --include-internal"
                    .to_string(),
            );
        }
        if reason.is_none() && !sel.operations.is_empty() {
            let hit: Vec<&String> = sel
                .operations
                .iter()
                .filter(|o| *o == id || *o == orig)
                .collect();
            if hit.is_empty() {
                reason = Some("not in the selected operations".into());
            }
            seen_ids.extend(hit.into_iter().cloned());
        }
        if reason.is_none() && !sel.tags.is_empty() {
            let hit: Vec<&String> = sel
                .tags
                .iter()
                .filter(|t| tags.contains(&t.as_str()))
                .collect();
            if hit.is_empty() {
                reason = Some("not in the selected tags".into());
            }
            seen_tags.extend(hit.into_iter().cloned());
        }
        if let Some(r) = reason {
            remove_operation(doc, &path, &method);
            report.exclude(&method, &path, r);
        }
    }
    let missing_ids: Vec<&String> = sel
        .operations
        .iter()
        .filter(|o| !seen_ids.contains(*o))
        .collect();
    if !missing_ids.is_empty() {
        return Err(GenError::new(
            ErrorKind::Config,
            format!("operations not found in the spec (or internal): {missing_ids:?}"),
        )
        .with_pointer("/paths"));
    }
    let missing_tags: Vec<&String> = sel
        .tags
        .iter()
        .filter(|t| !seen_tags.contains(*t))
        .collect();
    if !missing_tags.is_empty() && sel.operations.is_empty() {
        return Err(GenError::new(
            ErrorKind::Config,
            format!("tags used by no operation: {missing_tags:?}"),
        )
        .with_pointer("/paths"));
    }
    Ok(())
}

fn collect_refs(v: &Value, out: &mut Vec<String>, depth: usize) {
    if depth > 512 {
        return;
    }
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.push(r.to_string());
            }
            for c in m.values() {
                collect_refs(c, out, depth + 1);
            }
        }
        Value::Array(a) => {
            for c in a {
                collect_refs(c, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// Removes component schemas no operation reaches; returns how many were removed.
pub fn prune(doc: &mut Value) -> usize {
    let mut queue = Vec::new();
    if let Some(paths) = doc.get("paths") {
        collect_refs(paths, &mut queue, 0);
    }
    let mut reached = BTreeSet::new();
    while let Some(r) = queue.pop() {
        if !reached.insert(r.clone()) {
            continue;
        }
        if let Some(target) = crate::normalise::resolve(doc, &r) {
            collect_refs(target, &mut queue, 0);
        }
    }
    let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return 0;
    };
    let before = schemas.len();
    schemas.retain(|name, _| {
        reached.contains(&format!(
            "#/components/schemas/{}",
            crate::error::escape_pointer_segment(name)
        ))
    });
    before - schemas.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {
                "/a": {"get": {"operationId": "a", "tags": ["T"], "responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}},
                "/b": {"get": {"operationId": "b", "tags": ["U"], "x-microstrategy": {"visibility": "internal"}, "responses": {}}},
                "/c": {"get": {"operationId": "c", "tags": ["U"], "responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/C"}}}}}}}
            },
            "components": {"schemas": {"A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}}, "B": {}, "C": {}, "D": {}}}
        })
    }

    #[test]
    fn tags_visibility_and_prune() {
        let mut d = doc();
        let mut r = Report::new("t");
        select(
            &mut d,
            &Selection {
                tags: vec!["T".into()],
                ..Default::default()
            },
            &mut r,
        )
        .unwrap();
        assert_eq!(prune(&mut d), 2);
        let names: Vec<&String> = d["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(r.counts().excluded, 2);
        assert!(r
            .get("get", "/b")
            .unwrap()
            .reason
            .as_deref()
            .unwrap()
            .contains("internal"));
    }

    #[test]
    fn internal_kept_on_request_and_unknown_id_is_error() {
        let mut d = doc();
        let mut r = Report::new("t");
        select(
            &mut d,
            &Selection {
                include_internal: true,
                ..Default::default()
            },
            &mut r,
        )
        .unwrap();
        assert_eq!(r.counts().excluded, 0);
        let mut d = doc();
        let e = select(
            &mut d,
            &Selection {
                operations: vec!["zzz".into()],
                ..Default::default()
            },
            &mut r,
        )
        .unwrap_err();
        assert_eq!(e.kind(), &ErrorKind::Config);
    }
}
