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
