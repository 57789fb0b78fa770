//! OpenAPI 3.1 -> 3.0 lowering on a `serde_json::Value`.
//!
//! Walks the document knowing where schemas live (components, parameters, headers, media
//! types, nested schema keywords) and rewrites the JSON Schema 2020-12 forms OpenAPI 3.0 lacks.
//! Every change is recorded as a [`LoadNote`] with the JSON pointer into the original document.

use serde_json::{Map, Value};

use super::error::{LoadError, LoadErrorKind};
use super::pointer::{join, join_index};
use super::{kind_name, LoadNote, TARGET_OPENAPI_VERSION};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Lower an OpenAPI 3.1 document (already known to be an object) to OpenAPI 3.0.3.
pub fn lower(mut doc: Value, origin: &str, notes: &mut Vec<LoadNote>) -> Result<Value, LoadError> {
    let Some(root) = doc.as_object_mut() else {
        return Err(LoadError::new(
            LoadErrorKind::NotASpec,
            origin,
            "",
            "the document is not an object",
        ));
    };
    let from = root
        .get("openapi")
        .map(|v| v.to_string())
        .unwrap_or_default();
    root.insert("openapi".into(), Value::from(TARGET_OPENAPI_VERSION));
    notes.push(LoadNote::new(
        "/openapi",
        "openapi-version",
        format!("`openapi` {from} lowered to {TARGET_OPENAPI_VERSION}"),
    ));
    if let Some(w) = root.shift_remove("webhooks") {
        let n = w.as_object().map(|m| m.len()).unwrap_or(0);
        notes.push(LoadNote::new(
            "/webhooks",
            "webhooks-dropped",
            format!("`webhooks` ({n} entries) dropped: OpenAPI 3.0 has no webhooks and a client does not call them"),
        ));
    }
    if root.shift_remove("jsonSchemaDialect").is_some() {
        notes.push(LoadNote::new(
            "/jsonSchemaDialect",
            "json-schema-dialect-dropped",
            "`jsonSchemaDialect` dropped (OpenAPI 3.0 has a fixed schema dialect)",
        ));
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        if info.shift_remove("summary").is_some() {
            notes.push(LoadNote::new(
                "/info/summary",
                "info-summary-dropped",
                "`info.summary` dropped (not in OpenAPI 3.0)",
            ));
        }
        if let Some(lic) = info.get_mut("license").and_then(Value::as_object_mut) {
            if let Some(id) = lic.shift_remove("identifier") {
                notes.push(LoadNote::new(
                    "/info/license/identifier",
                    "license-identifier-dropped",
                    format!("`info.license.identifier` {id} dropped (not in OpenAPI 3.0)"),
                ));
            }
        }
    }
    match root.get("paths") {
        None => {
            root.insert("paths".into(), Value::Object(Map::new()));
            notes.push(LoadNote::new(
                "/paths",
                "paths-added",
                "`paths` is optional in 3.1 and required in 3.0: an empty `paths` was added",
            ));
        }
        Some(Value::Object(_)) => {}
        Some(other) => {
            return Err(LoadError::new(
                LoadErrorKind::Invalid,
                origin,
                "/paths",
                format!("`paths` must be an object, found {}", kind_name(other)),
            ))
        }
    }
    inline_path_item_refs(root, notes);

    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            walk_path_item(item, &join("/paths", path), notes);
        }
    }
    if let Some(comps) = root.get_mut("components").and_then(Value::as_object_mut) {
        walk_map(
            comps.get_mut("schemas"),
            "/components/schemas",
            notes,
            walk_schema,
        );
        walk_map(
            comps.get_mut("parameters"),
            "/components/parameters",
            notes,
            walk_parameter,
        );
        walk_map(
            comps.get_mut("headers"),
            "/components/headers",
            notes,
            walk_parameter,
        );
        walk_map(
            comps.get_mut("requestBodies"),
            "/components/requestBodies",
            notes,
            walk_body,
        );
        walk_map(
            comps.get_mut("responses"),
            "/components/responses",
            notes,
            walk_response,
        );
        walk_map(
            comps.get_mut("callbacks"),
            "/components/callbacks",
            notes,
            walk_callback,
        );
    }
    Ok(doc)
}

/// Replace path items that `$ref` `#/components/pathItems/X` by a copy of X, then drop
/// `components.pathItems` (a 3.1 addition).
fn inline_path_item_refs(root: &mut Map<String, Value>, notes: &mut Vec<LoadNote>) {
    let items = root
        .get_mut("components")
        .and_then(Value::as_object_mut)
        .and_then(|c| c.shift_remove("pathItems"));
    let Some(items) = items else { return };
    notes.push(LoadNote::new(
        "/components/pathItems",
        "path-items-inlined",
        "`components.pathItems` (3.1 only) removed; path items referring to it were inlined",
    ));
    let Some(items) = items.as_object() else {
        return;
    };
    let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let target = item
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/pathItems/"))
            .map(unescape);
        if let Some(name) = target {
            if let Some(found) = items.get(&name) {
                *item = found.clone();
                notes.push(LoadNote::new(
                    join("/paths", path),
                    "path-item-ref-inlined",
                    format!("path item `$ref` to components.pathItems {name:?} inlined"),
                ));
            }
        }
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

type Walker = fn(&mut Value, &str, &mut Vec<LoadNote>);

fn walk_map(v: Option<&mut Value>, ptr: &str, notes: &mut Vec<LoadNote>, f: Walker) {
    if let Some(map) = v.and_then(Value::as_object_mut) {
        for (k, child) in map.iter_mut() {
            f(child, &join(ptr, k), notes);
        }
    }
}

fn walk_array(v: Option<&mut Value>, ptr: &str, notes: &mut Vec<LoadNote>, f: Walker) {
    if let Some(arr) = v.and_then(Value::as_array_mut) {
        for (i, child) in arr.iter_mut().enumerate() {
            f(child, &join_index(ptr, i), notes);
        }
    }
}

fn walk_path_item(item: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(map) = item.as_object_mut() else {
        return;
    };
    walk_array(
        map.get_mut("parameters"),
        &join(ptr, "parameters"),
        notes,
        walk_parameter,
    );
    for m in METHODS {
        if let Some(op) = map.get_mut(m) {
            walk_operation(op, &join(ptr, m), notes);
        }
    }
}

fn walk_operation(op: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(map) = op.as_object_mut() else {
        return;
    };
    walk_array(
        map.get_mut("parameters"),
        &join(ptr, "parameters"),
        notes,
        walk_parameter,
    );
    if let Some(body) = map.get_mut("requestBody") {
        walk_body(body, &join(ptr, "requestBody"), notes);
    }
    walk_map(
        map.get_mut("responses"),
        &join(ptr, "responses"),
        notes,
        walk_response,
    );
    walk_map(
        map.get_mut("callbacks"),
        &join(ptr, "callbacks"),
        notes,
        walk_callback,
    );
}

fn walk_callback(cb: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    walk_map(Some(cb), ptr, notes, walk_path_item);
}

fn walk_parameter(p: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(map) = p.as_object_mut() else { return };
    if let Some(s) = map.get_mut("schema") {
        walk_schema(s, &join(ptr, "schema"), notes);
    }
    walk_map(
        map.get_mut("content"),
        &join(ptr, "content"),
        notes,
        walk_media_type,
    );
}

fn walk_body(b: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(map) = b.as_object_mut() else { return };
    walk_map(
        map.get_mut("content"),
        &join(ptr, "content"),
        notes,
        walk_media_type,
    );
}

fn walk_response(r: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(map) = r.as_object_mut() else { return };
    walk_map(
        map.get_mut("headers"),
        &join(ptr, "headers"),
        notes,
        walk_parameter,
    );
    walk_map(
        map.get_mut("content"),
        &join(ptr, "content"),
        notes,
        walk_media_type,
    );
}

fn walk_media_type(mt: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(map) = mt.as_object_mut() else {
        return;
    };
    if let Some(s) = map.get_mut("schema") {
        walk_schema(s, &join(ptr, "schema"), notes);
    }
    if let Some(enc) = map.get_mut("encoding").and_then(Value::as_object_mut) {
        let eptr = join(ptr, "encoding");
        for (k, e) in enc.iter_mut() {
            if let Some(e) = e.as_object_mut() {
                walk_map(
                    e.get_mut("headers"),
                    &join(&join(&eptr, k), "headers"),
                    notes,
                    walk_parameter,
                );
            }
        }
    }
}

/// Schema keywords whose value is one subschema.
const SUB_SCHEMA: [&str; 11] = [
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
    "items",
];
/// Schema keywords whose value is a map of subschemas.
const SUB_SCHEMA_MAP: [&str; 5] = [
    "properties",
    "patternProperties",
    "dependentSchemas",
    "$defs",
    "definitions",
];
/// Schema keywords whose value is an array of subschemas.
const SUB_SCHEMA_LIST: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];

/// Lower one schema (and its subschemas) in place.
pub fn walk_schema(schema: &mut Value, ptr: &str, notes: &mut Vec<LoadNote>) {
    if let Value::Bool(b) = schema {
        let b = *b;
        *schema = if b {
            Value::Object(Map::new())
        } else {
            serde_json::json!({"not": {}})
        };
        notes.push(LoadNote::new(
            ptr,
            "boolean-schema",
            format!("boolean schema `{b}` written as an object schema"),
        ));
        return;
    }
    let Some(map) = schema.as_object_mut() else {
        return;
    };
    for k in SUB_SCHEMA {
        match map.get_mut(k) {
            Some(Value::Array(items)) if k == "items" => {
                for (i, s) in items.iter_mut().enumerate() {
                    walk_schema(s, &join_index(&join(ptr, k), i), notes);
                }
            }
            Some(s) => walk_schema(s, &join(ptr, k), notes),
            None => {}
        }
    }
    // additionalProperties: a boolean is valid in 3.0 too, so only objects are walked.
    if let Some(s @ Value::Object(_)) = map.get_mut("additionalProperties") {
        walk_schema(s, &join(ptr, "additionalProperties"), notes);
    }
    for k in SUB_SCHEMA_MAP {
        walk_map(map.get_mut(k), &join(ptr, k), notes, walk_schema);
    }
    for k in SUB_SCHEMA_LIST {
        walk_array(map.get_mut(k), &join(ptr, k), notes, walk_schema);
    }
    lower_ref_siblings(map, ptr, notes);
    lower_type(map, ptr, notes);
    lower_const(map, ptr, notes);
    lower_examples(map, ptr, notes);
    lower_exclusive(map, ptr, notes, "exclusiveMinimum", "minimum", true);
    lower_exclusive(map, ptr, notes, "exclusiveMaximum", "maximum", false);
    lower_content_encoding(map, ptr, notes);
    lower_prefix_items(map, ptr, notes);
}

/// `{$ref, ...siblings}` -> `{allOf: [{$ref}], ...siblings}` (3.0 ignores `$ref` siblings).
fn lower_ref_siblings(map: &mut Map<String, Value>, ptr: &str, notes: &mut Vec<LoadNote>) {
    if map.len() < 2 || !map.contains_key("$ref") {
        return;
    }
    let Some(r) = map.shift_remove("$ref") else {
        return;
    };
    let mut only_ref = Map::new();
    only_ref.insert("$ref".into(), r.clone());
    let entry = Value::Object(only_ref);
    match map.get_mut("allOf") {
        Some(Value::Array(list)) => list.insert(0, entry),
        _ => {
            map.insert("allOf".into(), Value::Array(vec![entry]));
        }
    }
    let siblings: Vec<&str> = map
        .keys()
        .filter(|k| *k != "allOf")
        .map(String::as_str)
        .collect();
    notes.push(LoadNote::new(
        ptr,
        "ref-siblings-allof",
        format!(
            "`$ref` {r} had siblings ({}); wrapped as allOf so they are kept",
            siblings.join(", ")
        ),
    ));
}

/// Keywords that only apply to one instance type, moved into that type's oneOf branch.
fn keywords_for(ty: &str) -> &'static [&'static str] {
    match ty {
        "array" => &["items", "minItems", "maxItems", "uniqueItems"],
        "object" => &[
            "properties",
            "required",
            "additionalProperties",
            "minProperties",
            "maxProperties",
        ],
        "string" => &["minLength", "maxLength", "pattern", "format"],
        "number" | "integer" => &[
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "format",
        ],
        _ => &[],
    }
}

pub(super) fn lower_type(map: &mut Map<String, Value>, ptr: &str, notes: &mut Vec<LoadNote>) {
    match map.get("type") {
        Some(Value::String(s)) if s == "null" => {
            map.shift_remove("type");
            map.insert("nullable".into(), Value::Bool(true));
            notes.push(LoadNote::new(
                ptr,
                "type-null",
                "`type: null` written as `nullable: true` without a type",
            ));
        }
        Some(Value::Array(types)) => {
            let has_null = types.iter().any(|t| t == "null");
            let mut rest: Vec<String> = Vec::new();
            for t in types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
            {
                if !rest.iter().any(|r| r == t) {
                    rest.push(t.to_string());
                }
            }
            let original = Value::Array(types.clone()).to_string();
            map.shift_remove("type");
            if has_null {
                map.insert("nullable".into(), Value::Bool(true));
            }
            match rest.len() {
                0 => {}
                1 => {
                    map.insert("type".into(), Value::from(rest[0].clone()));
                }
                _ => {
                    let mut branches = Vec::new();
                    for t in &rest {
                        let mut b = Map::new();
                        b.insert("type".into(), Value::from(t.clone()));
                        for kw in keywords_for(t) {
                            if let Some(v) = map.get(*kw) {
                                b.insert((*kw).to_string(), v.clone());
                            }
                        }
                        branches.push(Value::Object(b));
                    }
                    for t in &rest {
                        for kw in keywords_for(t) {
                            map.shift_remove(*kw);
                        }
                    }
                    let one_of = Value::Array(branches);
                    if map.contains_key("oneOf") {
                        let mut wrapper = Map::new();
                        wrapper.insert("oneOf".into(), one_of);
                        match map.get_mut("allOf") {
                            Some(Value::Array(list)) => list.push(Value::Object(wrapper)),
                            _ => {
                                map.insert(
                                    "allOf".into(),
                                    Value::Array(vec![Value::Object(wrapper)]),
                                );
                            }
                        }
                    } else {
                        map.insert("oneOf".into(), one_of);
                    }
                }
            }
            let what = match (rest.len(), has_null) {
                (0, true) => "nullable: true without a type".to_string(),
                (1, true) => format!("type {} + nullable: true", rest[0]),
                (1, false) => format!("type {}", rest[0]),
                (_, n) => format!(
                    "oneOf of {} types{}",
                    rest.len(),
                    if n { " + nullable: true" } else { "" }
                ),
            };
            notes.push(LoadNote::new(
                ptr,
                if has_null {
                    "type-array-null"
                } else {
                    "type-array"
                },
                format!("`type: {original}` written as {what}"),
            ));
        }
        _ => {}
    }
}

pub(super) fn lower_const(map: &mut Map<String, Value>, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(c) = map.shift_remove("const") else {
        return;
    };
    if c.is_null() {
        map.insert("nullable".into(), Value::Bool(true));
    }
    let text = c.to_string();
    map.insert("enum".into(), Value::Array(vec![c]));
    notes.push(LoadNote::new(
        ptr,
        "const-enum",
        format!("`const: {text}` written as a single-value enum"),
    ));
}

pub(super) fn lower_examples(map: &mut Map<String, Value>, ptr: &str, notes: &mut Vec<LoadNote>) {
    if !matches!(map.get("examples"), Some(Value::Array(_))) {
        return;
    }
    let Some(Value::Array(list)) = map.shift_remove("examples") else {
        return;
    };
    let n = list.len();
    let kept = if map.contains_key("example") {
        "the existing `example` kept".to_string()
    } else if let Some(first) = list.into_iter().next() {
        map.insert("example".into(), first);
        "the first written as `example`".to_string()
    } else {
        "it was empty".to_string()
    };
    notes.push(LoadNote::new(
        ptr,
        "examples-example",
        format!("schema `examples` ({n} values) dropped; {kept}"),
    ));
}

pub(super) fn lower_exclusive(
    map: &mut Map<String, Value>,
    ptr: &str,
    notes: &mut Vec<LoadNote>,
    key: &str,
    bound: &str,
    is_min: bool,
) {
    let Some(Value::Number(n)) = map.get(key).cloned() else {
        return;
    };
    let Some(x) = n.as_f64() else { return };
    let existing = map.get(bound).and_then(Value::as_f64);
    // The exclusive bound is stricter unless the inclusive one already excludes more.
    let exclusive_wins = match existing {
        None => true,
        Some(b) => {
            if is_min {
                x >= b
            } else {
                x <= b
            }
        }
    };
    if exclusive_wins {
        map.insert(bound.into(), Value::Number(n.clone()));
        map.insert(key.into(), Value::Bool(true));
    } else {
        map.shift_remove(key);
    }
    notes.push(LoadNote::new(
        join(ptr, key),
        "exclusive-bound",
        format!("numeric `{key}: {n}` written in the 3.0 boolean form ({bound} + {key}: true)"),
    ));
}

fn lower_content_encoding(map: &mut Map<String, Value>, ptr: &str, notes: &mut Vec<LoadNote>) {
    let enc = map.shift_remove("contentEncoding");
    let media = map.shift_remove("contentMediaType");
    if enc.is_none() && media.is_none() {
        return;
    }
    let format = match enc.as_ref().and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("base64url") => {
            "byte"
        }
        _ => "binary",
    };
    if !map.contains_key("format") {
        map.insert("format".into(), Value::from(format));
    }
    if !map.contains_key("type") {
        map.insert("type".into(), Value::from("string"));
    }
    let mut what = Vec::new();
    if let Some(e) = enc {
        what.push(format!("contentEncoding {e}"));
    }
    if let Some(m) = media {
        what.push(format!("contentMediaType {m}"));
    }
    notes.push(LoadNote::new(
        ptr,
        "content-encoding-format",
        format!("{} written as string format {format}", what.join(", ")),
    ));
}

fn lower_prefix_items(map: &mut Map<String, Value>, ptr: &str, notes: &mut Vec<LoadNote>) {
    let Some(prefix) = map.shift_remove("prefixItems") else {
        return;
    };
    let mut candidates: Vec<Value> = Vec::new();
    let n = match prefix {
        Value::Array(list) => {
            let n = list.len();
            for s in list {
                if !candidates.contains(&s) {
                    candidates.push(s);
                }
            }
            n
        }
        _ => 0,
    };
    if let Some(items @ Value::Object(_)) = map.shift_remove("items") {
        if !candidates.contains(&items) {
            candidates.push(items);
        }
    }
    let items = match candidates.len() {
        0 => Value::Object(Map::new()),
        1 => candidates.pop().unwrap_or_default(),
        _ => {
            let mut m = Map::new();
            m.insert("oneOf".into(), Value::Array(candidates));
            Value::Object(m)
        }
    };
    map.insert("items".into(), items);
    notes.push(LoadNote::new(
        join(ptr, "prefixItems"),
        "prefix-items",
        format!(
            "`prefixItems` ({n} positions) written as one `items` schema (positions are not kept)"
        ),
    ));
}
