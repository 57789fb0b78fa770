//! Acceptance: each Looker Swagger 2.0 spec, converted by the loader, has the same
//! (method, path, operationId) set and the same component schema names as the vendor's
//! shipped OpenAPI 3.0 form.
//!
//! Specs are read from the repo copy `specs/looker/` if present, else from `shared/specs/looker`
//! next to the repo clone (`<repo>/../shared`, or `<repo>/../../shared` for worktrees). When
//! none is found the test says so and passes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bi_rest_generator::load::{load_path, SpecVersion};
use serde_json::Value;

fn looker_dir() -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    [
        repo.join("specs/looker"),
        repo.join("../shared/specs/looker"),
        repo.join("../../shared/specs/looker"),
    ]
    .into_iter()
    .find(|d| d.join("Looker.4.0.json").is_file())
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations(doc: &Value) -> BTreeSet<(String, String, String)> {
    let mut set = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if METHODS.contains(&method.as_str()) {
                let id = op["operationId"].as_str().unwrap_or("").to_string();
                set.insert((method.clone(), path.clone(), id));
            }
        }
    }
    set
}

fn schema_names(doc: &Value) -> BTreeSet<String> {
    doc["components"]["schemas"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn check(version: &str, expected_ops: usize) {
    let Some(dir) = looker_dir() else {
        eprintln!("Looker specs not found (specs/looker or ../shared/specs/looker): skipped");
        return;
    };
    let swagger = load_path(&dir.join(format!("Looker.{version}.json"))).expect("swagger loads");
    let oas = load_path(&dir.join(format!("Looker.{version}.oas.json"))).expect("oas loads");
    assert_eq!(swagger.original_version, SpecVersion::Swagger2);
    assert_eq!(oas.original_version, SpecVersion::OpenApi30);
    assert_eq!(swagger.document["openapi"], "3.0.3");

    let a = operations(&swagger.document);
    let b = operations(&oas.document);
    assert_eq!(a.len(), expected_ops, "operation count of Looker {version}");
    let only_converted: Vec<_> = a.difference(&b).collect();
    let only_shipped: Vec<_> = b.difference(&a).collect();
    assert!(
        only_converted.is_empty() && only_shipped.is_empty(),
        "Looker {version}: only in converted {only_converted:?}, only in shipped {only_shipped:?}"
    );
    assert_eq!(schema_names(&swagger.document), schema_names(&oas.document));
    assert_eq!(swagger.document["servers"], oas.document["servers"]);

    // No Swagger-2.0 reference survives the conversion.
    let text = swagger.document.to_string();
    assert!(
        !text.contains("#/definitions/"),
        "a #/definitions/ ref survived"
    );
    assert!(!text.contains("\"swagger\""));
    // Every body became a requestBody, no parameter is `in: body` / `in: formData`.
    assert!(!text.contains("\"in\":\"body\"") && !text.contains("\"in\":\"formData\""));
}

#[test]
fn looker_3_0_swagger_matches_shipped_oas() {
    check("3.0", 259);
}

#[test]
fn looker_3_1_swagger_matches_shipped_oas() {
    check("3.1", 355);
}

#[test]
fn looker_4_0_swagger_matches_shipped_oas() {
    check("4.0", 483);
}

#[test]
fn looker_4_0_nullable_and_media_types() {
    let Some(dir) = looker_dir() else {
        eprintln!("Looker specs not found: skipped");
        return;
    };
    let spec = load_path(&dir.join("Looker.4.0.json")).expect("loads");
    let doc = &spec.document;
    // x-looker-nullable -> nullable, as in the shipped OAS form.
    assert_eq!(
        doc["components"]["schemas"]["Dashboard"]["properties"]["title"]["nullable"],
        true
    );
    // `produces` -> one content entry per media type, in order.
    let content = doc["paths"]["/content_thumbnail/{type}/{resource_id}"]["get"]["responses"]
        ["200"]["content"]
        .as_object()
        .expect("content");
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        ["image/svg+xml", "image/png"]
    );
    // A body parameter became a JSON requestBody.
    assert!(
        doc["paths"]["/dashboards"]["post"]["requestBody"]["content"]["application/json"]["schema"]
            ["$ref"]
            .as_str()
            .is_some()
    );
    // The 4.0 Swagger file has 1,824 `x-looker-nullable: true` (and 1,138 `false`, unchanged).
    let nullable_notes = spec
        .notes
        .iter()
        .filter(|n| n.rule == "x-looker-nullable")
        .count();
    assert_eq!(nullable_notes, 1824);
    // A nullable `$ref` property is wrapped so 3.0 readers honour `nullable`.
    let folder = &doc["components"]["schemas"]["DashboardBase"]["properties"]["folder"];
    assert_eq!(
        folder["allOf"][0]["$ref"],
        "#/components/schemas/FolderBase"
    );
    assert_eq!(folder["nullable"], true);
}

#[test]
fn looker_4_0_loads_fast_enough_to_not_matter() {
    // Prints the time (no timing assert): a 2 MB spec must not take seconds.
    let Some(dir) = looker_dir() else { return };
    let start = std::time::Instant::now();
    let spec = load_path(&dir.join("Looker.4.0.oas.json")).expect("loads");
    let oas = start.elapsed();
    let start = std::time::Instant::now();
    load_path(&dir.join("Looker.4.0.json")).expect("loads");
    let sw = start.elapsed();
    eprintln!("Looker 4.0 load: oas.json {oas:?}, swagger conversion {sw:?}");
    assert!(spec.notes.is_empty());
}

/// A schema with what differs only in form removed: `$ref` siblings (3.0 ignores them; the
/// vendor drops them, the loader keeps them), the allOf wrapper of a nullable `$ref`,
/// `nullable`, and `x-looker-*` extensions (the loader keeps them, the vendor drops them).
fn essential(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref") {
                return serde_json::json!({ "$ref": r });
            }
            if let Some(Value::Array(all)) = m.get("allOf") {
                if all.len() == 1 && all[0].get("$ref").is_some() && m.get("nullable").is_some() {
                    return serde_json::json!({ "$ref": all[0]["$ref"] });
                }
            }
            Value::Object(
                m.iter()
                    .filter(|(k, _)| *k != "nullable" && !k.starts_with("x-looker-"))
                    .map(|(k, v)| (k.clone(), essential(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(essential).collect()),
        other => other.clone(),
    }
}

/// Differences between two JSON values as pointers (at most `limit`).
fn differences(a: &Value, b: &Value, at: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => differences(p, q, &format!("{at}/{k}"), out),
                    _ => out.push(format!("{at}/{k}")),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, &format!("{at}/{i}"), out);
            }
        }
        _ if a != b => out.push(at.to_string()),
        _ => {}
    }
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(v),
        None => v,
    }
}

/// Per operation: parameters (name, in, required, style-less schema), request body media
/// types and schema, response codes with their media types and schemas.
fn operation_shape(doc: &Value, op: &Value) -> Value {
    let params: Vec<Value> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let p = resolve(doc, p);
            serde_json::json!([
                p["name"],
                p["in"],
                p["required"].as_bool().unwrap_or(false),
                p["deprecated"].as_bool().unwrap_or(false),
                essential(&p["schema"])
            ])
        })
        .collect();
    let body = resolve(doc, &op["requestBody"]);
    let body: Value = body["content"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(m, c)| (m.clone(), essential(&c["schema"])))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let responses: Value = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(code, r)| {
            let content: serde_json::Map<_, _> = resolve(doc, r)["content"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(m, c)| (m.clone(), essential(&c["schema"])))
                .collect();
            (code.clone(), Value::Object(content))
        })
        .collect::<serde_json::Map<_, _>>()
        .into();
    serde_json::json!({"parameters": params, "body": body, "responses": responses})
}

fn check_shapes(version: &str, allowed_ops: &[&str], allowed_schema_diffs: &[&str]) {
    let Some(dir) = looker_dir() else {
        eprintln!("Looker specs not found: skipped");
        return;
    };
    let sw = load_path(&dir.join(format!("Looker.{version}.json"))).expect("loads");
    let oas = load_path(&dir.join(format!("Looker.{version}.oas.json"))).expect("loads");
    let (a, b) = (&sw.document, &oas.document);

    let mut out = Vec::new();
    differences(
        &essential(&a["components"]["schemas"]),
        &essential(&b["components"]["schemas"]),
        "/components/schemas",
        &mut out,
    );
    out.retain(|p| {
        !allowed_schema_diffs
            .iter()
            .any(|suffix| p.ends_with(suffix))
    });
    assert!(
        out.is_empty(),
        "Looker {version} schema differences: {out:?}"
    );

    let mut differing = Vec::new();
    for (path, item) in b["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let mine = operation_shape(a, &a["paths"][path][method]);
            let theirs = operation_shape(b, op);
            if mine != theirs {
                let id = op["operationId"].as_str().unwrap_or("").to_string();
                let mut d = Vec::new();
                differences(&mine, &theirs, "", &mut d);
                differing.push((id, d));
            }
        }
    }
    let unexpected: Vec<_> = differing
        .iter()
        .filter(|(id, _)| !allowed_ops.contains(&id.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "Looker {version} operation differences: {unexpected:?}"
    );
}

#[test]
fn looker_3_0_converted_shapes_match_shipped() {
    // The vendor's 3.0 OAS form (an older converter) leaves schema-level
    // `x-looker-deprecated` as is; its 3.1 and 4.0 forms write `deprecated` like the loader.
    check_shapes("3.0", &[], &["/deprecated"]);
}

#[test]
fn looker_3_1_converted_shapes_match_shipped() {
    check_shapes("3.1", &[], &[]);
}

#[test]
fn looker_4_0_converted_shapes_match_shipped() {
    // The vendor's OAS form invents an empty form-urlencoded body for `login` (its Swagger
    // form only lists `consumes`); the loader does not invent bodies.
    check_shapes("4.0", &["login"], &[]);
}
