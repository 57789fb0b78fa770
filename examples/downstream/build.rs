//! Generates `$OUT_DIR/my_mstr.rs` from this crate's spec (reruns when the spec changes).
fn main() {
    bi_rest_generator::Build::microstrategy("spec/openapi.yaml")
        .module("my_mstr")
        .run();
}
