//! Writes a small standalone crate (Cargo.toml + src/lib.rs) around a generated module; it
//! depends only on published crates (progenitor-client 0.15.1, reqwest 0.13, serde...).

use crate::error::{ErrorKind, GenError, Result};
use crate::report::Check;
use std::path::Path;
use std::process::Command;

/// The dependency line of each crate generated code may name (see
/// [`crate::paths::RUNTIME_CRATES`]), keyed by the name used in paths.
const DEPENDENCIES: &[(&str, &str)] = &[
    ("bytes", r#"bytes = "1""#),
    (
        "chrono",
        r#"chrono = { version = "0.4", default-features = false, features = ["serde", "std"] }"#,
    ),
    ("futures", r#"futures = "0.3""#),
    ("futures_core", r#"futures-core = "0.3""#),
    ("http", r#"http = "1""#),
    ("progenitor_client", r#"progenitor-client = "0.15.1""#),
    ("quick_xml", r#"quick-xml = "0.42""#),
    ("regress", r#"regress = "0.10""#),
    (
        "reqwest",
        r#"reqwest = { version = "0.13", default-features = false, features = ["json", "rustls", "stream", "query", "form"] }"#,
    ),
    (
        "serde",
        r#"serde = { version = "1", features = ["derive"] }"#,
    ),
    ("serde_json", r#"serde_json = "1""#),
    ("uuid", r#"uuid = { version = "1", features = ["serde"] }"#),
];

/// Cargo.toml of the standalone crate named `name` holding `code`: exactly the crates the
/// code names (progenitor-client and reqwest always: every client is built on them).
pub fn cargo_toml(name: &str, code: &str) -> Result<String> {
    let mut used = crate::paths::crates_used(code)?;
    used.extend(["progenitor_client", "reqwest"]);
    let deps: Vec<&str> = DEPENDENCIES
        .iter()
        .filter(|(k, _)| used.contains(k))
        .map(|(_, line)| *line)
        .collect();
    Ok(format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

# Written by bi-rest-gen: the crates the generated code names, and nothing else.
[dependencies]
{}

[workspace]
"#,
        deps.join("\n")
    ))
}

/// lib.rs of the standalone crate.
pub fn lib_rs(code: &str) -> String {
    format!("#![allow(clippy::all, dead_code, unused_imports, missing_docs, rustdoc::all)]\n{code}")
}

/// Writes the crate into `dir` (created if needed).
pub fn write_crate(dir: &Path, name: &str, code: &str) -> Result<()> {
    let src = dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| GenError::io(&src, &e))?;
    let toml = dir.join("Cargo.toml");
    let manifest = cargo_toml(name, code).map_err(|e| e.with_file(&toml))?;
    std::fs::write(&toml, manifest).map_err(|e| GenError::io(&toml, &e))?;
    let lib = src.join("lib.rs");
    std::fs::write(&lib, lib_rs(code)).map_err(|e| GenError::io(&lib, &e))?;
    Ok(())
}

/// A crate name from a file stem: lower case, `-` separated.
pub fn crate_name(stem: &str) -> String {
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("api-{s}")
    } else {
        format!("{s}-client")
    }
}

/// Runs `cargo check` on the crate in `dir` with `target_dir` as its target directory (shared
/// between crates so dependencies compile once) and says whether it compiled.
pub fn cargo_check(dir: &Path, target_dir: &Path) -> Result<Check> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "check",
            "--quiet",
            "--message-format",
            "short",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .output()
        .map_err(|e| {
            GenError::new(ErrorKind::Io, format!("cannot run cargo: {e}")).with_file(dir)
        })?;
    if out.status.success() {
        return Ok(Check::Compiled);
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains("error[") || l.contains(": error:") || l.starts_with("error:"))
        .filter(|l| !l.contains("could not compile"))
        .map(str::to_string)
        .collect();
    Ok(Check::Failed {
        errors: errors.len().max(1),
        first: if errors.is_empty() {
            stderr.lines().take(10).map(str::to_string).collect()
        } else {
            errors.into_iter().take(10).collect()
        },
    })
}
