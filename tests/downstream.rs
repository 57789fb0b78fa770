//! bi-rest as a dependency: `examples/downstream/` (a crate of a user's, depending on
//! `bi-rest` and `bi-rest-generator` only, with its own MicroStrategy-like spec declaring an
//! operation bi-rest does not ship) is copied to a temporary directory, its path dependencies
//! pointed at this checkout, built out of tree, and run against the MicroStrategy simulator:
//! one typed call of the new operation, exactly one login, no session left open. Then its spec
//! gains an operation and the rebuild picks it up (build.rs reruns on the spec).
//!
//! The build shares this test's target directory (and the workspace's Cargo.lock), so only
//! the downstream crate and bi-rest without default features compile: minutes cold, seconds
//! warm.
#![cfg(feature = "sim")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bi_rest::sim::mstr::{self, MstrSimConfig};

const NAME: &str = "bi-rest-downstream-example";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `CARGO_TARGET_DIR`, else the target dir this test binary was built in
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

/// Copies the example crate into `dir`, with its path dependencies made absolute.
fn copy_example(dir: &Path) {
    let src = root().join("examples/downstream");
    for rel in ["build.rs", "spec/openapi.yaml", "src/main.rs"] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("mkdir");
        std::fs::copy(src.join(rel), &to).unwrap_or_else(|e| panic!("{rel}: {e}"));
    }
    let manifest = std::fs::read_to_string(src.join("Cargo.toml")).expect("Cargo.toml");
    let root = root();
    let manifest = manifest
        .replace(
            "path = \"../../generator\"",
            &format!("path = {:?}", root.join("generator").display().to_string()),
        )
        .replace(
            "path = \"../..\"",
            &format!("path = {:?}", root.display().to_string()),
        );
    assert!(
        !manifest.contains("../"),
        "every path rewritten:\n{manifest}"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    // The workspace's versions: the dependencies are already compiled in the shared target.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("Cargo.lock");
}

fn build(dir: &Path, target: &Path) -> f64 {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let started = Instant::now();
    let out = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--message-format",
            "short",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "the downstream crate builds:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    started.elapsed().as_secs_f64()
}

fn run(target: &Path, base_url: &str) -> String {
    let exe = target.join("debug").join(NAME);
    let out = Command::new(&exe)
        .arg(base_url)
        .env_remove("MSTR_PASSWORD")
        .env_remove("MSTR_USERNAME")
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "the downstream binary runs:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// Adds `GET /usergroups` (answered by the simulator, absent from the shipped spec).
fn add_operation(spec: &Path) {
    let text = std::fs::read_to_string(spec).expect("spec");
    let added = r#"paths:
  /usergroups:
    get:
      operationId: listUserGroups
      tags: [User Groups]
      parameters:
        - name: X-MSTR-AuthToken
          in: header
          required: true
          schema:
            type: string
      responses:
        "200":
          description: The user groups
          content:
            application/json:
              schema:
                type: array
                items:
                  type: object
                  properties:
                    id:
                      type: string
                    name:
                      type: string
"#;
    assert!(text.contains("\npaths:\n"));
    std::fs::write(spec, text.replacen("paths:\n", added, 1)).expect("write spec");
}

#[test]
fn a_downstream_crate_generates_its_own_spec_and_runs_against_the_simulator() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path().join("downstream");
    copy_example(&dir);
    let target = target_dir();

    let first = build(&dir, &target);
    eprintln!("downstream build: {first:.1} s");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let sim = runtime
        .block_on(mstr::start(MstrSimConfig::default()))
        .expect("the simulator starts");

    let stdout = run(&target, &sim.base_url());
    assert!(
        stdout.contains("operations: get_monitor_projects\n"),
        "{stdout}"
    );
    assert!(stdout.contains("on sim-node-1"), "typed nodes: {stdout}");
    let projects = stdout
        .lines()
        .find_map(|l| l.strip_prefix("projects: "))
        .and_then(|n| n.parse::<usize>().ok())
        .expect("a project count");
    assert!(projects > 0, "{stdout}");
    let c = sim.counters();
    assert_eq!(c.logins_standard, 1, "exactly one login");
    assert_eq!(c.open_sessions, 0, "no session left open");
    assert_eq!(c.logouts, 1);

    // The spec changes: build.rs reruns and the new operation is generated.
    add_operation(&dir.join("spec/openapi.yaml"));
    let second = build(&dir, &target);
    eprintln!("downstream rebuild after the spec edit: {second:.1} s");
    let stdout = run(&target, &sim.base_url());
    assert!(
        stdout.contains("operations: list_user_groups, get_monitor_projects\n")
            || stdout.contains("operations: get_monitor_projects, list_user_groups\n"),
        "{stdout}"
    );
    assert_eq!(sim.counters().open_sessions, 0);
    runtime.block_on(sim.shutdown());
}
