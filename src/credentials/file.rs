//! `file:PATH`: a secret read from a file at every resolve, one trailing newline trimmed.

use std::path::PathBuf;

use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::SecretString;

use super::{CredentialError, CredentialErrorKind, SecretSource};

/// Reads a file each time it is resolved; a single trailing `\n` or `\r\n` is removed.
#[derive(Debug, Clone)]
pub struct FileSource {
    path: PathBuf,
}

impl FileSource {
    /// A source reading `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileSource { path: path.into() }
    }
}

/// Removes one trailing line ending (`\n` or `\r\n`), as shells and editors add one.
pub(crate) fn trim_one_newline(mut s: String) -> String {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    s
}

impl SecretSource for FileSource {
    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        async move {
            let err = |kind| CredentialError::new(self.describe(), kind);
            match tokio::fs::read(&self.path).await {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(s) => Ok(SecretString::from(trim_one_newline(s))),
                    Err(_) => Err(err(CredentialErrorKind::Invalid(
                        "file is not valid UTF-8".into(),
                    ))),
                },
                Err(e) => Err(err(match e.kind() {
                    std::io::ErrorKind::NotFound => {
                        CredentialErrorKind::NotFound("no such file".into())
                    }
                    std::io::ErrorKind::PermissionDenied => {
                        CredentialErrorKind::AccessDenied("permission denied".into())
                    }
                    _ => CredentialErrorKind::Other(format!("cannot read file: {e}")),
                })),
            }
        }
        .boxed()
    }
}
