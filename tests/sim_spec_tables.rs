//! The simulators answer every operation of the shipped specs from compact route tables
//! (`src/sim/spec/tables/*.json`) derived from `specs/`: operations (method, path template,
//! required query and header parameters, request body schema, first success answer) and the
//! schemas they reach, without descriptions. This test derives them again with the generator's
//! loader (YAML and Swagger 2.0 become OpenAPI 3.0 JSON) and fails when a committed table is
//! stale; `BI_REST_WRITE_SIM_TABLES=1 cargo test --test sim_spec_tables` rewrites them.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{json, Map, Value};

/// (spec file, table name). Looker 3.0 uses the OpenAPI copy of the spec (same operations as
/// the Swagger file the generator reads).
const TABLES: &[(&str, &str)] = &[
    ("specs/mstr/openapi.yaml", "mstr"),
    ("specs/looker/Looker.3.0.oas.json", "looker_3_0"),
    ("specs/looker/Looker.3.1.oas.json", "looker_3_1"),
    ("specs/looker/Looker.4.0.oas.json", "looker_4_0"),
    ("specs/agileapps/openapi.yaml", "agileapps"),
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "head", "options"];

/// Schema keys kept in the table (everything that shapes or validates a value).
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "enum",
    "items",
    "properties",
    "required",
    "nullable",
    "additionalProperties",
    "allOf",
    "oneOf",
    "anyOf",
    "readOnly",
    "example",
    "default",
];

/// A schema without descriptions; `$ref`s shortened to the schema name.
fn compact_schema(s: &Value, refs: &mut BTreeSet<String>) -> Value {
    let Value::Object(m) = s else {
        return s.clone();
    };
    if let Some(r) = m.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or(r).to_string();
        refs.insert(name.clone());
        return json!({ "$ref": name });
    }
    let mut out = Map::new();
    for key in SCHEMA_KEYS {
        let Some(v) = m.get(*key) else { continue };
        let v = match *key {
            "properties" => Value::Object(
                v.as_object()
                    .map(|props| {
                        props
                            .iter()
                            .map(|(k, p)| (k.clone(), compact_schema(p, refs)))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            "items" | "additionalProperties" => compact_schema(v, refs),
            "allOf" | "oneOf" | "anyOf" => Value::Array(
                v.as_array()
                    .map(|xs| xs.iter().map(|x| compact_schema(x, refs)).collect())
                    .unwrap_or_default(),
            ),
            _ => v.clone(),
        };
        out.insert((*key).to_string(), v);
    }
    Value::Object(out)
}

/// The first media type of a `content` map, JSON preferred, with its schema and example.
fn media(content: Option<&Value>, refs: &mut BTreeSet<String>) -> Option<(String, Value)> {
    let content = content?.as_object()?;
    let (name, c) = content
        .iter()
        .find(|(k, _)| k.contains("json"))
        .or_else(|| content.iter().next())?;
    let mut out = Map::new();
    out.insert("media".into(), Value::String(name.clone()));
    if let Some(s) = c.get("schema") {
        out.insert("schema".into(), compact_schema(s, refs));
    }
    let example = c.get("example").cloned().or_else(|| {
        c.get("examples")
            .and_then(Value::as_object)
            .and_then(|xs| xs.values().next())
            .and_then(|x| x.get("value"))
            .cloned()
    });
    if let Some(e) = example {
        out.insert("example".into(), e);
    }
    Some((name.clone(), Value::Object(out)))
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|p| doc.pointer(p))
            .unwrap_or(v),
        None => v,
    }
}

fn operation(
    doc: &Value,
    path: &str,
    method: &str,
    item: &Value,
    op: &Value,
    refs: &mut BTreeSet<String>,
) -> Value {
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let params = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    for p in params {
        let p = resolve(doc, p);
        if !p.get("required").and_then(Value::as_bool).unwrap_or(false) {
            continue;
        }
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        match p.get("in").and_then(Value::as_str) {
            Some("query") => query.push(name),
            Some("header") => headers.push(name),
            _ => {}
        }
    }
    let mut out = Map::new();
    out.insert(
        "id".into(),
        op.get("operationId")
            .cloned()
            .unwrap_or_else(|| Value::String(format!("{method} {path}"))),
    );
    out.insert("method".into(), Value::String(method.to_uppercase()));
    out.insert("path".into(), Value::String(path.to_string()));
    if let Some(tag) = op.get("tags").and_then(|t| t.get(0)) {
        out.insert("tag".into(), tag.clone());
    }
    if !query.is_empty() {
        out.insert("query".into(), json!(query));
    }
    if !headers.is_empty() {
        out.insert("headers".into(), json!(headers));
    }
    if let Some(body) = op.get("requestBody") {
        let body = resolve(doc, body);
        if let Some((_, mut m)) = media(body.get("content"), refs) {
            let required = body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            m["required"] = Value::Bool(required);
            if let Some(o) = m.as_object_mut() {
                o.remove("example");
            }
            out.insert("body".into(), m);
        }
    }
    let responses = op.get("responses").and_then(Value::as_object);
    let ok = responses.and_then(|rs| {
        let mut codes: Vec<(&String, &Value)> =
            rs.iter().filter(|(k, _)| k.starts_with('2')).collect();
        codes.sort_by(|a, b| a.0.cmp(b.0));
        codes.into_iter().next()
    });
    let mut answer = Map::new();
    let status = ok.and_then(|(k, _)| k.parse::<u16>().ok()).unwrap_or(200);
    answer.insert("status".into(), json!(status));
    if let Some((_, r)) = ok {
        let r = resolve(doc, r);
        if let Some((_, m)) = media(r.get("content"), refs) {
            if let Some(o) = m.as_object() {
                answer.extend(o.clone());
            }
        }
    }
    out.insert("ok".into(), Value::Object(answer));
    Value::Object(out)
}

/// The compact table of one spec, as text (one operation / schema per line).
fn table(spec: &Path) -> String {
    let loaded = bi_rest_generator::load::load_path(spec).expect("load spec");
    let doc = &loaded.document;
    let mut refs = BTreeSet::new();
    let mut ops = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let item = resolve(doc, item);
            for method in METHODS {
                if let Some(op) = item.get(*method) {
                    ops.push(operation(doc, path, method, item, op, &mut refs));
                }
            }
        }
    }
    // The schemas reached from the operations, transitively.
    let all = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut schemas = std::collections::BTreeMap::new();
    let mut todo: Vec<String> = refs.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        if schemas.contains_key(&name) {
            continue;
        }
        let Some(s) = all.get(&name) else { continue };
        let mut more = BTreeSet::new();
        let c = compact_schema(s, &mut more);
        schemas.insert(name, c);
        todo.extend(more.into_iter().filter(|n| !schemas.contains_key(n)));
    }
    let title = doc.pointer("/info/title").cloned().unwrap_or(Value::Null);
    let version = doc.pointer("/info/version").cloned().unwrap_or(Value::Null);
    let mut text = String::new();
    text.push_str(&format!(
        "{{\"title\":{title},\"version\":{version},\n\"ops\":[\n"
    ));
    let lines: Vec<String> = ops.iter().map(|o| o.to_string()).collect();
    text.push_str(&lines.join(",\n"));
    text.push_str("\n],\n\"schemas\":{\n");
    let lines: Vec<String> = schemas
        .iter()
        .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
        .collect();
    text.push_str(&lines.join(",\n"));
    text.push_str("\n}}\n");
    text
}

#[test]
fn sim_spec_tables_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let write = std::env::var_os("BI_REST_WRITE_SIM_TABLES").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (spec, name) in TABLES {
        let text = table(&root.join(spec));
        serde_json::from_str::<Value>(&text).expect("table is JSON");
        let file = root
            .join("src/sim/spec/tables")
            .join(format!("{name}.json"));
        let current = std::fs::read_to_string(&file).unwrap_or_default();
        if current != text {
            if write {
                std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
                std::fs::write(&file, &text).expect("write table");
            } else {
                stale.push(file.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale simulator route tables (rewrite with BI_REST_WRITE_SIM_TABLES=1 cargo test --test sim_spec_tables): {stale:?}"
    );
}
