//! Text -> `serde_json::Value`: JSON or YAML, detected by content (not by file extension).
//!
//! JSON goes through serde_json (fast on multi-megabyte specs); anything else through
//! serde-saphyr. Parse errors carry the file, 1-based line/column and, for JSON, the JSON
//! pointer of the value being parsed when the error happened.

use serde_json::Value;

use super::error::LoadError;
use super::pointer;

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
    let text = strip_bom(text);
    match detect(text) {
        Syntax::Json => match serde_json::from_str::<Value>(text) {
            Ok(v) => Ok((v, Syntax::Json)),
            Err(json_err) => {
                // A YAML flow mapping also starts with `{`: accept it if YAML reads it.
                if let Ok(v) = parse_yaml(text, origin) {
                    return Ok((v, Syntax::Yaml));
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
        Syntax::Yaml => parse_yaml(text, origin).map(|v| (v, Syntax::Yaml)),
    }
}

fn parse_yaml(text: &str, origin: &str) -> Result<Value, LoadError> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| {
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
            return Some(offset + column.min(l.len()));
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
