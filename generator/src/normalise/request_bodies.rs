//! Request bodies: `$ref` bodies are inlined; media types get canonical names (`text` ->
//! `text/plain`); with several media types JSON is preferred (then form, octet-stream, text)
//! and the others are recorded; media types progenitor cannot encode (multipart/form-data,
//! XML, anything else) become a raw body the caller builds (sent as bytes; the original media
//! type is kept in the operations table so the runtime can set `Content-Type`); text and
//! octet-stream bodies get the exact schema progenitor expects.

use super::{canonicalise_content, deref, operation_keys, operation_mut, Ctx};
use crate::error::Result;
use serde_json::{json, Map, Value};

const PREFERENCE: &[&str] = &[
    "application/json",
    "application/x-www-form-urlencoded",
    "application/octet-stream",
    "text/plain",
];

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let snapshot = doc.clone();
    for (path, method) in operation_keys(doc) {
        let Some(op) = operation_mut(doc, &path, &method) else {
            continue;
        };
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        let mut body = match deref(&snapshot, body) {
            Some(Value::Object(b)) => b.clone(),
            _ => {
                op.remove("requestBody");
                ctx.report.adjust(
                    &method,
                    &path,
                    "request body reference cannot be resolved: the operation is generated without a body",
                );
                continue;
            }
        };
        let mut changes = Vec::new();
        let mut raw = None;
        if let Some(Value::Object(content)) = body.get_mut("content") {
            changes.extend(canonicalise_content(content));
            if content.len() > 1 {
                let chosen = PREFERENCE
                    .iter()
                    .find(|p| content.contains_key(**p))
                    .map(|s| s.to_string())
                    .or_else(|| content.keys().next().cloned())
                    .unwrap_or_default();
                let others: Vec<String> =
                    content.keys().filter(|k| **k != chosen).cloned().collect();
                content.retain(|k, _| *k == chosen);
                changes.push(format!(
                    "request body: `{chosen}` used; also accepted by the server: {}",
                    others.join(", ")
                ));
            }
            if let Some((mt, media)) = content.iter_mut().next() {
                let mt = mt.clone();
                let media = media.as_object_mut();
                match (mt.as_str(), media) {
                    ("application/json" | "application/x-www-form-urlencoded", Some(m)) => {
                        if m.remove("encoding").is_some() {
                            changes.push(format!("request body `{mt}`: `encoding` ignored"));
                        }
                        if !m.contains_key("schema") {
                            m.insert("schema".into(), json!({}));
                        }
                    }
                    ("text/plain", Some(m)) => {
                        m.insert("schema".into(), json!({"type": "string"}));
                        m.remove("encoding");
                    }
                    ("application/octet-stream", Some(m)) => {
                        m.insert(
                            "schema".into(),
                            json!({"type": "string", "format": "binary"}),
                        );
                        m.remove("encoding");
                        raw = Some(mt.clone());
                    }
                    _ => {
                        content.clear();
                        content.insert(
                            "application/octet-stream".into(),
                            json!({"schema": {"type": "string", "format": "binary"}}),
                        );
                        changes.push(format!(
                            "request body `{mt}` is sent as a raw body the caller builds (progenitor cannot encode `{mt}`; Content-Type `{mt}` is in the operations table)"
                        ));
                        raw = Some(mt);
                    }
                }
            }
        }
        if body
            .get("content")
            .and_then(Value::as_object)
            .is_none_or(Map::is_empty)
        {
            op.remove("requestBody");
            changes.push("request body without content: left out".into());
        } else {
            op.insert("requestBody".into(), Value::Object(body));
        }
        if let Some(mt) = raw {
            ctx.flags(&method, &path).raw_body_media_type = Some(mt);
        }
        for c in changes {
            ctx.report.adjust(&method, &path, c);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;

    fn one(body: Value) -> (Value, Report, super::super::FlagMap) {
        let mut doc = json!({"paths": {"/x": {"post": {"operationId": "x", "requestBody": body}}}});
        let mut report = Report::new("t");
        let mut ctx = Ctx {
            report: &mut report,
            flags: Default::default(),
            session_headers: Vec::new(),
        };
        run(&mut doc, &mut ctx).unwrap();
        let flags = ctx.flags;
        (
            doc["paths"]["/x"]["post"]["requestBody"].clone(),
            report,
            flags,
        )
    }

    #[test]
    fn prefers_json_and_records_rest() {
        let (b, r, _) = one(json!({"content": {
            "application/xml": {"schema": {"type": "object"}},
            "application/json": {"schema": {"type": "object"}}
        }}));
        assert_eq!(b["content"].as_object().unwrap().len(), 1);
        assert!(b["content"].get("application/json").is_some());
        assert!(r.get("post", "/x").unwrap().changes[0].contains("application/xml"));
    }

    #[test]
    fn multipart_and_xml_become_raw() {
        for mt in ["multipart/form-data", "application/xml"] {
            let (b, r, f) = one(json!({"content": {mt: {"schema": {"type": "object"}}}}));
            assert_eq!(
                b["content"]["application/octet-stream"]["schema"],
                json!({"type": "string", "format": "binary"})
            );
            assert!(r.get("post", "/x").unwrap().changes[0].contains("raw body"));
            let flags = f.get(&("POST".to_string(), "/x".to_string())).unwrap();
            assert_eq!(flags.raw_body_media_type.as_deref(), Some(mt));
        }
    }

    #[test]
    fn bare_text_is_text_plain_with_string_schema() {
        let (b, _, _) =
            one(json!({"content": {"text": {"schema": {"type": "string", "format": "x"}}}}));
        assert_eq!(
            b["content"]["text/plain"]["schema"],
            json!({"type": "string"})
        );
    }
}
