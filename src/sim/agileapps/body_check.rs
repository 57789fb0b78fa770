//! Request bodies checked against the spec before a handler reads them: a body the operation
//! declares is parsed in the format its `Content-Type` names (JSON as written, XML as a tree
//! whose leaves are text) and validated against the operation's schema; the first problem is
//! refused with 400 and platform code -4601 naming the field (`platform.login.userName`).
//! A request without a readable `Content-Type` is left to the handler (415).

use serde_json::{Map, Value};

use super::wire::{fail, Fmt, Reply, Req};
use crate::sim::spec::validate::{check, check_text, FieldError};
use crate::sim::spec::Spec;

/// Deepest element nesting an XML body may have.
const MAX_DEPTH: usize = 64;

/// `Ok` when the request's body is one the spec accepts (or the operation declares none).
pub(super) fn check_body(req: &Req) -> Result<(), Reply> {
    let table = Spec::AgileApps.table();
    let Some(op) = table.find_op(req.method.as_str(), &req.path) else {
        return Ok(());
    };
    let Some(spec) = &op.body else {
        return Ok(());
    };
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return if spec.required {
            Err(refuse("Invalid payload: a request body is required"))
        } else {
            Ok(())
        };
    }
    let Some(schema) = &spec.schema else {
        return Ok(());
    };
    let errors = match req.body_format() {
        None => return Ok(()),
        Some(Fmt::Json) => {
            let v: Value = serde_json::from_slice(&req.body)
                .map_err(|_| refuse("Invalid payload: not JSON"))?;
            check(table, schema, &v)
        }
        Some(Fmt::Xml) => {
            let text =
                std::str::from_utf8(&req.body).map_err(|_| refuse("Invalid payload: not UTF-8"))?;
            let v = xml_tree(text).map_err(|why| refuse(&format!("Invalid payload: {why}")))?;
            check_text(table, schema, &v)
        }
    };
    match errors.first() {
        None => Ok(()),
        Some(e) => Err(refuse(&describe(e))),
    }
}

fn refuse(description: &str) -> Reply {
    fail(400, -4601, description)
}

/// The platform's description of a field error.
fn describe(e: &FieldError) -> String {
    if e.code == "missing" {
        format!("Invalid payload: {} is required", e.field)
    } else if e.field.is_empty() {
        format!("Invalid payload: the body {}", e.message)
    } else {
        format!("Invalid payload: {} {}", e.field, e.message)
    }
}

/// An element being read: its name, its child elements so far, its text.
struct Open {
    name: String,
    children: Map<String, Value>,
    text: String,
}

/// An XML document as a JSON tree: `{root: content}`, where an element with child elements is
/// an object (a repeated child becomes an array), any other element its trimmed text.
/// Attributes, comments and processing instructions are not part of the tree.
pub(super) fn xml_tree(text: &str) -> Result<Value, String> {
    use quick_xml::events::Event;

    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<(String, Value)> = None;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                return Err(format!(
                    "more than one root element (<{}>)",
                    e.local_name().as_ref()
                ))
            }
            Event::Start(e) => {
                if stack.len() == MAX_DEPTH {
                    return Err(format!("elements nested deeper than {MAX_DEPTH}"));
                }
                stack.push(Open {
                    name: e.local_name().as_ref().to_string(),
                    children: Map::new(),
                    text: String::new(),
                });
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                close(&mut stack, &mut root, name, Value::String(String::new()));
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push('&');
                    top.text.push_str(&r);
                    top.text.push(';');
                }
            }
            Event::End(_) => {
                let Some(open) = stack.pop() else {
                    return Err("not well-formed XML: a closing tag without an opening one".into());
                };
                let value = if open.children.is_empty() {
                    Value::String(open.text.trim().to_string())
                } else {
                    Value::Object(open.children)
                };
                close(&mut stack, &mut root, open.name, value);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!(
            "not well-formed XML: <{}> is not closed",
            open.name
        ));
    }
    match root {
        Some((name, value)) => Ok(Value::Object(Map::from_iter([(name, value)]))),
        None => Err("no root element".into()),
    }
}

/// Files a finished element under its parent (or as the root).
fn close(stack: &mut [Open], root: &mut Option<(String, Value)>, name: String, value: Value) {
    let Some(parent) = stack.last_mut() else {
        *root = Some((name, value));
        return;
    };
    match parent.children.get_mut(&name) {
        None => {
            parent.children.insert(name, value);
        }
        Some(Value::Array(items)) => items.push(value),
        Some(first) => {
            let first = first.take();
            parent
                .children
                .insert(name, Value::Array(vec![first, value]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn xml_reads_as_a_text_tree() {
        let v = xml_tree(
            "<?xml version=\"1.0\"?><platform><login><userName>a&amp;b</userName>\
             <password><![CDATA[p<w]]></password><empty/></login>\
             <x>1</x><x>2</x><!-- c --></platform>",
        )
        .expect("tree");
        assert_eq!(
            v,
            json!({"platform": {"login": {"userName": "a&amp;b", "password": "p<w", "empty": ""},
                   "x": ["1", "2"]}})
        );
    }

    #[test]
    fn bad_xml_is_named() {
        assert!(xml_tree("<a><b></a>").is_err());
        assert!(xml_tree("<a></a><b/>")
            .unwrap_err()
            .contains("more than one root"));
        assert_eq!(
            xml_tree("<a><b>").unwrap_err(),
            "not well-formed XML: <b> is not closed"
        );
        assert!(xml_tree("").unwrap_err().contains("no root"));
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(xml_tree(&deep).unwrap_err().contains("nested deeper"));
    }
}
