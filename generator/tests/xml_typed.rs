//! Typed XML for any spec: an XML-only operation with an inline, attribute-bearing,
//! namespaced schema gets `xml::<op>_xml`, its raw progenitor body is flagged to be sent as
//! `application/xml`, and the report says what was adjusted and how.

use bi_rest_generator::{generate, Config, Status};

#[test]
fn xml_only_operation_is_typed_and_reported() {
    let dir = std::env::temp_dir().join(format!("bi-rest-xml-typed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("xml.json");
    std::fs::write(
        &spec,
        serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "xml", "version": "1"},
            "paths": {"/pets/{petId}": {"put": {
                "operationId": "put-pet",
                "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/xml": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
                "responses": {"200": {"description": "", "content": {"application/xml": {"schema": {
                    "type": "object", "xml": {"name": "ok"},
                    "properties": {"id": {"type": "integer", "xml": {"attribute": true}}}
                }}}}}
            }}},
            "components": {"schemas": {"Pet": {
                "type": "object", "xml": {"name": "pet", "prefix": "p", "namespace": "urn:pets"},
                "properties": {
                    "name": {"type": "string"},
                    "tags": {"type": "array", "xml": {"wrapped": true}, "items": {"type": "string", "xml": {"name": "tag"}}}
                }
            }}}
        })
        .to_string(),
    )
    .unwrap();
    let out = generate(&Config {
        spec: spec.clone(),
        module_name: "xml".into(),
        emit_hooks: true,
        ..Default::default()
    })
    .unwrap();
    let line = &out.report.operations[0];
    assert_eq!(line.status, Status::Adjusted);
    let typed = line
        .changes
        .iter()
        .find(|c| c.starts_with("typed XML via quick-xml"))
        .unwrap_or_else(|| panic!("{:#?}", line.changes));
    assert!(typed.contains("`xml::put_pet_xml`"), "{typed}");
    assert!(
        typed.contains("request `Pet` as `application/xml`"),
        "{typed}"
    );
    assert!(typed.contains("answer `PutPetXmlResponse`"), "{typed}");
    let code = &out.code;
    assert!(code.contains("pub mod xml {"));
    assert!(code.contains("pub async fn put_pet_xml("), "{code}");
    assert!(code.contains("body: &types::Pet"));
    assert!(code.contains("element: \"pet\""));
    assert!(code.contains("namespace: Some(\"urn:pets\")"));
    assert!(code.contains("item_name: Some(\"tag\")"));
    // The progenitor method sends the raw body as bytes; the table says it is XML and the
    // module's `pre` hook sets that Content-Type at request time (tests/raw_bodies.rs sends it).
    let row = &out.operations[0];
    assert!(row.raw_body);
    assert_eq!(row.body_media_type.as_deref(), Some("application/xml"));
    assert!(
        code.contains("operations::raw_body_content_type(info.operation_id, request);"),
        "{code}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
