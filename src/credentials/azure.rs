//! Azure Key Vault (`azure-kv:`), through the official Azure SDK for Rust (feature `azure`).
//!
//! The vault URL in the spec is the endpoint itself (`https://VAULT.vault.azure.net`, or any
//! other host, e.g. a private endpoint or a test server). Authentication uses
//! [`DefaultChainCredential`] unless a credential is given: service principal from
//! `AZURE_TENANT_ID` + `AZURE_CLIENT_ID` + `AZURE_CLIENT_SECRET`, workload identity
//! (`AZURE_FEDERATED_TOKEN_FILE`), developer tools (Azure CLI, azd), then managed identity.
//! Every resolve reads the vault again.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::StatusCode;
use azure_identity::{
    ClientSecretCredential, DeveloperToolsCredential, ManagedIdentityCredential,
    WorkloadIdentityCredential,
};
use azure_security_keyvault_secrets::models::SecretClientGetSecretOptions;
use azure_security_keyvault_secrets::{SecretClient, SecretClientOptions};
use futures::future::BoxFuture;
use secrecy::SecretString;
use tokio::sync::OnceCell;

use super::{CredentialError, CredentialErrorKind, SecretSource};

/// The Azure default credential chain: the first credential that yields a token wins.
#[derive(Debug)]
pub struct DefaultChainCredential {
    chain: Vec<(&'static str, Arc<dyn TokenCredential>)>,
}

impl DefaultChainCredential {
    /// Builds the chain from the environment (see the module docs for the order).
    pub fn new() -> azure_core::Result<Arc<Self>> {
        let mut chain: Vec<(&'static str, Arc<dyn TokenCredential>)> = Vec::new();
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        if let (Some(tenant), Some(client), Some(secret)) = (
            var("AZURE_TENANT_ID"),
            var("AZURE_CLIENT_ID"),
            var("AZURE_CLIENT_SECRET"),
        ) {
            chain.push((
                "environment service principal",
                ClientSecretCredential::new(&tenant, client, Secret::new(secret), None)?,
            ));
        }
        if var("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            chain.push(("workload identity", WorkloadIdentityCredential::new(None)?));
        }
        chain.push(("developer tools", DeveloperToolsCredential::new(None)?));
        chain.push(("managed identity", ManagedIdentityCredential::new(None)?));
        Ok(Arc::new(DefaultChainCredential { chain }))
    }
}

#[async_trait::async_trait]
impl TokenCredential for DefaultChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let mut failures = Vec::new();
        for (name, cred) in &self.chain {
            match cred.get_token(scopes, options.clone()).await {
                Ok(token) => return Ok(token),
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!("no Azure credential available ({})", failures.join("; ")),
        ))
    }
}

/// `azure-kv:https://VAULT.vault.azure.net/[secrets/]NAME[/VERSION]`: a Key Vault secret.
pub struct KeyVaultSource {
    vault_url: String,
    name: String,
    version: Option<String>,
    credential: Option<Arc<dyn TokenCredential>>,
    options: Option<SecretClientOptions>,
    client: OnceCell<SecretClient>,
}

impl KeyVaultSource {
    /// Parses `https://VAULT.vault.azure.net/NAME`, `.../secrets/NAME` or
    /// `.../secrets/NAME/VERSION`. The vault URL must be https.
    pub fn from_url(url: &str) -> Result<Self, CredentialErrorKind> {
        let parsed = url::Url::parse(url)
            .map_err(|e| CredentialErrorKind::Invalid(format!("bad Key Vault URL: {e}")))?;
        if parsed.scheme() != "https" {
            return Err(CredentialErrorKind::Invalid(
                "Key Vault URL must be https".into(),
            ));
        }
        let host = parsed
            .host_str()
            .ok_or_else(|| CredentialErrorKind::Invalid("Key Vault URL has no host".into()))?;
        let segments: Vec<&str> = parsed
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).collect())
            .unwrap_or_default();
        let (name, version) = match segments.as_slice() {
            [name] => (*name, None),
            ["secrets", name] => (*name, None),
            ["secrets", name, version] => (*name, Some(version.to_string())),
            _ => {
                return Err(CredentialErrorKind::Invalid(
                    "expected https://VAULT.vault.azure.net/[secrets/]NAME[/VERSION]".into(),
                ))
            }
        };
        let vault_url = match parsed.port() {
            Some(p) => format!("https://{host}:{p}/"),
            None => format!("https://{host}/"),
        };
        Ok(Self::new(vault_url, name, version))
    }

    /// A source for secret `name` (optionally a fixed `version`) in the vault at `vault_url`.
    pub fn new(
        vault_url: impl Into<String>,
        name: impl Into<String>,
        version: Option<String>,
    ) -> Self {
        KeyVaultSource {
            vault_url: vault_url.into(),
            name: name.into(),
            version,
            credential: None,
            options: None,
            client: OnceCell::new(),
        }
    }

    /// Uses `credential` instead of the default chain.
    pub fn with_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Uses SDK client options (transport, retries, challenge verification, API version).
    pub fn with_options(mut self, options: SecretClientOptions) -> Self {
        self.options = Some(options);
        self
    }

    async fn client(&self) -> Result<&SecretClient, CredentialErrorKind> {
        self.client
            .get_or_try_init(|| async {
                let credential = match &self.credential {
                    Some(c) => c.clone(),
                    None => DefaultChainCredential::new()
                        .map_err(|e| CredentialErrorKind::AccessDenied(e.to_string()))?,
                };
                SecretClient::new(&self.vault_url, credential, self.options.clone())
                    .map_err(|e| CredentialErrorKind::Invalid(e.to_string()))
            })
            .await
    }

    async fn fetch(&self) -> Result<SecretString, CredentialErrorKind> {
        let client = self.client().await?;
        let options = SecretClientGetSecretOptions {
            secret_version: self.version.clone(),
            ..Default::default()
        };
        let secret = client
            .get_secret(&self.name, Some(options))
            .await
            .map_err(classify)?
            .into_model()
            .map_err(|e| {
                CredentialErrorKind::Other(format!("unreadable Key Vault response: {}", e.kind()))
            })?;
        secret
            .value
            .map(SecretString::from)
            .ok_or_else(|| CredentialErrorKind::NotFound("secret has no value".into()))
    }
}

/// Classifies an SDK error by HTTP status / kind; only the status and service error code are kept.
fn classify(e: azure_core::Error) -> CredentialErrorKind {
    match e.kind() {
        ErrorKind::HttpResponse {
            status, error_code, ..
        } => {
            let detail = match error_code {
                Some(c) => format!("HTTP {} {c}", u16::from(*status)),
                None => format!("HTTP {}", u16::from(*status)),
            };
            match *status {
                StatusCode::NotFound => CredentialErrorKind::NotFound(detail),
                StatusCode::Unauthorized | StatusCode::Forbidden => {
                    CredentialErrorKind::AccessDenied(detail)
                }
                _ => CredentialErrorKind::Other(detail),
            }
        }
        ErrorKind::Connection | ErrorKind::Io => CredentialErrorKind::Unreachable(e.to_string()),
        ErrorKind::Credential => CredentialErrorKind::AccessDenied(e.to_string()),
        _ => CredentialErrorKind::Other(e.to_string()),
    }
}

impl fmt::Debug for KeyVaultSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyVaultSource({})", self.describe())
    }
}

impl SecretSource for KeyVaultSource {
    fn describe(&self) -> String {
        match &self.version {
            Some(v) => format!("azure-kv:{}secrets/{}/{v}", self.vault_url, self.name),
            None => format!("azure-kv:{}secrets/{}", self.vault_url, self.name),
        }
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        super::resolve_named(self.describe(), self.fetch())
    }
}
