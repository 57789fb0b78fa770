//! External references: a `$ref` into a sibling file (`common.yaml#/components/schemas/Pet`,
//! `../defs.json`, JSON or YAML) is resolved at load time and bundled into one document. A
//! target that is a named component (`/components/<kind>/<name>`, Swagger `/definitions/<name>`,
//! `/parameters/<name>`, `/responses/<name>`) is copied into the document's own components
//! (renamed on a clash) and the reference made local, so recursive types stay recursive; any
//! other target is copied in place. There is no network: an `http(s)` reference is an error, as
//! are a missing file, a missing fragment and a cycle of in-place copies, each naming the file
//! and JSON pointer where the reference is written.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::{LoadError, LoadErrorKind};
use super::pointer::{decode_fragment, escape, join, join_index, lookup};
use super::LoadNote;

/// True when `doc` has a `$ref` that is not local (`#...`).
pub fn has_external_refs(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            m.get("$ref")
                .and_then(Value::as_str)
                .is_some_and(|r| !r.starts_with('#'))
                || m.values().any(has_external_refs)
        }
        Value::Array(a) => a.iter().any(has_external_refs),
        _ => false,
    }
}

/// Bundles every external reference of `doc`, read from `path`, into `doc`. Returns the
/// external files read (sorted, without `path`).
pub fn bundle(
    doc: &mut Value,
    path: &Path,
    notes: &mut Vec<LoadNote>,
) -> Result<Vec<PathBuf>, LoadError> {
    let root_file = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let swagger = doc.get("swagger").is_some();
    let mut b = Bundler {
        root_file: root_file.clone(),
        parse_notes: Vec::new(),
        swagger,
        files: HashMap::new(),
        hoisted: BTreeMap::new(),
        taken: BTreeMap::new(),
        additions: Vec::new(),
        stack: Vec::new(),
    };
    for (kind, names) in component_names(doc, swagger) {
        b.taken.entry(kind).or_default().extend(names);
    }
    let mut root = std::mem::take(doc);
    let result = b.walk(&mut root, &root_file, "", 0);
    *doc = root;
    result?;
    notes.append(&mut b.parse_notes);
    let n = b.additions.len();
    for (kind, name, value) in b.additions {
        insert_at(doc, &kind, name, value);
    }
    let mut read: Vec<PathBuf> = b
        .files
        .keys()
        .filter(|f| **f != root_file)
        .cloned()
        .collect();
    read.sort();
    if n > 0 || !b.files.is_empty() {
        let files: Vec<String> = b.files.keys().map(|f| f.display().to_string()).collect();
        notes.push(LoadNote::new(
            "",
            "external-refs-bundled",
            format!(
                "external references resolved from {} and bundled ({n} components copied in)",
                files.join(", ")
            ),
        ));
    }
    Ok(read)
}

type Kind = Vec<String>;

/// Inserts `value` as `name` in the object at the path `kind` (created as needed).
fn insert_at(doc: &mut Value, kind: &[String], name: String, value: Value) {
    let Some(obj) = doc.as_object_mut() else {
        return;
    };
    match kind.split_first() {
        None => {
            obj.insert(name, value);
        }
        Some((first, rest)) => {
            let child = obj
                .entry(first.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            insert_at(child, rest, name, value);
        }
    }
}

/// Where a named component of an external file goes in the bundled document.
fn component_slot(fragment: &str, swagger: bool) -> Option<(Kind, String)> {
    let segs: Vec<&str> = fragment.strip_prefix('/')?.split('/').collect();
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    match segs.as_slice() {
        ["components", kind, name] => {
            let kind = match (*kind, swagger) {
                ("schemas", true) => vec!["definitions".to_string()],
                (k, true) => vec![k.to_string()],
                (k, false) => vec!["components".to_string(), k.to_string()],
            };
            Some((kind, unescape(name)))
        }
        [kind @ ("definitions" | "parameters" | "responses"), name] => {
            let kind = match (*kind, swagger) {
                (k, true) => vec![k.to_string()],
                ("definitions", false) => vec!["components".into(), "schemas".into()],
                (k, false) => vec!["components".into(), k.to_string()],
            };
            Some((kind, unescape(name)))
        }
        _ => None,
    }
}

fn component_names(doc: &Value, swagger: bool) -> Vec<(Kind, Vec<String>)> {
    let mut out = Vec::new();
    let kinds: Vec<Kind> = if swagger {
        ["definitions", "parameters", "responses"]
            .iter()
            .map(|k| vec![k.to_string()])
            .collect()
    } else {
        doc.get("components")
            .and_then(Value::as_object)
            .map(|c| {
                c.keys()
                    .map(|k| vec!["components".to_string(), k.clone()])
                    .collect()
            })
            .unwrap_or_default()
    };
    for kind in kinds {
        let mut v = doc;
        for s in &kind {
            v = v.get(s).unwrap_or(&Value::Null);
        }
        let names = v
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        out.push((kind, names));
    }
    out
}

struct Bundler {
    root_file: PathBuf,
    /// Notes of the files' parsing (YAML repairs).
    parse_notes: Vec<LoadNote>,
    swagger: bool,
    /// Parsed external files by canonical path.
    files: HashMap<PathBuf, Value>,
    /// (file, fragment) of a hoisted component -> its local `$ref`.
    hoisted: BTreeMap<(PathBuf, String), String>,
    /// Component names in use per kind.
    taken: BTreeMap<Kind, Vec<String>>,
    /// Components to add: (kind, name, value).
    additions: Vec<(Kind, String, Value)>,
    /// (file, fragment) of the in-place copies being expanded, for cycle detection.
    stack: Vec<(PathBuf, String)>,
}

impl Bundler {
    fn walk(
        &mut self,
        v: &mut Value,
        file: &Path,
        ptr: &str,
        depth: usize,
    ) -> Result<(), LoadError> {
        if depth > 512 {
            return Err(self.err(file, ptr, "references nest deeper than 512 levels"));
        }
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str).map(str::to_string) {
                    let is_root = file == self.root_file;
                    if !(r.starts_with('#') && is_root) {
                        return self.resolve(v, &r, file, &join(ptr, "$ref"), depth);
                    }
                }
                for (k, child) in map.iter_mut() {
                    if matches!(k.as_str(), "example" | "examples" | "default" | "enum") {
                        continue;
                    }
                    self.walk(child, file, &join(ptr, k), depth + 1)?;
                }
            }
            Value::Array(list) => {
                for (i, child) in list.iter_mut().enumerate() {
                    self.walk(child, file, &join_index(ptr, i), depth + 1)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn err(&self, file: &Path, ptr: &str, msg: impl Into<String>) -> LoadError {
        LoadError::new(LoadErrorKind::Invalid, file.display().to_string(), ptr, msg)
    }

    /// Replaces the `$ref` object `v` (written in `file` at `ptr`) by a local ref or a copy.
    fn resolve(
        &mut self,
        v: &mut Value,
        reference: &str,
        file: &Path,
        ptr: &str,
        depth: usize,
    ) -> Result<(), LoadError> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag.to_string()),
            None => (reference, String::new()),
        };
        if file_part.contains("://") || file_part.starts_with("//") {
            return Err(self.err(
                file,
                ptr,
                format!("`$ref: {reference}` is a remote reference: the generator does not fetch over the network (save that file next to the spec and refer to it by a relative path)"),
            ));
        }
        let target_file = if file_part.is_empty() {
            file.to_path_buf()
        } else {
            let base = file.parent().unwrap_or(Path::new("."));
            let joined = base.join(file_part);
            joined.canonicalize().map_err(|e| {
                self.err(
                    file,
                    ptr,
                    format!("`$ref: {reference}`: cannot read {}: {e}", joined.display()),
                )
            })?
        };
        let key = (target_file.clone(), fragment.clone());
        if let Some(local) = self.hoisted.get(&key) {
            *v = serde_json::json!({ "$ref": local });
            return Ok(());
        }
        if target_file == self.root_file {
            // A reference back into the root document: made local as written.
            *v = serde_json::json!({ "$ref": format!("#{fragment}") });
            return Ok(());
        }
        let target = self.target(&target_file, &fragment, reference, file, ptr)?;
        if let Some((kind, name)) = component_slot(&decode_fragment(&fragment), self.swagger) {
            let taken = self.taken.entry(kind.clone()).or_default();
            let mut local_name = name.clone();
            let mut n = 2;
            while taken.contains(&local_name) {
                local_name = format!("{name}{n}");
                n += 1;
            }
            taken.push(local_name.clone());
            let local = format!("#/{}/{}", kind.join("/"), escape(&local_name));
            self.hoisted.insert(key, local.clone());
            // Reserved first, so components keep the order they are met in.
            let at = self.additions.len();
            self.additions.push((kind, local_name, Value::Null));
            let mut content = target;
            self.walk(&mut content, &target_file, &fragment, depth + 1)?;
            self.additions[at].2 = content;
            *v = serde_json::json!({ "$ref": local });
            return Ok(());
        }
        if self.stack.contains(&key) {
            let chain: Vec<String> = self
                .stack
                .iter()
                .chain(std::iter::once(&key))
                .map(|(f, p)| format!("{}#{p}", f.display()))
                .collect();
            return Err(self.err(
                file,
                ptr,
                format!("reference cycle: {}", chain.join(" -> ")),
            ));
        }
        self.stack.push(key);
        let mut content = target;
        let result = self.walk(&mut content, &target_file, &fragment, depth + 1);
        self.stack.pop();
        result?;
        *v = content;
        Ok(())
    }

    /// The value at `fragment` of `target_file` (parsed once).
    fn target(
        &mut self,
        target_file: &Path,
        fragment: &str,
        reference: &str,
        file: &Path,
        ptr: &str,
    ) -> Result<Value, LoadError> {
        if !self.files.contains_key(target_file) {
            let origin = target_file.display().to_string();
            let text = std::fs::read_to_string(target_file).map_err(|e| {
                self.err(
                    file,
                    ptr,
                    format!("`$ref: {reference}`: cannot read {origin}: {e}"),
                )
            })?;
            let (value, _) = super::json_yaml::parse_noted(&text, &origin, &mut self.parse_notes)?;
            self.files.insert(target_file.to_path_buf(), value);
        }
        let doc = self.files.get(target_file).unwrap_or(&Value::Null);
        // A fragment is a URI fragment: `%7B` stands for `{` (as written first, then decoded).
        lookup(doc, fragment).cloned().ok_or_else(|| {
            self.err(
                file,
                ptr,
                format!(
                    "`$ref: {reference}`: {} has nothing at JSON pointer \"{fragment}\"",
                    target_file.display()
                ),
            )
        })
    }
}
