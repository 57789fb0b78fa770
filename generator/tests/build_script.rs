//! The build-script front end (`bi_rest_generator::Build`): the module lands in the output
//! directory under its name, cargo is told to rerun on the spec and on every file its `$ref`s
//! reach, the code names its crates through `::bi_rest::__private` with the preset's inner
//! type, subsets by operation id and by tag, and failures name the spec.

use bi_rest_generator::paths::crates_used;
use bi_rest_generator::{Build, ErrorKind, Preset};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bi-rest-build-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn lines(build: &Build) -> (bi_rest_generator::Built, String) {
    let mut buf = Vec::new();
    let built = build.try_run_to(&mut buf).expect("generates");
    (built, String::from_utf8(buf).expect("utf-8"))
}

/// The ids of the generated operations.
fn ids(built: &bi_rest_generator::Built) -> Vec<&str> {
    built
        .output
        .operations
        .iter()
        .map(|o| o.id.as_str())
        .collect()
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().expect("exists")
}

#[test]
fn writes_the_module_and_reruns_on_the_spec_and_the_files_it_references() {
    let dir = out_dir("multi");
    let spec = fixture("multi/api.yaml");
    let (built, out) = lines(&Build::microstrategy(&spec).module("pets").out_dir(&dir));
    assert_eq!(built.file, dir.join("pets.rs"));
    let code = std::fs::read_to_string(&built.file).expect("module written");
    assert_eq!(code, built.output.code);
    let rerun: Vec<PathBuf> = out
        .lines()
        .filter_map(|l| l.strip_prefix("cargo:rerun-if-changed="))
        .map(|p| canonical(Path::new(p)))
        .collect();
    for f in [
        "multi/api.yaml",
        "multi/defs/common.yaml",
        "multi/paths/pet.json",
    ] {
        assert!(
            rerun.contains(&canonical(&fixture(f))),
            "{f} not in the rerun lines:\n{out}"
        );
    }
    assert_eq!(rerun.len(), 3, "{out}");
    // One line of dependencies: every crate path goes through bi_rest::__private.
    assert!(crates_used(&code).expect("tokens").is_empty());
    assert!(code.contains("::bi_rest::__private::progenitor_client::"));
    assert!(code.contains("#[serde(crate = \"::bi_rest::__private::serde\")]"));
    assert!(code.contains("::bi_rest::auth::Auth"), "preset inner type");
}

#[test]
fn subsets_by_operation_and_by_tag() {
    let dir = out_dir("subset");
    let spec = fixture("multi/api.yaml");
    let (built, _) = lines(&Build::looker(&spec).operations(["get_pet"]).out_dir(&dir));
    assert_eq!(
        built.file,
        dir.join("looker.rs"),
        "the preset's module name"
    );
    assert_eq!(ids(&built), ["get_pet"]);
    assert!(!built.output.code.contains("fn list_pets"));

    let tagged = out_dir("tagged");
    std::fs::create_dir_all(&tagged).expect("mkdir");
    let spec = tagged.join("api.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {operationId: a, tags: [keep], responses: {'204': {description: ok}}}\n  /b:\n    get: {operationId: b, tags: [drop], responses: {'204': {description: ok}}}\n",
    )
    .expect("spec");
    let (built, _) = lines(
        &Build::custom(&spec, "::bi_rest::auth::Auth")
            .session_headers(["X-Token"])
            .tags(["keep"])
            .out_dir(&tagged),
    );
    assert_eq!(ids(&built), ["a"]);
    assert_eq!(built.file, tagged.join("api.rs"));
}

#[test]
fn presets_carry_the_vendor_session_headers() {
    let c = Build::microstrategy("x.yaml").config();
    assert_eq!(c.session_headers, ["X-MSTR-AuthToken", "X-MSTR-ProjectID"]);
    assert_eq!(c.inner_type.as_deref(), Some("::bi_rest::auth::Auth"));
    assert_eq!(c.runtime_path.as_deref(), Some("::bi_rest::__private"));
    assert_eq!(c.operation_types.as_deref(), Some("::bi_rest::operations"));
    assert!(Build::looker("x.json").config().session_headers.is_empty());
    let custom = Build::new(
        "x.yaml",
        Preset::Custom {
            inner_type: "crate::MyAuth".into(),
            session_headers: vec!["X-Key".into()],
        },
    )
    .runtime_path(None)
    .operation_types(None)
    .config();
    assert_eq!(custom.inner_type.as_deref(), Some("crate::MyAuth"));
    assert_eq!(custom.session_headers, ["X-Key"]);
    assert_eq!(custom.runtime_path, None);
    assert_eq!(custom.operation_types, None);
}

#[test]
fn failures_name_the_spec_and_still_rerun_on_it() {
    let dir = out_dir("missing");
    let spec = dir.join("absent.yaml");
    let mut buf = Vec::new();
    let e = Build::agileapps(&spec)
        .out_dir(&dir)
        .try_run_to(&mut buf)
        .expect_err("no spec");
    assert_eq!(e.file(), Some(spec.as_path()));
    let out = String::from_utf8(buf).expect("utf-8");
    assert_eq!(
        out.trim(),
        format!("cargo:rerun-if-changed={}", spec.display())
    );
    let e = Build::microstrategy(fixture("multi/api.yaml"))
        .module("not a module")
        .out_dir(&dir)
        .try_run_to(&mut Vec::new())
        .expect_err("bad module name");
    assert_eq!(e.kind(), &ErrorKind::Config);
    assert!(e.to_string().contains("not a module"), "{e}");
}
