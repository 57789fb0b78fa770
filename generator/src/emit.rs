//! Drives progenitor (Builder interface, merged tags, optional inner type) over the normalised
//! document. Progenitor's panics are caught (with the panic hook silenced); when the whole
//! spec fails, the operations that generate together are found by halving failing chunks; the
//! others are reported as skipped with the message, and the rest is generated.

use crate::error::{ErrorKind, GenError, Result};
use crate::normalise::remove_operation;
use crate::subset::prune;
use proc_macro2::TokenStream;
use progenitor_impl::{GenerationSettings, Generator, InterfaceStyle, TagStyle};
use serde_json::Value;
use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;

static HOOK_LOCK: Mutex<()> = Mutex::new(());

/// An operation key: (path, method).
pub type Key = (String, String);

/// Progenitor settings used for every spec.
pub fn settings(inner_type: Option<&str>) -> Result<GenerationSettings> {
    let mut s = GenerationSettings::new();
    s.with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged);
    if let Some(t) = inner_type {
        let ty: syn::Type = syn::parse_str(t).map_err(|e| {
            GenError::new(
                ErrorKind::Config,
                format!("inner type `{t}` is not a Rust type: {e}"),
            )
        })?;
        s.with_inner_type(quote::quote!(#ty));
    }
    Ok(s)
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "progenitor panicked".to_string()
    }
}

/// Parses the document and runs progenitor once, catching panics. Errors are messages.
pub fn try_generate(
    doc: &Value,
    settings: &GenerationSettings,
) -> std::result::Result<TokenStream, String> {
    let spec: openapiv3::OpenAPI = match serde_path_to_error::deserialize(doc) {
        Ok(s) => s,
        Err(e) => {
            let path = e.path().to_string();
            return Err(format!("not valid OpenAPI 3.0 at `{path}`: {}", e.inner()));
        }
    };
    let _guard = HOOK_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        Generator::new(settings).generate_tokens(&spec)
    }));
    panic::set_hook(previous);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(format!("progenitor error: {e}")),
        Err(p) => Err(format!(
            "progenitor panicked: {}",
            panic_message(p.as_ref())
        )),
    }
}

/// The document restricted to `keep` operations, with unreachable schemas pruned.
pub fn restrict(doc: &Value, all: &[Key], keep: &BTreeSet<&Key>) -> Value {
    let mut d = doc.clone();
    for k in all {
        if !keep.contains(k) {
            remove_operation(&mut d, &k.0, &k.1);
        }
    }
    prune(&mut d);
    d
}

/// Result of a generation with bisection.
pub struct Generated {
    /// Progenitor's tokens for the kept operations.
    pub tokens: TokenStream,
    /// Operations that failed, with the message.
    pub skipped: Vec<(Key, String)>,
    /// Operations generated after a repair made on failure, with what was changed.
    pub adjusted: Vec<(Key, String)>,
}

/// Generates `keys` of `doc`; on failure grows the set of operations that generate together
/// (halving any chunk that fails), so every failing operation, alone or only in company of
/// another, is skipped with its message and the rest is generated. Only a failure of the
/// document without any operation is an error.
pub fn generate_bisect(
    doc: &Value,
    keys: &[Key],
    settings: &GenerationSettings,
) -> Result<Generated> {
    let mut d = doc.clone();
    prune(&mut d);
    if let Ok(tokens) = try_generate(&d, settings) {
        return Ok(Generated {
            tokens,
            skipped: Vec::new(),
            adjusted: Vec::new(),
        });
    }
    // A failure with no operation at all is spec-wide: nothing to bisect.
    let empty = restrict(doc, keys, &BTreeSet::new());
    if let Err(msg) = try_generate(&empty, settings) {
        let ptr = pointer_of(&msg);
        return Err(GenError::new(ErrorKind::Generate, msg).with_pointer(ptr));
    }
    let mut grower = Grower {
        doc: doc.clone(),
        all: keys,
        settings,
        accepted: Vec::new(),
        skipped: Vec::new(),
        adjusted: Vec::new(),
        budget: 4 * keys.len() + 8,
    };
    grower.grow(keys);
    let keep: BTreeSet<&Key> = grower.accepted.iter().collect();
    match try_generate(&restrict(&grower.doc, keys, &keep), settings) {
        Ok(tokens) => Ok(Generated {
            tokens,
            skipped: grower.skipped,
            adjusted: grower.adjusted,
        }),
        // Unreachable in practice: the accepted set generated in the last successful step.
        Err(msg) => Err(GenError::new(
            ErrorKind::Generate,
            format!(
                "generation fails with the {} operations that generated together: {msg}",
                keep.len()
            ),
        )
        .with_pointer("/paths")),
    }
}

fn pointer_of(msg: &str) -> String {
    // serde_path_to_error paths look like `paths./x.get.responses`; keep it as a hint.
    match msg.split('`').nth(1) {
        Some(p) if msg.starts_with("not valid") => format!("/{}", p.replace('.', "/")),
        _ => String::new(),
    }
}

/// Accumulates operations that generate together.
struct Grower<'a> {
    /// The document, with the repairs made on failure.
    doc: Value,
    all: &'a [Key],
    settings: &'a GenerationSettings,
    /// Operations known to generate together.
    accepted: Vec<Key>,
    /// Operations that failed (alone or with the accepted ones), with the message.
    skipped: Vec<(Key, String)>,
    /// Operations generated after a repair, with the change.
    adjusted: Vec<(Key, String)>,
    /// Progenitor runs left.
    budget: usize,
}

impl Grower<'_> {
    /// Adds `chunk` to the accepted set if it generates with it; else halves it.
    fn grow(&mut self, chunk: &[Key]) {
        if chunk.is_empty() {
            return;
        }
        if self.budget == 0 {
            for k in chunk {
                self.skipped.push((
                    k.clone(),
                    "not generated: the search for the failing operations ran out of attempts"
                        .into(),
                ));
            }
            return;
        }
        self.budget -= 1;
        let keep: BTreeSet<&Key> = self.accepted.iter().chain(chunk).collect();
        match try_generate(&restrict(&self.doc, self.all, &keep), self.settings) {
            Ok(_) => self.accepted.extend(chunk.iter().cloned()),
            Err(msg) if chunk.len() == 1 && msg.contains("does not conform") => {
                self.retry_without_defaults(&chunk[0], msg)
            }
            Err(msg) if chunk.len() == 1 => self.skipped.push((chunk[0].clone(), msg)),
            Err(_) => {
                let (a, b) = chunk.split_at(chunk.len() / 2);
                self.grow(a);
                self.grow(b);
            }
        }
    }
}

impl Grower<'_> {
    /// The type generator refused a `default` that does not fit its type: retries the
    /// operation with the defaults of everything it reaches removed.
    fn retry_without_defaults(&mut self, key: &Key, msg: String) {
        let mut repaired = self.doc.clone();
        let changed = strip_defaults(&mut repaired, key);
        let keep: BTreeSet<&Key> = self.accepted.iter().chain([key]).collect();
        if changed.is_empty()
            || try_generate(&restrict(&repaired, self.all, &keep), self.settings).is_err()
        {
            self.skipped.push((key.clone(), msg));
            return;
        }
        self.doc = repaired;
        self.accepted.push(key.clone());
        self.adjusted.push((
            key.clone(),
            format!(
                "`default` values removed from {} (one does not fit its type)",
                changed.join(", ")
            ),
        ));
    }
}

/// Removes `default` from the operation `key` and every component it reaches; returns the
/// places changed (`the operation`, schema names).
fn strip_defaults(doc: &mut Value, key: &Key) -> Vec<String> {
    let pointer = crate::normalise::op_pointer(&key.0, &key.1);
    let mut changed = Vec::new();
    let mut queue = Vec::new();
    if let Some(op) = doc.pointer_mut(&pointer) {
        if remove_defaults(op, 0) {
            changed.push("the operation".to_string());
        }
        collect_refs(op, &mut queue);
    }
    let mut seen = BTreeSet::new();
    while let Some(r) = queue.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        let Some(target) = r.strip_prefix('#').and_then(|p| doc.pointer_mut(p)) else {
            continue;
        };
        if remove_defaults(target, 0) {
            changed.push(r.rsplit('/').next().unwrap_or(&r).to_string());
        }
        collect_refs(target, &mut queue);
    }
    changed
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                out.push(r.to_string());
            }
            m.values().for_each(|c| collect_refs(c, out));
        }
        Value::Array(a) => a.iter().for_each(|c| collect_refs(c, out)),
        _ => {}
    }
}

/// Removes every schema `default` under `v`; true when one was removed.
fn remove_defaults(v: &mut Value, depth: usize) -> bool {
    if depth > 256 {
        return false;
    }
    match v {
        Value::Object(m) => {
            let mut any = m.remove("default").is_some();
            for (k, c) in m.iter_mut() {
                if k != "example" && k != "examples" && k != "enum" {
                    any |= remove_defaults(c, depth + 1);
                }
            }
            any
        }
        Value::Array(a) => a
            .iter_mut()
            .fold(false, |any, c| remove_defaults(c, depth + 1) | any),
        _ => false,
    }
}

/// Formats the module: progenitor tokens + extra items (Rust source), via prettyplease. With
/// a `runtime` path, crate paths are rewritten to go through it ([`crate::paths`]).
pub fn format(tokens: TokenStream, extra: &str, runtime: Option<&str>) -> Result<String> {
    format_noted(tokens, extra, runtime).map(|(code, _)| code)
}

/// [`format()`], after renaming the Rust names the type generator gave twice in one item
/// ([`crate::dedup`]); returns the notes of those renames too.
pub fn format_noted(
    tokens: TokenStream,
    extra: &str,
    runtime: Option<&str>,
) -> Result<(String, Vec<String>)> {
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| GenError::new(ErrorKind::Format, format!("progenitor output: {e}")))?;
    let extra: syn::File = syn::parse_str(extra)
        .map_err(|e| GenError::new(ErrorKind::Format, format!("operations table: {e}")))?;
    file.items.extend(extra.items);
    let notes = crate::dedup::dedup(&mut file);
    if let Some(rt) = runtime {
        file = crate::paths::rewrite_file(file, rt)?;
    }
    Ok((prettyplease::unparse(&file), notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failing_operations_are_skipped_and_the_rest_generated() {
        // Not normalised: progenitor refuses `/b/{id}` (undeclared path parameter).
        let ok = |id: &str| json!({"get": {"operationId": id, "responses": {"200": {"description": ""}}}});
        let doc = json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
            "/a": ok("a"), "/b/{id}": ok("b"), "/c": ok("c"), "/d": ok("d"), "/e/{x}": ok("e")
        }});
        let keys = crate::normalise::operation_keys(&doc);
        let s = settings(None).unwrap();
        let g = generate_bisect(&doc, &keys, &s).unwrap();
        let skipped: Vec<&str> = g.skipped.iter().map(|((p, _), _)| p.as_str()).collect();
        assert_eq!(skipped, ["/b/{id}", "/e/{x}"]);
        let code = g.tokens.to_string();
        assert!(code.contains("pub fn a") && code.contains("pub fn d"));
        assert!(!code.contains("pub fn b"));
        assert_eq!(
            crate::explain::explain(&g.skipped[0].1),
            "not generated: its path template and its path parameters do not match"
        );
    }
}
