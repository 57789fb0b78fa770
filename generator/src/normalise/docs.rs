//! Doc-text pass: progenitor and typify turn every `description` / `summary` of the spec into
//! `///` docs, and rustdoc reads those as Markdown. Code samples in vendor descriptions (Looker's
//! ```` ``` ```` fences without a language, indented blocks) would then be compiled as Rust
//! doctests, `[dot]` would be resolved as an intra-doc link and bare URLs trip `bare_urls`.
//!
//! This pass rewrites each such text, parsed with the Markdown parser rustdoc itself uses
//! (pulldown-cmark, with rustdoc's options), so that it renders the same but rustdoc runs nothing:
//! - a fenced block whose info string rustdoc would test (none, `rust`, `ignore`, `no_run`,
//!   `edition2021`, ...) gets the info string `text`; other languages (`json`, `ruby`, `sql`)
//!   are kept, rustdoc ignores them; an unclosed fence is closed at the end of the text;
//! - an indented code block becomes a ```` ```text ```` fence (inside its list item or quote);
//! - outside code, links and HTML: bare `http(s)://` URLs become autolinks `<...>` and unescaped
//!   `[` / `]` are escaped, so they are not read as (broken) intra-doc links.
//!
//! Example values, defaults, enums and `x-` extensions are data, not docs: they are not touched.
//! Every changed text is recorded as a report note with its JSON pointer.

use super::Ctx;
use crate::error::{pointer, Result};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;
use std::ops::Range;

/// Keys whose string values are doc text.
const DOC_KEYS: [&str; 2] = ["description", "summary"];
/// Keys whose values are data (never rewritten, not descended into).
const DATA_KEYS: [&str; 5] = ["example", "examples", "default", "enum", "const"];

/// What [`rewrite`] changed in one text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// Fences whose info string was set to `text`.
    pub fences: usize,
    /// Unclosed fences closed at the end of the text.
    pub closed: usize,
    /// Indented code blocks turned into `text` fences.
    pub indented: usize,
    /// Bare URLs wrapped in `<...>`.
    pub urls: usize,
    /// Brackets escaped.
    pub brackets: usize,
}

impl Changes {
    /// Whether anything changed.
    pub fn any(&self) -> bool {
        *self != Changes::default()
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.fences, "code fence(s) marked `text`"),
            (self.closed, "unclosed code fence(s) closed"),
            (self.indented, "indented code block(s) fenced as `text`"),
            (self.urls, "bare URL(s) made autolinks"),
            (self.brackets, "bracket(s) escaped"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.join(", ")
    }
}

/// Runs the pass over the whole document.
pub fn run(doc: &mut Value, ctx: &mut Ctx<'_>) -> Result<()> {
    let mut path = Vec::new();
    let mut notes = Vec::new();
    walk(doc, &mut path, &mut notes);
    for note in notes {
        ctx.report.note(note);
    }
    Ok(())
}

fn walk(v: &mut Value, path: &mut Vec<String>, notes: &mut Vec<String>) {
    if path.len() > 256 {
        return;
    }
    match v {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if DATA_KEYS.contains(&key.as_str()) || key.starts_with("x-") {
                    continue;
                }
                path.push(key.clone());
                if let (true, Value::String(text)) = (DOC_KEYS.contains(&key.as_str()), &mut *child)
                {
                    let (new, changes) = rewrite(text);
                    if changes.any() {
                        notes.push(format!(
                            "docs: {}: {} (rustdoc would test or mis-link it)",
                            pointer(path.iter().map(String::as_str)),
                            changes.describe()
                        ));
                        *text = new;
                    }
                } else {
                    walk(child, path, notes);
                }
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk(child, path, notes);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The Markdown options rustdoc parses docs with.
fn rustdoc_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Whether rustdoc would treat a fence with this info string as Rust (and test it).
pub fn rustdoc_tests(info: &str) -> bool {
    let mut rust = false;
    let mut other = false;
    for token in info
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        match token {
            "rust" | "ignore" | "should_panic" | "no_run" | "compile_fail" | "test_harness"
            | "standalone_crate" => rust = true,
            t if t.starts_with("edition") || t.starts_with("ignore-") || t.starts_with('{') => {
                rust = true
            }
            _ => other = true,
        }
    }
    rust || !other
}

/// Rewrites one doc text (see the module docs); returns the new text and what changed.
pub fn rewrite(text: &str) -> (String, Changes) {
    let mut changes = Changes::default();
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut code_depth = 0usize;
    let mut opaque_depth = 0usize;
    let mut run: Option<Range<usize>> = None;
    for (event, range) in Parser::new_ext(text, rustdoc_options()).into_offset_iter() {
        let is_text = matches!(event, Event::Text(_)) && code_depth == 0 && opaque_depth == 0;
        if is_text {
            run = match run.take() {
                Some(r) if r.end == range.start => Some(r.start..range.end),
                Some(r) => {
                    plain_text(text, r, &mut edits, &mut changes);
                    Some(range.clone())
                }
                None => Some(range.clone()),
            };
            continue;
        }
        if let Some(r) = run.take() {
            plain_text(text, r, &mut edits, &mut changes);
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                code_depth += 1;
                match kind {
                    CodeBlockKind::Fenced(_) => fenced(text, range, &mut edits, &mut changes),
                    CodeBlockKind::Indented => indented(text, range, &mut edits, &mut changes),
                }
            }
            Event::End(TagEnd::CodeBlock) => code_depth = code_depth.saturating_sub(1),
            Event::Start(Tag::Link { .. } | Tag::Image { .. } | Tag::HtmlBlock) => {
                opaque_depth += 1
            }
            Event::End(TagEnd::Link | TagEnd::Image | TagEnd::HtmlBlock) => {
                opaque_depth = opaque_depth.saturating_sub(1)
            }
            _ => {}
        }
    }
    if let Some(r) = run.take() {
        plain_text(text, r, &mut edits, &mut changes);
    }
    if edits.is_empty() {
        return (text.to_string(), changes);
    }
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len() + 16 * edits.len());
    let mut at = 0;
    for (r, replacement) in edits {
        if r.start < at {
            continue; // overlapping edits cannot happen; never corrupt the text if they do
        }
        out.push_str(&text[at..r.start]);
        out.push_str(&replacement);
        at = r.end;
    }
    out.push_str(&text[at..]);
    (out, changes)
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}

/// A fenced block: retag its info string if rustdoc would test it; close it if unclosed.
fn fenced(
    text: &str,
    range: Range<usize>,
    edits: &mut Vec<(Range<usize>, String)>,
    c: &mut Changes,
) {
    let block = &text[range.clone()];
    let Some(fence_at) = block.find(['`', '~']) else {
        return;
    };
    let fence_char = block[fence_at..].chars().next().unwrap_or('`');
    let fence_len = block[fence_at..]
        .chars()
        .take_while(|&ch| ch == fence_char)
        .count();
    let info_start = range.start + fence_at + fence_len;
    let info_end = line_end(text, info_start);
    let info = text[info_start..info_end].trim();
    if rustdoc_tests(info) {
        edits.push((info_start..info_end, "text".to_string()));
        c.fences += 1;
    }
    // Closed when a line after the opening one is only fence characters (at least as many).
    let closed = block[fence_at..]
        .lines()
        .skip(1)
        .last()
        .is_some_and(|last| {
            let t = last.trim_start_matches([' ', '>']).trim_end();
            t.len() >= fence_len && t.chars().all(|ch| ch == fence_char)
        });
    if !closed {
        let prefix = &text[line_start(text, range.start)..range.start + fence_at];
        let mut close = String::new();
        if !text[..range.end].ends_with('\n') {
            close.push('\n');
        }
        close.push_str(prefix);
        close.extend(std::iter::repeat_n(fence_char, fence_len));
        close.push('\n');
        edits.push((range.end..range.end, close));
        c.closed += 1;
    }
}

/// An indented block: becomes a `text` fence at its container's indentation.
fn indented(
    text: &str,
    range: Range<usize>,
    edits: &mut Vec<(Range<usize>, String)>,
    c: &mut Changes,
) {
    let start = line_start(text, range.start);
    let first_prefix = &text[start..range.start];
    let container = if let Some(p) = first_prefix.strip_suffix("    ") {
        p
    } else if let Some(p) = first_prefix.strip_suffix('\t') {
        p
    } else {
        first_prefix.trim_end_matches([' ', '\t'])
    };
    let mut out = format!("{container}```text\n");
    for line in text[start..range.end].split_inclusive('\n') {
        match line.strip_prefix(first_prefix) {
            Some(rest) => {
                out.push_str(container);
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(container);
    out.push_str("```\n");
    edits.push((start..range.end, out));
    c.indented += 1;
}

/// Plain text (outside code, links and HTML): bare URLs -> autolinks, brackets escaped.
fn plain_text(
    text: &str,
    range: Range<usize>,
    edits: &mut Vec<(Range<usize>, String)>,
    c: &mut Changes,
) {
    let s = &text[range.clone()];
    if !s.contains(['[', ']']) && !s.contains("http") {
        return;
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut changed = false;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let len = url_len(rest);
            let url = &rest[..len];
            if url.contains("://") && url.len() > "https://".len() {
                out.push('<');
                out.push_str(url);
                out.push('>');
                c.urls += 1;
                changed = true;
                i += len;
                continue;
            }
        }
        let ch = rest.chars().next().unwrap_or(' ');
        if (ch == '[' || ch == ']') && !escaped(text, range.start + i) {
            out.push('\\');
            c.brackets += 1;
            changed = true;
        }
        out.push(ch);
        i += ch.len_utf8();
    }
    if changed {
        edits.push((range, out));
    }
}

/// Length of the URL at the start of `s`: up to whitespace or `<>"` and backtick, without
/// trailing punctuation (and without an unbalanced closing parenthesis or bracket).
fn url_len(s: &str) -> usize {
    let mut end = s
        .find(|ch: char| ch.is_whitespace() || matches!(ch, '<' | '>' | '"' | '`'))
        .unwrap_or(s.len());
    loop {
        let url = &s[..end];
        let Some(last) = url.chars().last() else {
            return 0;
        };
        let unbalanced = |open: char, close: char| {
            last == close && url.matches(close).count() > url.matches(open).count()
        };
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' | '_')
            || unbalanced('(', ')')
            || unbalanced('[', ']')
        {
            end -= last.len_utf8();
        } else {
            return end;
        }
    }
}

/// Whether the byte at `at` is escaped by an odd number of backslashes.
fn escaped(text: &str, at: usize) -> bool {
    text[..at].bytes().rev().take_while(|&b| b == b'\\').count() % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code block rustdoc would see, with its info string ("" for indented ones).
    fn blocks(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut current: Option<(String, String)> = None;
        for event in Parser::new_ext(text, rustdoc_options()) {
            match event {
                Event::Start(Tag::CodeBlock(kind)) => {
                    let info = match kind {
                        CodeBlockKind::Fenced(i) => i.to_string(),
                        CodeBlockKind::Indented => "<indented>".into(),
                    };
                    current = Some((info, String::new()));
                }
                Event::Text(t) => {
                    if let Some((_, body)) = current.as_mut() {
                        body.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => out.extend(current.take()),
                _ => {}
            }
        }
        out
    }

    fn tested(text: &str) -> usize {
        blocks(text)
            .iter()
            .filter(|(info, _)| info == "<indented>" || rustdoc_tests(info))
            .count()
    }

    #[test]
    fn bare_fences_become_text_and_languages_stay() {
        let src = "Run:\n```\nlet x = 1;\n```\nor\n```json\n{\"a\": [1]}\n```\nor\n```ruby\nputs 1\n```\n````\n```nested```\n````\n";
        assert_eq!(tested(src), 2);
        let (out, c) = rewrite(src);
        assert_eq!(c.fences, 2);
        assert_eq!(tested(&out), 0);
        let before = blocks(src);
        let after = blocks(&out);
        assert_eq!(after.len(), 4);
        for ((bi, bb), (ai, ab)) in before.iter().zip(&after) {
            assert_eq!(bb, ab, "code kept verbatim");
            if bi.is_empty() {
                assert_eq!(ai, "text");
            } else {
                assert_eq!(ai, bi);
            }
        }
    }

    #[test]
    fn rust_ish_info_strings_are_retagged() {
        for info in [
            "rust",
            "ignore",
            "no_run",
            "edition2021",
            "rust,ignore",
            "should_panic",
        ] {
            let (out, c) = rewrite(&format!("```{info}\nx\n```"));
            assert_eq!(out, "```text\nx\n```", "{info}");
            assert_eq!(c.fences, 1);
        }
        for info in ["json", "sql", "ruby", "text", "sh"] {
            let src = format!("```{info}\nx\n```");
            assert_eq!(rewrite(&src).0, src);
        }
    }

    #[test]
    fn indented_blocks_become_text_fences() {
        let src = "Example:\n\n    GET /api/4.0/looks\n      indented more\n\n    again\n\nafter";
        assert_eq!(tested(src), 1);
        let (out, c) = rewrite(src);
        assert_eq!(c.indented, 1);
        assert_eq!(
            out,
            "Example:\n\n```text\nGET /api/4.0/looks\n  indented more\n\nagain\n```\n\nafter"
        );
        assert_eq!(tested(&out), 0);
        assert_eq!(
            blocks(&out)[0].1,
            "GET /api/4.0/looks\n  indented more\n\nagain\n"
        );
    }

    #[test]
    fn indented_blocks_in_lists_and_quotes_stay_inside() {
        let src = "- item\n\n      code\n      more\n- next";
        let (out, _) = rewrite(src);
        assert_eq!(out, "- item\n\n  ```text\n  code\n  more\n  ```\n- next");
        assert_eq!(tested(&out), 0);
        assert_eq!(blocks(&out)[0].1, "code\nmore\n");
        let src = "> quote\n>\n>     code\n> more";
        let (out, _) = rewrite(src);
        assert_eq!(tested(&out), 0);
        assert_eq!(
            blocks(&out),
            vec![("text".to_string(), "code\n".to_string())]
        );
    }

    #[test]
    fn unclosed_fences_are_closed() {
        let (out, c) = rewrite("see\n```\nlet x;");
        assert_eq!(out, "see\n```text\nlet x;\n```\n");
        assert_eq!((c.fences, c.closed), (1, 1));
        let (out, _) = rewrite("- a\n  ~~~~\n  b\n");
        assert_eq!(out, "- a\n  ~~~~text\n  b\n  ~~~~\n");
    }

    #[test]
    fn parameter_list_fences_are_retagged() {
        // progenitor renders parameter docs as "- `name`: description".
        let src = "- `body`: Example\n```\n{\"a\": 1}\n```\n";
        let (out, _) = rewrite(src);
        assert_eq!(tested(&out), 0);
    }

    #[test]
    fn urls_and_brackets_outside_code() {
        let src = "Valid values are [dot]. See https://cloud.google.com/looker/docs, or \
                   'https://looker.yourcompany/x/vwGSbfc'. Keep \\[a\\], [link](https://e.com) \
                   and `[code] https://c.com`.\n```json\n[1, \"https://j.com\"]\n```";
        let (out, c) = rewrite(src);
        assert_eq!(
            out,
            "Valid values are \\[dot\\]. See <https://cloud.google.com/looker/docs>, or \
             '<https://looker.yourcompany/x/vwGSbfc>'. Keep \\[a\\], [link](https://e.com) \
             and `[code] https://c.com`.\n```json\n[1, \"https://j.com\"]\n```"
        );
        assert_eq!((c.urls, c.brackets, c.fences), (2, 2, 0));
    }

    #[test]
    fn url_ends() {
        assert_eq!(url_len("https://a.com/x)."), "https://a.com/x".len());
        assert_eq!(url_len("https://a.com/(x)"), "https://a.com/(x)".len());
        assert_eq!(
            url_len("https://a.com/f[x]=1&y"),
            "https://a.com/f[x]=1&y".len()
        );
        assert_eq!(url_len("https://a.com/x\n"), "https://a.com/x".len());
    }

    #[test]
    fn clean_text_is_unchanged() {
        for src in [
            "",
            "plain",
            "a `code [x]` b",
            "<sup>*</sup> note",
            "* list\n* items",
        ] {
            let (out, c) = rewrite(src);
            assert_eq!(out, src);
            assert!(!c.any());
        }
    }

    #[test]
    fn rewriting_is_idempotent() {
        let src = "x [y] https://a.com\n```\nz\n```\n\n    ind\n";
        let (once, _) = rewrite(src);
        let (twice, c) = rewrite(&once);
        assert_eq!(once, twice);
        assert!(!c.any());
    }

    #[test]
    fn the_pass_skips_data_and_records_pointers() {
        let mut doc = serde_json::json!({
            "paths": {"/a": {"get": {
                "description": "```\nx\n```",
                "responses": {"200": {"description": "ok [x]"}},
                "x-looker-note": {"description": "```\nkeep\n```"}
            }}},
            "components": {"schemas": {"S": {
                "properties": {"description": {"type": "string", "description": "d"}},
                "example": {"description": "```\nkeep\n```"}
            }}}
        });
        let mut report = crate::report::Report::new("t");
        let mut ctx = Ctx {
            report: &mut report,
            flags: Default::default(),
            session_headers: Vec::new(),
        };
        run(&mut doc, &mut ctx).unwrap();
        assert_eq!(doc["paths"]["/a"]["get"]["description"], "```text\nx\n```");
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["200"]["description"],
            "ok \\[x\\]"
        );
        assert_eq!(
            doc["paths"]["/a"]["get"]["x-looker-note"]["description"],
            "```\nkeep\n```"
        );
        assert_eq!(
            doc["components"]["schemas"]["S"]["example"]["description"],
            "```\nkeep\n```"
        );
        let json = report.to_json();
        assert!(json.contains("docs: /paths/~1a/get/description: 1 code fence(s) marked `text`"));
        assert!(json.contains("/paths/~1a/get/responses/200/description: 2 bracket(s) escaped"));
    }
}
