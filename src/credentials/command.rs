//! `cmd:COMMAND`: a secret printed by a command (like a git credential helper), run at every
//! resolve through `sh -c`.

use std::process::Stdio;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::SecretString;

use super::file::trim_one_newline;
use super::{CredentialError, CredentialErrorKind, SecretSource};

/// How long a command may run before it is killed, unless changed with
/// [`CommandSource::with_timeout`].
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `sh -c COMMAND` each time it is resolved; its stdout (one trailing newline trimmed) is
/// the secret. A non-zero exit is an error carrying the status and the first line of stderr,
/// never stdout.
#[derive(Debug, Clone)]
pub struct CommandSource {
    command: String,
    timeout: Duration,
}

impl CommandSource {
    /// A source running `command` through `sh -c`.
    pub fn new(command: impl Into<String>) -> Self {
        CommandSource {
            command: command.into(),
            timeout: DEFAULT_COMMAND_TIMEOUT,
        }
    }

    /// Changes how long the command may run before it is killed.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    async fn run(&self) -> Result<SecretString, CredentialErrorKind> {
        let child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(&self.command)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| CredentialErrorKind::Other(format!("cannot start sh: {e}")))?;
        let out = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| {
                CredentialErrorKind::Other(format!(
                    "command timed out after {}s and was killed",
                    self.timeout.as_secs_f32()
                ))
            })?
            .map_err(|e| CredentialErrorKind::Other(format!("command failed: {e}")))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first: String = stderr
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            let status = match out.status.code() {
                Some(c) => format!("exit status {c}"),
                None => "killed by a signal".to_string(),
            };
            return Err(CredentialErrorKind::Other(if first.is_empty() {
                format!("command failed with {status}")
            } else {
                format!("command failed with {status}: {first}")
            }));
        }
        let stdout = String::from_utf8(out.stdout)
            .map_err(|_| CredentialErrorKind::Invalid("command output is not UTF-8".into()))?;
        let secret = trim_one_newline(stdout);
        if secret.is_empty() {
            return Err(CredentialErrorKind::NotFound(
                "command printed nothing".into(),
            ));
        }
        Ok(SecretString::from(secret))
    }
}

impl SecretSource for CommandSource {
    fn describe(&self) -> String {
        format!("cmd:{}", self.command)
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        async move {
            self.run()
                .await
                .map_err(|kind| CredentialError::new(self.describe(), kind))
        }
        .boxed()
    }
}
