//! `prompt`: asks the user on the terminal without echo.
//!
//! A prompt cannot sensibly be asked again at every re-login (nobody may be at the terminal), so
//! the first answer is kept for the life of the [`PromptSource`] and reused at later resolves.
//! Rotation is therefore not picked up from a prompt: use a store, file, env or cmd source when
//! the secret rotates.

use std::fmt;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::FutureExt;
use secrecy::SecretString;
use tokio::sync::OnceCell;

use super::{CredentialError, CredentialErrorKind, SecretSource};

/// Asks a question and returns the answer without echoing it. A seam so tests can inject one.
pub trait Prompter: Send + Sync + fmt::Debug {
    /// Shows `message` and reads one line without echo.
    fn prompt(&self, message: &str) -> std::io::Result<SecretString>;
}

/// The real prompter: reads from the controlling terminal with echo off (rpassword).
#[derive(Debug, Default, Clone, Copy)]
pub struct TerminalPrompter;

impl Prompter for TerminalPrompter {
    fn prompt(&self, message: &str) -> std::io::Result<SecretString> {
        rpassword::prompt_password(message).map(SecretString::from)
    }
}

/// Prompts once (on first resolve) and reuses the answer afterwards.
pub struct PromptSource {
    message: String,
    prompter: Arc<dyn Prompter>,
    answer: OnceCell<SecretString>,
}

impl PromptSource {
    /// A terminal prompt showing `message` (e.g. `"MicroStrategy password: "`).
    pub fn new(message: impl Into<String>) -> Self {
        Self::with_prompter(message, Arc::new(TerminalPrompter))
    }

    /// A prompt asked through `prompter` instead of the terminal.
    pub fn with_prompter(message: impl Into<String>, prompter: Arc<dyn Prompter>) -> Self {
        PromptSource {
            message: message.into(),
            prompter,
            answer: OnceCell::new(),
        }
    }
}

impl fmt::Debug for PromptSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PromptSource({:?}, answered: {})",
            self.message,
            self.answer.initialized()
        )
    }
}

impl SecretSource for PromptSource {
    fn describe(&self) -> String {
        "prompt".to_string()
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        async move {
            self.answer
                .get_or_try_init(|| async {
                    let prompter = self.prompter.clone();
                    let message = self.message.clone();
                    let answer = tokio::task::spawn_blocking(move || prompter.prompt(&message))
                        .await
                        .map_err(|e| {
                            CredentialErrorKind::Other(format!("prompt task failed: {e}"))
                        })?
                        .map_err(|e| CredentialErrorKind::Other(format!("cannot prompt: {e}")))?;
                    Ok(answer)
                })
                .await
                .cloned()
                .map_err(|kind| CredentialError::new(self.describe(), kind))
        }
        .boxed()
    }
}
