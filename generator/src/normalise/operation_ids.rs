//! Operation ids: derives missing ones from method + path, makes every id a Rust-safe
//! snake_case identifier (the form progenitor names methods with), and resolves duplicates
//! (also those that only collide after snake-casing) with deterministic `_2`, `_3` suffixes in
//! document order. The id written in the spec is kept as `x-bi-rest-original-id`.

use super::{operation_keys, operation_mut, Ctx};
use crate::error::Result;
use heck::ToSnakeCase;
use serde_json::Value;
use std::collections::BTreeSet;

/// Extension key holding the id as written in the spec ("" when missing).
pub const ORIGINAL_ID: &str = "x-bi-rest-original-id";

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "typeof", "unsized", "virtual", "yield", "try", "gen", "new", "send",
];

/// Snake-case identifier that is valid Rust and not a keyword (nor a builder method name).
pub fn rust_ident(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut s = cleaned.to_snake_case();
    if s.is_empty() {
        s = "op".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("op_{s}");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push_str("_op");
    }
    s
}

/// Id derived from method and path: `get /users/{id}/roles` -> `get_users_by_id_roles`.
pub fn derive_id(method: &str, path: &str) -> String {
    let mut parts = vec![method.to_ascii_lowercase()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if let Some(p) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            parts.push(format!("by_{p}"));
        } else {
            parts.push(seg.to_string());
        }
    }
    rust_ident(&parts.join("_"))
}

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let keys = operation_keys(doc);
    let mut used = BTreeSet::new();
    for (path, method) in keys {
        let Some(op) = operation_mut(doc, &path, &method) else {
            continue;
        };
        let original = op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string);
        let mut changes = Vec::new();
        let base = match &original {
            Some(id) if !id.trim().is_empty() => {
                let safe = rust_ident(id);
                let plain = id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !id.starts_with(|c: char| c.is_ascii_digit());
                if !plain || safe.ends_with("_op") && !id.to_snake_case().ends_with("_op") {
                    changes.push(format!(
                        "operationId `{id}` is not a Rust identifier: renamed `{safe}`"
                    ));
                }
                safe
            }
            _ => {
                let d = derive_id(&method, &path);
                changes.push(format!(
                    "missing operationId: derived `{d}` from method and path"
                ));
                d
            }
        };
        let mut id = base.clone();
        let mut n = 2;
        while used.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        if id != base {
            changes.push(format!(
                "operationId `{}` already used by another operation: renamed `{id}`",
                original.as_deref().unwrap_or(&base)
            ));
        }
        used.insert(id.clone());
        op.insert("operationId".into(), Value::String(id.clone()));
        op.insert(
            ORIGINAL_ID.into(),
            Value::String(original.clone().unwrap_or_default()),
        );
        let line = ctx.report.operation(&method, &path);
        line.operation_id = id;
        line.original_operation_id = original.unwrap_or_default();
        for c in changes {
            ctx.report.adjust(&method, &path, c);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Status;
    use serde_json::json;

    #[test]
    fn derives_sanitises_and_dedups() {
        let mut doc = json!({"paths": {
            "/a/{id}": {"get": {}, "post": {"operationId": "ms-create.thing"}},
            "/b": {"get": {"operationId": "getSettings"}, "put": {"operationId": "type"}},
            "/c": {"get": {"operationId": "getSettings"}, "post": {"operationId": "get_settings"}}
        }});
        let report = crate::normalise::run_pass(&mut doc, run);
        let id = |p: &str, m: &str| {
            doc["paths"][p][m]["operationId"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(id("/a/{id}", "get"), "get_a_by_id");
        assert_eq!(id("/a/{id}", "post"), "ms_create_thing");
        assert_eq!(id("/b", "get"), "get_settings");
        assert_eq!(id("/b", "put"), "type_op");
        assert_eq!(id("/c", "get"), "get_settings_2");
        assert_eq!(id("/c", "post"), "get_settings_3");
        assert_eq!(doc["paths"]["/c"]["get"][ORIGINAL_ID], "getSettings");
        // A pure camel -> snake change is what progenitor does anyway: not an adjustment.
        assert_eq!(report.get("get", "/b").unwrap().status, Status::Generated);
        assert_eq!(report.get("get", "/c").unwrap().status, Status::Adjusted);
        assert_eq!(report.get("put", "/b").unwrap().status, Status::Adjusted);
    }
}
