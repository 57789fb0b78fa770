//! generated/<module>.rs must be exactly what build.rs writes for each vendor feature whose
//! spec is present. Refresh with:
//!     BI_REST_BLESS=1 cargo test -p bi-rest-generator --test generated_fresh

use bi_rest_generator::{generate, vendors::VENDORS};
use std::path::PathBuf;

#[test]
fn generated_copies_are_fresh() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let bless = std::env::var_os("BI_REST_BLESS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    let mut checked = 0;
    for vendor in VENDORS {
        let Ok(config) = vendor.config(&root) else {
            eprintln!("{}: spec not present, not checked", vendor.module);
            continue;
        };
        let out = generate(&config).unwrap_or_else(|e| panic!("{}: {e}", vendor.module));
        let file = root.join("generated").join(format!("{}.rs", vendor.module));
        checked += 1;
        if bless {
            std::fs::create_dir_all(root.join("generated")).unwrap();
            std::fs::write(&file, &out.code).unwrap();
            continue;
        }
        let current = std::fs::read_to_string(&file).unwrap_or_default();
        if current != out.code {
            stale.push(file.display().to_string());
        }
    }
    assert!(checked >= 3, "the three Looker specs must be present");
    assert!(
        stale.is_empty(),
        "stale generated files: {stale:?}\nrefresh with: BI_REST_BLESS=1 cargo test -p bi-rest-generator --test generated_fresh"
    );
}
