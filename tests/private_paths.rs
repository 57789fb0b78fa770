//! With a runtime path (what `bi_rest_generator::Build` sets), generated code names no crate
//! directly: every `progenitor_client::`, `reqwest::`, `serde::`... goes through
//! `::bi_rest::__private`, and every serde derive says where serde is. Checked on the shipped
//! MicroStrategy and AgileApps specs (typed XML runtime included); without a runtime path the
//! code is unchanged (standalone crates and bi-rest's own build).

use bi_rest_generator::paths::{crates_used, BI_REST_RUNTIME};
use bi_rest_generator::{generate, Config};
use std::path::PathBuf;

fn code(spec: &str, runtime: Option<&str>) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    generate(&Config {
        spec: root.join(spec),
        module_name: "m".into(),
        inner_type: Some("::bi_rest::auth::Auth".into()),
        session_headers: vec!["X-MSTR-AuthToken".into(), "X-MSTR-ProjectID".into()],
        runtime_path: runtime.map(str::to_string),
        ..Config::default()
    })
    .unwrap_or_else(|e| panic!("{spec}: {e}"))
    .code
}

#[test]
fn generated_code_reaches_its_crates_only_through_bi_rest() {
    for spec in ["specs/mstr/openapi.yaml", "specs/agileapps/openapi.yaml"] {
        let direct = code(spec, None);
        assert!(
            crates_used(&direct).expect("tokens").contains("reqwest"),
            "{spec}: names reqwest without a runtime path"
        );
        let private = code(spec, Some(BI_REST_RUNTIME));
        let used = crates_used(&private).expect("tokens");
        assert!(used.is_empty(), "{spec}: direct crate paths left: {used:?}");
        let derives = private
            .matches("::bi_rest::__private::serde::Deserialize,")
            .count();
        let attrs = private
            .matches("#[serde(crate = \"::bi_rest::__private::serde\")]")
            .count();
        assert!(
            derives > 0 && attrs >= derives,
            "{spec}: {derives} derives, {attrs} serde(crate)"
        );
        // Nothing else changed: the same items, the same operations.
        assert_eq!(
            direct.matches("pub async fn send(").count(),
            private.matches("pub async fn send(").count(),
            "{spec}"
        );
    }
}
