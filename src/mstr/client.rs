//! [`MstrClient`]: an authenticated MicroStrategy client (login modes, project selection,
//! session calls, tokens, save/restore, close) over the auth core.

use std::future::Future;
use std::path::Path;
use std::sync::{Arc, Mutex};

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::auth::{Auth, HttpConfig, RetryPolicy, SessionInfo};
use crate::credentials::Credential;
use crate::error::{Error, ErrorKind};
use crate::mstr::login::{
    LoginMode, MstrAuthenticator, DEFAULT_APPLICATION_TYPE, IDENTITY_TOKEN_HEADER,
    PROJECT_ID_HEADER,
};
use crate::mstr::types::{
    IdentityTokenInfo, MstrPrivilege, MstrProject, MstrSessionDetails, MstrUserInfo, ProjectRef,
};

/// Builds an [`MstrClient`].
#[derive(Debug)]
pub struct MstrClientBuilder {
    base_url: String,
    mode: Option<LoginMode>,
    application_type: Option<i64>,
    project: Option<ProjectRef>,
    http: HttpConfig,
    keep_alive: bool,
    retry: Option<RetryPolicy>,
}

impl MstrClientBuilder {
    /// Standard login (mode 1).
    pub fn standard(self, username: impl Into<String>, password: Credential) -> Self {
        self.login_mode(LoginMode::Standard {
            username: username.into(),
            password,
        })
    }

    /// LDAP login (mode 16).
    pub fn ldap(self, username: impl Into<String>, password: Credential) -> Self {
        self.login_mode(LoginMode::Ldap {
            username: username.into(),
            password,
        })
    }

    /// Anonymous / guest login (mode 8).
    pub fn anonymous(self) -> Self {
        self.login_mode(LoginMode::Anonymous)
    }

    /// API-token login (mode 4096).
    pub fn api_token(self, token: Credential) -> Self {
        self.login_mode(LoginMode::ApiToken(token))
    }

    /// Delegation of an identity token (`/auth/delegate`); not renewable.
    pub fn identity_token(self, token: Credential) -> Self {
        self.login_mode(LoginMode::IdentityToken(token))
    }

    /// Any login mode.
    pub fn login_mode(mut self, mode: LoginMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// The `applicationType` sent at login (default 35; `None` omits it).
    pub fn application_type(mut self, application_type: Option<i64>) -> Self {
        self.application_type = application_type;
        self
    }

    /// Selects a project by name (resolved at [`MstrClient::login`]).
    pub fn project_name(mut self, name: impl Into<String>) -> Self {
        self.project = Some(ProjectRef::Name(name.into()));
        self
    }

    /// Selects a project by id.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project = Some(ProjectRef::Id(id.into()));
        self
    }

    /// HTTP settings (TLS, CA bundle, proxy, timeouts, user agent).
    pub fn http(mut self, http: HttpConfig) -> Self {
        self.http = http;
        self
    }

    /// Whether to extend the session before the server's idle timeout (default on).
    pub fn keep_alive(mut self, enabled: bool) -> Self {
        self.keep_alive = enabled;
        self
    }

    /// Retries of transient failures (default: the [`HttpConfig`]'s).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Builds the client (no network call: login is lazy, or explicit with
    /// [`MstrClient::login`]).
    pub fn build(self) -> Result<MstrClient, Error> {
        let authenticator = Arc::new(MstrAuthenticator::new(self.mode, self.application_type));
        let mut auth = Auth::builder_arc(self.base_url, authenticator)
            .http(self.http)
            .keep_alive(self.keep_alive);
        if let Some(retry) = self.retry {
            auth = auth.retry_policy(retry);
        }
        let auth = auth.build()?;
        let pending = match self.project {
            Some(ProjectRef::Id(id)) => {
                auth.set_header(PROJECT_ID_HEADER, &id)?;
                None
            }
            other => other,
        };
        Ok(MstrClient {
            auth,
            pending_project: Arc::new(Mutex::new(pending)),
        })
    }
}

/// An authenticated MicroStrategy / Strategy One REST client. Cheap to clone (clones share
/// the session). Generated typed clients use [`MstrClient::auth`].
#[derive(Debug, Clone)]
pub struct MstrClient {
    auth: Auth,
    pending_project: Arc<Mutex<Option<ProjectRef>>>,
}

impl MstrClient {
    /// Starts building a client for the API root (`https://host/MicroStrategyLibrary/api`).
    pub fn builder(base_url: impl Into<String>) -> MstrClientBuilder {
        MstrClientBuilder {
            base_url: base_url.into(),
            mode: None,
            application_type: Some(DEFAULT_APPLICATION_TYPE),
            project: None,
            http: HttpConfig::default(),
            keep_alive: true,
            retry: None,
        }
    }

    /// The auth handle (pass it to generated clients; see `bi_rest::auth::hooks`).
    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    /// Logs in (if not yet logged in) and resolves a project given by name.
    pub async fn login(&self) -> Result<SessionInfo, Error> {
        let info = self.auth.login().await?;
        let pending = self
            .pending_project
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(project) = pending {
            self.select_project(project).await?;
        }
        Ok(info)
    }

    /// The selected project's id.
    pub fn project_id(&self) -> Option<String> {
        self.auth.header(PROJECT_ID_HEADER)
    }

    /// Selects the project sent as `X-MSTR-ProjectID` (by id directly, by name through
    /// `GET /projects`). Returns its id.
    pub async fn select_project(&self, project: ProjectRef) -> Result<String, Error> {
        let id = match project {
            ProjectRef::Id(id) => id,
            ProjectRef::Name(name) => {
                let projects = self.projects().await?;
                projects
                    .into_iter()
                    .find(|p| p.name.eq_ignore_ascii_case(&name))
                    .map(|p| p.id)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::NotFound,
                            format!("no project named {name:?} is visible to this user"),
                        )
                    })?
            }
        };
        self.auth.set_header(PROJECT_ID_HEADER, &id)?;
        Ok(id)
    }

    /// Stops sending a project header.
    pub fn clear_project(&self) {
        self.auth.remove_header(PROJECT_ID_HEADER);
    }

    /// A request builder for `method` on `path` under the API root (for the CLI `api`
    /// command); send it with [`MstrClient::send`].
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.auth.request(method, path)
    }

    /// Sends an authenticated request; non-success statuses become [`Error`]s.
    ///
    /// (A plain function returning the core's future: one less level of nesting to move
    /// around on every call.)
    pub fn send(
        &self,
        request: RequestBuilder,
    ) -> impl Future<Output = Result<Response, Error>> + Send + '_ {
        self.auth.send_checked(request)
    }

    /// Sends an authenticated request and decodes its JSON body.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, Error> {
        self.auth.send_json(request).await
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        self.auth
            .send_json(self.auth.request(Method::GET, path))
            .await
    }

    /// `GET /sessions`.
    pub async fn session_info(&self) -> Result<MstrSessionDetails, Error> {
        self.get("/sessions").await
    }

    /// `PUT /sessions`: extends the session.
    pub async fn extend(&self) -> Result<(), Error> {
        self.send(self.auth.request(Method::PUT, "/sessions"))
            .await?;
        Ok(())
    }

    /// `GET /sessions/userInfo`.
    pub async fn user_info(&self) -> Result<MstrUserInfo, Error> {
        self.get("/sessions/userInfo").await
    }

    /// `GET /sessions/privileges`.
    pub async fn privileges(&self) -> Result<Vec<MstrPrivilege>, Error> {
        self.get("/sessions/privileges").await
    }

    /// `GET /projects`.
    pub async fn projects(&self) -> Result<Vec<MstrProject>, Error> {
        self.get("/projects").await
    }

    /// `POST /auth/apiTokens`: a new API token (for `user_id`, or the session's user).
    pub async fn create_api_token(&self, user_id: Option<&str>) -> Result<SecretString, Error> {
        let mut request = self.auth.request(Method::POST, "/auth/apiTokens");
        if let Some(user_id) = user_id {
            request = request.json(&serde_json::json!({ "userId": user_id }));
        }
        let body: serde_json::Value = self.send_json(request).await?;
        body.get("apiToken")
            .and_then(|t| t.as_str())
            .map(|t| SecretString::from(t.to_string()))
            .ok_or_else(|| Error::new(ErrorKind::Decode, "the answer holds no apiToken"))
    }

    /// `POST /auth/identityToken`: a new identity token (from the `X-MSTR-IdentityToken`
    /// response header), to delegate this session to another client.
    pub async fn create_identity_token(&self) -> Result<SecretString, Error> {
        let response = self
            .send(self.auth.request(Method::POST, "/auth/identityToken"))
            .await?;
        response
            .headers()
            .get(IDENTITY_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| SecretString::from(v.to_string()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Decode,
                    format!("the answer holds no {IDENTITY_TOKEN_HEADER} header"),
                )
            })
    }

    /// `GET /auth/identityToken`: whom an identity token belongs to; `Ok(None)` when the
    /// server says it is invalid or expired (401).
    pub async fn validate_identity_token(
        &self,
        token: &SecretString,
    ) -> Result<Option<IdentityTokenInfo>, Error> {
        let mut value = reqwest::header::HeaderValue::from_str(token.expose_secret())
            .map_err(|_| Error::new(ErrorKind::InvalidRequest, "invalid identity token"))?;
        value.set_sensitive(true);
        let request = self
            .auth
            .request(Method::GET, "/auth/identityToken")
            .header(IDENTITY_TOKEN_HEADER, value);
        let response = self.auth.send(request).await?;
        if response.status() == StatusCode::UNAUTHORIZED {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(self.auth.error_from_response(response).await);
        }
        crate::auth::decode_json(response).await.map(Some)
    }

    /// Saves the session (token, cookies, API root, project) to `path`, mode 0600. The session
    /// then outlives this client (dropping it no longer logs out; [`MstrClient::close`] does).
    pub async fn save_session(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        self.login().await?;
        self.auth.save_session(path).await
    }

    /// Continues a saved session without logging in (same API root required).
    pub fn restore_session(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        self.auth.restore_session(path)?;
        self.pending_project
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take_if(|_| self.project_id().is_some());
        Ok(())
    }

    /// Logs out (`POST /auth/logout`) and stops the keep-alive. Idempotent.
    pub async fn close(&self) -> Result<(), Error> {
        self.auth.close().await
    }
}
