//! Anything that is not a spec is a clear error naming the file, the JSON pointer and, for
//! parse errors, the line and column.

use std::path::Path;

use bi_rest_generator::load::{load_path, load_str, LoadErrorKind};
use bi_rest_generator::{ErrorKind, GenError};

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let e = load_path(Path::new("/nonexistent/dir/spec.yaml")).unwrap_err();
    assert_eq!(e.kind(), LoadErrorKind::Io);
    assert_eq!(e.file(), "/nonexistent/dir/spec.yaml");
    assert!(e.to_string().contains("/nonexistent/dir/spec.yaml"));
}

#[test]
fn documents_that_are_not_specs() {
    for (text, kind, pointer) in [
        ("[1, 2]", LoadErrorKind::NotASpec, ""),
        ("42", LoadErrorKind::NotASpec, ""),
        ("just some words", LoadErrorKind::NotASpec, ""),
        (
            "{\"info\": {\"title\": \"x\"}}",
            LoadErrorKind::NotASpec,
            "",
        ),
        (
            "openapi: 2.5\npaths: {}\n",
            LoadErrorKind::UnsupportedVersion,
            "/openapi",
        ),
        (
            "openapi: 3.2.0\n",
            LoadErrorKind::UnsupportedVersion,
            "/openapi",
        ),
        (
            "openapi: [3]\n",
            LoadErrorKind::UnsupportedVersion,
            "/openapi",
        ),
        (
            "swagger: '1.2'\n",
            LoadErrorKind::UnsupportedVersion,
            "/swagger",
        ),
        (
            "{\"openapi\": \"3.1.0\", \"paths\": 7}",
            LoadErrorKind::Invalid,
            "/paths",
        ),
    ] {
        let e = load_str(text, "user.yaml").unwrap_err();
        assert_eq!(e.kind(), kind, "{text}: {e}");
        assert_eq!(e.pointer(), Some(pointer), "{text}: {e}");
        assert_eq!(e.file(), "user.yaml");
        assert!(e.to_string().contains("user.yaml"), "{e}");
    }
}

#[test]
fn empty_file_is_refused() {
    let e = load_str("", "empty.yaml").unwrap_err();
    assert!(
        matches!(e.kind(), LoadErrorKind::NotASpec | LoadErrorKind::Parse),
        "{e}"
    );
    assert_eq!(e.file(), "empty.yaml");
}

#[test]
fn json_parse_error_has_line_column_and_pointer() {
    let text = "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {\n    \"/x\": {\"get\": {\"responses\": }}\n  }\n}\n";
    let e = load_str(text, "spec.json").unwrap_err();
    assert_eq!(e.kind(), LoadErrorKind::Parse);
    assert_eq!(e.line(), Some(4));
    assert!(e.column().is_some());
    assert_eq!(e.pointer(), Some("/paths/~1x/get/responses"));
    let shown = e.to_string();
    assert!(
        shown.starts_with("cannot parse spec: spec.json:4:"),
        "{shown}"
    );
}

#[test]
fn yaml_parse_error_has_line() {
    let text = "openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\npaths: {}\n";
    let e = load_str(text, "spec.yaml").unwrap_err();
    assert_eq!(e.kind(), LoadErrorKind::Parse);
    assert!(e.line().is_some_and(|l| l >= 3), "{e}");
    assert!(e.to_string().contains("spec.yaml:"), "{e}");
}

#[test]
fn converts_into_gen_error_keeping_file_and_pointer() {
    let e = load_str("openapi: 2.5\n", "user.yaml").unwrap_err();
    let g: GenError = e.into();
    assert_eq!(g.kind(), &ErrorKind::UnsupportedVersion);
    assert_eq!(g.file(), Some(Path::new("user.yaml")));
    assert_eq!(g.pointer(), Some("/openapi"));

    let e = load_str("{\n\"a\": [1,,]}", "x.json").unwrap_err();
    let g: GenError = e.into();
    assert_eq!(g.kind(), &ErrorKind::Parse);
    assert!(g.message().starts_with("line 2, column"), "{}", g.message());
    assert_eq!(g.pointer(), Some("/a/1"));
}
