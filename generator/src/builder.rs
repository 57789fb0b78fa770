//! The build-script front end: generate a typed client for *your* spec in your crate's
//! `build.rs`, with the auth of a bi-rest vendor layer on top.
//!
//! ```no_run
//! // The body of build.rs's `fn main`:
//! bi_rest_generator::Build::microstrategy("spec/openapi.yaml")
//!     .module("my_mstr")
//!     .run();
//! ```
//!
//! and in the crate, one line: `bi_rest::generated_client!(pub mod my_mstr);`, then
//! `mstr_client.generated::<my_mstr::Client>()`. [`Build::run`] writes `$OUT_DIR/<module>.rs`,
//! prints `cargo:rerun-if-changed` for the spec and every file its `$ref`s reach, and names
//! the crates the code uses through `bi_rest::__private` so the crate's Cargo.toml needs no
//! dependency besides `bi-rest`.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, GenError, Result};
use crate::{generate, paths, vendors, Config, Output};

/// Inner type of clients generated for a crate depending on bi-rest.
pub const BI_REST_AUTH: &str = "::bi_rest::auth::Auth";

/// bi-rest's operations table types (`bi_rest::operations`), which the `operations` module of
/// a crate depending on bi-rest re-exports ([`Config::operation_types`]).
pub const BI_REST_OPERATIONS: &str = "::bi_rest::operations";

/// Which auth the generated client carries: a vendor preset (inner type
/// `bi_rest::auth::Auth`, the vendor's session headers left out of the signatures) or your own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Preset {
    /// MicroStrategy / Strategy One: `X-MSTR-AuthToken` and `X-MSTR-ProjectID` come from the
    /// session (use the client from `bi_rest::mstr::MstrClient`).
    MicroStrategy,
    /// Looker (any API version; use it from `bi_rest::looker::LookerClient`).
    Looker,
    /// AgileApps Cloud (use it from `bi_rest::agileapps::AgileAppsClient`).
    AgileApps,
    /// A custom auth: the client's inner type (a Rust path, usually
    /// [`BI_REST_AUTH`] for a `bi_rest::auth::Auth` you build yourself) and the header
    /// parameters your session adds to every call.
    Custom {
        /// Rust path of the inner type.
        inner_type: String,
        /// Header parameters supplied by the session (left out of the signatures).
        session_headers: Vec<String>,
    },
}

impl Preset {
    /// The default module name of the preset (`mstr`, `looker`, `agileapps`, `api`).
    pub fn default_module(&self) -> &'static str {
        match self {
            Preset::MicroStrategy => "mstr",
            Preset::Looker => "looker",
            Preset::AgileApps => "agileapps",
            Preset::Custom { .. } => "api",
        }
    }

    fn inner_type(&self) -> String {
        match self {
            Preset::Custom { inner_type, .. } => inner_type.clone(),
            _ => BI_REST_AUTH.to_string(),
        }
    }

    fn session_headers(&self) -> Vec<String> {
        let vendor = |module: &str| {
            vendors::VENDORS
                .iter()
                .find(|v| v.module == module)
                .map(|v| v.session_headers.iter().map(|h| h.to_string()).collect())
                .unwrap_or_default()
        };
        match self {
            Preset::MicroStrategy => vendor("mstr"),
            Preset::Looker => vendor("looker_4_0"),
            Preset::AgileApps => vendor("agileapps"),
            Preset::Custom {
                session_headers, ..
            } => session_headers.clone(),
        }
    }
}

/// A build-script generation: preset, spec, module name, subset, output directory.
#[derive(Debug, Clone)]
#[must_use = "nothing is generated until `run` or `try_run`"]
pub struct Build {
    spec: PathBuf,
    preset: Preset,
    module: Option<String>,
    tags: Vec<String>,
    operations: Vec<String>,
    include_internal: bool,
    out_dir: Option<PathBuf>,
    runtime_path: Option<String>,
    operation_types: Option<String>,
}

/// What [`Build::try_run`] wrote.
#[derive(Debug, Clone)]
pub struct Built {
    /// The module file (`$OUT_DIR/<module>.rs`).
    pub file: PathBuf,
    /// The files the build script reruns on (the spec and the files it references).
    pub rerun_if_changed: Vec<PathBuf>,
    /// The generator's output (code, report, operations).
    pub output: Output,
}

impl Build {
    /// Generation of `spec` with the auth of `preset`.
    pub fn new(spec: impl Into<PathBuf>, preset: Preset) -> Self {
        Build {
            spec: spec.into(),
            preset,
            module: None,
            tags: Vec::new(),
            operations: Vec::new(),
            include_internal: false,
            out_dir: None,
            runtime_path: Some(paths::BI_REST_RUNTIME.to_string()),
            operation_types: Some(BI_REST_OPERATIONS.to_string()),
        }
    }

    /// A MicroStrategy / Strategy One spec (e.g. your server's `{library}/api-docs`).
    pub fn microstrategy(spec: impl Into<PathBuf>) -> Self {
        Self::new(spec, Preset::MicroStrategy)
    }

    /// A Looker spec (3.0 Swagger, 3.1 or 4.0 OpenAPI).
    pub fn looker(spec: impl Into<PathBuf>) -> Self {
        Self::new(spec, Preset::Looker)
    }

    /// An AgileApps spec.
    pub fn agileapps(spec: impl Into<PathBuf>) -> Self {
        Self::new(spec, Preset::AgileApps)
    }

    /// A spec whose client carries `inner_type` (see [`Preset::Custom`]); add the session's
    /// headers with [`Build::session_headers`].
    pub fn custom(spec: impl Into<PathBuf>, inner_type: impl Into<String>) -> Self {
        Self::new(
            spec,
            Preset::Custom {
                inner_type: inner_type.into(),
                session_headers: Vec::new(),
            },
        )
    }

    /// The module name: the file `$OUT_DIR/<name>.rs` and the `mod` of
    /// `bi_rest::generated_client!(pub mod <name>)`. Default: the preset's
    /// ([`Preset::default_module`]).
    pub fn module(mut self, name: impl Into<String>) -> Self {
        self.module = Some(name.into());
        self
    }

    /// Header parameters the session supplies (replaces the preset's).
    pub fn session_headers<I, S>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let headers: Vec<String> = headers.into_iter().map(Into::into).collect();
        let inner_type = self.preset.inner_type();
        self.preset = Preset::Custom {
            inner_type,
            session_headers: headers,
        };
        self
    }

    /// Keep only the operations having one of these tags.
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Keep only these operation ids (as written in the spec, or as generated).
    pub fn operations<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.operations.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Keep operations a vendor marks internal (left out by default).
    pub fn include_internal(mut self, yes: bool) -> Self {
        self.include_internal = yes;
        self
    }

    /// Where to write the module (default: `$OUT_DIR`).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The module through which the code names the crates it uses (default
    /// `::bi_rest::__private`); `None` names them directly (the crate then depends on
    /// progenitor-client, reqwest, serde... itself).
    pub fn runtime_path(mut self, path: Option<&str>) -> Self {
        self.runtime_path = path.map(str::to_string);
        self
    }

    /// The module whose operations table types (`Location`, `Parameter`, `Operation`) the
    /// generated `operations` module re-exports (default `::bi_rest::operations`, so one
    /// function works on the table of any module); `None` defines them in the module (a crate
    /// not depending on bi-rest).
    pub fn operation_types(mut self, path: Option<&str>) -> Self {
        self.operation_types = path.map(str::to_string);
        self
    }

    /// The module name this build writes.
    pub fn module_name(&self) -> &str {
        self.module
            .as_deref()
            .unwrap_or_else(|| self.preset.default_module())
    }

    /// The generator configuration of this build.
    pub fn config(&self) -> Config {
        Config {
            spec: self.spec.clone(),
            tags: self.tags.clone(),
            operations: self.operations.clone(),
            include_internal: self.include_internal,
            inner_type: Some(self.preset.inner_type()),
            module_name: self.module_name().to_string(),
            emit_hooks: false,
            session_headers: self.preset.session_headers(),
            runtime_path: self.runtime_path.clone(),
            operation_types: self.operation_types.clone(),
        }
    }

    fn check_module(&self) -> Result<()> {
        let name = self.module_name();
        let ok = syn::parse_str::<syn::Ident>(name).is_ok() && name != "_";
        if ok {
            Ok(())
        } else {
            Err(GenError::new(
                ErrorKind::Config,
                format!("module name `{name}` is not a Rust identifier"),
            )
            .with_file(&self.spec))
        }
    }

    fn out_dir_path(&self) -> Result<PathBuf> {
        match &self.out_dir {
            Some(d) => Ok(d.clone()),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| {
                    GenError::new(
                        ErrorKind::Config,
                        "OUT_DIR is not set: run from a build script or call .out_dir(..)",
                    )
                    .with_file(&self.spec)
                }),
        }
    }

    /// Generates and writes the module; build-script lines (`cargo:rerun-if-changed`,
    /// `cargo:warning`) go to `lines`. The spec's own rerun line is written even when
    /// generation fails, so fixing the spec reruns the build.
    pub fn try_run_to(&self, lines: &mut dyn Write) -> Result<Built> {
        let io = |e: std::io::Error| GenError::new(ErrorKind::Io, format!("build output: {e}"));
        let result = self.generate_files();
        let rerun: Vec<PathBuf> = match &result {
            Ok((_, out)) => out.files.clone(),
            Err(_) => vec![self.spec.clone()],
        };
        for f in &rerun {
            writeln!(lines, "cargo:rerun-if-changed={}", f.display()).map_err(io)?;
        }
        let (file, output) = result?;
        let c = output.report.counts();
        if c.skipped > 0 {
            writeln!(
                lines,
                "cargo:warning={}: {} operations skipped (run bi-rest-gen --report {} for the reasons)",
                self.spec.display(),
                c.skipped,
                self.spec.display()
            )
            .map_err(io)?;
        }
        Ok(Built {
            file,
            rerun_if_changed: rerun,
            output,
        })
    }

    fn generate_files(&self) -> Result<(PathBuf, Output)> {
        self.check_module()?;
        let dir = self.out_dir_path()?;
        let output = generate(&self.config())?;
        std::fs::create_dir_all(&dir).map_err(|e| GenError::io(&dir, &e))?;
        let file = dir.join(format!("{}.rs", self.module_name()));
        write_if_changed(&file, &output.code)?;
        Ok((file, output))
    }

    /// [`Build::try_run_to`] with the lines on stdout (what cargo reads from a build script).
    pub fn try_run(&self) -> Result<Built> {
        self.try_run_to(&mut std::io::stdout().lock())
    }

    /// For `build.rs`: [`Build::try_run`], and on failure the error (file, JSON pointer,
    /// message) on stderr and exit status 1, which fails the build without a backtrace.
    pub fn run(self) -> Built {
        match self.try_run() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: bi-rest code generation failed: {e}");
                std::process::exit(1);
            }
        }
    }
}

/// Writes `code` unless the file already holds it (keeps its mtime, so nothing downstream
/// rebuilds for an unchanged module).
fn write_if_changed(file: &Path, code: &str) -> Result<()> {
    if std::fs::read_to_string(file).is_ok_and(|old| old == code) {
        return Ok(());
    }
    std::fs::write(file, code).map_err(|e| GenError::io(file, &e))
}
