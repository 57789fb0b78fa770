//! Raw request bodies (multipart, XML without a typed model, CSV: progenitor sends them as
//! bytes with `application/octet-stream`) reach the server with the spec's media type, set at
//! request time by the module's `pre` hook from its operations table.
//!
//! The modules generated from fixtures/raw_bodies/openapi.yaml are committed next to it and
//! must be exactly what the generator writes now: `standalone.rs` (as `bi-rest-gen --out`: types
//! inline, hooks emitted) is sent here to a loopback server; `bi_rest.rs` (as
//! `bi_rest_generator::Build`: crates through `bi_rest::__private`, the table's types from
//! `bi_rest::operations`) is sent through bi-rest's auth hooks by tests/raw_bodies.rs. Refresh with:
//!     BI_REST_BLESS=1 cargo test -p bi-rest-generator --test raw_bodies

#[path = "fixtures/raw_bodies/capture.rs"]
mod capture;

use bi_rest_generator::{generate, Build, Config};
use std::path::PathBuf;

#[allow(clippy::all, dead_code, unused_imports)]
mod standalone {
    include!("fixtures/raw_bodies/standalone.rs");
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/raw_bodies")
        .join(name)
}

/// What `bi-rest-gen --spec openapi.yaml --out DIR` generates (src/main.rs's configuration).
fn standalone_config() -> Config {
    Config {
        spec: fixture("openapi.yaml"),
        module_name: "openapi".into(),
        emit_hooks: true,
        ..Config::default()
    }
}

#[test]
fn committed_modules_are_fresh() {
    let bless = std::env::var_os("BI_REST_BLESS").is_some_and(|v| v == "1");
    let bi_rest = Build::custom(fixture("openapi.yaml"), "::bi_rest::auth::Auth")
        .module("raw_bodies")
        .config();
    let mut stale = Vec::new();
    for (file, config) in [
        ("standalone.rs", standalone_config()),
        ("bi_rest.rs", bi_rest),
    ] {
        let code = generate(&config)
            .unwrap_or_else(|e| panic!("{file}: {e}"))
            .code;
        let path = fixture(file);
        if bless {
            std::fs::write(&path, &code).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        } else if std::fs::read_to_string(&path).unwrap_or_default() != code {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale fixtures/raw_bodies modules: {stale:?}\nrefresh with: BI_REST_BLESS=1 cargo test -p bi-rest-generator --test raw_bodies"
    );
}

#[test]
fn only_bi_rest_modules_share_the_table_types() {
    let shared = std::fs::read_to_string(fixture("bi_rest.rs")).expect("bi_rest.rs");
    assert!(shared.contains("pub use ::bi_rest::operations::{Location, Operation, Parameter};"));
    assert!(!shared.contains("pub struct Operation"));
    let inline = std::fs::read_to_string(fixture("standalone.rs")).expect("standalone.rs");
    assert!(inline.contains("pub struct Operation {"));
    // Code (not comments) naming bi-rest: none, the module compiles alone.
    assert!(inline
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .all(|l| !l.contains("bi_rest")));
}

const FORM: &str = "--XyZ-1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello\r\n--XyZ-1--\r\n";

#[tokio::test]
async fn raw_bodies_reach_the_server_with_the_spec_media_type() {
    let (url, mut seen) = capture::start().await;
    let client = standalone::Client::new(&url);
    client.upload().body(FORM).send().await.expect("upload");
    client
        .put_note()
        .id("n1")
        .body("<note>hi</note>")
        .send()
        .await
        .expect("put_note");
    client
        .import_rows()
        .body("a,b\n1,2\n")
        .send()
        .await
        .expect("import_rows");
    let mut got = Vec::new();
    for _ in 0..3 {
        let r = seen.recv().await.expect("a request");
        assert_eq!(r.method, if r.path == "/notes/n1" { "PUT" } else { "POST" });
        got.push((r.path.clone(), r.header("content-type").to_string(), r.body));
    }
    assert_eq!(
        got,
        [
            (
                "/files".to_string(),
                "multipart/form-data; boundary=XyZ-1".to_string(),
                FORM.as_bytes().to_vec()
            ),
            (
                "/notes/n1".to_string(),
                "application/xml".to_string(),
                b"<note>hi</note>".to_vec()
            ),
            (
                "/rows".to_string(),
                "text/csv".to_string(),
                b"a,b\n1,2\n".to_vec()
            ),
        ]
    );
    // The table says so too; a JSON body is progenitor's own, not raw.
    let row = |id: &str| standalone::operations::find(id).expect(id);
    assert!(row("upload").raw_body && row("importRows").raw_body);
    assert_eq!(row("putNote").body_media_type, Some("application/xml"));
    assert!(!row("createThing").raw_body);
}
