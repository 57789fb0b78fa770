//! A generated scale spec shaped like the real MicroStrategy one (about 1,700 operations,
//! duplicate operationIds across paths, springdoc `_1` suffixes, `ms-` prefixes, internal
//! visibility, camelCase ids) goes through the generator with nothing skipped. Prints the
//! generation time (no timing assert).

use bi_rest_generator::{generate, Config};
use serde_json::{json, Map, Value};
use std::time::Instant;

fn scale_spec(paths: usize) -> Value {
    let mut p = Map::new();
    let mut schemas = Map::new();
    for i in 0..paths {
        let schema = format!("Object{}", i % 400);
        schemas.insert(
            schema.clone(),
            json!({"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"}, "name": {"type": "string", "nullable": true},
                "size": {"type": "integer", "format": "int64"}, "tags": {"type": "array", "items": {"type": "string"}}
            }}),
        );
        let r = |s: &str| json!({"description": "", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{s}")}}}});
        let err = r("ErrorBody");
        let vis = |n: usize| json!({"visibility": if n.is_multiple_of(3) { "internal" } else if n.is_multiple_of(7) { "deprecated" } else { "public" }});
        let tag = format!("Area{}", i % 40);
        let mut item = Map::new();
        let id_param = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
                              {"name": "X-MSTR-ProjectID", "in": "header", "schema": {"type": "string"}}]);
        item.insert("get".into(), json!({
            "operationId": if i.is_multiple_of(5) { "getSettings".to_string() } else { format!("get{schema}_{}", i % 3) },
            "tags": [tag], "x-microstrategy": vis(i), "parameters": id_param,
            "responses": {"200": r(&schema), "401": err, "500": err}
        }));
        item.insert("put".into(), json!({
            "operationId": format!("ms-update{schema}"), "tags": [tag], "x-microstrategy": vis(i + 1),
            "parameters": id_param,
            "requestBody": {"content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}},
            "responses": {"200": r(&schema), "204": {"description": ""}, "400": err}
        }));
        if i.is_multiple_of(2) {
            item.insert("delete".into(), json!({
                "operationId": format!("delete_{}", i % 4), "tags": [tag], "x-microstrategy": vis(i + 2),
                "parameters": id_param, "responses": {"204": {"description": ""}, "404": err}
            }));
        }
        p.insert(
            format!("/api/area{}/objects{i}/{{id}}", i % 40),
            Value::Object(item),
        );
    }
    schemas.insert("ErrorBody".into(), json!({"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string"}, "message": {"type": "string"}, "ticketId": {"type": "string"}, "iServerCode": {"type": "integer"}
    }}));
    json!({"openapi": "3.0.1", "info": {"title": "Strategy REST (synthetic)", "version": "2026"},
           "paths": p, "components": {"schemas": schemas}})
}

#[test]
fn mstr_shaped_scale_spec_generates() {
    let dir = std::env::temp_dir().join(format!("bi-rest-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("openapi.json");
    let doc = scale_spec(680);
    std::fs::write(&spec, serde_json::to_string(&doc).unwrap()).unwrap();
    let t = Instant::now();
    let all = generate(&Config {
        spec: spec.clone(),
        include_internal: true,
        ..Default::default()
    })
    .unwrap();
    let elapsed = t.elapsed();
    let c = all.report.counts();
    assert_eq!(c.skipped, 0);
    assert_eq!(c.generated + c.adjusted, 1700);
    let ids: std::collections::BTreeSet<&str> =
        all.operations.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 1700, "final ids are unique");
    assert!(ids.contains("get_settings") && ids.contains("get_settings_2"));
    assert!(ids.contains("ms_update_object0"));
    let public = generate(&Config {
        spec,
        ..Default::default()
    })
    .unwrap();
    let pc = public.report.counts();
    assert!(pc.excluded > 500 && pc.skipped == 0, "{pc:?}");
    println!(
        "scale spec: 1700 operations generated in {:.2} s (+{:.2} s formatting), {} lines; public only: {} operations",
        elapsed.as_secs_f64() - all.format_time.as_secs_f64(),
        all.format_time.as_secs_f64(),
        all.code.lines().count(),
        public.operations.len()
    );
    std::fs::remove_dir_all(&dir).ok();
}
