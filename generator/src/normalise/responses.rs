//! Responses, so that every operation has one success type and one error type (progenitor
//! asserts `response_types.len() <= 1`) without losing data:
//! - `$ref` responses are inlined; media types get canonical names (`text` -> `text/plain`);
//! - a body declared on 204/205/304 is dropped (those statuses have no body);
//! - `default` becomes `4XX` + `5XX` next to explicit 2xx, else `2XX` + `4XX` + `5XX`;
//! - a success that may be JSON or image/pdf/text (Looker `run_query/{result_format}`) is
//!   returned as raw bytes (ByteStream); errors keep their JSON form;
//! - several JSON schemas in one class are merged into one generated `oneOf` component
//!   (an untagged enum; more specific variants first), named after the operation for
//!   successes (`CopyDashboardResponse`) and after the variants for errors
//!   (`ValidationErrorOrError`, shared by every operation with the same set);
//! - JSON next to a body-less status (200 + 204) becomes a nullable type and the operation is
//!   flagged `empty_success_is_null` / `empty_error_is_null`: the runtime `exec` hook maps an
//!   empty body of such an operation to JSON `null`.

use super::{canonicalise_content, deref, operation_keys, operation_mut, pascal, Ctx};
use crate::error::Result;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

const JSON: &str = "application/json";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Success,
    Error,
}

struct Merger<'a> {
    snapshot: &'a Value,
    existing: std::collections::BTreeSet<String>,
    new_components: Map<String, Value>,
    by_key: BTreeMap<String, String>,
}

impl Merger<'_> {
    fn name_for(&mut self, wanted: String, schema: &Value, shared: bool) -> String {
        let key = if shared {
            schema.to_string()
        } else {
            format!("{wanted}\u{0}{schema}")
        };
        if let Some(n) = self.by_key.get(&key) {
            return n.clone();
        }
        let mut name = wanted.clone();
        let mut n = 2;
        while self.existing.contains(&name) || self.new_components.contains_key(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        self.new_components.insert(name.clone(), schema.clone());
        self.by_key.insert(key, name.clone());
        name
    }

    /// Specificity of a schema: (required fields, properties) of what it refers to.
    fn specificity(&self, schema: &Value) -> (usize, usize) {
        let s = deref(self.snapshot, schema).unwrap_or(schema);
        let req = s
            .get("required")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        let props = s
            .get("properties")
            .and_then(Value::as_object)
            .map_or(0, Map::len);
        (req, props)
    }
}

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let snapshot = doc.clone();
    let existing = snapshot
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut merger = Merger {
        snapshot: &snapshot,
        existing,
        new_components: Map::new(),
        by_key: BTreeMap::new(),
    };
    for (path, method) in operation_keys(doc) {
        let Some(op) = operation_mut(doc, &path, &method) else {
            continue;
        };
        let op_id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("op")
            .to_string();
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            continue;
        };
        let mut changes = Vec::new();
        inline_and_clean(&snapshot, responses, &mut changes);
        fix_default(responses, &mut changes);
        let (s_null, s_raw) =
            merge_class(responses, Class::Success, &op_id, &mut merger, &mut changes);
        let (e_null, _) = merge_class(responses, Class::Error, &op_id, &mut merger, &mut changes);
        let flags = ctx.flags(&method, &path);
        flags.empty_success_is_null |= s_null;
        flags.empty_error_is_null |= e_null;
        flags.raw_success |= s_raw;
        for c in changes {
            ctx.report.adjust(&method, &path, c);
        }
    }
    if !merger.new_components.is_empty() {
        let n = merger.new_components.len();
        let root = doc.as_object_mut().expect("checked by normalise::run");
        let components = root
            .entry("components")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(c) = components {
            let schemas = c
                .entry("schemas")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(s) = schemas {
                s.extend(merger.new_components);
            }
        }
        ctx.report.note(format!(
            "{n} component schemas generated to merge response types"
        ));
    }
    Ok(())
}

fn class_of(status: &str) -> Option<Class> {
    match status.as_bytes().first() {
        Some(b'2') => Some(Class::Success),
        Some(b'4') | Some(b'5') => Some(Class::Error),
        _ => None,
    }
}

fn inline_and_clean(
    snapshot: &Value,
    responses: &mut Map<String, Value>,
    changes: &mut Vec<String>,
) {
    for (status, resp) in responses.iter_mut() {
        if resp.get("$ref").is_some() {
            match deref(snapshot, resp) {
                Some(r) => *resp = r.clone(),
                None => {
                    changes.push(format!(
                        "{status}: response reference cannot be resolved: treated as no body"
                    ));
                    *resp = json!({"description": ""});
                }
            }
        }
        let Some(r) = resp.as_object_mut() else {
            *resp = json!({"description": ""});
            continue;
        };
        if !r.get("description").is_some_and(Value::is_string) {
            r.insert("description".into(), Value::String(String::new()));
        }
        let no_body = matches!(status.as_str(), "204" | "205" | "304");
        if let Some(Value::Object(content)) = r.get_mut("content") {
            for c in canonicalise_content(content) {
                changes.push(format!("{status}: {c}"));
            }
            if no_body && !content.is_empty() {
                content.clear();
                changes.push(format!(
                    "{status}: declared body dropped (a {status} response has no body)"
                ));
            }
            if let Some(Value::Object(m)) = content.get_mut(JSON) {
                m.remove("encoding");
                if !m.contains_key("schema") {
                    m.insert("schema".into(), json!({}));
                }
            }
        }
        if r.get("content")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            r.remove("content");
        }
    }
}

fn fix_default(responses: &mut Map<String, Value>, changes: &mut Vec<String>) {
    let Some(default) = responses.remove("default") else {
        return;
    };
    let has_success = responses
        .keys()
        .any(|k| class_of(k) == Some(Class::Success));
    let mut targets = vec!["4XX", "5XX"];
    if !has_success {
        targets.insert(0, "2XX");
    }
    let mut used = Vec::new();
    for t in targets {
        if !responses.contains_key(t) {
            responses.insert(t.to_string(), default.clone());
            used.push(t);
        }
    }
    changes.push(format!(
        "`default` response applied to {}",
        if used.is_empty() {
            "nothing (all ranges declared)".to_string()
        } else {
            used.join(", ")
        }
    ));
}

enum Kind {
    None,
    Raw,
    Json(Value),
}

fn kind_of(resp: &Value) -> Kind {
    match resp.get("content").and_then(Value::as_object) {
        None => Kind::None,
        Some(c) if c.is_empty() => Kind::None,
        Some(c) => match c.get(JSON) {
            Some(m) => Kind::Json(m.get("schema").cloned().unwrap_or(json!({}))),
            None => Kind::Raw,
        },
    }
}

fn raw_content() -> Value {
    json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
}

/// Returns (empty body maps to null, success returned raw).
fn merge_class(
    responses: &mut Map<String, Value>,
    class: Class,
    op_id: &str,
    merger: &mut Merger<'_>,
    changes: &mut Vec<String>,
) -> (bool, bool) {
    let statuses: Vec<String> = responses
        .keys()
        .filter(|k| class_of(k) == Some(class))
        .cloned()
        .collect();
    // JSON next to other media types in one response.
    for s in &statuses {
        let Some(Value::Object(content)) = responses.get_mut(s).and_then(|r| r.get_mut("content"))
        else {
            continue;
        };
        if content.len() > 1 && content.contains_key(JSON) {
            let others: Vec<String> = content.keys().filter(|k| *k != JSON).cloned().collect();
            match class {
                Class::Success => {
                    *content = raw_content().as_object().cloned().unwrap_or_default();
                    changes.push(format!(
                        "{s}: answer may be JSON or {}: returned as raw bytes (ByteStream)",
                        others.join("/")
                    ));
                }
                Class::Error => {
                    content.retain(|k, _| k == JSON);
                    changes.push(format!(
                        "{s}: error body read as JSON (also declared: {})",
                        others.join("/")
                    ));
                }
            }
        }
    }
    let kinds: Vec<(String, Kind)> = statuses
        .iter()
        .map(|s| (s.clone(), kind_of(&responses[s])))
        .collect();
    let any_raw = kinds.iter().any(|(_, k)| matches!(k, Kind::Raw));
    let any_none = kinds.iter().any(|(_, k)| matches!(k, Kind::None));
    let jsons: Vec<&Value> = kinds
        .iter()
        .filter_map(|(_, k)| match k {
            Kind::Json(s) => Some(s),
            _ => None,
        })
        .collect();
    if any_raw {
        let mixed = any_none || !jsons.is_empty();
        if mixed {
            for s in &statuses {
                if let Some(Value::Object(r)) = responses.get_mut(s) {
                    r.insert("content".into(), raw_content());
                }
            }
            changes.push(format!(
                "{}: statuses {} mix raw and other bodies: all returned as raw bytes",
                label(class),
                statuses.join("/")
            ));
        }
        return (false, class == Class::Success);
    }
    if jsons.is_empty() {
        return (false, false);
    }
    let mut distinct: Vec<Value> = Vec::new();
    for j in &jsons {
        if !distinct.contains(j) {
            distinct.push((*j).clone());
        }
    }
    let all_refs = distinct.iter().all(|s| s.get("$ref").is_some());
    let needs_merge = distinct.len() > 1 || (jsons.len() > 1 && !all_refs);
    if !needs_merge && !any_none {
        return (false, false);
    }
    distinct.sort_by_key(|s| std::cmp::Reverse(merger.specificity(s)));
    let mut schema = if distinct.len() == 1 {
        distinct[0].clone()
    } else {
        json!({ "oneOf": distinct.clone() })
    };
    if any_none {
        schema = match schema {
            Value::Object(mut m) if m.contains_key("oneOf") => {
                m.insert("nullable".into(), Value::Bool(true));
                Value::Object(m)
            }
            other => json!({"oneOf": [other], "nullable": true}),
        };
    }
    let wanted = match class {
        Class::Success => format!("{}Response", pascal(op_id)),
        Class::Error if all_refs => {
            let names: Vec<String> = distinct
                .iter()
                .filter_map(|s| s.get("$ref").and_then(Value::as_str))
                .map(|r| pascal(r.rsplit('/').next().unwrap_or(r)))
                .collect();
            let base = names.join("Or");
            if any_none {
                format!("Optional{base}")
            } else {
                base
            }
        }
        Class::Error => format!("{}Error", pascal(op_id)),
    };
    let name = merger.name_for(wanted, &schema, class == Class::Error);
    let reference = json!({"$ref": format!("#/components/schemas/{name}")});
    for s in &statuses {
        if let Some(Value::Object(r)) = responses.get_mut(s) {
            r.insert(
                "content".into(),
                json!({ JSON: {"schema": reference.clone()} }),
            );
        }
    }
    let what = if distinct.len() > 1 {
        format!(
            "{} schemas merged into `{name}` (untagged enum, more specific first)",
            distinct.len()
        )
    } else {
        format!("one schema wrapped as `{name}`")
    };
    let null = if any_none {
        format!(
            "; body-less statuses map to null ({})",
            if class == Class::Success {
                "empty_success_is_null"
            } else {
                "empty_error_is_null"
            }
        )
    } else {
        String::new()
    };
    changes.push(format!(
        "{}: statuses {}: {what}{null}",
        label(class),
        statuses.join("/")
    ));
    (any_none, false)
}

fn label(c: Class) -> &'static str {
    match c {
        Class::Success => "success",
        Class::Error => "errors",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;

    fn run_on(responses: Value, components: Value) -> (Value, Report, super::super::FlagMap) {
        let mut doc = json!({
            "paths": {"/x": {"get": {"operationId": "copy_dashboard", "responses": responses}}},
            "components": {"schemas": components}
        });
        let mut report = Report::new("t");
        let mut ctx = Ctx {
            report: &mut report,
            flags: Default::default(),
            session_headers: Vec::new(),
        };
        run(&mut doc, &mut ctx).unwrap();
        let flags = ctx.flags;
        (doc, report, flags)
    }

    fn j(r: &str) -> Value {
        json!({"description": "", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}}})
    }

    #[test]
    fn merges_distinct_success_and_error_schemas() {
        let (doc, report, _) = run_on(
            json!({"200": j("A"), "201": j("B"), "404": j("Error"), "422": j("ValidationError")}),
            json!({
                "A": {"type": "object"}, "B": {"type": "object", "required": ["x"], "properties": {"x": {}}},
                "Error": {"type": "object", "required": ["message"], "properties": {"message": {}}},
                "ValidationError": {"type": "object", "required": ["message"], "properties": {"message": {}, "errors": {}}}
            }),
        );
        let s = &doc["components"]["schemas"];
        assert_eq!(
            s["CopyDashboardResponse"]["oneOf"][0]["$ref"],
            "#/components/schemas/B"
        );
        assert_eq!(
            s["ValidationErrorOrError"]["oneOf"],
            json!([{"$ref": "#/components/schemas/ValidationError"}, {"$ref": "#/components/schemas/Error"}])
        );
        let r = &doc["paths"]["/x"]["get"]["responses"];
        assert_eq!(
            r["201"]["content"][JSON]["schema"]["$ref"],
            "#/components/schemas/CopyDashboardResponse"
        );
        assert_eq!(
            r["404"]["content"][JSON]["schema"]["$ref"],
            "#/components/schemas/ValidationErrorOrError"
        );
        assert_eq!(report.get("get", "/x").unwrap().changes.len(), 2);
    }

    #[test]
    fn body_and_204_make_nullable_and_flag() {
        let (doc, _, flags) = run_on(
            json!({"200": j("A"), "204": {"description": "", "content": {"application/json": {"schema": {"type": "string"}}}}}),
            json!({"A": {"type": "object"}}),
        );
        let s = &doc["components"]["schemas"]["CopyDashboardResponse"];
        assert_eq!(
            s,
            &json!({"oneOf": [{"$ref": "#/components/schemas/A"}], "nullable": true})
        );
        let f = &flags[&("GET".to_string(), "/x".to_string())];
        assert!(f.empty_success_is_null);
        assert!(!f.raw_success);
    }

    #[test]
    fn json_or_image_success_is_raw_and_default_is_split() {
        let (doc, _, flags) = run_on(
            json!({
                "200": {"description": "", "content": {"text": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "string"}}, "image/png": {}}},
                "default": j("Error")
            }),
            json!({"Error": {"type": "object"}}),
        );
        let r = &doc["paths"]["/x"]["get"]["responses"];
        assert!(r["200"]["content"]
            .get("application/octet-stream")
            .is_some());
        assert!(r.get("default").is_none());
        assert!(r.get("4XX").is_some() && r.get("5XX").is_some());
        assert!(flags[&("GET".to_string(), "/x".to_string())].raw_success);
    }
}
