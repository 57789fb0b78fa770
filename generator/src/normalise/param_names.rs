//! Parameters of one operation whose names become one Rust name (`x-y` and `x_y` are both
//! `x_y`; a query parameter `body` next to a request body, which the generated builder also
//! calls `body`): the code would declare the field twice and not compile. Path parameters are
//! kept; of the others, the first keeps the name and the later ones are left out, with a note.

use super::{operation_keys, operation_mut, Ctx};
use crate::error::Result;
use serde_json::Value;
use std::collections::BTreeSet;

/// The Rust name the code generator derives from a parameter name.
pub fn rust_name(name: &str) -> String {
    use heck::ToSnakeCase;
    let cleaned = super::ident_words(name);
    cleaned.to_snake_case()
}

/// Runs the pass (after the parameters pass: parameters are inlined and merged).
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    for (path, method) in operation_keys(doc) {
        let Some(op) = operation_mut(doc, &path, &method) else {
            continue;
        };
        let mut taken: BTreeSet<String> = BTreeSet::new();
        if op.contains_key("requestBody") {
            taken.insert("body".into());
        }
        let Some(Value::Array(params)) = op.get_mut("parameters") else {
            continue;
        };
        let location = |p: &Value| {
            p.get("in")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let name = |p: &Value| {
            p.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        // Path parameters first: they are never the ones left out.
        for p in params.iter().filter(|p| location(p) == "path") {
            taken.insert(rust_name(&name(p)));
        }
        let mut changes = Vec::new();
        params.retain(|p| {
            if location(p) == "path" {
                return true;
            }
            let n = name(p);
            let rust = rust_name(&n);
            if taken.insert(rust.clone()) {
                return true;
            }
            changes.push(format!(
                "{} parameter `{n}` left out: its Rust name `{rust}` is taken by another input of the operation",
                location(p)
            ));
            false
        });
        for c in changes {
            ctx.report.adjust(&method, &path, c);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inputs_with_one_rust_name_keep_the_first() {
        let q = |n: &str| json!({"name": n, "in": "query", "schema": {"type": "string"}});
        let mut doc = json!({"paths": {
            "/b": {"post": {"parameters": [q("body"), q("x-y"), q("x_y"), q("Other")],
                            "requestBody": {"content": {}}}}
        }});
        let report = crate::normalise::run_pass(&mut doc, run);
        let names: Vec<&str> = doc["paths"]["/b"]["post"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(names, ["x-y", "Other"]);
        assert_eq!(
            report.get("post", "/b").unwrap().changes,
            [
                "query parameter `body` left out: its Rust name `body` is taken by another input of the operation",
                "query parameter `x_y` left out: its Rust name `x_y` is taken by another input of the operation"
            ]
        );
    }
}
