//! The crate `bi-rest-gen --out DIR` writes compiles on its own, against the published
//! progenitor-client: a 20-operation subset of Looker 4.0 (mixed 2xx, 200 + 204, binary answers,
//! several error schemas) and the AgileApps spec (typed XML bodies) are generated with the library
//! function behind `--out` and checked with `cargo check`.
//!
//! Needs crates.io (or a warm cargo registry). The crates share one target dir,
//! `<workspace target>/standalone-check`, so their dependencies are compiled once per machine.
//! Run: `cargo test -p bi-rest-generator --test standalone_check -- --nocapture`

use bi_rest_generator::{generate, standalone, Config};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Operations of the Looker 4.0 subset: login/logout, users CRUD, dashboards (copy_dashboard has
/// 200 and 201 answers), queries (run_* answer JSON or binary), query tasks (200/202), looks.
const LOOKER_SUBSET: [&str; 20] = [
    "login",
    "logout",
    "me",
    "user",
    "all_users",
    "create_user",
    "update_user",
    "delete_user",
    "search_dashboards",
    "dashboard",
    "copy_dashboard",
    "create_query",
    "query",
    "run_query",
    "run_inline_query",
    "run_look",
    "query_task_results",
    "create_query_task",
    "all_looks",
    "look",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The workspace target dir: `CARGO_TARGET_DIR`, else the one this test binary was built in
/// (`<target>/debug/deps/<test>`).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| root().join("target"))
}

/// Generates `spec` into a standalone crate named `name` and runs `cargo check` on it; returns
/// the number of operations generated and the check's wall time.
fn generate_and_check(spec: &str, name: &str, operations: &[&str]) -> (usize, f64) {
    let config = Config {
        spec: root().join(spec),
        operations: operations.iter().map(|s| s.to_string()).collect(),
        module_name: name.replace('-', "_"),
        emit_hooks: true,
        ..Config::default()
    };
    let out = generate(&config).unwrap_or_else(|e| panic!("{spec}: {e}"));
    let counts = out.report.counts();
    assert_eq!(counts.skipped, 0, "{spec}: skipped operations");
    if !operations.is_empty() {
        assert_eq!(
            out.operations.len(),
            operations.len(),
            "{spec}: subset size"
        );
    }
    let base = target_dir().join("standalone-check");
    let dir = base.join("crates").join(name);
    standalone::write_crate(&dir, name, &out.code).unwrap_or_else(|e| panic!("{name}: {e}"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let result = Command::new(cargo)
        .arg("check")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", base.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap_or_else(|e| panic!("running cargo: {e}"));
    let secs = started.elapsed().as_secs_f64();
    assert!(
        result.status.success(),
        "cargo check of the standalone crate {} failed ({}):\n{}",
        dir.display(),
        result.status,
        String::from_utf8_lossy(&result.stderr)
    );
    (out.operations.len(), secs)
}

#[test]
fn standalone_crates_compile() {
    let mut lines = Vec::new();
    for (spec, name, ops) in [
        (
            "specs/looker/Looker.4.0.oas.json",
            "looker-4-0-subset-client",
            &LOOKER_SUBSET[..],
        ),
        ("specs/agileapps/openapi.yaml", "agileapps-client", &[][..]),
    ] {
        let (n, secs) = generate_and_check(spec, name, ops);
        lines.push(format!(
            "standalone `cargo check` of {name} ({n} operations from {spec}): {secs:.1} s"
        ));
    }
    for l in lines {
        eprintln!("{l}");
    }
}

/// The public corpus (specs/corpus/, see SOURCES.md there): every operation of every spec is
/// generated (none skipped) and every crate passes `cargo check` (`bi-rest-gen --check`).
#[test]
fn corpus_specs_generate_whole_and_compile() {
    let dir = root().join("specs/corpus");
    let specs = corpus_specs(&dir);
    assert!(specs.len() >= 8, "corpus has {} specs", specs.len());
    let whole = Instant::now();
    let base = target_dir().join("standalone-check");
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    for (stem, spec) in &specs {
        let name = standalone::crate_name(stem);
        let out = generate(&Config {
            spec: spec.clone(),
            module_name: name.replace('-', "_"),
            emit_hooks: true,
            ..Config::default()
        })
        .unwrap_or_else(|e| panic!("{stem}: {e}"));
        let c = out.report.counts();
        let total = c.generated + c.adjusted + c.skipped;
        let crate_dir = base.join("crates").join(&name);
        standalone::write_crate(&crate_dir, &name, &out.code).unwrap_or_else(|e| panic!("{e}"));
        let started = Instant::now();
        let check = standalone::cargo_check(&crate_dir, &base.join("target"))
            .unwrap_or_else(|e| panic!("{e}"));
        let compiled = check == bi_rest_generator::report::Check::Compiled;
        lines.push(format!(
            "corpus {stem}: {}/{total} operations generated, compiled: {} ({:.1} s)",
            total - c.skipped,
            if compiled { "yes" } else { "NO" },
            started.elapsed().as_secs_f64()
        ));
        if c.skipped > 0 || !compiled {
            failures.push(format!("{stem}: {} skipped, check {check:?}", c.skipped));
        }
    }
    for l in lines {
        eprintln!("{l}");
    }
    eprintln!(
        "corpus: {} specs in {:.1} s",
        specs.len(),
        whole.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The corpus specs as (name, entry file): every JSON/YAML file of `dir`, and every
/// subdirectory (a spec in several files, `$ref`s between them), whose entry is its
/// `openapi.{yaml,yml,json}` or the file named like the directory. Sorted by name.
fn corpus_specs(dir: &Path) -> Vec<(String, PathBuf)> {
    let is_spec = |p: &Path| {
        p.extension()
            .is_some_and(|x| x == "json" || x == "yaml" || x == "yml")
    };
    let mut specs = Vec::new();
    for path in std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
    {
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if path.is_dir() {
            let entry = ["openapi", name.as_str()]
                .iter()
                .flat_map(|stem| ["yaml", "yml", "json"].map(|x| path.join(format!("{stem}.{x}"))))
                .find(|p| p.is_file())
                .unwrap_or_else(|| panic!("{}: no openapi.yaml or {name}.yaml", path.display()));
            specs.push((name, entry));
        } else if is_spec(&path) {
            specs.push((name, path));
        }
    }
    specs.sort();
    specs
}
