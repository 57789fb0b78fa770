//! Runs the bi-rest generator for the enabled vendor features (see generator/) and writes
//! `$OUT_DIR/<module>.rs`, included by src/generated.rs. Generation errors fail the build with
//! the spec path and JSON pointer (no panic backtrace). Only the spec files and this script
//! trigger a rerun; touching src/ does not.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(any(
        feature = "looker-3_0",
        feature = "looker-3_1",
        feature = "looker-4_0",
        feature = "mstr",
        feature = "agileapps"
    ))]
    vendors::run();
}

#[cfg(any(
    feature = "looker-3_0",
    feature = "looker-3_1",
    feature = "looker-4_0",
    feature = "mstr",
    feature = "agileapps"
))]
mod vendors {
    use bi_rest_generator::vendors::VENDORS;
    use std::path::PathBuf;

    fn fail(msg: &str) -> ! {
        eprintln!("error: bi-rest code generation failed: {msg}");
        std::process::exit(1);
    }

    pub fn run() {
        let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
        let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
        for vendor in VENDORS {
            let var = format!(
                "CARGO_FEATURE_{}",
                vendor.feature.to_uppercase().replace('-', "_")
            );
            if std::env::var_os(&var).is_none() {
                continue;
            }
            for s in vendor.specs {
                let p = root.join(s);
                if p.is_file() {
                    println!("cargo:rerun-if-changed={}", p.display());
                }
            }
            let config = vendor.config(&root).unwrap_or_else(|m| fail(&m));
            let output =
                bi_rest_generator::generate(&config).unwrap_or_else(|e| fail(&e.to_string()));
            let c = output.report.counts();
            if c.skipped > 0 {
                println!(
                    "cargo:warning={}: {} operations skipped (run bi-rest-gen --report for reasons)",
                    config.spec.display(),
                    c.skipped
                );
            }
            let file = out.join(format!("{}.rs", vendor.module));
            if let Err(e) = std::fs::write(&file, &output.code) {
                fail(&format!("{}: {e}", file.display()));
            }
        }
    }
}
