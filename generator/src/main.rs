//! `bi-rest-gen`: generate a typed Rust client crate (or module) from an OpenAPI 3.0/3.1 or
//! Swagger 2.0 spec, JSON or YAML.

use bi_rest_generator::report::Check;
use bi_rest_generator::{generate, standalone, Config};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Command line.
#[derive(Parser, Debug)]
#[command(
    name = "bi-rest-gen",
    version,
    about = "Generate a typed Rust client from an OpenAPI / Swagger spec"
)]
struct Args {
    /// Spec file (OpenAPI 3.0/3.1 or Swagger 2.0, JSON or YAML).
    #[arg(long)]
    spec: PathBuf,
    /// Output directory of the standalone crate (Cargo.toml + src/lib.rs).
    #[arg(long, required_unless_present = "module")]
    out: Option<PathBuf>,
    /// Write just the module to this file instead of a crate.
    #[arg(long)]
    module: Option<PathBuf>,
    /// Keep only operations with these tags (comma separated).
    #[arg(long, value_delimiter = ',')]
    tags: Vec<String>,
    /// Keep only these operation ids (comma separated).
    #[arg(long, value_delimiter = ',')]
    operations: Vec<String>,
    /// Keep operations the vendor marks internal.
    #[arg(long)]
    include_internal: bool,
    /// Inner type of the client (`with_inner_type`), e.g. `crate::auth::Auth`.
    #[arg(long)]
    inner_type: Option<String>,
    /// A header the caller's session sends on every call (e.g. `X-MSTR-AuthToken`): left out
    /// of the generated signatures. Repeat for several.
    #[arg(long = "session-header", value_name = "NAME")]
    session_headers: Vec<String>,
    /// Write the per-operation report (JSON) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Crate name (default: from the spec file name).
    #[arg(long)]
    name: Option<String>,
    /// Run `cargo check` on the written crate (needs `--out`); fail if it does not compile.
    #[arg(long, requires = "out")]
    check: bool,
    /// Target directory for `--check` (default: DIR/target); share one between crates.
    #[arg(long, requires = "check")]
    check_target_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let stem = args
        .spec
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "api".into());
    let config = Config {
        spec: args.spec.clone(),
        tags: args.tags,
        operations: args.operations,
        include_internal: args.include_internal,
        inner_type: args.inner_type.clone(),
        module_name: stem.clone(),
        emit_hooks: args.inner_type.is_none(),
        session_headers: args.session_headers.clone(),
        runtime_path: None,
        // A standalone crate or module: the table's types are defined in it.
        operation_types: None,
    };
    let out = match generate(&config) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("bi-rest-gen: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = out;
    let written = if let Some(module) = &args.module {
        std::fs::write(module, &out.code).map_err(|e| format!("{}: {e}", module.display()))
    } else if let Some(dir) = &args.out {
        let name = args.name.unwrap_or_else(|| standalone::crate_name(&stem));
        standalone::write_crate(dir, &name, &out.code).map_err(|e| e.to_string())
    } else {
        Ok(())
    };
    if let Err(e) = written {
        eprintln!("bi-rest-gen: {e}");
        return ExitCode::from(2);
    }
    if let (true, Some(dir)) = (args.check, &args.out) {
        let target = args.check_target_dir.unwrap_or_else(|| dir.join("target"));
        match standalone::cargo_check(dir, &target) {
            Ok(check) => out.report.check = check,
            Err(e) => {
                eprintln!("bi-rest-gen: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(path) = &args.report {
        if let Err(e) = std::fs::write(path, out.report.to_json()) {
            eprintln!("bi-rest-gen: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let c = out.report.counts();
    let state = match &out.report.check {
        Check::NotChecked => "generated, not checked",
        Check::Compiled => "compiled",
        Check::Failed { .. } => "DOES NOT COMPILE",
    };
    eprintln!(
        "bi-rest-gen: {}: {} generated, {} adjusted, {} skipped, {} excluded ({} ms; {state})",
        args.spec.display(),
        c.generated,
        c.adjusted,
        c.skipped,
        c.excluded,
        (out.generate_time + out.format_time).as_millis()
    );
    for op in out
        .report
        .operations
        .iter()
        .filter(|o| o.status == bi_rest_generator::Status::Skipped && !o.excluded)
    {
        eprintln!(
            "  skipped {} {} ({}): {}",
            op.method,
            op.path,
            op.operation_id,
            op.reason.as_deref().unwrap_or("")
        );
    }
    if let Check::Failed { errors, first } = &out.report.check {
        eprintln!("bi-rest-gen: cargo check found {errors} errors:");
        for l in first {
            eprintln!("  {l}");
        }
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
