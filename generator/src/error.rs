//! The generator's one error type: every failure names the spec file and, where known, the JSON
//! pointer inside it (RFC 6901, e.g. `/paths/~1login/post`).

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong, without the location (see [`GenError::kind`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be read or written.
    Io,
    /// The file is not valid JSON or YAML.
    Parse,
    /// The document is not an OpenAPI 3.0.x/3.1.x or Swagger 2.0 document.
    UnsupportedVersion,
    /// The document is structurally invalid at the pointer (wrong type, missing field...).
    Invalid,
    /// A `$ref` could not be resolved.
    UnresolvedRef,
    /// The Swagger 2.0 -> OpenAPI 3.0 conversion failed.
    Convert,
    /// A normalisation pass could not fix the document.
    Normalise,
    /// Progenitor refused or panicked on the whole (remaining) spec.
    Generate,
    /// The generated tokens did not parse as Rust (prettyplease formatting).
    Format,
    /// The configuration (tags, operation ids, paths) is invalid.
    Config,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::Io => "I/O error",
            ErrorKind::Parse => "parse error",
            ErrorKind::UnsupportedVersion => "unsupported spec version",
            ErrorKind::Invalid => "invalid spec",
            ErrorKind::UnresolvedRef => "unresolved $ref",
            ErrorKind::Convert => "Swagger 2.0 conversion error",
            ErrorKind::Normalise => "normalisation error",
            ErrorKind::Generate => "generation error",
            ErrorKind::Format => "formatting error",
            ErrorKind::Config => "configuration error",
        };
        f.write_str(s)
    }
}

/// A generator error: kind, spec file, JSON pointer and a human message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenError {
    kind: ErrorKind,
    file: Option<PathBuf>,
    pointer: Option<String>,
    message: String,
}

/// Result alias of the generator crate.
pub type Result<T, E = GenError> = std::result::Result<T, E>;

impl GenError {
    /// A new error of `kind` with `message`, with no location yet.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        GenError {
            kind,
            file: None,
            pointer: None,
            message: message.into(),
        }
    }

    /// Sets the spec file (kept if already set by an inner layer).
    pub fn with_file(mut self, file: impl AsRef<Path>) -> Self {
        if self.file.is_none() {
            self.file = Some(file.as_ref().to_path_buf());
        }
        self
    }

    /// Sets the JSON pointer (kept if already set by an inner layer).
    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        if self.pointer.is_none() {
            self.pointer = Some(pointer.into());
        }
        self
    }

    /// Shorthand for an [`ErrorKind::Io`] error on `file`.
    pub fn io(file: impl AsRef<Path>, err: &std::io::Error) -> Self {
        GenError::new(ErrorKind::Io, err.to_string()).with_file(file)
    }

    /// Shorthand for an [`ErrorKind::Invalid`] error at `pointer`.
    pub fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        GenError::new(ErrorKind::Invalid, message).with_pointer(pointer)
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The spec file, when known.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The JSON pointer inside the spec, when known.
    pub fn pointer(&self) -> Option<&str> {
        self.pointer.as_deref()
    }

    /// The human-readable message (without location).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True for I/O errors.
    pub fn is_io(&self) -> bool {
        self.kind == ErrorKind::Io
    }

    /// True for parse errors (bad JSON/YAML).
    pub fn is_parse(&self) -> bool {
        self.kind == ErrorKind::Parse
    }
}

impl fmt::Display for GenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(p) = &self.pointer {
                write!(f, "#{p}")?;
            }
            write!(f, ": ")?;
        } else if let Some(p) = &self.pointer {
            write!(f, "#{p}: ")?;
        }
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for GenError {}

/// Escapes one JSON pointer segment (`~` -> `~0`, `/` -> `~1`).
pub fn escape_pointer_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Builds a JSON pointer from segments, escaping each.
pub fn pointer<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        out.push_str(&escape_pointer_segment(s));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_and_pointer() {
        let e = GenError::invalid(pointer(["paths", "/login", "post"]), "bad")
            .with_file("specs/x.json");
        assert_eq!(
            e.to_string(),
            "specs/x.json#/paths/~1login/post: invalid spec: bad"
        );
        assert_eq!(e.pointer(), Some("/paths/~1login/post"));
        assert_eq!(e.kind(), &ErrorKind::Invalid);
    }

    #[test]
    fn inner_location_wins() {
        let e = GenError::new(ErrorKind::Parse, "x")
            .with_file("a")
            .with_file("b")
            .with_pointer("/p")
            .with_pointer("/q");
        assert_eq!(e.file(), Some(Path::new("a")));
        assert_eq!(e.pointer(), Some("/p"));
    }
}
