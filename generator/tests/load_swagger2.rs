//! Swagger 2.0 -> OpenAPI 3.0 conversion rules, on the authored fixture
//! `fixtures/load/swagger2_pets.yaml` (YAML, unquoted `swagger: 2.0`) and small inline docs.

use std::path::Path;

use bi_rest_generator::load::{load_path, load_str, LoadedSpec, SpecVersion, Syntax};
use serde_json::{json, Value};

fn pets() -> LoadedSpec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load/swagger2_pets.yaml");
    load_path(&path).expect("fixture loads")
}

fn has_note(spec: &LoadedSpec, rule: &str, pointer: &str) -> bool {
    spec.notes
        .iter()
        .any(|n| n.rule == rule && n.pointer == pointer)
}

fn param<'a>(op: &'a Value, name: &str) -> &'a Value {
    op["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name))
        .unwrap_or(&Value::Null)
}

#[test]
fn version_syntax_and_top_level() {
    let s = pets();
    assert_eq!(s.original_version, SpecVersion::Swagger2);
    assert_eq!(s.syntax, Syntax::Yaml);
    let d = &s.document;
    assert_eq!(d["openapi"], "3.0.3");
    assert!(d.get("swagger").is_none() && d.get("host").is_none() && d.get("consumes").is_none());
    assert_eq!(d["x-vendor-top"], "kept");
    assert_eq!(
        d["servers"],
        json!([{"url": "https://pets.example.test/api/v1"}, {"url": "http://pets.example.test/api/v1"}])
    );
}

#[test]
fn definitions_parameters_responses_become_components_and_refs_are_rewritten() {
    let d = pets().document;
    let c = &d["components"];
    assert_eq!(
        c["schemas"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["Pet", "Owner", "Tag", "Error"]
    );
    assert_eq!(
        c["parameters"]["limit"]["schema"],
        json!({"type": "integer", "format": "int32"})
    );
    assert_eq!(c["parameters"]["limit"]["x-vendor-param"], 1);
    // Body parameters are inlined where used, not left as parameters.
    assert!(c["parameters"].get("petBody").is_none());
    assert_eq!(
        c["responses"]["NotFound"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error"
    );
    let list = &d["paths"]["/pets"]["get"];
    assert_eq!(
        list["parameters"][0]["$ref"],
        "#/components/parameters/limit"
    );
    assert_eq!(
        list["responses"]["404"]["$ref"],
        "#/components/responses/NotFound"
    );
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/Pet"
    );
    assert!(!d.to_string().contains("#/definitions/"));
}

#[test]
fn produces_gives_one_content_per_media_type_with_examples_and_headers() {
    let d = pets().document;
    let r = &d["paths"]["/pets"]["get"]["responses"]["200"];
    let content = r["content"].as_object().unwrap();
    assert_eq!(
        content.keys().collect::<Vec<_>>(),
        ["application/json", "text/csv"]
    );
    assert_eq!(content["text/csv"]["example"], "id,name");
    assert_eq!(
        content["text/csv"]["schema"],
        content["application/json"]["schema"]
    );
    assert_eq!(
        r["headers"]["X-Rate"],
        json!({"description": "remaining", "schema": {"type": "integer"}})
    );
    // A response without `schema` has no content.
    assert!(d["paths"]["/pets/{id}"]["put"]["responses"]["204"]
        .get("content")
        .is_none());
}

#[test]
fn collection_formats_become_style_and_explode() {
    let s = pets();
    let op = &s.document["paths"]["/pets"]["get"];
    let se = |n: &str| {
        (
            param(op, n)["style"].clone(),
            param(op, n)["explode"].clone(),
        )
    };
    assert_eq!(
        se("tags"),
        (json!("form"), json!(false)),
        "csv is the 2.0 default"
    );
    assert_eq!(se("ids"), (json!("form"), json!(true)));
    assert_eq!(se("words"), (json!("spaceDelimited"), json!(false)));
    assert_eq!(se("bars"), (json!("pipeDelimited"), json!(false)));
    assert_eq!(se("X-Ids"), (json!("simple"), json!(false)));
    assert_eq!(
        param(op, "tags")["schema"],
        json!({"type": "array", "items": {"type": "string"}})
    );
    assert!(param(op, "tags").get("collectionFormat").is_none());
    // tsv has no 3.0 style: marked for the parameters pass, which sends one tab-joined string.
    assert!(param(op, "tabs").get("style").is_none());
    assert_eq!(param(op, "tabs")["x-bi-rest-delimiter"], "\t");
    assert!(!has_note(
        &s,
        "collection-format-unsupported",
        "/paths/~1pets/get/parameters/5/collectionFormat"
    ));
}

#[test]
fn body_parameter_becomes_request_body_per_consumes() {
    let d = pets().document;
    let create = &d["paths"]["/pets"]["post"];
    assert!(create.get("parameters").is_none());
    assert_eq!(
        create["requestBody"],
        json!({
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
            "required": true,
            "x-codegen-request-body-name": "pet"
        })
    );
    let replace = &d["paths"]["/pets/{id}"]["put"]["requestBody"];
    assert_eq!(replace["description"], "the pet");
    assert!(replace.get("required").is_none());
    assert_eq!(
        replace["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["application/json", "application/xml"]
    );
    assert!(
        replace.get("x-body-ext").is_some(),
        "vendor extension of the body param kept"
    );
}

#[test]
fn form_data_becomes_multipart_or_urlencoded_object() {
    let s = pets();
    let d = &s.document;
    let upload = &d["paths"]["/pets/{id}/photo"]["post"];
    assert_eq!(
        upload["requestBody"],
        json!({
            "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary", "description": "the photo"},
                    "caption": {"type": "string"}
                },
                "required": ["file"]
            }}},
            "required": true
        })
    );
    assert_eq!(param(upload, "id")["in"], "path");
    // `type: file` response -> binary string.
    assert_eq!(
        upload["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"type": "string", "format": "binary"})
    );
    assert!(has_note(
        &s,
        "type-file",
        "/paths/~1pets~1{id}~1photo/post/responses/200/schema/type"
    ));
    let login = &d["paths"]["/login"]["post"]["requestBody"]["content"];
    let form = &login["application/x-www-form-urlencoded"];
    assert_eq!(form["schema"]["required"], json!(["user"]));
    assert_eq!(
        form["encoding"]["roles"],
        json!({"style": "form", "explode": true})
    );
}

#[test]
fn path_level_parameters_and_required_path_params() {
    let s = pets();
    let item = &s.document["paths"]["/pets/{id}"];
    assert_eq!(item["parameters"][0]["required"], true);
    assert!(has_note(
        &s,
        "path-param-required",
        "/paths/~1pets~1{id}/parameters/0/required"
    ));
    assert_eq!(
        s.document["paths"]["/pets"]["parameters"][0]["schema"],
        json!({"type": "string"})
    );
}

#[test]
fn schema_fixes_nullable_discriminator_and_looker_extensions() {
    let s = pets();
    let pet = &s.document["components"]["schemas"]["Pet"];
    assert_eq!(pet["discriminator"], json!({"propertyName": "kind"}));
    assert_eq!(
        pet["properties"]["name"],
        json!({"type": "string", "nullable": true})
    );
    assert_eq!(
        pet["properties"]["owner"],
        json!({"description": "the owner", "allOf": [{"$ref": "#/components/schemas/Owner"}], "nullable": true})
    );
    let legacy = &pet["properties"]["legacy"];
    assert_eq!(legacy["nullable"], true);
    assert_eq!(legacy["deprecated"], true);
    assert_eq!(legacy["enum"], json!(["a", "b"]));
    assert_eq!(
        legacy["x-looker-values"],
        json!(["a", "b"]),
        "extension kept"
    );
    assert!(has_note(
        &s,
        "x-nullable",
        "/definitions/Pet/properties/name/x-nullable"
    ));
    assert!(has_note(
        &s,
        "x-looker-nullable",
        "/definitions/Pet/properties/legacy/x-looker-nullable"
    ));
}

#[test]
fn security_definitions_become_security_schemes() {
    let d = pets().document;
    let ss = &d["components"]["securitySchemes"];
    assert_eq!(ss["basicAuth"], json!({"type": "http", "scheme": "basic"}));
    assert_eq!(
        ss["key"],
        json!({"type": "apiKey", "in": "header", "name": "X-Key"})
    );
    assert_eq!(
        ss["oauth"],
        json!({"type": "oauth2", "flows": {"authorizationCode": {
            "authorizationUrl": "https://auth.example.test/authorize",
            "tokenUrl": "https://auth.example.test/token",
            "scopes": {"read": "read pets"}
        }}})
    );
    assert_eq!(
        d["paths"]["/pets/{id}/photo"]["post"]["security"],
        json!([{"oauth": ["read"]}])
    );
    assert_eq!(d["paths"]["/pets"]["get"]["x-vendor-op"], "kept");
}

#[test]
fn servers_without_host_or_schemes() {
    let s = load_str(
        r#"{"swagger":"2.0","info":{"title":"t","version":"1"},"basePath":"/v2","paths":{}}"#,
        "t.json",
    )
    .unwrap();
    assert_eq!(s.document["servers"], json!([{"url": "/v2"}]));
    assert!(has_note(&s, "server-relative", "/host"));
    let s = load_str(
        r#"{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"h:8080","paths":{}}"#,
        "t.json",
    )
    .unwrap();
    assert_eq!(s.document["servers"], json!([{"url": "https://h:8080"}]));
    assert!(has_note(&s, "server-scheme-default", "/schemes"));
}

#[test]
fn other_oauth_flows_and_operation_defaults() {
    let text = r#"{"swagger":"2.0","info":{"title":"t","version":"1"},
      "securityDefinitions":{
        "i":{"type":"oauth2","flow":"implicit","authorizationUrl":"https://a","scopes":{}},
        "p":{"type":"oauth2","flow":"password","tokenUrl":"https://t","scopes":{}},
        "c":{"type":"oauth2","flow":"application","tokenUrl":"https://t","scopes":{}}},
      "paths":{"/x":{"get":{"operationId":"x","responses":{"200":{"schema":{"type":"string"}}}},
                     "delete":{"operationId":"y"}}}}"#;
    let s = load_str(text, "t.json").unwrap();
    let ss = &s.document["components"]["securitySchemes"];
    assert_eq!(
        ss["i"]["flows"]["implicit"]["authorizationUrl"],
        "https://a"
    );
    assert_eq!(ss["p"]["flows"]["password"]["tokenUrl"], "https://t");
    assert_eq!(
        ss["c"]["flows"]["clientCredentials"]["tokenUrl"],
        "https://t"
    );
    let get = &s.document["paths"]["/x"]["get"];
    assert_eq!(get["responses"]["200"]["description"], "");
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"]["type"],
        "string"
    );
    assert!(has_note(
        &s,
        "response-description-added",
        "/paths/~1x/get/responses/200/description"
    ));
    assert_eq!(
        s.document["paths"]["/x"]["delete"]["responses"]["default"]["description"],
        ""
    );
    assert!(has_note(
        &s,
        "responses-added",
        "/paths/~1x/delete/responses"
    ));
}

#[test]
fn structural_errors_name_the_pointer() {
    let e = load_str(r#"{"swagger":"2.0","paths":{"/a":{"get":[]}}}"#, "bad.json").unwrap_err();
    assert_eq!(e.pointer(), Some("/paths/~1a/get"));
    assert!(e.to_string().contains("bad.json"), "{e}");
    let e = load_str(
        r#"{"swagger":"2.0","paths":{"/a":{"get":{"parameters":[1]}}}}"#,
        "bad.json",
    )
    .unwrap_err();
    assert_eq!(e.pointer(), Some("/paths/~1a/get/parameters/0"));
    let e = load_str(r#"{"swagger":"2.0","paths":[]}"#, "bad.json").unwrap_err();
    assert_eq!(e.pointer(), Some("/paths"));
    let e = load_str(
        r#"{"swagger":"2.0","paths":{},"definitions":3}"#,
        "bad.json",
    )
    .unwrap_err();
    assert_eq!(e.pointer(), Some("/definitions"));
}

#[test]
fn path_level_body_is_inherited_unless_overridden_and_extra_bodies_are_noted() {
    let text = r#"{"swagger":"2.0","info":{"title":"t","version":"1"},
      "paths":{"/a":{
        "parameters":[{"name":"b","in":"body","schema":{"type":"string"}}],
        "post":{"responses":{"200":{"description":"ok"}}},
        "put":{"parameters":[{"name":"b","in":"body","schema":{"type":"integer"}}],
               "responses":{"200":{"description":"ok"}}},
        "patch":{"parameters":[{"name":"c","in":"body","schema":{"type":"boolean"}}],
               "responses":{"200":{"description":"ok"}}},
        "delete":{"parameters":[{"name":"f","in":"formData","type":"string"}],
               "responses":{"200":{"description":"ok"}}}}}}"#;
    let s = load_str(text, "t.json").unwrap();
    let a = &s.document["paths"]["/a"];
    let schema = |m: &str| a[m]["requestBody"]["content"]["application/json"]["schema"].clone();
    assert_eq!(
        schema("post"),
        json!({"type": "string"}),
        "inherited from the path item"
    );
    assert_eq!(
        schema("put"),
        json!({"type": "integer"}),
        "overridden by name"
    );
    // patch has its own body `c` plus the inherited `b`: the first one wins, the other is noted.
    assert_eq!(schema("patch"), json!({"type": "string"}));
    assert!(has_note(
        &s,
        "second-body-dropped",
        "/paths/~1a/patch/parameters/0"
    ));
    // delete has formData and the inherited body: the body wins, the form is noted.
    assert_eq!(schema("delete"), json!({"type": "string"}));
    assert!(has_note(&s, "form-with-body", "/paths/~1a/parameters/0"));
    assert!(
        a.get("parameters").is_none(),
        "no body parameter left at path level"
    );
}

#[test]
fn external_refs_keep_their_file_part() {
    use bi_rest_generator::load::swagger2::rewrite_ref;
    assert_eq!(
        rewrite_ref("common.yaml#/definitions/Err").as_deref(),
        Some("common.yaml#/components/schemas/Err")
    );
    assert_eq!(
        rewrite_ref("#/responses/R").as_deref(),
        Some("#/components/responses/R")
    );
    assert_eq!(rewrite_ref("#/components/schemas/X"), None);
    assert_eq!(rewrite_ref("no-fragment.yaml"), None);
}
