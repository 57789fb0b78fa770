//! Runs the bi-rest generator for the enabled vendor features (see generator/).
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
}
