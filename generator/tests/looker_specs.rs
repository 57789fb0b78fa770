//! All six Looker files (3.0, 3.1, 4.0; Swagger 2.0 and OAS 3.0 forms) generate with 0 panics
//! and 0 skipped operations, and the Swagger and OAS forms of one version yield the same set of
//! operations (method, path, final id).

use bi_rest_generator::{generate, Config, Output};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn spec(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../specs/looker")
        .join(name)
}

fn gen(name: &str) -> Output {
    let config = Config {
        spec: spec(name),
        module_name: "looker".into(),
        ..Default::default()
    };
    generate(&config).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn op_set(o: &Output) -> BTreeSet<(String, String, String)> {
    o.report
        .operations
        .iter()
        .map(|l| (l.method.clone(), l.path.clone(), l.operation_id.clone()))
        .collect()
}

fn check_version(version: &str, expected_ops: usize) {
    let oas = gen(&format!("Looker.{version}.oas.json"));
    let swagger = gen(&format!("Looker.{version}.json"));
    for (form, out) in [("oas", &oas), ("swagger", &swagger)] {
        let c = out.report.counts();
        assert_eq!(
            c.skipped,
            0,
            "{version} {form}: skipped operations: {:#?}",
            out.report
                .operations
                .iter()
                .filter(|o| o.status == bi_rest_generator::Status::Skipped)
                .collect::<Vec<_>>()
        );
        assert_eq!(
            c.generated + c.adjusted,
            expected_ops,
            "{version} {form}: {c:?}"
        );
        assert_eq!(
            out.operations.len(),
            expected_ops,
            "{version} {form}: operations table rows"
        );
        assert!(out.code.contains("pub mod operations"));
        assert!(out.code.contains("pub struct Client"));
        // Every table row is a generated method.
        for row in &out.operations {
            assert!(
                out.code.contains(&format!("pub fn {}(", row.id)),
                "{version} {form}: no method {}",
                row.id
            );
        }
    }
    assert_eq!(
        op_set(&oas),
        op_set(&swagger),
        "{version}: Swagger and OAS operation sets differ"
    );
}

#[test]
fn looker_3_0_swagger_and_oas() {
    check_version("3.0", 259);
}

#[test]
fn looker_3_1_swagger_and_oas() {
    check_version("3.1", 355);
}

#[test]
fn looker_4_0_swagger_and_oas() {
    check_version("4.0", 483);
    // Known shapes of 4.0 end up where the runtime expects them.
    let out = gen("Looker.4.0.oas.json");
    let row = |id: &str| out.operations.iter().find(|r| r.id == id).unwrap().clone();
    assert!(
        row("run_query").raw_success,
        "run_query answers json/png/jpeg/text: bytes"
    );
    assert!(
        row("deploy_to_production").empty_success_is_null,
        "200 + 204"
    );
    assert!(out.code.contains("pub enum ValidationErrorOrError"));
    let logout = out
        .report
        .operations
        .iter()
        .find(|o| o.operation_id == "logout")
        .unwrap();
    assert!(logout
        .reason
        .as_deref()
        .unwrap()
        .contains("204: declared body dropped"));
    let login = row("login");
    assert_eq!(login.method, "POST");
    assert!(login
        .parameters
        .iter()
        .any(|p| p.0 == "client_id" && p.1 == "query"));
}
