//! The Looker [`Authenticator`] for the shared auth core: API3 client-credential login, sudo
//! (`login_user`), `Authorization: token <t>`, logout, 401 = expired, Looker error bodies.
//!
//! Facts from the official Python SDK (looker-open-source/sdk-codegen,
//! `python/looker_sdk/rtl/auth_session.py`, `auth_token.py`):
//! - login is `POST {base_url}/api/{version}/login` with an `application/x-www-form-urlencoded`
//!   body of `client_id` and `client_secret` (never in the URL), and the credentials are read
//!   again at every login (`_login` calls `read_config()`);
//! - a token is renewed `lag_time = 10` s before `expires_in` runs out;
//! - sudo is `POST /login/{user_id}` authenticated with the admin token and yields a separate
//!   token; logging the sudo session out ends only that token;
//! - logout is `DELETE /logout` with the token being ended.
//!
//! On top of the SDK: a token replaced by a renewal is logged out (no token is left alive),
//! and the header is Looker's documented `token <t>` (the SDK sends `Bearer`).

use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use futures::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::errors::LookerErrorBody;
use crate::auth::{Auth, Authenticator, LoginContext, Session, SessionUser};
use crate::credentials::Credential;
use crate::error::{status_only, Error, ErrorKind, FieldError, VendorError};

/// The vendor name the core and saved sessions use.
pub const VENDOR: &str = "looker";

#[derive(Deserialize)]
struct AccessToken {
    /// The only field bi-rest needs; the rest is read leniently (`expires_in` as a number or
    /// as text, anything else ignored).
    #[serde(default, deserialize_with = "crate::lenient::opt_string")]
    access_token: Option<String>,
    #[serde(default, deserialize_with = "crate::lenient::opt_i64")]
    expires_in: Option<i64>,
}

/// A usable `AccessToken` login answer.
pub(crate) struct LoginToken {
    /// The token (non-empty).
    pub(crate) access_token: SecretString,
    /// Its lifetime in seconds, when the server sent a positive one.
    pub(crate) expires_in: Option<u64>,
    /// When it expires: `now + expires_in`, or `None` when no lifetime was sent or it is too
    /// long to represent (then the token is treated as not expiring, never a panic).
    pub(crate) expires_at: Option<SystemTime>,
}

/// Reads a login answer (`AccessToken`) received at `now`: only `access_token` is required.
pub(crate) fn read_access_token(body: &[u8], now: SystemTime) -> Result<LoginToken, Error> {
    let token: AccessToken = serde_json::from_slice(body).map_err(|e| {
        Error::new(ErrorKind::Decode, "login answered no AccessToken").with_source(e)
    })?;
    let access = token
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::new(ErrorKind::Decode, "login answered no access_token"))?;
    let expires_in = token
        .expires_in
        .and_then(|s| u64::try_from(s).ok())
        .filter(|s| *s > 0);
    Ok(LoginToken {
        access_token: SecretString::from(access),
        expires_in,
        expires_at: expires_in.and_then(|s| now.checked_add(Duration::from_secs(s))),
    })
}

enum Mode {
    Credentials {
        client_id: Credential,
        client_secret: Credential,
    },
    Sudo {
        admin: Auth,
        user_id: String,
    },
}

/// Logs in to Looker with API3 credentials, or as another user through an admin session.
pub struct LookerAuthenticator {
    mode: Mode,
    /// The token of the last login, logged out when a renewal replaces it.
    last: Mutex<Option<SecretString>>,
}

impl fmt::Debug for LookerAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mode {
            Mode::Credentials { client_id, .. } => f
                .debug_struct("LookerAuthenticator")
                .field("client_id", &client_id.describe())
                .field("client_secret", &"[REDACTED]")
                .finish(),
            Mode::Sudo { user_id, .. } => f
                .debug_struct("LookerAuthenticator")
                .field("sudo_user_id", user_id)
                .finish(),
        }
    }
}

impl LookerAuthenticator {
    /// API3 client credentials, resolved at every login.
    pub fn credentials(client_id: Credential, client_secret: Credential) -> Self {
        Self {
            mode: Mode::Credentials {
                client_id,
                client_secret,
            },
            last: Mutex::new(None),
        }
    }

    /// Sudo as `user_id` through the admin session `admin`.
    pub fn sudo(admin: Auth, user_id: impl Into<String>) -> Self {
        Self {
            mode: Mode::Sudo {
                admin,
                user_id: user_id.into(),
            },
            last: Mutex::new(None),
        }
    }

    /// The sudo user id, for a sudo authenticator.
    pub fn sudo_user_id(&self) -> Option<&str> {
        match &self.mode {
            Mode::Sudo { user_id, .. } => Some(user_id),
            Mode::Credentials { .. } => None,
        }
    }

    async fn do_login(&self, ctx: &LoginContext) -> Result<Session, Error> {
        let (response, mode, user) = match &self.mode {
            Mode::Credentials {
                client_id,
                client_secret,
            } => {
                let id = client_id.resolve().await.map_err(credential_error)?;
                let secret = client_secret.resolve().await.map_err(credential_error)?;
                let form = [
                    ("client_id", id.expose_secret()),
                    ("client_secret", secret.expose_secret()),
                ];
                let request = ctx
                    .request(Method::POST, "login")
                    .header(reqwest::header::ACCEPT, "application/json")
                    .form(&form);
                let response = ctx.send(request).await.map_err(|e| e.context("login"))?;
                if !response.status().is_success() {
                    let err = ctx.failure(self, response).await;
                    return Err(err.with_kind(ErrorKind::LoginFailed).context("login"));
                }
                (response, "api3", None)
            }
            Mode::Sudo { admin, user_id } => {
                let request = admin
                    .request(Method::POST, &format!("login/{user_id}"))
                    .header(reqwest::header::ACCEPT, "application/json");
                let response = Box::pin(admin.send(request))
                    .await
                    .map_err(|e| e.context("login_user"))?;
                if !response.status().is_success() {
                    let err = ctx.failure(self, response).await;
                    return Err(err.context("login_user"));
                }
                let user = SessionUser {
                    id: Some(user_id.clone()),
                    ..SessionUser::default()
                };
                (response, "sudo", Some(user))
            }
        };
        let body = crate::auth::read_body(response)
            .await
            .map_err(|e| e.context("reading AccessToken"))?;
        let token = read_access_token(&body, ctx.now())?;
        let mut session = Session::new(Some(token.access_token), mode);
        if let Some(secs) = token.expires_in {
            if let Some(at) = token.expires_at {
                session = session.with_expires_at(at);
            }
            session = session.with_data("expires_in", serde_json::Value::from(secs));
        }
        if let Some(user) = user {
            session = session.with_user(user);
        }
        Ok(session)
    }
}

fn credential_error(e: crate::credentials::CredentialError) -> Error {
    Error::from(e).context("resolving Looker API3 credentials")
}

/// `Authorization: token <t>`, marked sensitive (never logged by hyper/reqwest).
pub fn auth_header(token: &SecretString) -> Option<HeaderValue> {
    token_header_value(token.expose_secret())
}

/// Builds `token <t>` without leaving a copy of the token in an unzeroed `String`.
fn token_header_value(token: &str) -> Option<HeaderValue> {
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(6 + token.len()));
    bytes.extend_from_slice(b"token ");
    bytes.extend_from_slice(token.as_bytes());
    let mut v = HeaderValue::from_bytes(&bytes).ok()?;
    v.set_sensitive(true);
    Some(v)
}

async fn logout_token(
    authenticator: &LookerAuthenticator,
    ctx: &LoginContext,
    token: &SecretString,
) -> Result<(), Error> {
    let Some(header) = auth_header(token) else {
        return Ok(());
    };
    let request = ctx
        .request(Method::DELETE, "logout")
        .header(AUTHORIZATION, header);
    let response = ctx.send(request).await.map_err(|e| e.context("logout"))?;
    let status = response.status();
    // 401/404: the token is already gone, which is what a logout wants.
    if status.is_success() || status == StatusCode::UNAUTHORIZED || status == StatusCode::NOT_FOUND
    {
        Ok(())
    } else {
        Err(ctx.failure(authenticator, response).await.context("logout"))
    }
}

impl Authenticator for LookerAuthenticator {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn login<'a>(&'a self, ctx: &'a LoginContext) -> BoxFuture<'a, Result<Session, Error>> {
        Box::pin(async move {
            let session = self.do_login(ctx).await?;
            let previous = {
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                std::mem::replace(&mut *last, session.token().cloned())
            };
            if let Some(old) = previous {
                // Renewed ahead of expiry (or after a 401): end the old token so none stays alive.
                if let Err(e) = logout_token(self, ctx, &old).await {
                    tracing::debug!(error = %e, "logging out the replaced Looker token failed");
                }
            }
            Ok(session)
        })
    }

    fn logout<'a>(
        &'a self,
        ctx: &'a LoginContext,
        session: &'a Session,
    ) -> BoxFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            let Some(token) = session.token() else {
                return Ok(());
            };
            {
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                if last
                    .as_ref()
                    .is_some_and(|l| l.expose_secret() == token.expose_secret())
                {
                    *last = None;
                }
            }
            logout_token(self, ctx, token).await
        })
    }

    fn decorate(&self, request: &mut reqwest::Request, session: &Session) {
        if request.headers().contains_key(AUTHORIZATION) {
            return;
        }
        if let Some(h) = session.token_header(token_header_value) {
            request.headers_mut().insert(AUTHORIZATION, h);
        }
    }

    fn is_session_expired(&self, status: StatusCode, _headers: &HeaderMap, _body: &[u8]) -> bool {
        status == StatusCode::UNAUTHORIZED
    }

    fn map_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
        map_looker_error(status, headers, body)
    }
}

/// Maps a Looker error response (`Error` or 422 `ValidationError`) to a [`crate::Error`]:
/// kind from the status (404 not found, 400/422 invalid request with per-field errors kept,
/// 403 insufficient privileges, 409 conflict, 429 rate limited with `Retry-After`, 401 session
/// invalid, 5xx server), message and documentation URL kept. Other bodies keep status and an
/// excerpt.
pub fn map_looker_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let (message, documentation_url, field_errors) = match LookerErrorBody::parse(body) {
        LookerErrorBody::Validation(v) => (
            v.message,
            v.documentation_url,
            v.errors
                .into_iter()
                .map(|d| FieldError {
                    field: d.field,
                    code: d.code,
                    message: d.message,
                    documentation_url: d.documentation_url,
                })
                .collect(),
        ),
        LookerErrorBody::Error(e) => (e.message, e.documentation_url, Vec::new()),
        LookerErrorBody::Other(_) => return status_only(status, headers, body),
    };
    let mut vendor = VendorError::from_raw(status, headers, body);
    vendor.message = Some(if message.is_empty() {
        format!("HTTP {}", status.as_u16())
    } else {
        message
    });
    vendor.documentation_url = documentation_url;
    vendor.field_errors = field_errors;
    vendor.raw_body = None;
    let kind = match status.as_u16() {
        422 | 400 => ErrorKind::InvalidRequest,
        other => ErrorKind::from_status(StatusCode::from_u16(other).unwrap_or(status)),
    };
    Error::from_vendor(kind, VENDOR, vendor)
}
