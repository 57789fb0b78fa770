//! What happened to every operation of a spec: `generated`, `adjusted` (with the changes and
//! why) or `skipped` (with the reason). Serialised as the `--report` JSON.

use serde::Serialize;
use std::collections::BTreeMap;

/// Final status of one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Generated as the spec declares it.
    Generated,
    /// Generated after a normalisation pass changed it (see `changes`).
    Adjusted,
    /// Not generated (see `reason`).
    Skipped,
}

/// Report line for one operation.
#[derive(Debug, Clone, Serialize)]
pub struct OperationReport {
    /// Final (Rust-safe) operation id; the original one is in `original_operation_id`.
    pub operation_id: String,
    /// The id as written in the spec (or empty when the spec had none).
    pub original_operation_id: String,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// generated / adjusted / skipped.
    pub status: Status,
    /// Human summary: all changes joined, or the skip reason.
    pub reason: Option<String>,
    /// Each change a pass made, in order.
    pub changes: Vec<String>,
    /// For a skipped operation: the code generator's own message behind `reason`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// True when excluded by subsetting (tags/operations/visibility); such lines are not
    /// counted as skipped failures.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub excluded: bool,
}

/// Whether the generated code was compiled (`bi-rest-gen --check`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Check {
    /// Not compiled: "generated" means "generated, not checked".
    #[default]
    NotChecked,
    /// `cargo check` of the generated crate passed.
    Compiled,
    /// `cargo check` failed: no operation counts as generated.
    Failed {
        /// Number of `error` diagnostics.
        errors: usize,
        /// The first diagnostics, for the reader.
        first: Vec<String>,
    },
}

/// The whole report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Spec file the report is about.
    pub spec: String,
    /// Whether the generated code compiled.
    pub check: Check,
    /// Spec-wide changes not tied to one operation (component schemas...).
    pub notes: Vec<String>,
    /// One line per operation, in spec order.
    pub operations: Vec<OperationReport>,
    #[serde(skip)]
    index: BTreeMap<(String, String), usize>,
}

/// Counts of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Operations in the output, unchanged.
    pub generated: usize,
    /// Operations in the output, changed by a pass.
    pub adjusted: usize,
    /// Operations left out because they could not be generated.
    pub skipped: usize,
    /// Operations left out by subsetting.
    pub excluded: usize,
}

impl Report {
    /// An empty report about `spec`.
    pub fn new(spec: impl Into<String>) -> Self {
        Report {
            spec: spec.into(),
            ..Default::default()
        }
    }

    fn key(method: &str, path: &str) -> (String, String) {
        (method.to_ascii_uppercase(), path.to_string())
    }

    /// Registers an operation (idempotent) and returns its line.
    pub fn operation(&mut self, method: &str, path: &str) -> &mut OperationReport {
        let key = Self::key(method, path);
        let idx = match self.index.get(&key) {
            Some(i) => *i,
            None => {
                self.operations.push(OperationReport {
                    operation_id: String::new(),
                    original_operation_id: String::new(),
                    method: key.0.clone(),
                    path: path.to_string(),
                    status: Status::Generated,
                    reason: None,
                    changes: Vec::new(),
                    detail: None,
                    excluded: false,
                });
                self.index.insert(key, self.operations.len() - 1);
                self.operations.len() - 1
            }
        };
        &mut self.operations[idx]
    }

    /// Records a change to an operation (marks it adjusted unless skipped).
    pub fn adjust(&mut self, method: &str, path: &str, change: impl Into<String>) {
        let op = self.operation(method, path);
        if op.status != Status::Skipped {
            op.status = Status::Adjusted;
        }
        op.changes.push(change.into());
        if op.status == Status::Adjusted {
            op.reason = Some(op.changes.join("; "));
        }
    }

    /// Marks an operation skipped with `reason`.
    pub fn skip(&mut self, method: &str, path: &str, reason: impl Into<String>) {
        let op = self.operation(method, path);
        op.status = Status::Skipped;
        op.reason = Some(reason.into());
    }

    /// Marks an operation skipped because the code generator failed on it with `raw`: the
    /// reason is [`crate::explain::explain`]'s sentence, `raw` is kept as the `detail`.
    pub fn skip_generator_failure(&mut self, method: &str, path: &str, raw: &str) {
        self.skip(method, path, crate::explain::explain(raw));
        self.operation(method, path).detail = Some(raw.to_string());
    }

    /// Marks an operation excluded by subsetting with `reason`.
    pub fn exclude(&mut self, method: &str, path: &str, reason: impl Into<String>) {
        let op = self.operation(method, path);
        op.status = Status::Skipped;
        op.excluded = true;
        op.reason = Some(reason.into());
    }

    /// Records a spec-wide note.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// The line of an operation, if registered.
    pub fn get(&self, method: &str, path: &str) -> Option<&OperationReport> {
        self.index
            .get(&Self::key(method, path))
            .map(|i| &self.operations[*i])
    }

    /// Counts by status.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for op in &self.operations {
            match (op.status, op.excluded) {
                (_, true) => c.excluded += 1,
                (Status::Generated, _) => c.generated += 1,
                (Status::Adjusted, _) => c.adjusted += 1,
                (Status::Skipped, _) => c.skipped += 1,
            }
        }
        c
    }

    /// Pretty JSON of the report.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjust_then_skip_and_counts() {
        let mut r = Report::new("x.json");
        r.operation("get", "/a").operation_id = "a".into();
        r.adjust("get", "/b", "fixed style");
        r.skip("post", "/c", "boom");
        r.exclude("put", "/d", "not in tags");
        assert_eq!(
            r.counts(),
            Counts {
                generated: 1,
                adjusted: 1,
                skipped: 1,
                excluded: 1
            }
        );
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["operations"][1]["status"], "adjusted");
        assert_eq!(json["operations"][1]["reason"], "fixed style");
        assert_eq!(json["operations"][2]["status"], "skipped");
        assert_eq!(json["spec"], "x.json");
    }
}
