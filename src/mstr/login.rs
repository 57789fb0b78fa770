//! MicroStrategy login modes and the [`MstrAuthenticator`] the auth core drives.
//!
//! Login is `POST /auth/login` with `{loginMode, username, password, applicationType}`
//! (standard 1, LDAP 16, anonymous 8; API token 4096 with the token as `username`, as
//! mstrio-py does) or `POST /auth/delegate` with `{loginMode: -1, identityToken}`. The token
//! comes back in the `X-MSTR-AuthToken` header of a 204; the server also sets `JSESSIONID`
//! and load-balancer cookies, which the core's jar sends back on every call.

use std::fmt;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::FutureExt;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use crate::auth::{Authenticator, LoginContext, Session, SessionUser};
use crate::credentials::Credential;
use crate::error::{Error, ErrorKind, ErrorMapper};
use crate::mstr::errors::{is_session_code, map_error, MstrErrorMapper};

/// The header carrying the session token.
pub const AUTH_TOKEN_HEADER: &str = "X-MSTR-AuthToken";
/// The header selecting the project of a project-scoped call.
pub const PROJECT_ID_HEADER: &str = "X-MSTR-ProjectID";
/// [`AUTH_TOKEN_HEADER`] as a ready `HeaderName` for the per-call paths (a `&str` name is parsed
/// again at every lookup).
const AUTH_TOKEN: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("x-mstr-authtoken");
/// The header carrying an identity token.
pub const IDENTITY_TOKEN_HEADER: &str = "X-MSTR-IdentityToken";
/// The application type sent by default (35: MicroStrategy Library / Web, as mstrio-py falls
/// back to).
pub const DEFAULT_APPLICATION_TYPE: i64 = 35;

/// How to log in. Secrets are [`Credential`]s, resolved at every login.
#[derive(Clone)]
pub enum LoginMode {
    /// Standard authentication (loginMode 1).
    Standard {
        /// The login name.
        username: String,
        /// The password.
        password: Credential,
    },
    /// LDAP authentication (loginMode 16).
    Ldap {
        /// The login name.
        username: String,
        /// The password.
        password: Credential,
    },
    /// Anonymous / guest (loginMode 8).
    Anonymous,
    /// An API token (loginMode 4096).
    ApiToken(Credential),
    /// Delegation of an identity token (`POST /auth/delegate`, loginMode -1). The session
    /// cannot be renewed by logging in again (identity tokens are single-use).
    IdentityToken(Credential),
}

impl fmt::Debug for LoginMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginMode::Standard { username, password } => f
                .debug_struct("Standard")
                .field("username", username)
                .field("password", password)
                .finish(),
            LoginMode::Ldap { username, password } => f
                .debug_struct("Ldap")
                .field("username", username)
                .field("password", password)
                .finish(),
            LoginMode::Anonymous => f.write_str("Anonymous"),
            LoginMode::ApiToken(c) => f.debug_tuple("ApiToken").field(c).finish(),
            LoginMode::IdentityToken(c) => f.debug_tuple("IdentityToken").field(c).finish(),
        }
    }
}

impl LoginMode {
    /// The `loginMode` number.
    pub fn code(&self) -> i64 {
        match self {
            LoginMode::Standard { .. } => 1,
            LoginMode::Ldap { .. } => 16,
            LoginMode::Anonymous => 8,
            LoginMode::ApiToken(_) => 4096,
            LoginMode::IdentityToken(_) => -1,
        }
    }

    /// The mode's name (as on the CLI).
    pub fn name(&self) -> &'static str {
        match self {
            LoginMode::Standard { .. } => "standard",
            LoginMode::Ldap { .. } => "ldap",
            LoginMode::Anonymous => "anonymous",
            LoginMode::ApiToken(_) => "api-token",
            LoginMode::IdentityToken(_) => "identity-token",
        }
    }
}

/// The MicroStrategy [`Authenticator`].
#[derive(Debug, Clone)]
pub struct MstrAuthenticator {
    mode: Option<LoginMode>,
    application_type: Option<i64>,
}

impl MstrAuthenticator {
    /// An authenticator for `mode` (`None`: restore-only, cannot log in) sending
    /// `application_type` (`None`: omit it).
    pub fn new(mode: Option<LoginMode>, application_type: Option<i64>) -> MstrAuthenticator {
        MstrAuthenticator {
            mode,
            application_type,
        }
    }

    /// The login mode, if any.
    pub fn mode(&self) -> Option<&LoginMode> {
        self.mode.as_ref()
    }

    async fn do_login(&self, ctx: &LoginContext) -> Result<Session, Error> {
        let mode = self.mode.as_ref().ok_or_else(|| {
            Error::new(
                ErrorKind::Credential,
                "no login mode configured for this client",
            )
        })?;
        let (path, body) = match mode {
            LoginMode::Standard { username, password } | LoginMode::Ldap { username, password } => {
                let password = password.resolve().await?;
                let mut body = json!({
                    "loginMode": mode.code(),
                    "username": username,
                    "password": password.expose_secret(),
                });
                self.add_application_type(&mut body);
                ("/auth/login", body)
            }
            LoginMode::Anonymous => {
                let mut body = json!({ "loginMode": 8 });
                self.add_application_type(&mut body);
                ("/auth/login", body)
            }
            LoginMode::ApiToken(token) => {
                let token = token.resolve().await?;
                let mut body = json!({ "loginMode": 4096, "username": token.expose_secret() });
                self.add_application_type(&mut body);
                ("/auth/login", body)
            }
            LoginMode::IdentityToken(token) => {
                let token = token.resolve().await?;
                (
                    "/auth/delegate",
                    json!({ "loginMode": -1, "identityToken": token.expose_secret() }),
                )
            }
        };
        let response = ctx
            .send(ctx.request(Method::POST, path).json(&body))
            .await?;
        drop(body);
        if !response.status().is_success() {
            let err = ctx.failure(self, response).await;
            // Any rejection of a login is a login failure, whatever code the server chose.
            let err = match err.kind() {
                ErrorKind::SessionInvalid | ErrorKind::InvalidRequest | ErrorKind::Other => {
                    err.with_kind(ErrorKind::LoginFailed)
                }
                _ => err,
            };
            return Err(err);
        }
        let token = response
            .headers()
            .get(AUTH_TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .map(|v| SecretString::from(v.to_string()))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::LoginFailed,
                    format!(
                        "login answered HTTP {} without an {AUTH_TOKEN_HEADER} header",
                        response.status().as_u16()
                    ),
                )
            })?;
        let mut session = Session::new(Some(token), mode.name())
            .with_renewable(!matches!(mode, LoginMode::IdentityToken(_)))
            .with_data("loginMode", json!(mode.code()));
        if let LoginMode::Standard { username, .. } | LoginMode::Ldap { username, .. } = mode {
            session = session.with_user(SessionUser {
                username: Some(username.clone()),
                ..SessionUser::default()
            });
        }
        Ok(self.with_session_facts(ctx, session).await)
    }

    fn add_application_type(&self, body: &mut serde_json::Value) {
        if let Some(app) = self.application_type {
            body["applicationType"] = json!(app);
        }
    }

    /// Reads `GET /sessions` (idle timeout, user) into the session; best effort.
    async fn with_session_facts(&self, ctx: &LoginContext, session: Session) -> Session {
        let mut request = ctx.request(Method::GET, "/sessions");
        if let Some(token) = token_header(&session) {
            request = request.header(AUTH_TOKEN_HEADER, token);
        }
        let facts = match ctx.send(request).await {
            Ok(r) if r.status().is_success() => crate::auth::read_body(r)
                .await
                .ok()
                .and_then(|body| SessionFacts::parse(&body)),
            Ok(r) => {
                tracing::debug!(
                    status = r.status().as_u16(),
                    "GET /sessions after login failed"
                );
                None
            }
            Err(e) => {
                tracing::debug!(error = %e, "GET /sessions after login failed");
                None
            }
        };
        let Some(facts) = facts else { return session };
        let mut session = session;
        if let Some(idle) = facts.idle_timeout() {
            session = session.with_idle_timeout(idle);
        }
        let user = SessionUser {
            id: facts.id,
            username: facts
                .username
                .or_else(|| session.user().and_then(|u| u.username.clone())),
            full_name: facts.full_name,
        };
        session.with_user(user)
    }
}

/// What `GET /sessions` tells about a new session. Informational: every field is read
/// leniently (numbers as text or numbers, any other shape ignored).
#[derive(serde::Deserialize, Default)]
pub(crate) struct SessionFacts {
    #[serde(
        default,
        rename = "timeoutMs",
        deserialize_with = "crate::lenient::opt_i64"
    )]
    pub(crate) timeout_ms: Option<i64>,
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    pub(crate) timeout: Option<i64>,
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub(crate) id: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    pub(crate) username: Option<String>,
    #[serde(
        default,
        rename = "fullName",
        deserialize_with = "crate::lenient::opt_string"
    )]
    pub(crate) full_name: Option<String>,
}

impl SessionFacts {
    /// Reads a `GET /sessions` answer; `None` when it is not a JSON object.
    pub(crate) fn parse(body: &[u8]) -> Option<SessionFacts> {
        serde_json::from_slice(body).ok()
    }

    /// The server's idle timeout: `timeoutMs`, else `timeout` (seconds), when positive.
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        let positive = |v: Option<i64>| v.and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0);
        positive(self.timeout_ms)
            .map(Duration::from_millis)
            .or_else(|| positive(self.timeout).map(Duration::from_secs))
    }
}

fn token_header(session: &Session) -> Option<HeaderValue> {
    session.token_header(|token| HeaderValue::from_str(token).ok())
}

impl Authenticator for MstrAuthenticator {
    fn vendor(&self) -> &'static str {
        "mstr"
    }

    fn can_login(&self) -> bool {
        self.mode.is_some()
    }

    fn login<'a>(&'a self, ctx: &'a LoginContext) -> BoxFuture<'a, Result<Session, Error>> {
        self.do_login(ctx).boxed()
    }

    fn logout<'a>(
        &'a self,
        ctx: &'a LoginContext,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<(), Error>> {
        async move {
            let mut request = ctx.request(Method::POST, "/auth/logout");
            if let Some(token) = token_header(session) {
                request = request.header(AUTH_TOKEN_HEADER, token);
            }
            let response = ctx.send(request).await?;
            if response.status().is_success() {
                return Ok(());
            }
            let err = ctx.failure(self, response).await;
            if err.is_session_invalid() {
                // Already gone on the server: nothing left to end.
                return Ok(());
            }
            Err(err.context("logout"))
        }
        .boxed()
    }

    fn bypasses_session(&self, request: &reqwest::Request) -> bool {
        // The login calls themselves, and requests that carry their own (non-empty) token:
        // those are sent as they are, never renewed or replayed with this client's session.
        let own_token = request
            .headers()
            .get(&AUTH_TOKEN)
            .is_some_and(|v| !v.as_bytes().is_empty());
        own_token
            || (request.method() == Method::POST
                && (request.url().path().ends_with("/auth/login")
                    || request.url().path().ends_with("/auth/delegate")))
    }

    fn decorate(&self, request: &mut reqwest::Request, session: &Session) {
        // A token the caller set is kept (such requests bypass the session anyway); an empty
        // one (the generated builders declare the header required, so callers pass "") is
        // replaced by the session's.
        if request
            .headers()
            .get(&AUTH_TOKEN)
            .is_some_and(|v| !v.as_bytes().is_empty())
        {
            return;
        }
        match token_header(session) {
            Some(value) => {
                request.headers_mut().insert(AUTH_TOKEN, value);
            }
            None => tracing::warn!("the session token is not a valid header value; not sent"),
        }
    }

    fn is_session_expired(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> bool {
        status == StatusCode::UNAUTHORIZED
            && MstrErrorMapper
                .map(status, headers, body)
                .and_then(|e| e.code().map(is_session_code))
                .unwrap_or(false)
    }

    fn keep_alive<'a>(
        &'a self,
        ctx: &'a LoginContext,
        session: &'a Session,
    ) -> Option<BoxFuture<'a, Result<(), Error>>> {
        Some(
            async move {
                let mut request = ctx.request(Method::PUT, "/sessions");
                if let Some(token) = token_header(session) {
                    request = request.header(AUTH_TOKEN_HEADER, token);
                }
                let response = ctx.send(request).await?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(ctx.failure(self, response).await)
                }
            }
            .boxed(),
        )
    }

    fn map_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
        map_error(status, headers, body)
    }
}
