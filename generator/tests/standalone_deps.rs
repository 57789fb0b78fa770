//! A standalone crate written by `bi-rest-gen --out` lists exactly the crates its code names:
//! the AgileApps module (typed XML bodies) needs quick-xml, a JSON-only spec does not; nothing
//! is listed that the code does not use.

use bi_rest_generator::paths::crates_used;
use bi_rest_generator::{generate, standalone, Config};
use std::path::PathBuf;

fn dependencies(manifest: &str) -> Vec<String> {
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .expect("a [dependencies] table");
    let deps = deps.split("\n[").next().unwrap_or(deps);
    deps.lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.starts_with('#'))
        .collect()
}

fn manifest_for(spec: PathBuf) -> (Vec<String>, Vec<String>) {
    let out = generate(&Config {
        spec,
        module_name: "m".into(),
        emit_hooks: true,
        ..Config::default()
    })
    .expect("generates");
    let manifest = standalone::cargo_toml("m-client", &out.code).expect("manifest");
    let mut used: Vec<String> = crates_used(&out.code)
        .expect("tokens")
        .into_iter()
        // Registry names: `serde_json` keeps its underscore, the others take dashes.
        .map(|c| match c {
            "serde_json" => c.to_string(),
            _ => c.replace('_', "-"),
        })
        .collect();
    used.sort();
    let mut listed = dependencies(&manifest);
    listed.sort();
    (listed, used)
}

#[test]
fn the_manifest_lists_exactly_the_crates_the_code_names() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (listed, used) = manifest_for(root.join("tests/fixtures/multi/api.yaml"));
    assert_eq!(listed, used);
    assert!(!listed.contains(&"quick-xml".to_string()), "{listed:?}");
    assert!(!listed.contains(&"uuid".to_string()), "{listed:?}");
    for needed in ["progenitor-client", "reqwest", "serde"] {
        assert!(listed.contains(&needed.to_string()), "{needed}: {listed:?}");
    }
    let (listed, used) = manifest_for(root.join("../specs/agileapps/openapi.yaml"));
    assert_eq!(listed, used);
    assert!(listed.contains(&"quick-xml".to_string()), "{listed:?}");
}
