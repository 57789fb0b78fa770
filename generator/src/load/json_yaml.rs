//! Text -> `serde_json::Value`: JSON or YAML, detected by content (not by file extension).
//!
//! JSON goes through serde_json (fast on multi-megabyte specs); anything else through
//! serde-saphyr. Parse errors carry the file, 1-based line/column and, for JSON, the JSON
//! pointer of the value being parsed when the error happened.

use serde_json::Value;

use super::error::LoadError;
use super::pointer;
use super::LoadNote;

/// The syntax a spec text was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// JSON (first significant character `{` or `[`).
    Json,
    /// YAML (anything else; JSON is also valid YAML).
    Yaml,
}

/// Guess the syntax from the first significant character of `text`.
pub fn detect(text: &str) -> Syntax {
    let trimmed = strip_bom(text).trim_start();
    match trimmed.as_bytes().first() {
        Some(b'{') | Some(b'[') => Syntax::Json,
        _ => Syntax::Yaml,
    }
}

fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Parse `text` (named `origin` in errors) as JSON or YAML into a JSON value.
pub fn parse(text: &str, origin: &str) -> Result<(Value, Syntax), LoadError> {
    parse_noted(text, origin, &mut Vec::new())
}

/// [`parse`], with a note for each repair the YAML reading made (loose flow mappings such as
/// `key:[ ]`, read as `key: [ ]`).
pub fn parse_noted(
    text: &str,
    origin: &str,
    notes: &mut Vec<LoadNote>,
) -> Result<(Value, Syntax), LoadError> {
    let text = strip_bom(text);
    match detect(text) {
        Syntax::Json => match serde_json::from_str::<Value>(text) {
            Ok(v) => Ok((v, Syntax::Json)),
            Err(json_err) => {
                // A YAML flow mapping also starts with `{`: accept it if YAML reads it, unless
                // the file says it is JSON (YAML would accept broken JSON such as `"a": }`).
                if !origin.to_ascii_lowercase().ends_with(".json") {
                    if let Ok(v) = parse_yaml_lenient(text, origin, notes) {
                        return Ok((v, Syntax::Yaml));
                    }
                }
                let line = json_err.line() as u64;
                let column = json_err.column() as u64;
                let ptr = pointer_at(text, json_err.line(), json_err.column());
                Err(LoadError::parse(
                    origin,
                    (line > 0).then_some(line),
                    (column > 0).then_some(column),
                    ptr,
                    format!("invalid JSON: {json_err}"),
                ))
            }
        },
        Syntax::Yaml => parse_yaml_lenient(text, origin, notes).map(|v| (v, Syntax::Yaml)),
    }
}

/// How many `key:[` repairs one text may get before its error is reported as it is.
const MAX_FLOW_KEY_REPAIRS: usize = 256;

/// YAML as YAML 1.1 readers (PyYAML, the one most specs are checked with) accept it: a plain
/// key in a flow mapping followed by `:` and directly by `[` or `{` (`{indexes:[ ]}`) is an
/// error in YAML 1.2, which wants `indexes: [ ]`. The intent is clear, so the space is added
/// and the text read again, with a note naming the line; any other error is reported as is.
fn parse_yaml_lenient(
    text: &str,
    origin: &str,
    notes: &mut Vec<LoadNote>,
) -> Result<Value, LoadError> {
    let mut owned: Option<String> = None;
    let mut repaired = Vec::new();
    loop {
        let current = owned.as_deref().unwrap_or(text);
        match parse_yaml(current, origin) {
            Ok(v) => {
                for line in repaired {
                    notes.push(LoadNote::new(
                        "",
                        "yaml-flow-key-space",
                        format!("{origin} line {line}: `key:[` / `key:{{` in a flow mapping read as `key: [` (YAML 1.2 wants a space after `:`)"),
                    ));
                }
                return Ok(v);
            }
            Err(e) => {
                let fixable = e.to_string().contains("may not precede any of")
                    && repaired.len() < MAX_FLOW_KEY_REPAIRS;
                let at = match (fixable, e.line(), e.column()) {
                    (true, Some(line), Some(column)) => {
                        flow_key_colon(current, line as usize, column as usize).map(|i| (line, i))
                    }
                    _ => None,
                };
                let Some((line, i)) = at else {
                    return Err(e);
                };
                let mut next = current.to_string();
                next.insert(i + 1, ' ');
                owned = Some(next);
                repaired.push(line);
            }
        }
    }
}

/// Byte offset of the `:` directly followed by `[` or `{` nearest to 1-based `line`/`column`
/// (on that line).
fn flow_key_colon(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = byte_offset(text, line, 1)?;
    let line_text = text[start..].split('\n').next()?;
    let col = column.saturating_sub(1);
    line_text
        .match_indices(":[")
        .chain(line_text.match_indices(":{"))
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(col))
        .map(|i| start + i)
}

fn parse_yaml(text: &str, origin: &str) -> Result<Value, LoadError> {
    // YAML 1.2 core scalars: `y`/`yes`/`on`/`no` stay strings (an enum `[yes, no]` is text),
    // and `0755`-style values stay strings instead of becoming numbers.
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.leading_zero_numbers_as_strings = true;
    options.with_snippet = false;
    // The default budget (250k nodes, 1M events) is sized for config files; a big API spec
    // has more. Scale it with the input (without aliases a node takes at least one byte) and
    // keep alias replay tight, so an alias bomb is still refused quickly.
    if let Some(budget) = options.budget.as_mut() {
        budget.max_nodes = budget.max_nodes.max(text.len());
        budget.max_events = budget.max_events.max(text.len().saturating_mul(2));
        budget.max_depth = 128;
    }
    options.alias_limits.max_total_replayed_events = 100_000;
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| {
        let loc = e.location();
        let (line, column) = match loc {
            Some(l) if l.line() > 0 => (Some(l.line()), Some(l.column())),
            _ => (None, None),
        };
        LoadError::parse(origin, line, column, None, format!("invalid YAML: {e}"))
    })
}

enum Frame {
    Object { key: Option<String> },
    Array { index: usize },
}

/// The JSON pointer of the value being read at 1-based `line`/`column` of a JSON text:
/// scans the text up to that position, tracking open objects/arrays and the current key.
pub fn pointer_at(text: &str, line: usize, column: usize) -> Option<String> {
    let offset = byte_offset(text, line, column)?;
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0usize;
    while i < offset.min(bytes.len()) {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = (i + 1).min(bytes.len());
                if let Some(Frame::Object { key }) = stack.last_mut() {
                    // A string directly followed (after spaces) by ':' is a key.
                    let mut j = end;
                    while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                        j += 1;
                    }
                    if j < bytes.len() && bytes[j] == b':' {
                        let raw = text.get(start..end).unwrap_or("\"\"");
                        let decoded = serde_json::from_str::<String>(raw)
                            .unwrap_or_else(|_| raw.trim_matches('"').to_string());
                        *key = Some(decoded);
                    }
                }
            }
            b'{' => stack.push(Frame::Object { key: None }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array { index }) => *index += 1,
                Some(Frame::Object { key }) => *key = None,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut p = String::new();
    for frame in &stack {
        match frame {
            Frame::Object { key: Some(k) } => p = pointer::join(&p, k),
            Frame::Object { key: None } => {}
            Frame::Array { index } => p = pointer::join_index(&p, *index),
        }
    }
    Some(p)
}

fn byte_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut offset = 0usize;
    for (n, l) in text.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            // serde_json's column is 1-based and points at the offending character.
            return Some(offset + column.saturating_sub(1).min(l.len()));
        }
        offset += l.len();
    }
    Some(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::error::LoadErrorKind;

    #[test]
    fn detects_by_content() {
        assert_eq!(detect("  \n{\"a\":1}"), Syntax::Json);
        assert_eq!(detect("\u{feff}{}"), Syntax::Json);
        assert_eq!(detect("openapi: 3.0.0\n"), Syntax::Yaml);
    }

    #[test]
    fn yaml_numeric_keys_become_strings() {
        let (v, s) = parse("responses:\n  200:\n    description: ok\n", "t.yaml").unwrap();
        assert_eq!(s, Syntax::Yaml);
        assert_eq!(v["responses"]["200"]["description"], "ok");
    }

    #[test]
    fn yaml_flow_mapping_starting_with_brace_is_accepted() {
        let (v, s) = parse("{a: 1, b: [x, y]}", "t.yaml").unwrap();
        assert_eq!(s, Syntax::Yaml);
        assert_eq!(v["b"][1], "y");
        // ... but not when the file is named .json: then the JSON error is reported.
        let e = parse("{a: 1}", "t.json").unwrap_err();
        assert_eq!(e.kind(), LoadErrorKind::Parse);
        assert!(e.message().starts_with("invalid JSON"));
    }

    #[test]
    fn yaml_uses_core_schema_scalars() {
        let (v, _) = parse(
            "e: [yes, no, y, n, on, off, true]\nz: 0755\nv: 1.0\n",
            "t.yaml",
        )
        .unwrap();
        assert_eq!(
            v["e"],
            serde_json::json!(["yes", "no", "y", "n", "on", "off", true])
        );
        assert_eq!(v["z"], "0755");
        assert_eq!(v["v"], 1.0);
    }

    #[test]
    fn flow_mapping_key_without_space_before_bracket_is_read_with_a_note() {
        let text =
            "a:\n  example: {\n    \"name\": \"t\",\n    indexes:[ ],\n    props:{x: 1}\n  }\n";
        let mut notes = Vec::new();
        let (v, syntax) = parse_noted(text, "t.yaml", &mut notes).unwrap();
        assert_eq!(syntax, Syntax::Yaml);
        assert_eq!(
            v,
            serde_json::json!({"a": {"example": {"name": "t", "indexes": [], "props": {"x": 1}}}})
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].message.contains("line 4"), "{notes:?}");
        // Other YAML errors are reported as they are.
        assert!(parse("a: [b\nc: d\n", "t.yaml").is_err());
    }

    #[test]
    fn json_error_has_line_column_and_pointer() {
        let text = "{\n  \"paths\": {\n    \"/a\": {\"get\": [1, 2 3]}\n  }\n}";
        let e = parse(text, "bad.json").unwrap_err();
        assert_eq!(e.kind(), LoadErrorKind::Parse);
        assert_eq!(e.file(), "bad.json");
        assert_eq!(e.line(), Some(3));
        assert_eq!(e.pointer(), Some("/paths/~1a/get/1"));
        assert!(e.to_string().contains("bad.json:3:"), "{e}");
    }

    #[test]
    fn yaml_error_has_line() {
        let e = parse("a: 1\nb: [1, 2\nc: 3\n", "bad.yaml").unwrap_err();
        assert_eq!(e.kind(), LoadErrorKind::Parse);
        assert!(e.line().is_some(), "{e}");
        assert!(e.to_string().contains("bad.yaml"));
    }
}
