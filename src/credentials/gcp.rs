//! GCP Secret Manager (`gcp-sm:`), through the official Google Cloud client library for Rust
//! (feature `gcp`).
//!
//! Authentication uses Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, the
//! gcloud user credentials, or the metadata server) unless credentials are given. The endpoint
//! can be overridden with `BI_REST_GCP_ENDPOINT_URL` or [`SecretManagerSource::with_endpoint`]
//! (regional endpoints, private service connect, test servers). Every resolve reads the store
//! again; the client is built once per source.

use std::fmt;

use futures::future::BoxFuture;
use google_cloud_auth::credentials::Credentials;
use google_cloud_gax::error::rpc::Code;
use google_cloud_secretmanager_v1::client::SecretManagerService;
use secrecy::SecretString;
use tokio::sync::OnceCell;

use super::{CredentialError, CredentialErrorKind, SecretSource};

/// Environment variable overriding the Secret Manager endpoint.
pub const ENDPOINT_ENV: &str = "BI_REST_GCP_ENDPOINT_URL";

/// `gcp-sm:projects/P/secrets/S[/versions/V]` (also `projects/P/locations/L/...`); the version
/// defaults to `latest`.
pub struct SecretManagerSource {
    version_name: String,
    endpoint: Option<String>,
    credentials: Option<Credentials>,
    retries: bool,
    client: OnceCell<SecretManagerService>,
}

impl SecretManagerSource {
    /// Validates `name` and makes a source for it.
    pub fn new(name: &str) -> Result<Self, CredentialErrorKind> {
        let parts: Vec<&str> = name.split('/').collect();
        let ok_segment = |s: &str| !s.is_empty();
        let version_name = match parts.as_slice() {
            ["projects", p, "secrets", s] if ok_segment(p) && ok_segment(s) => {
                format!("{name}/versions/latest")
            }
            ["projects", p, "locations", l, "secrets", s]
                if ok_segment(p) && ok_segment(l) && ok_segment(s) =>
            {
                format!("{name}/versions/latest")
            }
            ["projects", p, "secrets", s, "versions", v]
                if ok_segment(p) && ok_segment(s) && ok_segment(v) =>
            {
                name.to_string()
            }
            ["projects", p, "locations", l, "secrets", s, "versions", v]
                if ok_segment(p) && ok_segment(l) && ok_segment(s) && ok_segment(v) =>
            {
                name.to_string()
            }
            _ => {
                return Err(CredentialErrorKind::Invalid(
                    "expected projects/P/secrets/S[/versions/V]".into(),
                ))
            }
        };
        Ok(SecretManagerSource {
            version_name,
            endpoint: None,
            credentials: None,
            retries: true,
            client: OnceCell::new(),
        })
    }

    /// Sends requests to `endpoint` (e.g. `http://127.0.0.1:PORT`) instead of Google's.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Uses `credentials` instead of Application Default Credentials.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Disables the client library's retries (one attempt per resolve).
    pub fn without_retries(mut self) -> Self {
        self.retries = false;
        self
    }

    /// The full version resource name read at every resolve.
    pub fn version_name(&self) -> &str {
        &self.version_name
    }

    async fn client(&self) -> Result<&SecretManagerService, CredentialErrorKind> {
        self.client
            .get_or_try_init(|| async {
                let mut builder = SecretManagerService::builder();
                let env_endpoint = std::env::var(ENDPOINT_ENV).ok().filter(|e| !e.is_empty());
                if let Some(e) = self.endpoint.clone().or(env_endpoint) {
                    builder = builder.with_endpoint(e);
                }
                if let Some(c) = &self.credentials {
                    builder = builder.with_credentials(c.clone());
                }
                if !self.retries {
                    builder = builder.with_retry_policy(google_cloud_gax::retry_policy::NeverRetry);
                }
                builder.build().await.map_err(|e| {
                    CredentialErrorKind::AccessDenied(format!(
                        "cannot build Secret Manager client: {e}"
                    ))
                })
            })
            .await
    }

    async fn fetch(&self) -> Result<SecretString, CredentialErrorKind> {
        let client = self.client().await?;
        let response = client
            .access_secret_version()
            .set_name(&self.version_name)
            .send()
            .await
            .map_err(classify)?;
        let payload = response
            .payload
            .ok_or_else(|| CredentialErrorKind::NotFound("secret version has no payload".into()))?;
        String::from_utf8(payload.data.to_vec())
            .map(SecretString::from)
            .map_err(|_| CredentialErrorKind::Invalid("secret payload is not UTF-8".into()))
    }
}

/// Classifies a client error by its RPC status / HTTP status / transport failure.
fn classify(e: google_cloud_gax::error::Error) -> CredentialErrorKind {
    if let Some(status) = e.status() {
        let detail = format!("{:?}: {}", status.code, status.message);
        return match status.code {
            Code::NotFound => CredentialErrorKind::NotFound(detail),
            Code::PermissionDenied | Code::Unauthenticated => {
                CredentialErrorKind::AccessDenied(detail)
            }
            Code::Unavailable | Code::DeadlineExceeded => CredentialErrorKind::Unreachable(detail),
            _ => CredentialErrorKind::Other(detail),
        };
    }
    match e.http_status_code() {
        Some(404) => return CredentialErrorKind::NotFound("HTTP 404".into()),
        Some(401 | 403) => {
            return CredentialErrorKind::AccessDenied(format!(
                "HTTP {}",
                e.http_status_code().unwrap_or(0)
            ))
        }
        _ => {}
    }
    if e.is_connect() || e.is_timeout() || e.is_io() || e.is_transport() {
        CredentialErrorKind::Unreachable(e.to_string())
    } else if e.is_authentication() {
        CredentialErrorKind::AccessDenied(e.to_string())
    } else {
        CredentialErrorKind::Other(e.to_string())
    }
}

impl fmt::Debug for SecretManagerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretManagerSource({})", self.version_name)
    }
}

impl SecretSource for SecretManagerSource {
    fn describe(&self) -> String {
        format!("gcp-sm:{}", self.version_name)
    }

    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        super::resolve_named(self.describe(), self.fetch())
    }
}
