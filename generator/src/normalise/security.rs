//! Security schemes the OpenAPI 3.0 model cannot hold (3.1's `mutualTLS`, or an unknown type)
//! are dropped with a note, together with the requirements that name them: the client's TLS
//! settings (a client certificate) are configured on the HTTP client, not per operation.

use super::{Ctx, METHODS};
use crate::error::Result;
use serde_json::Value;

const KNOWN: [&str; 4] = ["apiKey", "http", "oauth2", "openIdConnect"];

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let Some(schemes) = doc
        .pointer_mut("/components/securitySchemes")
        .and_then(Value::as_object_mut)
    else {
        return Ok(());
    };
    let dropped: Vec<String> = schemes
        .iter()
        .filter(|(_, s)| {
            s.get("$ref").is_none()
                && !s
                    .get("type")
                    .and_then(Value::as_str)
                    .is_some_and(|t| KNOWN.contains(&t))
        })
        .map(|(k, _)| k.clone())
        .collect();
    for name in &dropped {
        let ty = schemes
            .get(name)
            .and_then(|s| s.get("type"))
            .map(|t| t.to_string())
            .unwrap_or_else(|| "(none)".into());
        schemes.shift_remove(name);
        ctx.report.note(format!(
            "/components/securitySchemes/{name}: security scheme type {ty} has no OpenAPI 3.0 form: dropped (configure a client certificate on the HTTP client)"
        ));
    }
    if dropped.is_empty() {
        return Ok(());
    }
    if let Some(list) = doc.get_mut("security") {
        strip(list, &dropped);
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            for m in METHODS {
                if let Some(list) = item.get_mut(m).and_then(|op| op.get_mut("security")) {
                    strip(list, &dropped);
                }
            }
        }
    }
    Ok(())
}

/// Removes the dropped schemes from a list of requirements (empty requirements go too).
fn strip(list: &mut Value, dropped: &[String]) {
    if let Value::Array(reqs) = list {
        for r in reqs.iter_mut() {
            if let Value::Object(m) = r {
                m.retain(|k, _| !dropped.contains(k));
            }
        }
        reqs.retain(|r| r.as_object().is_none_or(|m| !m.is_empty()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde_json::json;

    #[test]
    fn mutual_tls_is_dropped_with_a_note() {
        let mut doc = json!({
            "security": [{"mtls": []}, {"key": []}],
            "paths": {"/a": {"get": {"security": [{"mtls": [], "key": []}]}}},
            "components": {"securitySchemes": {
                "mtls": {"type": "mutualTLS"},
                "key": {"type": "apiKey", "in": "header", "name": "K"}
            }}
        });
        let report = crate::normalise::run_pass(&mut doc, run);
        assert_eq!(doc["security"], json!([{"key": []}]));
        assert_eq!(doc["paths"]["/a"]["get"]["security"], json!([{"key": []}]));
        assert!(doc["components"]["securitySchemes"].get("mtls").is_none());
        assert_eq!(
            report.notes,
            vec!["/components/securitySchemes/mtls: security scheme type \"mutualTLS\" has no OpenAPI 3.0 form: dropped (configure a client certificate on the HTTP client)"]
        );
    }
}
