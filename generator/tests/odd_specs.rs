//! Small authored specs with the shapes real specs are full of: every operation is generated
//! (adjusted with reasons), failures are skipped with a reason, errors name file and pointer.

use bi_rest_generator::{generate, Config, ErrorKind, Output, Status};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn gen_path(path: &Path) -> bi_rest_generator::Result<Output> {
    generate(&Config {
        spec: path.to_path_buf(),
        module_name: "odd".into(),
        emit_hooks: true,
        ..Default::default()
    })
}

fn line<'a>(o: &'a Output, id: &str) -> &'a bi_rest_generator::report::OperationReport {
    o.report
        .operations
        .iter()
        .find(|l| l.operation_id == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn openapi_31_yaml_with_every_oddity() {
    let o = gen_path(&fixture("odd31.yaml")).unwrap();
    let c = o.report.counts();
    assert_eq!(
        (c.generated, c.adjusted, c.skipped),
        (0, 6, 0),
        "{:#?}",
        o.report.operations
    );
    // Missing id derived, duplicates suffixed in document order, `-`/`.`/keyword ids renamed.
    let ids: Vec<&str> = o.operations.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "get_items",
            "create_item_v2",
            "get_items_2",
            "type_op",
            "get_report",
            "get_items_3"
        ]
    );
    assert_eq!(o.operations[2].original_id, "getItems");
    // Cookie parameter dropped with a reason, query style fixed.
    let get = line(&o, "get_items");
    assert!(get
        .changes
        .iter()
        .any(|c| c.contains("cookie parameter `session`")));
    assert!(get.changes.iter().any(|c| c.contains("`style: simple`")));
    assert!(get
        .changes
        .iter()
        .any(|c| c.contains("`default` response applied to 4XX, 5XX")));
    assert_eq!(
        o.operations[0].parameters,
        vec![(
            "q".to_string(),
            "query".to_string(),
            false,
            "string".to_string()
        )]
    );
    // XML and multipart bodies: raw, with the real media type in the table.
    let create = &o.operations[1];
    assert_eq!(create.body_media_type.as_deref(), Some("application/xml"));
    assert!(create.raw_body);
    assert!(create.empty_success_is_null);
    assert_eq!(
        o.operations[3].body_media_type.as_deref(),
        Some("multipart/form-data")
    );
    // Merged types exist, more specific variant first.
    assert!(o.code.contains("pub enum TypeOpResponse"));
    let v = o.code.find("ValidationError(ValidationError)").unwrap();
    let e = o.code.find("Error(Error)").unwrap();
    assert!(
        v < e,
        "ValidationError must come before Error in the untagged enum"
    );
    // pdf-or-json answer returned as bytes.
    assert!(o.operations[4].raw_success);
    // Standalone hooks emitted (no inner type).
    assert!(o.code.contains("impl ClientHooks<()> for Client"));
    // Unreachable schema pruned.
    assert!(!o.code.contains("pub struct Unused"));
}

#[test]
fn swagger_2_with_form_and_duplicates() {
    let o = gen_path(&fixture("swagger2.json")).unwrap();
    assert_eq!(o.report.counts().skipped, 0);
    let ids: Vec<&str> = o.operations.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["login", "get_thing", "get_thing_2"]);
    assert_eq!(
        o.operations[0].body_media_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert!(o.operations[1].empty_success_is_null);
}

#[test]
fn undeclared_path_parameter_is_added() {
    let dir = std::env::temp_dir().join(format!("bi-rest-gen-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("bad-op.json");
    // `/b/{id}` uses a path parameter it never declares: added as a required string.
    std::fs::write(
        &spec,
        r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/a": {"get": {"operationId": "a", "responses": {"200": {"description": ""}}}},
        "/b/{id}": {"get": {"operationId": "b", "responses": {"200": {"description": ""}}}},
        "/c": {"get": {"operationId": "c", "responses": {"200": {"description": ""}}}}
    }}"#,
    )
    .unwrap();
    let o = gen_path(&spec).unwrap();
    let b = line(&o, "b");
    assert_eq!(b.status, Status::Adjusted);
    assert_eq!(
        b.changes,
        ["template name `{id}` has no declared parameter: added as a required string"]
    );
    let ids: Vec<&str> = o.operations.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_is_an_error_naming_file_and_pointer() {
    let dir = std::env::temp_dir().join(format!("bi-rest-gen-err-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"openapi\": \"3.0.0\", ").unwrap();
    let e = gen_path(&bad).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Parse);
    assert!(e.to_string().contains("bad.json"), "{e}");
    let noversion = dir.join("nov.json");
    std::fs::write(
        &noversion,
        r#"{"info": {"title": "t", "version": "1"}, "paths": {}}"#,
    )
    .unwrap();
    let e = gen_path(&noversion).unwrap_err();
    assert!(e.to_string().contains("nov.json"), "{e}");
    let e = gen_path(&dir.join("missing.json")).unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Io);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn subset_by_operation_prunes_schemas() {
    let o = generate(&Config {
        spec: fixture("odd31.yaml"),
        operations: vec!["getReport".into()],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(o.operations.len(), 1);
    assert_eq!(o.report.counts().excluded, 5);
    assert!(!o.code.contains("pub struct Item"));
}
