//! AWS Secrets Manager (`aws-sm:`) and SSM Parameter Store (`aws-ssm:`), through the official
//! AWS SDK for Rust (feature `aws`).
//!
//! Configuration comes from the SDK's default chain (environment, shared profile, SSO, process
//! credentials, web identity, ECS/EC2 instance roles; region from `AWS_REGION` or the profile).
//! The endpoint can be overridden with `BI_REST_AWS_ENDPOINT_URL` (or the SDK's own
//! `AWS_ENDPOINT_URL`), e.g. to point at a local moto server or a VPC endpoint. Every resolve
//! reads the store again; the SDK configuration and client are built once per source.

use std::error::Error as _;
use std::fmt;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use futures::future::BoxFuture;
use secrecy::SecretString;
use tokio::sync::OnceCell;

use super::{CredentialError, CredentialErrorKind, SecretSource};

/// Environment variable overriding the endpoint of both AWS services.
pub const ENDPOINT_ENV: &str = "BI_REST_AWS_ENDPOINT_URL";

/// Loads the SDK configuration from the default chain, applying [`ENDPOINT_ENV`] if set.
pub async fn load_sdk_config() -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Ok(url) = std::env::var(ENDPOINT_ENV) {
        if !url.is_empty() {
            loader = loader.endpoint_url(url);
        }
    }
    loader.load().await
}

const NOT_FOUND_CODES: &[&str] = &[
    "ResourceNotFoundException",
    "ParameterNotFound",
    "ParameterVersionNotFound",
];
const DENIED_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "DecryptionFailure",
    "MissingAuthenticationToken",
];

/// What an HTTP status alone says: 401/403 denied, 404 not found, anything else other.
fn kind_for_status(status: u16, detail: String) -> CredentialErrorKind {
    match status {
        401 | 403 => CredentialErrorKind::AccessDenied(detail),
        404 => CredentialErrorKind::NotFound(detail),
        _ => CredentialErrorKind::Other(detail),
    }
}

/// Classifies an SDK error without quoting anything but AWS's code and message.
fn classify<E>(err: SdkError<E, HttpResponse>) -> CredentialErrorKind
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let status = se.raw().status().as_u16();
            let code = e.code().unwrap_or("unknown error");
            let detail = match e.message() {
                Some(m) => format!("HTTP {status} {code}: {m}"),
                None => format!("HTTP {status} {code}"),
            };
            if NOT_FOUND_CODES.contains(&code) {
                CredentialErrorKind::NotFound(detail)
            } else if DENIED_CODES.contains(&code) {
                CredentialErrorKind::AccessDenied(detail)
            } else if e.code().is_some() && status == 404 {
                // Another code on a 404 (e.g. an unknown endpoint) is not "secret not found".
                CredentialErrorKind::Other(detail)
            } else {
                kind_for_status(status, detail)
            }
        }
        // An error body the SDK could not parse (e.g. an XML answer from a proxy or an
        // emulator to a JSON-protocol call): classify by the HTTP status alone.
        SdkError::ResponseError(re) => {
            let status = re.raw().status().as_u16();
            kind_for_status(status, format!("HTTP {status} (error body not understood)"))
        }
        SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => {
            CredentialErrorKind::Unreachable(DisplayErrorContext(&err).to_string())
        }
        SdkError::TimeoutError(_) => {
            CredentialErrorKind::Unreachable(DisplayErrorContext(&err).to_string())
        }
        _ => {
            let text = DisplayErrorContext(&err).to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("credential") || lower.contains("identity") {
                CredentialErrorKind::AccessDenied(text)
            } else if err.source().is_some() && lower.contains("dispatch") {
                CredentialErrorKind::Unreachable(text)
            } else {
                CredentialErrorKind::Other(text)
            }
        }
    }
}

async fn sdk_config(explicit: &Option<SdkConfig>) -> SdkConfig {
    match explicit {
        Some(c) => c.clone(),
        None => load_sdk_config().await,
    }
}

/// `aws-sm:SECRET_ID`: the current value of a Secrets Manager secret (name or ARN).
pub struct SecretsManagerSource {
    secret_id: String,
    config: Option<SdkConfig>,
    client: OnceCell<aws_sdk_secretsmanager::Client>,
}

impl SecretsManagerSource {
    /// A source reading `secret_id` with the default SDK configuration.
    pub fn new(secret_id: impl Into<String>) -> Self {
        SecretsManagerSource {
            secret_id: secret_id.into(),
            config: None,
            client: OnceCell::new(),
        }
    }

    /// A source reading `secret_id` with an explicit SDK configuration.
    pub fn with_config(secret_id: impl Into<String>, config: SdkConfig) -> Self {
        SecretsManagerSource {
            config: Some(config),
            ..Self::new(secret_id)
        }
    }

    async fn fetch(&self) -> Result<SecretString, CredentialErrorKind> {
        let client = self
            .client
            .get_or_init(|| async {
                aws_sdk_secretsmanager::Client::new(&sdk_config(&self.config).await)
            })
            .await;
        let out = client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(classify)?;
        if let Some(s) = out.secret_string() {
            return Ok(SecretString::from(s.to_string()));
        }
        match out.secret_binary() {
            Some(b) => String::from_utf8(b.as_ref().to_vec())
                .map(SecretString::from)
                .map_err(|_| CredentialErrorKind::Invalid("binary secret is not UTF-8".into())),
            None => Err(CredentialErrorKind::NotFound(
                "secret has no current value".into(),
            )),
        }
    }
}

impl fmt::Debug for SecretsManagerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretsManagerSource({})", self.secret_id)
    }
}

impl SecretSource for SecretsManagerSource {
    fn describe(&self) -> String {
        format!("aws-sm:{}", self.secret_id)
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        super::resolve_named(self.describe(), self.fetch())
    }
}

/// `aws-ssm:NAME`: an SSM parameter, read with decryption (SecureString parameters).
pub struct SsmParameterSource {
    name: String,
    config: Option<SdkConfig>,
    client: OnceCell<aws_sdk_ssm::Client>,
}

impl SsmParameterSource {
    /// A source reading parameter `name` with the default SDK configuration.
    pub fn new(name: impl Into<String>) -> Self {
        SsmParameterSource {
            name: name.into(),
            config: None,
            client: OnceCell::new(),
        }
    }

    /// A source reading parameter `name` with an explicit SDK configuration.
    pub fn with_config(name: impl Into<String>, config: SdkConfig) -> Self {
        SsmParameterSource {
            config: Some(config),
            ..Self::new(name)
        }
    }

    async fn fetch(&self) -> Result<SecretString, CredentialErrorKind> {
        let client = self
            .client
            .get_or_init(|| async { aws_sdk_ssm::Client::new(&sdk_config(&self.config).await) })
            .await;
        let out = client
            .get_parameter()
            .name(&self.name)
            .with_decryption(true)
            .send()
            .await
            .map_err(classify)?;
        out.parameter()
            .and_then(|p| p.value())
            .map(|v| SecretString::from(v.to_string()))
            .ok_or_else(|| CredentialErrorKind::NotFound("parameter has no value".into()))
    }
}

impl fmt::Debug for SsmParameterSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SsmParameterSource({})", self.name)
    }
}

impl SecretSource for SsmParameterSource {
    fn describe(&self) -> String {
        format!("aws-ssm:{}", self.name)
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        super::resolve_named(self.describe(), self.fetch())
    }
}
