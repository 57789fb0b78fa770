//! bi-rest generator: loads OpenAPI 3.0/3.1 and Swagger 2.0 specs, normalises what progenitor
//! cannot take, subsets, and generates typed Rust clients (progenitor, Builder interface,
//! merged tags) plus a static operations table. Shared by bi-rest's build.rs and the
//! `bi-rest-gen` binary.

pub mod builder;
pub mod dedup;
pub mod emit;
pub mod error;
pub mod explain;
pub mod load;
pub mod normalise;
pub mod ops_table;
pub mod paths;
pub mod report;
pub mod standalone;
pub mod subset;
pub mod vendors;
pub mod xml;
pub mod xml_runtime;

pub use builder::{Build, Built, Preset};
pub use error::{ErrorKind, GenError, Result};
pub use report::{Counts, Report, Status};

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The spec file (JSON or YAML; OpenAPI 3.0/3.1 or Swagger 2.0).
    pub spec: PathBuf,
    /// Keep only operations with one of these tags (all when empty).
    pub tags: Vec<String>,
    /// Keep only these operation ids (all when empty).
    pub operations: Vec<String>,
    /// Keep operations a vendor marks internal.
    pub include_internal: bool,
    /// Rust path of the client's inner type (`with_inner_type`), e.g. `crate::auth::Auth`.
    pub inner_type: Option<String>,
    /// Module name (used in messages and file names), e.g. `looker_4_0`.
    pub module_name: String,
    /// Emit `impl ClientHooks for Client` whose `pre` sends raw bodies with the spec's media
    /// type and whose `exec` maps empty bodies of flagged operations to `null` (for standalone
    /// crates without an inner type). With an inner type, your hooks call
    /// `operations::raw_body_content_type` and `operations::null_for_empty_body` (bi-rest's
    /// `generated_client!` does).
    pub emit_hooks: bool,
    /// Header parameters the session supplies (an auth token, a project id): left out of the
    /// generated signatures, matched case-insensitively, each reported as `adjusted`.
    pub session_headers: Vec<String>,
    /// Module through which the generated code names the crates it uses, e.g.
    /// `::bi_rest::__private` ([`paths::BI_REST_RUNTIME`]): a crate including the module then
    /// needs no dependency but the one owning that path. `None`: the crates are named directly
    /// (standalone crates, bi-rest's own build).
    pub runtime_path: Option<String>,
    /// Module defining the operations table's types (`Location`, `Parameter`, `Operation`),
    /// which the generated `operations` module then re-exports instead of defining its own:
    /// `::bi_rest::operations` ([`builder::BI_REST_OPERATIONS`]) for a crate depending on
    /// bi-rest, `crate::operations` in bi-rest itself. Tables of every module built against it
    /// share one type. `None`: the types are emitted inline (a module that compiles alone).
    pub operation_types: Option<String>,
}

/// What `generate` produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// The formatted Rust module.
    pub code: String,
    /// Per-operation report.
    pub report: Report,
    /// The operations table rows.
    pub operations: Vec<ops_table::OpRow>,
    /// Time spent loading + normalising + progenitor (without formatting).
    pub generate_time: Duration,
    /// Time spent formatting.
    pub format_time: Duration,
    /// The spec file and every file its `$ref`s reach (what a build script reruns on).
    pub files: Vec<PathBuf>,
}

const HOOKS: &str = r#"
impl ClientHooks<()> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> std::result::Result<(), Error<E>> {
        operations::raw_body_content_type(info.operation_id, request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client.execute(request).await?;
        operations::null_for_empty_body(info.operation_id, response).await
    }
}
"#;

/// Loads, normalises, subsets and generates one spec. Never panics: progenitor's panics
/// become skipped operations (or an error when nothing can be generated).
pub fn generate(config: &Config) -> Result<Output> {
    let start = Instant::now();
    let spec = &config.spec;
    let loaded = load::load_path(spec).map_err(|e| GenError::from(e).with_file(spec))?;
    let files = loaded.files;
    let mut doc = loaded.document;
    let mut report = Report::new(spec.display().to_string());
    for n in &loaded.notes {
        report.note(format!("load: {}: {} ({})", n.pointer, n.message, n.rule));
    }
    let flags = normalise::run(&mut doc, &mut report, &config.session_headers)
        .map_err(|e| e.with_file(spec))?;
    let selection = subset::Selection {
        tags: config.tags.clone(),
        operations: config.operations.clone(),
        include_internal: config.include_internal,
    };
    subset::select(&mut doc, &selection, &mut report).map_err(|e| e.with_file(spec))?;
    let keys = normalise::operation_keys(&doc);
    let settings = emit::settings(config.inner_type.as_deref()).map_err(|e| e.with_file(spec))?;
    let generated = emit::generate_bisect(&doc, &keys, &settings).map_err(|e| e.with_file(spec))?;
    for ((path, method), msg) in &generated.skipped {
        report.skip_generator_failure(method, path, msg);
    }
    for ((path, method), change) in &generated.adjusted {
        report.adjust(method, path, change.clone());
    }
    let skipped: std::collections::BTreeSet<&emit::Key> =
        generated.skipped.iter().map(|(k, _)| k).collect();
    let kept: Vec<emit::Key> = keys
        .iter()
        .filter(|k| !skipped.contains(k))
        .cloned()
        .collect();
    let rows = ops_table::rows(&doc, &kept, &flags);
    let generate_time = start.elapsed();
    let t = Instant::now();
    let tokens_text = generated.tokens.to_string();
    let xml = xml::render(&doc, &rows, &flags, &tokens_text);
    for (method, path, change) in xml.changes {
        report.adjust(&method, &path, change);
    }
    if let Some(path) = &config.operation_types {
        syn::parse_str::<syn::Path>(path).map_err(|e| {
            GenError::new(
                ErrorKind::Config,
                format!("operation types path `{path}` is not a Rust path: {e}"),
            )
            .with_file(spec)
        })?;
    }
    let mut extra = ops_table::render(&rows, config.operation_types.as_deref());
    extra.push_str(&xml.code);
    if config.emit_hooks && config.inner_type.is_none() {
        extra.push_str(HOOKS);
    }
    let (body, renamed) =
        emit::format_noted(generated.tokens, &extra, config.runtime_path.as_deref())
            .map_err(|e| e.with_file(spec))?;
    for note in renamed {
        report.note(note);
    }
    let counts = report.counts();
    let code = format!(
        "// @generated by bi-rest-generator from {} -- do not edit.\n// operations: {} generated, {} adjusted, {} skipped, {} excluded\n{body}",
        spec.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default(),
        counts.generated,
        counts.adjusted,
        counts.skipped,
        counts.excluded
    );
    Ok(Output {
        code,
        report,
        operations: rows,
        generate_time,
        format_time: t.elapsed(),
        files,
    })
}
