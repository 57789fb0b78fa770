//! Rust names that would be defined twice, or types that would contain themselves, in the
//! generated crate (issue 13, "generated means compiles"): small synthetic specs, one per class,
//! generated and read back with `syn` (no `cargo check`: the corpus test does that on real
//! specs). Each asserts the `types` module defines every name once, that every
//! `Name::VariantN` the code names is a variant of that enum, and that no newtype wraps itself.

use bi_rest_generator::{generate, Config};
use std::collections::{BTreeMap, BTreeSet};

fn gen(spec: &str) -> (String, Vec<String>) {
    let dir = std::env::temp_dir().join(format!(
        "bi-rest-type-collisions-{}-{}",
        std::process::id(),
        spec.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spec.json");
    std::fs::write(&path, spec).unwrap();
    let out = generate(&Config {
        spec: path,
        module_name: "t".into(),
        emit_hooks: true,
        ..Config::default()
    })
    .unwrap();
    assert_eq!(out.report.counts().skipped, 0, "{:#?}", out.report);
    (out.code, out.report.notes.clone())
}

/// Types of the `types` module: name -> (kind, variant names or the newtype's field type),
/// and the `Name::VariantN` paths the code names.
#[derive(Default)]
struct Types {
    defs: BTreeMap<String, Vec<(String, Vec<String>)>>,
    variant_paths: BTreeSet<(String, String)>,
}

impl Types {
    /// The top level of `types` (its `builder`/`defaults` submodules reuse the names).
    fn read(&mut self, items: &[syn::Item]) {
        for item in items {
            match item {
                syn::Item::Struct(s) => {
                    let inner = match &s.fields {
                        syn::Fields::Unnamed(f) => f
                            .unnamed
                            .iter()
                            .map(|f| quote::quote!(#f).to_string())
                            .collect(),
                        _ => Vec::new(),
                    };
                    self.defs
                        .entry(s.ident.to_string())
                        .or_default()
                        .push(("struct".into(), inner));
                }
                syn::Item::Enum(e) => {
                    let variants = e.variants.iter().map(|v| v.ident.to_string()).collect();
                    self.defs
                        .entry(e.ident.to_string())
                        .or_default()
                        .push(("enum".into(), variants));
                }
                _ => {}
            }
        }
    }
}

/// Asserts the three properties on the generated `types` module.
fn assert_compilable_types(code: &str) -> Types {
    let file: syn::File = syn::parse_str(code).unwrap();
    let mut t = Types::default();
    for item in &file.items {
        if let syn::Item::Mod(m) = item {
            if m.ident == "types" {
                t.read(m.content.as_ref().map_or(&[][..], |(_, items)| items));
            }
        }
    }
    // `Name::VariantN` anywhere in the code (paths are printed `Name :: VariantN`).
    let words: Vec<&str> = code
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != ':')
        .collect();
    for w in words {
        let segs: Vec<&str> = w.split("::").collect();
        if let [.., ty, variant] = segs.as_slice() {
            let numbered = variant
                .strip_prefix("Variant")
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
            if numbered && ty.chars().next().is_some_and(char::is_uppercase) {
                t.variant_paths
                    .insert((ty.to_string(), variant.to_string()));
            }
        }
    }
    for (name, defs) in &t.defs {
        assert_eq!(
            defs.len(),
            1,
            "`{name}` defined {} times: {defs:?}",
            defs.len()
        );
        let (kind, inner) = &defs[0];
        if kind == "struct" {
            for field in inner {
                let words: Vec<&str> = field
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .collect();
                let boxed = field.contains("Box");
                assert!(
                    boxed || !words.contains(&name.as_str()),
                    "newtype `{name}` contains itself: {field}"
                );
            }
        }
    }
    for (ty, variant) in &t.variant_paths {
        if let Some(defs) = t.defs.get(ty) {
            let (kind, variants) = &defs[0];
            assert!(
                kind == "enum" && variants.contains(variant),
                "`{ty}::{variant}` named, but `{ty}` is a {kind} with {variants:?}"
            );
        }
    }
    t
}

fn spec(schemas: serde_json::Value, response: &str) -> String {
    serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"operationId": "get_a", "responses": {
            "200": {"description": "ok", "content": {"application/json": {
                "schema": {"$ref": format!("#/components/schemas/{response}")}}}},
            "400": {"description": "bad", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"error": {"type": "string"}}}}}},
            "404": {"description": "no body"}
        }}}},
        "components": {"schemas": schemas}
    })
    .to_string()
}

/// An untagged enum (`Variant0`, `Variant1`) and a struct whose component names differ only
/// in case: one Rust name, two definitions, and `Name::Variant0` naming the struct.
#[test]
fn enum_and_struct_twins_by_case_get_two_names() {
    let code = gen(&spec(
        serde_json::json!({
            "Holder": {"type": "object", "properties": {
                "a": {"$ref": "#/components/schemas/dag_run_state"},
                "b": {"$ref": "#/components/schemas/DagRunState"}}},
            // Two object shapes sharing a property: an untagged enum with `Variant0`,
            // `Variant1`, named by its `Default` (`DagRunState::Variant0 { .. }`).
            "dag_run_state": {"default": {"x": "q"}, "oneOf": [
                {"type": "object", "properties": {"x": {"type": "string"}}},
                {"type": "object", "properties": {"x": {"type": "integer"}, "z": {"type": "boolean"}}}
            ]},
            "DagRunState": {"type": "object", "properties": {"state": {"type": "string"}}}
        }),
        "Holder",
    ))
    .0;
    let t = assert_compilable_types(&code);
    assert!(
        t.variant_paths
            .iter()
            .any(|(ty, _)| ty.starts_with("DagRunState")),
        "{:?}",
        t.variant_paths
    );
}

/// A JSON error body next to a body-less error status becomes a nullable wrapper: without a
/// name of its own, the inner object would also be `GetAError`, and the wrapper
/// `GetAError(Option<GetAError>)` a recursive newtype.
#[test]
fn nullable_wrapper_of_an_inline_schema_is_not_a_recursive_newtype() {
    let (code, notes) = gen(&spec(
        serde_json::json!({"A": {"type": "string"},
            "Opt": {"nullable": true, "oneOf": [{"type": "object", "properties": {"x": {"type": "integer"}}}]},
            "UsesOpt": {"type": "object", "properties": {"o": {"$ref": "#/components/schemas/Opt"}}}}),
        "UsesOpt",
    ));
    let t = assert_compilable_types(&code);
    assert!(t.defs.contains_key("GetAErrorValue"), "{:?}", t.defs.keys());
    assert!(t.defs.contains_key("OptValue"), "{:?}", t.defs.keys());
    assert!(
        notes.iter().any(|n| n.contains("`GetAErrorValue`")),
        "{notes:?}"
    );
}

/// Two properties that are one Rust field (`@type` and `type` are both `type_`).
#[test]
fn properties_of_one_rust_field_name_get_two_fields() {
    let (code, notes) = gen(&spec(
        serde_json::json!({"Change": {"type": "object", "required": ["@type", "type"], "properties": {
            "@type": {"type": "string", "enum": ["addColumn"]},
            "type": {"type": "string"},
            "fooBar": {"type": "integer"},
            "foo_bar": {"type": "string"}}}}),
        "Change",
    ));
    assert_compilable_types(&code);
    let file: syn::File = syn::parse_str(&code).unwrap();
    let text = prettyplease::unparse(&file);
    assert!(text.contains("pub type2: ::std::string::String"), "{text}");
    assert!(text.contains("pub foo_bar2:"), "{text}");
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("two properties"))
            .count(),
        2,
        "{notes:?}"
    );
}
