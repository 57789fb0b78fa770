//! Component schema names that become one Rust type name (`GetFavStarIdsSchema` and
//! `get_fav_star_ids_schema` are both `GetFavStarIdsSchema` once PascalCased, and the crate then
//! defines the name twice): every name after the first of such a group is renamed with a
//! number suffix, and every `$ref` (and discriminator mapping) to it follows. One note per rename.

use super::Ctx;
use crate::error::{escape_pointer_segment, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The Rust type name the type generator derives from a component name.
pub fn rust_name(name: &str) -> String {
    use heck::ToPascalCase;
    let cleaned = super::ident_words(name);
    let p = cleaned.to_pascal_case();
    match p.chars().next() {
        Some(c) if c.is_alphabetic() || c == '_' => p,
        _ => format!("X{p}"),
    }
}

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let Some(schemas) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Ok(());
    };
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut renames: BTreeMap<String, String> = BTreeMap::new();
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in &names {
        if taken.insert(rust_name(name)) {
            continue;
        }
        let mut n = 2;
        let new = loop {
            let candidate = format!("{name}_{n}");
            if !schemas.contains_key(&candidate) && !taken.contains(&rust_name(&candidate)) {
                break candidate;
            }
            n += 1;
        };
        taken.insert(rust_name(&new));
        renames.insert(name.clone(), new);
    }
    if renames.is_empty() {
        return Ok(());
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        let old = std::mem::take(schemas);
        for (k, v) in old {
            let k = renames.get(&k).cloned().unwrap_or(k);
            schemas.insert(k, v);
        }
    }
    let by_ref: BTreeMap<String, String> = renames
        .iter()
        .map(|(o, n)| (target(o), target(n)))
        .collect();
    rewrite(doc, &by_ref, 0);
    for (old, new) in &renames {
        ctx.report.note(format!(
            "/components/schemas/{}: renamed `{new}`: its Rust name `{}` is another schema's too",
            escape_pointer_segment(old),
            rust_name(old)
        ));
    }
    Ok(())
}

fn target(name: &str) -> String {
    format!("#/components/schemas/{}", escape_pointer_segment(name))
}

/// Rewrites `$ref`s and discriminator mapping values found in `by_ref`.
fn rewrite(v: &mut Value, by_ref: &BTreeMap<String, String>, depth: usize) {
    if depth > 512 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if k == "$ref" => {
                        if let Some(n) = by_ref.get(s.as_str()) {
                            *s = n.clone();
                        }
                    }
                    Value::Object(m) if k == "mapping" => {
                        for val in m.values_mut() {
                            if let Some(n) = val.as_str().and_then(|s| by_ref.get(s)) {
                                *val = Value::from(n.clone());
                            }
                        }
                    }
                    _ => rewrite(child, by_ref, depth + 1),
                }
            }
        }
        Value::Array(list) => list.iter_mut().for_each(|c| rewrite(c, by_ref, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn case_only_twins_are_renamed_and_refs_follow() {
        let mut doc = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/get_fav_star_ids_schema"}}}}}}}},
            "components": {"schemas": {
                "GetFavStarIdsSchema": {"type": "object"},
                "get_fav_star_ids_schema": {"type": "array", "items": {"type": "integer"}},
                "U": {"oneOf": [{"$ref": "#/components/schemas/get_fav_star_ids_schema"}],
                      "discriminator": {"propertyName": "k", "mapping": {"a": "#/components/schemas/get_fav_star_ids_schema"}}}
            }}
        });
        let report = crate::normalise::run_pass(&mut doc, run);
        let names: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            names,
            ["GetFavStarIdsSchema", "get_fav_star_ids_schema_2", "U"]
        );
        let r = "#/components/schemas/get_fav_star_ids_schema_2";
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
                ["$ref"],
            r
        );
        assert_eq!(doc["components"]["schemas"]["U"]["oneOf"][0]["$ref"], r);
        assert_eq!(
            doc["components"]["schemas"]["U"]["discriminator"]["mapping"]["a"],
            r
        );
        assert_eq!(
            report.notes,
            ["/components/schemas/get_fav_star_ids_schema: renamed `get_fav_star_ids_schema_2`: its Rust name `GetFavStarIdsSchema` is another schema's too"]
        );
    }
}
