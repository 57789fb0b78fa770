//! Path templates and path parameters that do not match: a template name with a declared
//! parameter of another case (`{projectUuid}` / `projectuuid`), or of another name at the same
//! position (`{id}` / `dag_id`), is matched to it (the parameter takes the template's name: a
//! path parameter's name never travels on the wire); a template name with no parameter gets a
//! required string parameter; a declared path parameter the template does not have is left out.
//! Path-item parameters of an item that needs a repair are copied into its operations first.

use super::{Ctx, METHODS};
use crate::error::Result;
use serde_json::{json, Value};

/// The `{name}`s of a path template, in order.
pub fn template_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    out
}

/// Runs the pass.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return Ok(());
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        let template = template_names(path);
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let needs_repair = METHODS.iter().filter_map(|m| item.get(*m)).any(|op| {
            let mut params = merged(&shared, op.get("parameters"));
            !repair(&template, &mut params).is_empty()
        });
        if !needs_repair {
            continue;
        }
        item.remove("parameters");
        for m in METHODS {
            let Some(op) = item.get_mut(m).and_then(Value::as_object_mut) else {
                continue;
            };
            let mut params = merged(&shared, op.get("parameters"));
            let changes = repair(&template, &mut params);
            op.insert("parameters".into(), Value::Array(params));
            for c in changes {
                ctx.report.adjust(m, path, c);
            }
        }
    }
    Ok(())
}

/// Item-level parameters overridden by the operation's of the same (name, in).
fn merged(item: &[Value], op: Option<&Value>) -> Vec<Value> {
    let own: Vec<Value> = op.and_then(Value::as_array).cloned().unwrap_or_default();
    let key = |p: &Value| (p.get("name").cloned(), p.get("in").cloned());
    let mut out: Vec<Value> = item
        .iter()
        .filter(|p| !own.iter().any(|o| key(o) == key(p)))
        .cloned()
        .collect();
    out.extend(own);
    out
}

fn is_path(p: &Value) -> bool {
    p.get("in").and_then(Value::as_str) == Some("path")
}

fn name(p: &Value) -> String {
    p.get("name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// Matches template names to path parameters in `params`; returns the changes made.
fn repair(template: &[String], params: &mut Vec<Value>) -> Vec<String> {
    let mut changes = Vec::new();
    let declared: Vec<usize> = (0..params.len()).filter(|&i| is_path(&params[i])).collect();
    let mut free: Vec<usize> = declared
        .iter()
        .copied()
        .filter(|&i| !template.contains(&name(&params[i])))
        .collect();
    let mut missing: Vec<&String> = template
        .iter()
        .filter(|t| !declared.iter().any(|&i| name(&params[i]) == **t))
        .collect();
    if free.is_empty() && missing.is_empty() {
        return changes;
    }
    // Case-insensitive matches first.
    missing.retain(|t| {
        match free
            .iter()
            .position(|&i| name(&params[i]).eq_ignore_ascii_case(t))
        {
            Some(at) => {
                let i = free.remove(at);
                changes.push(format!(
                    "path parameter `{}` matched to the template's `{{{t}}}` (case differs)",
                    name(&params[i])
                ));
                params[i]["name"] = json!(t);
                false
            }
            None => true,
        }
    });
    // Then by position, when the counts agree.
    if !missing.is_empty() && missing.len() == free.len() {
        for (t, i) in missing.drain(..).zip(free.drain(..)) {
            changes.push(format!(
                "path parameter `{}` matched to the template's `{{{t}}}` by position",
                name(&params[i])
            ));
            params[i]["name"] = json!(t);
        }
    }
    for t in missing {
        changes.push(format!(
            "template name `{{{t}}}` has no declared parameter: added as a required string"
        ));
        params
            .push(json!({"name": t, "in": "path", "required": true, "schema": {"type": "string"}}));
    }
    let mut gone: Vec<usize> = free;
    gone.sort_unstable();
    for i in gone.into_iter().rev() {
        changes.push(format!(
            "path parameter `{}` is not in the template: left out",
            name(&params[i])
        ));
        params.remove(i);
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Report;

    fn run_on(mut doc: Value) -> (Value, Report) {
        let report = crate::normalise::run_pass(&mut doc, run);
        (doc, report)
    }

    fn p(name: &str) -> Value {
        json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}})
    }

    #[test]
    fn template_names_are_matched_by_case_then_position() {
        let (doc, report) = run_on(json!({"paths": {
            "/projects/{projectUuid}/runs/{run}": {
                "parameters": [p("projectuuid")],
                "get": {"parameters": [p("run_id"), {"name": "q", "in": "query"}]},
                "delete": {"parameters": [p("run")]}
            },
            "/orphans/{a}": {"get": {"parameters": [p("a"), p("b")]}},
            "/missing/{x}": {"get": {}}
        }}));
        let item = &doc["paths"]["/projects/{projectUuid}/runs/{run}"];
        let names = |m: &str| -> Vec<String> {
            item[m]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(name)
                .collect()
        };
        assert_eq!(names("get"), ["projectUuid", "run", "q"]);
        assert_eq!(names("delete"), ["projectUuid", "run"]);
        assert!(item.get("parameters").is_none());
        assert_eq!(
            report.get("get", "/projects/{projectUuid}/runs/{run}").unwrap().changes,
            [
                "path parameter `projectuuid` matched to the template's `{projectUuid}` (case differs)",
                "path parameter `run_id` matched to the template's `{run}` by position"
            ]
        );
        assert_eq!(
            report.get("get", "/orphans/{a}").unwrap().changes,
            ["path parameter `b` is not in the template: left out"]
        );
        assert_eq!(doc["paths"]["/missing/{x}"]["get"]["parameters"][0], p("x"));
    }
}
