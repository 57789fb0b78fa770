//! Multi-file specs: `$ref`s into sibling files (relative paths, JSON and YAML, with fragments)
//! are bundled at load time; remote references, missing files and missing fragments, and
//! cycles of in-place copies are errors naming the file and JSON pointer.

use bi_rest_generator::load::{load_path, LoadErrorKind};
use bi_rest_generator::{generate, Config};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A fresh directory with `files` written into it.
fn dir_with(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bi-rest-ext-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (f, text) in files {
        let p = dir.join(f);
        std::fs::create_dir_all(p.parent().unwrap_or(Path::new("."))).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

#[test]
fn sibling_files_are_bundled_and_generated() {
    let spec = load_path(&fixture("multi/api.yaml")).unwrap();
    let d = &spec.document;
    let schemas = d["components"]["schemas"].as_object().unwrap();
    let names: Vec<&String> = schemas.keys().collect();
    assert_eq!(names, ["Pet", "Pet2", "Owner"]);
    assert_eq!(
        d["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["items"]["$ref"],
        "#/components/schemas/Pet2"
    );
    assert_eq!(
        d["paths"]["/pets/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"]["$ref"],
        "#/components/schemas/Pet2"
    );
    assert_eq!(
        schemas["Owner"]["properties"]["pets"]["items"]["$ref"],
        "#/components/schemas/Pet2"
    );
    assert_eq!(d["components"]["parameters"]["Limit"]["name"], "limit");
    assert_eq!(spec.notes[0].rule, "external-refs-bundled");
    let out = generate(&Config {
        spec: fixture("multi/api.yaml"),
        module_name: "multi".into(),
        ..Default::default()
    })
    .unwrap();
    let c = out.report.counts();
    assert_eq!(c.generated + c.adjusted, 2, "{:#?}", out.report);
    assert!(out.code.contains("pub struct Owner"));
}

#[test]
fn remote_missing_and_cyclic_references_are_errors_with_file_and_pointer() {
    let dir = dir_with(
        "errors",
        &[
            (
                "remote.yaml",
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'https://example.invalid/a.yaml#/A'}\n",
            ),
            (
                "missing.yaml",
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'nope.yaml#/components/schemas/A'}\n",
            ),
            (
                "nofrag.yaml",
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'other.yaml#/not/there'}\n",
            ),
            ("other.yaml", "x: {$ref: 'cycle.yaml#/y'}\n"),
            ("cycle.yaml", "y: {$ref: 'other.yaml#/x'}\n"),
            (
                "cyclic.yaml",
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    A: {$ref: 'other.yaml#/x'}\n",
            ),
        ],
    );
    let e = load_path(&dir.join("remote.yaml")).unwrap_err();
    assert_eq!(e.kind(), LoadErrorKind::Invalid);
    assert!(e.file().ends_with("remote.yaml"));
    assert_eq!(e.pointer(), Some("/components/schemas/A/$ref"));
    assert!(
        e.message().contains("does not fetch over the network"),
        "{e}"
    );

    let e = load_path(&dir.join("missing.yaml")).unwrap_err();
    assert_eq!(e.pointer(), Some("/components/schemas/A/$ref"));
    assert!(e.message().contains("nope.yaml"), "{e}");

    let e = load_path(&dir.join("nofrag.yaml")).unwrap_err();
    assert!(
        e.message()
            .contains("has nothing at JSON pointer \"/not/there\""),
        "{e}"
    );

    let e = load_path(&dir.join("cyclic.yaml")).unwrap_err();
    assert!(e.message().starts_with("reference cycle: "), "{e}");
    assert!(e.file().ends_with("cycle.yaml"), "{e}");
    assert_eq!(e.pointer(), Some("/y/$ref"));
    let _ = std::fs::remove_dir_all(dir);
}
