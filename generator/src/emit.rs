//! Drives progenitor (Builder interface, merged tags, optional inner type) over the normalised
//! document. Progenitor's panics are caught (with the panic hook silenced); when the whole
//! spec fails, the operation set is bisected to find the culprit operations, which are
//! reported as skipped with the message, and the rest is generated.

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
}

/// Generates `keys` of `doc`; on failure bisects to find and skip the failing operations.
pub fn generate_bisect(
    doc: &Value,
    keys: &[Key],
    settings: &GenerationSettings,
) -> Result<Generated> {
    let all: BTreeSet<&Key> = keys.iter().collect();
    let mut d = doc.clone();
    prune(&mut d);
    let first = try_generate(&d, settings);
    if let Ok(tokens) = first {
        return Ok(Generated {
            tokens,
            skipped: Vec::new(),
        });
    }
    // A failure with no operation at all is spec-wide: nothing to bisect.
    let empty = restrict(doc, keys, &BTreeSet::new());
    if let Err(msg) = try_generate(&empty, settings) {
        let ptr = pointer_of(&msg);
        return Err(GenError::new(ErrorKind::Generate, msg).with_pointer(ptr));
    }
    let mut skipped = Vec::new();
    let mut budget = 4 * keys.len() + 8;
    find_bad(doc, keys, keys, settings, &mut skipped, &mut budget);
    let bad: BTreeSet<&Key> = skipped.iter().map(|(k, _)| k).collect();
    let keep: BTreeSet<&Key> = all.iter().copied().filter(|k| !bad.contains(k)).collect();
    let d = restrict(doc, keys, &keep);
    match try_generate(&d, settings) {
        Ok(tokens) => Ok(Generated { tokens, skipped }),
        Err(msg) => Err(GenError::new(
            ErrorKind::Generate,
            format!(
                "generation still fails after skipping {} operations: {msg}",
                skipped.len()
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

fn find_bad(
    doc: &Value,
    all: &[Key],
    set: &[Key],
    settings: &GenerationSettings,
    out: &mut Vec<(Key, String)>,
    budget: &mut usize,
) {
    if set.is_empty() {
        return;
    }
    if *budget == 0 {
        for k in set {
            out.push((
                k.clone(),
                "not generated: bisection budget exhausted".into(),
            ));
        }
        return;
    }
    *budget -= 1;
    let keep: BTreeSet<&Key> = set.iter().collect();
    match try_generate(&restrict(doc, all, &keep), settings) {
        Ok(_) => {}
        Err(msg) if set.len() == 1 => out.push((set[0].clone(), msg)),
        Err(_) => {
            let (a, b) = set.split_at(set.len() / 2);
            find_bad(doc, all, a, settings, out, budget);
            find_bad(doc, all, b, settings, out, budget);
        }
    }
}

/// Formats the module: progenitor tokens + extra items (Rust source), via prettyplease.
pub fn format(tokens: TokenStream, extra: &str) -> Result<String> {
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| GenError::new(ErrorKind::Format, format!("progenitor output: {e}")))?;
    let extra: syn::File = syn::parse_str(extra)
        .map_err(|e| GenError::new(ErrorKind::Format, format!("operations table: {e}")))?;
    file.items.extend(extra.items);
    Ok(prettyplease::unparse(&file))
}
