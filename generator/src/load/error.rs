//! The loader's error type: every error names the file and, where known, the JSON pointer
//! and the line/column of the problem.

use std::fmt;

/// What kind of problem stopped loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// The file could not be read.
    Io,
    /// The text is neither valid JSON nor valid YAML.
    Parse,
    /// The document is not an OpenAPI / Swagger document (no version field, not an object).
    NotASpec,
    /// The document declares a version this loader does not handle (e.g. `openapi: 2.5`).
    UnsupportedVersion,
    /// The document declares a supported version but its structure is invalid at `pointer`.
    Invalid,
}

impl fmt::Display for LoadErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadErrorKind::Io => "cannot read spec",
            LoadErrorKind::Parse => "cannot parse spec",
            LoadErrorKind::NotASpec => "not an OpenAPI or Swagger document",
            LoadErrorKind::UnsupportedVersion => "unsupported spec version",
            LoadErrorKind::Invalid => "invalid spec",
        })
    }
}

/// An error while loading a spec file, naming the file and the JSON pointer (empty = root).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}: {file}{}{}: {message}", location_suffix(*.line, *.column), pointer_suffix(.pointer))]
pub struct LoadError {
    kind: LoadErrorKind,
    file: String,
    pointer: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
    message: String,
}

fn location_suffix(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

fn pointer_suffix(pointer: &Option<String>) -> String {
    match pointer {
        Some(p) if p.is_empty() => " at JSON pointer \"\" (document root)".to_string(),
        Some(p) => format!(" at JSON pointer \"{p}\""),
        None => String::new(),
    }
}

impl LoadError {
    /// A new error of `kind` in `file` at JSON `pointer` (use `""` for the document root).
    pub fn new(
        kind: LoadErrorKind,
        file: impl Into<String>,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        LoadError {
            kind,
            file: file.into(),
            pointer: Some(pointer.into()),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An I/O error reading `file`.
    pub fn io(file: impl Into<String>, err: &std::io::Error) -> Self {
        LoadError {
            kind: LoadErrorKind::Io,
            file: file.into(),
            pointer: None,
            line: None,
            column: None,
            message: err.to_string(),
        }
    }

    /// A parse error in `file` at `line`/`column` (1-based), with the pointer if it is known.
    pub fn parse(
        file: impl Into<String>,
        line: Option<u64>,
        column: Option<u64>,
        pointer: Option<String>,
        message: impl Into<String>,
    ) -> Self {
        LoadError {
            kind: LoadErrorKind::Parse,
            file: file.into(),
            pointer,
            line,
            column,
            message: message.into(),
        }
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> LoadErrorKind {
        self.kind
    }

    /// The file (or origin name given to `load_str`) the error is in.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The JSON pointer of the offending value (`""` is the root), when known.
    pub fn pointer(&self) -> Option<&str> {
        self.pointer.as_deref()
    }

    /// The 1-based line of a parse error, when known.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The 1-based column of a parse error, when known.
    pub fn column(&self) -> Option<u64> {
        self.column
    }

    /// The message without file/pointer decoration.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<LoadError> for crate::error::GenError {
    /// Keeps kind, file and pointer; line/column go into the message.
    fn from(e: LoadError) -> Self {
        use crate::error::ErrorKind;
        let kind = match e.kind {
            LoadErrorKind::Io => ErrorKind::Io,
            LoadErrorKind::Parse => ErrorKind::Parse,
            LoadErrorKind::NotASpec | LoadErrorKind::UnsupportedVersion => {
                ErrorKind::UnsupportedVersion
            }
            LoadErrorKind::Invalid => ErrorKind::Invalid,
        };
        let message = match (e.line, e.column) {
            (Some(l), Some(c)) => format!("line {l}, column {c}: {}", e.message),
            (Some(l), None) => format!("line {l}: {}", e.message),
            _ => e.message,
        };
        let mut g = crate::error::GenError::new(kind, message).with_file(e.file);
        if let Some(p) = e.pointer {
            g = g.with_pointer(p);
        }
        g
    }
}
