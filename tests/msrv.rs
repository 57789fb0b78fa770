//! The declared `rust-version` is the real one, and a library user's build stays small.
//!
//! - No package in the resolved graph (dev and build dependencies included) requires a newer
//!   rustc than the workspace declares (`cargo metadata`), except the SDKs of the optional
//!   credential stores `aws` (rustc 1.94.1) and `gcp` (1.91), documented as such.
//! - `bi-rest` with `default-features = false, features = ["mstr"]` (what a library user
//!   writes) pulls no CLI or server-only crate (`cargo tree`).

use std::process::Command;

fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo {args:?}:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn version(v: &str) -> (u64, u64, u64) {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// The optional credential stores follow their vendors' SDKs, which need newer compilers
/// (documented in the README and Cargo.toml): feature, crate name prefix, rustc needed.
const NEWER_FOR_FEATURE: &[(&str, &str, (u64, u64, u64))] = &[
    ("aws", "aws-", (1, 94, 1)),
    ("gcp", "google-cloud-", (1, 91, 0)),
];

/// Packages of the resolved graph (with `features`) needing a newer rustc than `msrv`.
fn newer_than(features: &[&str], msrv: (u64, u64, u64)) -> Vec<(String, (u64, u64, u64))> {
    let mut args = vec!["metadata", "--format-version", "1", "--locked"];
    args.extend_from_slice(features);
    let v: serde_json::Value = serde_json::from_str(&cargo(&args)).expect("metadata JSON");
    let resolved: std::collections::BTreeSet<&str> = v["resolve"]["nodes"]
        .as_array()
        .expect("resolve")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    v["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| resolved.contains(p["id"].as_str().unwrap_or("")))
        .filter_map(|p| {
            let rv = version(p["rust_version"].as_str()?);
            (rv > msrv).then(|| (p["name"].as_str().unwrap_or("").to_string(), rv))
        })
        .collect()
}

fn declared_msrv() -> (u64, u64, u64) {
    let v: serde_json::Value =
        serde_json::from_str(&cargo(&["metadata", "--format-version", "1", "--no-deps"]))
            .expect("metadata JSON");
    let declared: Vec<(u64, u64, u64)> = v["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            version(
                p["rust_version"]
                    .as_str()
                    .expect("members declare rust-version"),
            )
        })
        .collect();
    assert_eq!(
        declared.len(),
        3,
        "bi-rest, bi-rest-generator and bi-rest-operations"
    );
    assert!(declared.iter().all(|d| *d == declared[0]), "{declared:?}");
    declared[0]
}

#[test]
fn no_dependency_needs_a_newer_rustc_than_declared() {
    let msrv = declared_msrv();
    // Every feature but the credential stores (dev and build dependencies included).
    let core = newer_than(
        &[
            "--features",
            "default,blocking,fuzzing,looker-3_0,looker-3_1,azure",
        ],
        msrv,
    );
    assert!(
        core.is_empty(),
        "declared rust-version {msrv:?}, but: {core:?}"
    );
    // With every feature: only the documented exceptions.
    for (name, needs) in newer_than(&["--all-features"], msrv) {
        let known = NEWER_FOR_FEATURE
            .iter()
            .find(|(_, prefix, _)| name.starts_with(prefix));
        assert!(
            known.is_some_and(|(_, _, documented)| needs <= *documented),
            "{name} needs rustc {needs:?}, more than the declared {msrv:?} and not a documented exception"
        );
    }
    // The declared version is the real floor: some dependency needs exactly it.
    let v: serde_json::Value =
        serde_json::from_str(&cargo(&["metadata", "--format-version", "1", "--locked"]))
            .expect("metadata JSON");
    assert!(
        v["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .any(|p| p["rust_version"].as_str().map(version) == Some(msrv)),
        "rust-version {msrv:?} is higher than any dependency needs"
    );
}

#[test]
fn a_library_build_pulls_no_cli_or_server_crates() {
    let tree = cargo(&[
        "tree",
        "--locked",
        "-p",
        "bi-rest",
        "-e",
        "normal,build",
        "--no-default-features",
        "--features",
        "mstr",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    let names: std::collections::BTreeSet<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for cli_only in [
        "clap",
        "clap_complete",
        "clap_mangen",
        "tracing-subscriber",
        "axum",
        "aws-config",
        "azure_core",
        "google-cloud-auth",
    ] {
        assert!(!names.contains(cli_only), "{cli_only} in a library build");
    }
    for needed in ["reqwest", "progenitor-client", "serde", "bi-rest-generator"] {
        assert!(names.contains(needed), "{needed} missing: {names:?}");
    }
}
