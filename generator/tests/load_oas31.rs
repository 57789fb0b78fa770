//! OpenAPI 3.1 -> 3.0 lowering rules, on the authored fixture `fixtures/load/oas31_mixed.yaml`
//! and small inline documents. Every change must leave a note with its JSON pointer.

use std::path::Path;

use bi_rest_generator::load::{load_path, load_str, LoadedSpec, SpecVersion};
use serde_json::{json, Value};

fn mixed() -> LoadedSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load/oas31_mixed.yaml");
    load_path(&path).expect("fixture loads")
}

fn note_at(spec: &LoadedSpec, rule: &str, pointer: &str) -> bool {
    spec.notes
        .iter()
        .any(|n| n.rule == rule && n.pointer == pointer)
}

fn prop<'a>(spec: &'a LoadedSpec, name: &str) -> &'a Value {
    &spec.document["components"]["schemas"]["Thing"]["properties"][name]
}

const THING: &str = "/components/schemas/Thing/properties";

#[test]
fn document_level_changes() {
    let s = mixed();
    assert_eq!(s.original_version, SpecVersion::OpenApi31);
    let d = &s.document;
    assert_eq!(d["openapi"], "3.0.3");
    assert!(d.get("webhooks").is_none() && d.get("jsonSchemaDialect").is_none());
    assert!(d["info"].get("summary").is_none());
    assert_eq!(d["info"]["license"], json!({"name": "Apache-2.0"}));
    for (rule, ptr) in [
        ("openapi-version", "/openapi"),
        ("webhooks-dropped", "/webhooks"),
        ("json-schema-dialect-dropped", "/jsonSchemaDialect"),
        ("info-summary-dropped", "/info/summary"),
        ("license-identifier-dropped", "/info/license/identifier"),
    ] {
        assert!(note_at(&s, rule, ptr), "{rule} at {ptr}: {:?}", s.notes);
    }
}

#[test]
fn type_arrays() {
    let s = mixed();
    assert_eq!(prop(&s, "name")["type"], "string");
    assert_eq!(prop(&s, "name")["nullable"], true);
    assert!(note_at(&s, "type-array-null", &format!("{THING}/name")));
    assert_eq!(
        prop(&s, "value"),
        &json!({"oneOf": [{"type": "string"}, {"type": "integer"}]})
    );
    assert!(note_at(&s, "type-array", &format!("{THING}/value")));
    assert_eq!(prop(&s, "nothing"), &json!({"nullable": true}));
    assert!(note_at(&s, "type-null", &format!("{THING}/nothing")));
    // In a parameter schema too.
    let p = &s.document["paths"]["/things/{id}"]["get"]["parameters"][0]["schema"];
    assert_eq!(
        p,
        &json!({"type": "integer", "nullable": true, "minimum": 0, "exclusiveMinimum": true})
    );
    assert!(note_at(
        &s,
        "type-array-null",
        "/paths/~1things~1{id}/get/parameters/0/schema"
    ));
}

#[test]
fn const_examples_exclusive_bounds() {
    let s = mixed();
    assert_eq!(prop(&s, "kind"), &json!({"enum": ["thing"]}));
    assert!(note_at(&s, "const-enum", &format!("{THING}/kind")));
    assert_eq!(prop(&s, "name")["example"], "a");
    assert!(prop(&s, "name").get("examples").is_none());
    assert!(note_at(&s, "examples-example", &format!("{THING}/name")));
    // exclusiveMaximum 1 is stricter than maximum 5.
    assert_eq!(
        prop(&s, "ratio"),
        &json!({"type": "number", "maximum": 1, "exclusiveMaximum": true})
    );
    assert!(note_at(
        &s,
        "exclusive-bound",
        &format!("{THING}/ratio/exclusiveMaximum")
    ));
}

#[test]
fn ref_siblings_content_encoding_prefix_items() {
    let s = mixed();
    assert_eq!(
        prop(&s, "parent"),
        &json!({"description": "the parent", "allOf": [{"$ref": "#/components/schemas/Thing"}]})
    );
    assert!(note_at(
        &s,
        "ref-siblings-allof",
        &format!("{THING}/parent")
    ));
    assert_eq!(
        prop(&s, "data"),
        &json!({"type": "string", "format": "byte"})
    );
    assert!(note_at(
        &s,
        "content-encoding-format",
        &format!("{THING}/data")
    ));
    let bin = &s.document["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]
        ["application/octet-stream"]["schema"];
    assert_eq!(bin, &json!({"type": "string", "format": "binary"}));
    assert_eq!(
        prop(&s, "pair"),
        &json!({"type": "array", "items": {"oneOf": [{"type": "string"}, {"type": "integer"}]}})
    );
    assert!(note_at(
        &s,
        "prefix-items",
        &format!("{THING}/pair/prefixItems")
    ));
    // A plain $ref is left alone.
    let ok = &s.document["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(ok, &json!({"$ref": "#/components/schemas/Thing"}));
}

fn lower_schema(schema: Value) -> (Value, LoadedSpec) {
    let doc = json!({"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "components": {"schemas": {"S": schema}}});
    let s = load_str(&doc.to_string(), "inline.json").expect("loads");
    (s.document["components"]["schemas"]["S"].clone(), s)
}

#[test]
fn paths_optional_and_more_schema_forms() {
    let (_, s) = lower_schema(json!({}));
    assert_eq!(s.document["paths"], json!({}));
    assert!(note_at(&s, "paths-added", "/paths"));

    // Type-specific keywords move into their oneOf branch; null stays as nullable.
    let (v, _) = lower_schema(
        json!({"type": ["array", "string", "null"], "items": {"type": "integer"}, "maxLength": 3}),
    );
    assert_eq!(
        v,
        json!({"nullable": true, "oneOf": [
            {"type": "array", "items": {"type": "integer"}},
            {"type": "string", "maxLength": 3}]})
    );
    // const null -> nullable single-value enum; an existing example wins over examples.
    let (v, _) = lower_schema(json!({"const": null}));
    assert_eq!(v, json!({"nullable": true, "enum": [null]}));
    let (v, _) = lower_schema(json!({"type": "string", "example": "x", "examples": ["y"]}));
    assert_eq!(v, json!({"type": "string", "example": "x"}));
    // An inclusive bound that is stricter is kept; the exclusive one dropped.
    let (v, _) = lower_schema(json!({"type": "integer", "exclusiveMinimum": 1, "minimum": 5}));
    assert_eq!(v, json!({"type": "integer", "minimum": 5}));
    // Boolean subschemas become object schemas.
    let (v, s) =
        lower_schema(json!({"type": "object", "properties": {"any": true, "never": false}}));
    assert_eq!(v["properties"], json!({"any": {}, "never": {"not": {}}}));
    assert!(note_at(
        &s,
        "boolean-schema",
        "/components/schemas/S/properties/never"
    ));
    // Nested: items, allOf, additionalProperties are lowered too.
    let (v, _) = lower_schema(
        json!({"type": "object", "additionalProperties": {"type": ["string", "null"]},
        "allOf": [{"const": 1}], "properties": {"l": {"type": "array", "items": {"type": ["null", "boolean"]}}}}),
    );
    assert_eq!(
        v["additionalProperties"],
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(v["allOf"][0], json!({"enum": [1]}));
    assert_eq!(
        v["properties"]["l"]["items"],
        json!({"nullable": true, "type": "boolean"})
    );
}

#[test]
fn request_bodies_headers_callbacks_and_path_items_are_walked() {
    let doc = json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"$ref": "#/components/pathItems/A"},
            "/b": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"type": ["object", "null"]}}}},
                "responses": {"200": {"description": "ok",
                    "headers": {"X-N": {"schema": {"type": ["integer", "null"]}}}}},
                "callbacks": {"cb": {"{$request.body#/url}": {"post": {
                    "requestBody": {"content": {"application/json": {"schema": {"const": 2}}}},
                    "responses": {"200": {"description": "ok"}}}}}}
            }}
        },
        "components": {"pathItems": {"A": {"get": {"operationId": "a",
            "responses": {"200": {"description": "ok", "content": {"text/plain": {"schema": {"type": ["string", "null"]}}}}}}}}}
    });
    let s = load_str(&doc.to_string(), "inline.json").unwrap();
    let d = &s.document;
    let b = &d["paths"]["/b"]["post"];
    assert_eq!(
        b["requestBody"]["content"]["application/json"]["schema"],
        json!({"type": "object", "nullable": true})
    );
    assert_eq!(
        b["responses"]["200"]["headers"]["X-N"]["schema"],
        json!({"type": "integer", "nullable": true})
    );
    assert_eq!(
        b["callbacks"]["cb"]["{$request.body#/url}"]["post"]["requestBody"]["content"]
            ["application/json"]["schema"],
        json!({"enum": [2]})
    );
    assert_eq!(d["paths"]["/a"]["get"]["operationId"], "a");
    assert_eq!(
        d["paths"]["/a"]["get"]["responses"]["200"]["content"]["text/plain"]["schema"],
        json!({"type": "string", "nullable": true})
    );
    assert!(d["components"].get("pathItems").is_none());
    assert!(note_at(&s, "path-item-ref-inlined", "/paths/~1a"));
}

#[test]
fn oas30_passes_through_unchanged() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load/oas30_min.json");
    let s = load_path(&path).unwrap();
    assert_eq!(s.original_version, SpecVersion::OpenApi30);
    let original: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(s.document, original);
    assert!(s.notes.is_empty());
    assert_eq!(s.source, path);
}
