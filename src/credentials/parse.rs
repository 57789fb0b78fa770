//! The CLI SOURCE syntax.
//!
//! | spec | source |
//! |------|--------|
//! | `env:NAME` | environment variable, read at every login |
//! | `file:PATH` | file contents, one trailing newline trimmed, read at every login |
//! | `cmd:COMMAND` | stdout of `sh -c COMMAND`, run at every login |
//! | `prompt` or `prompt:MESSAGE` | terminal prompt without echo, asked once |
//! | `-` | standard input, read once |
//! | `aws-sm:SECRET_ID[#FIELD]` | AWS Secrets Manager (feature `aws`) |
//! | `aws-ssm:NAME[#FIELD]` | AWS SSM Parameter Store, with decryption (feature `aws`) |
//! | `azure-kv:https://VAULT.vault.azure.net/[secrets/]NAME[/VERSION][#FIELD]` | Azure Key Vault (feature `azure`) |
//! | `gcp-sm:projects/P/secrets/S[/versions/V][#FIELD]` | GCP Secret Manager (feature `gcp`) |
//!
//! Store specs naming the same secret (everything before `#`) share one [`SharedSecret`] in the
//! process, so `aws-sm:bi#username` and `aws-sm:bi#password` cause one fetch per login.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use super::json_field::{JsonField, SharedSecret};
use super::{
    CommandSource, Credential, CredentialError, CredentialErrorKind, EnvSource, FileSource,
    PromptSource, SecretSource, StdinSource,
};

/// The default message of a bare `prompt` spec.
pub const DEFAULT_PROMPT: &str = "Secret: ";

fn invalid(spec: &str, msg: impl Into<String>) -> CredentialError {
    CredentialError::new(spec, CredentialErrorKind::Invalid(msg.into()))
}

/// Parses a SOURCE spec into a [`Credential`]. See the module docs for the grammar.
pub fn parse(spec: &str) -> Result<Credential, CredentialError> {
    if spec == "-" {
        return Ok(Credential::source(StdinSource::new()));
    }
    if spec == "prompt" {
        return Ok(Credential::source(PromptSource::new(DEFAULT_PROMPT)));
    }
    let Some((scheme, rest)) = spec.split_once(':') else {
        return Err(invalid(
            spec,
            "expected SCHEME:VALUE (env:, file:, cmd:, prompt, -, aws-sm:, aws-ssm:, azure-kv:, gcp-sm:)",
        ));
    };
    let need = |what: &str| -> Result<(), CredentialError> {
        if rest.is_empty() {
            Err(invalid(spec, format!("{scheme}: needs {what}")))
        } else {
            Ok(())
        }
    };
    match scheme {
        "env" => {
            need("a variable name")?;
            Ok(Credential::source(EnvSource::new(rest)))
        }
        "file" => {
            need("a path")?;
            Ok(Credential::source(FileSource::new(rest)))
        }
        "cmd" => {
            need("a command")?;
            Ok(Credential::source(CommandSource::new(rest)))
        }
        "prompt" => Ok(Credential::source(PromptSource::new(rest))),
        "aws-sm" | "aws-ssm" | "azure-kv" | "gcp-sm" => {
            need("a secret name")?;
            let (store, field) = match rest.split_once('#') {
                Some((s, "")) => {
                    return Err(invalid(spec, format!("empty field name after '#' in {s}")))
                }
                Some((s, f)) => (s, Some(f)),
                None => (rest, None),
            };
            let shared = shared_for(spec, scheme, store)?;
            Ok(Credential::source(match field {
                Some(f) => JsonField::field(shared, f),
                None => JsonField::whole(shared),
            }))
        }
        other => Err(invalid(
            spec,
            format!(
                "unknown scheme {other:?} (expected env:, file:, cmd:, prompt, -, aws-sm:, aws-ssm:, azure-kv:, gcp-sm:)"
            ),
        )),
    }
}

type Registry = Mutex<HashMap<String, Weak<SharedSecret>>>;

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The process-wide [`SharedSecret`] for `scheme:store`, created on first use.
fn shared_for(spec: &str, scheme: &str, store: &str) -> Result<Arc<SharedSecret>, CredentialError> {
    let key = format!("{scheme}:{store}");
    let mut map = registry()
        .lock()
        .map_err(|_| invalid(spec, "credential registry lock poisoned"))?;
    map.retain(|_, w| w.strong_count() > 0);
    if let Some(existing) = map.get(&key).and_then(Weak::upgrade) {
        return Ok(existing);
    }
    let shared = SharedSecret::new(store_source(spec, scheme, store)?);
    map.insert(key, Arc::downgrade(&shared));
    Ok(shared)
}

fn missing_feature(spec: &str, scheme: &str, feature: &str) -> CredentialError {
    invalid(
        spec,
        format!(
            "{scheme}: needs bi-rest built with the `{feature}` feature (cargo build --features {feature})"
        ),
    )
}

#[allow(unused_variables)]
fn store_source(
    spec: &str,
    scheme: &str,
    store: &str,
) -> Result<Arc<dyn SecretSource>, CredentialError> {
    match scheme {
        "aws-sm" => {
            #[cfg(feature = "aws")]
            return Ok(Arc::new(super::aws::SecretsManagerSource::new(store)));
            #[cfg(not(feature = "aws"))]
            return Err(missing_feature(spec, scheme, "aws"));
        }
        "aws-ssm" => {
            #[cfg(feature = "aws")]
            return Ok(Arc::new(super::aws::SsmParameterSource::new(store)));
            #[cfg(not(feature = "aws"))]
            return Err(missing_feature(spec, scheme, "aws"));
        }
        "azure-kv" => {
            #[cfg(feature = "azure")]
            return super::azure::KeyVaultSource::from_url(store)
                .map(|s| Arc::new(s) as Arc<dyn SecretSource>)
                .map_err(|kind| CredentialError::new(spec, kind));
            #[cfg(not(feature = "azure"))]
            return Err(missing_feature(spec, scheme, "azure"));
        }
        "gcp-sm" => {
            #[cfg(feature = "gcp")]
            return super::gcp::SecretManagerSource::new(store)
                .map(|s| Arc::new(s) as Arc<dyn SecretSource>)
                .map_err(|kind| CredentialError::new(spec, kind));
            #[cfg(not(feature = "gcp"))]
            return Err(missing_feature(spec, scheme, "gcp"));
        }
        _ => Err(invalid(spec, format!("unknown store scheme {scheme:?}"))),
    }
}
