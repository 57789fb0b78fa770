//! Parameter fixes: `$ref` parameters are inlined (so their location is known), cookie
//! parameters are dropped from the signature (the session's cookie store sends them),
//! styles invalid for the location (`style: simple` on a query) are removed (default style),
//! a parameter-level `additionalProperties` moves into its schema, a `content`-typed
//! parameter gets that content's schema, and a parameter without a schema gets a string one.

use super::{deref, operation_keys, Ctx, METHODS};
use crate::error::Result;
use serde_json::{Map, Value};

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let snapshot = doc.clone();
    // Path-item level parameters first: fixes there count for every operation of the item.
    let paths: Vec<String> = doc
        .get("paths")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for path in &paths {
        let Some(item) = doc
            .get_mut("paths")
            .and_then(|p| p.get_mut(path))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let methods: Vec<&str> = METHODS
            .iter()
            .copied()
            .filter(|m| item.contains_key(*m))
            .collect();
        if let Some(Value::Array(params)) = item.get_mut("parameters") {
            let changes = fix_list(&snapshot, params, &ctx.session_headers);
            for m in &methods {
                for c in &changes {
                    ctx.report.adjust(m, path, c.clone());
                }
            }
        }
    }
    for (path, method) in operation_keys(doc) {
        let Some(op) = super::operation_mut(doc, &path, &method) else {
            continue;
        };
        if let Some(Value::Array(params)) = op.get_mut("parameters") {
            for c in fix_list(&snapshot, params, &ctx.session_headers) {
                ctx.report.adjust(&method, &path, c);
            }
        }
    }
    Ok(())
}

fn fix_list(doc: &Value, params: &mut Vec<Value>, session_headers: &[String]) -> Vec<String> {
    let mut changes = Vec::new();
    let old = std::mem::take(params);
    for p in old {
        let mut p = match deref(doc, &p) {
            Some(Value::Object(m)) => m.clone(),
            _ => {
                changes.push(format!(
                    "parameter {} cannot be resolved: left out",
                    p.get("$ref").and_then(Value::as_str).unwrap_or("?")
                ));
                continue;
            }
        };
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let location = p
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if location == "cookie" {
            changes.push(format!(
                "cookie parameter `{name}` not in the signature: the session's cookie store sends cookies"
            ));
            continue;
        }
        if location == "header" && session_headers.contains(&name.to_ascii_lowercase()) {
            changes.push(format!(
                "header parameter `{name}` not in the signature: the session sends it"
            ));
            continue;
        }
        if !matches!(location.as_str(), "path" | "query" | "header") {
            changes.push(format!(
                "parameter `{name}` has invalid location `{location}`: left out"
            ));
            continue;
        }
        let media = content_media_type(&p);
        fix_one(&mut p, &name, &location, &mut changes);
        simple_array_as_string(doc, &mut p, &name, &location, &mut changes);
        structured_as_string(doc, &mut p, &name, &location, media, &mut changes);
        params.push(Value::Object(p));
    }
    changes
}

fn fix_one(p: &mut Map<String, Value>, name: &str, location: &str, changes: &mut Vec<String>) {
    delimited(p, name, location, changes);
    if let Some(style) = p.get("style").and_then(Value::as_str).map(str::to_string) {
        let valid: &[&str] = match location {
            "query" => &["form", "spaceDelimited", "pipeDelimited", "deepObject"],
            "path" => &["matrix", "label", "simple"],
            _ => &["simple"],
        };
        if !valid.contains(&style.as_str()) {
            p.remove("style");
            changes.push(format!(
                "{location} parameter `{name}`: `style: {style}` is not valid there: default style used"
            ));
        }
    }
    if !p.contains_key("schema") {
        let from_content = p
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.values().next())
            .and_then(|mt| mt.get("schema"))
            .cloned();
        match from_content {
            Some(s) => {
                p.insert("schema".into(), s);
                changes.push(format!(
                    "parameter `{name}`: schema taken from its `content`"
                ));
            }
            None => {
                p.insert("schema".into(), serde_json::json!({"type": "string"}));
                changes.push(format!("parameter `{name}` has no schema: typed as string"));
            }
        }
    }
    p.remove("content");
    if let Some(ap) = p.remove("additionalProperties") {
        if let Some(Value::Object(schema)) = p.get_mut("schema") {
            if !schema.contains_key("$ref") && !schema.contains_key("additionalProperties") {
                schema.insert("additionalProperties".into(), ap);
            }
        }
        changes.push(format!(
            "parameter `{name}`: `additionalProperties` moved into its schema"
        ));
    }
    if location == "path" && p.get("required") != Some(&Value::Bool(true)) {
        p.insert("required".into(), Value::Bool(true));
    }
    if location == "path" {
        let schema = p.get_mut("schema").and_then(Value::as_object_mut);
        if schema.and_then(|s| s.remove("nullable")).is_some() {
            changes.push(format!(
                "path parameter `{name}`: `nullable` dropped (a path segment is always present)"
            ));
        }
    }
}

/// The media type of a `content`-typed parameter.
fn content_media_type(p: &Map<String, Value>) -> Option<String> {
    p.get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.keys().next().cloned())
}

/// True when a (dereferenced) schema is an object with properties or a union (not a scalar, a
/// map or an array).
fn is_structured(doc: &Value, schema: &Value) -> bool {
    let Some(s) = deref(doc, schema) else {
        return false;
    };
    if ["properties", "allOf", "oneOf", "anyOf"]
        .iter()
        .any(|k| s.get(*k).is_some())
    {
        return true;
    }
    match s.get("type").and_then(Value::as_str) {
        // A map (`additionalProperties` only) travels as form pairs.
        Some("object") => s.get("additionalProperties").is_none(),
        // Arrays are left to the code generator (it takes arrays of models).
        _ => false,
    }
}

/// A parameter whose value is a structure (an object, a union, a `content`-typed JSON value)
/// cannot travel in a query, path or header as typed Rust: it becomes a string the caller
/// serialises (JSON for `application/json` content, the API's own notation otherwise).
fn structured_as_string(
    doc: &Value,
    p: &mut Map<String, Value>,
    name: &str,
    location: &str,
    media: Option<String>,
    changes: &mut Vec<String>,
) {
    let Some(schema) = p.get("schema") else {
        return;
    };
    if !is_structured(doc, schema) {
        return;
    }
    let how = match media {
        Some(mt) => format!("its `{mt}` content serialised by the caller"),
        None => "the serialised value".to_string(),
    };
    p.insert("schema".into(), serde_json::json!({"type": "string"}));
    changes.push(format!(
        "{location} parameter `{name}` is a structured value: sent as a string ({how})"
    ));
}

/// A header or path parameter that is an array (`style: simple`, on the wire `a,b,c`): the
/// client writes such a value with `to_string()`, which a `Vec` does not have, so the crate
/// would not compile. The parameter becomes one string the caller joins with `,`.
fn simple_array_as_string(
    doc: &Value,
    p: &mut Map<String, Value>,
    name: &str,
    location: &str,
    changes: &mut Vec<String>,
) {
    if !matches!(location, "header" | "path") {
        return;
    }
    let Some(schema) = p.get("schema").and_then(|s| deref(doc, s)) else {
        return;
    };
    if schema.get("type").and_then(Value::as_str) != Some("array") {
        return;
    }
    let item = schema
        .get("items")
        .and_then(|i| deref(doc, i))
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("string")
        .to_string();
    p.insert("schema".into(), serde_json::json!({"type": "string"}));
    p.remove("explode");
    changes.push(format!(
        "{location} parameter `{name}` (array of {item}) sent as one string: join the values with `,`"
    ));
}

/// `style: pipeDelimited` / `spaceDelimited` (and Swagger's `tsv`) query arrays, which the
/// client cannot send as arrays: the parameter becomes one string the caller joins.
fn delimited(p: &mut Map<String, Value>, name: &str, location: &str, changes: &mut Vec<String>) {
    let by_style = match p.get("style").and_then(Value::as_str) {
        Some("pipeDelimited") => Some(("pipeDelimited", "|")),
        Some("spaceDelimited") => Some(("spaceDelimited", " ")),
        _ => None,
    };
    let by_ext = p
        .remove(crate::load::swagger2::DELIMITER)
        .and_then(|d| d.as_str().map(|_| ("collectionFormat: tsv", "\\t")));
    let Some((what, sep)) = by_style.or(by_ext) else {
        return;
    };
    if location != "query" {
        return;
    }
    p.remove("style");
    p.remove("explode");
    let item = p
        .get("schema")
        .and_then(|s| s.get("items"))
        .and_then(|i| i.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("string")
        .to_string();
    p.insert("schema".into(), serde_json::json!({"type": "string"}));
    changes.push(format!(
        "query parameter `{name}` (`{what}` array of {item}) sent as one string: join the values with `{sep}`"
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;
    use serde_json::json;

    #[test]
    fn session_headers_leave_the_signature_case_insensitively() {
        let mut doc = json!({"openapi": "3.0.1", "paths": {"/p": {"get": {
            "operationId": "g",
            "parameters": [
                {"name": "X-MSTR-AuthToken", "in": "header", "required": true, "schema": {"type": "string"}},
                {"name": "X-Other", "in": "header", "schema": {"type": "string"}}
            ],
            "responses": {"204": {"description": "ok"}}
        }}}});
        let mut report = Report::new("t");
        let mut ctx = Ctx {
            report: &mut report,
            flags: Default::default(),
            session_headers: vec!["x-mstr-authtoken".to_string()],
        };
        run(&mut doc, &mut ctx).unwrap();
        let params = doc["paths"]["/p"]["get"]["parameters"].as_array().unwrap();
        assert_eq!(params.len(), 1);
        assert_eq!(params[0]["name"], "X-Other");
        let line = report.operations.iter().find(|o| o.path == "/p").unwrap();
        assert!(line.changes[0].contains("header parameter `X-MSTR-AuthToken`"));
    }

    #[test]
    fn fixes_style_cookie_additional_properties_and_refs() {
        let mut doc = json!({
            "paths": {"/x": {"get": {"operationId": "x", "parameters": [
                {"name": "a", "in": "query", "style": "simple", "schema": {"type": "string"}},
                {"name": "sid", "in": "cookie", "schema": {"type": "string"}},
                {"name": "filters", "in": "query", "additionalProperties": {"type": "string"}, "schema": {"type": "object"}},
                {"$ref": "#/components/parameters/H"}
            ]}}},
            "components": {"parameters": {"H": {"name": "h", "in": "header", "schema": {"type": "string"}}}}
        });
        let report = crate::normalise::run_pass(&mut doc, run);
        let ps = doc["paths"]["/x"]["get"]["parameters"].as_array().unwrap();
        assert_eq!(ps.len(), 3);
        assert!(ps[0].get("style").is_none());
        assert_eq!(
            ps[1]["schema"]["additionalProperties"],
            json!({"type": "string"})
        );
        assert_eq!(ps[2]["name"], "h");
        let line = report.get("get", "/x").unwrap();
        assert_eq!(line.changes.len(), 3);
        assert!(line.changes[1].contains("cookie parameter `sid`"));
    }

    #[test]
    fn header_and_path_arrays_become_joined_strings() {
        let mut doc = json!({
        "components": {"schemas": {"Modes": {"type": "array", "items": {"type": "string", "enum": ["a", "b"]}}}},
        "paths": {"/x/{ids}": {"get": {"operationId": "x", "parameters": [
            {"name": "X-Modes", "in": "header", "schema": {"$ref": "#/components/schemas/Modes"}},
            {"name": "ids", "in": "path", "required": true,
             "schema": {"type": "array", "items": {"type": "integer"}}},
            {"name": "q", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}}
        ]}}}});
        let report = crate::normalise::run_pass(&mut doc, run);
        let params = doc["paths"]["/x/{ids}"]["get"]["parameters"]
            .as_array()
            .unwrap();
        assert_eq!(params[0]["schema"], json!({"type": "string"}));
        assert_eq!(params[1]["schema"], json!({"type": "string"}));
        // Query arrays are sent as repeated pairs by the client: left as they are.
        assert_eq!(params[2]["schema"]["type"], "array");
        assert_eq!(
            report.get("get", "/x/{ids}").unwrap().changes,
            [
                "header parameter `X-Modes` (array of string) sent as one string: join the values with `,`",
                "path parameter `ids` (array of integer) sent as one string: join the values with `,`"
            ]
        );
    }

    #[test]
    fn delimited_query_arrays_become_joined_strings() {
        let mut doc = json!({"paths": {"/x": {"get": {"operationId": "x", "parameters": [
            {"name": "ids", "in": "query", "style": "pipeDelimited", "explode": false,
             "schema": {"type": "array", "items": {"type": "integer"}}},
            {"name": "tags", "in": "query", "style": "spaceDelimited",
             "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "cols", "in": "query", "x-bi-rest-delimiter": "\t",
             "schema": {"type": "array", "items": {"type": "string"}}}
        ]}}}});
        let report = crate::normalise::run_pass(&mut doc, run);
        for p in doc["paths"]["/x"]["get"]["parameters"].as_array().unwrap() {
            assert_eq!(p["schema"], json!({"type": "string"}));
            assert!(p.get("style").is_none() && p.get("x-bi-rest-delimiter").is_none());
        }
        assert_eq!(
            report.get("get", "/x").unwrap().changes,
            [
                "query parameter `ids` (`pipeDelimited` array of integer) sent as one string: join the values with `|`",
                "query parameter `tags` (`spaceDelimited` array of string) sent as one string: join the values with ` `",
                "query parameter `cols` (`collectionFormat: tsv` array of string) sent as one string: join the values with `\\t`"
            ]
        );
    }
}
